"""The honest save indicator: 已保存 only after the service returned from a durable save."""

from __future__ import annotations

import flet as ft

from inspect_app.ui.i18n import t

_LOOK = {
    "saved": (ft.Icons.CLOUD_DONE_OUTLINED, ft.Colors.GREEN_800, "saved"),
    "saving": (ft.Icons.CLOUD_UPLOAD_OUTLINED, ft.Colors.ORANGE_800, "saving"),
    "failed": (ft.Icons.ERROR_OUTLINE, ft.Colors.RED_700, "save_failed"),
    "unsaved": (ft.Icons.EDIT_NOTE, ft.Colors.ORANGE_800, "unsaved"),
}


class SaveState(ft.Row):
    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.state = "saved"
        self.icon = ft.Icon(ft.Icons.CLOUD_DONE_OUTLINED, size=18, color=ft.Colors.GREEN_800)
        self.label = ft.Text(t("saved", lang), size=13, color=ft.Colors.GREEN_800)
        super().__init__([self.icon, self.label], spacing=4, tight=True)

    def set(self, state: str) -> None:
        self.state = state
        icon, color, key = _LOOK[state]
        self.icon.icon, self.icon.color = icon, color
        self.label.value, self.label.color = t(key, self.lang), color
        if self.page:
            self.update()
