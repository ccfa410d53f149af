"""Review before signing 照片核对: every photo of the inspection in a grid, each openable and removable."""

from __future__ import annotations

import flet as ft

from inspect_app.ui.components.common import app_bar
from inspect_app.ui.components.nav import inspection_actions, inspection_bottom_bar
from inspect_app.ui.components.photos import thumbnail
from inspect_app.ui.components.save_state import SaveState
from inspect_app.ui.data import load
from inspect_app.ui_state import clause_route


class PhotosScreen:
    def __init__(self, app, inspection_id: str) -> None:
        self.app = app
        self.id = inspection_id
        t = app.t
        self.data = data = load(app, inspection_id)
        self.save_state = SaveState(app.lang)
        self.records = list(data.snap.live_evidence)
        self.grid = ft.Column(spacing=12)
        self._render()
        self.view = ft.View(
            route=f"/i/{inspection_id}/photos", bgcolor=ft.Colors.GREY_50, scroll=ft.ScrollMode.AUTO,
            padding=ft.Padding.all(10 if app.narrow else 16),
            appbar=app_bar(app, f"{t('photos')} ({len(self.records)})", back=f"/i/{inspection_id}",
                           actions=inspection_actions(app, inspection_id, "photos", self.save_state)),
            bottom_appbar=inspection_bottom_bar(app, inspection_id, "photos"),
            controls=[self.grid],
        )

    def _render(self) -> None:
        t = self.app.t
        if not self.records:
            self.grid.controls = [ft.Text(t("no_photos"))]
            return
        groups: dict[str, list] = {}
        for r in self.records:
            groups.setdefault(r.target.clause_number or "—", []).append(r)
        order = {c.number: i for i, c in enumerate(self.data.standard.clauses())}
        controls = []
        size = 110 if self.app.narrow else 150
        for number in sorted(groups, key=lambda n: order.get(n, -1)):
            title = self.data.standard.clause(number).title if number in order else ""
            controls.append(ft.TextButton(f"{number} {title}", height=48,
                                          on_click=lambda e, n=number: self.app.go(clause_route(self.id, n))
                                          if n in order else None))
            tiles = []
            for r in groups[number]:
                tiles.append(ft.Column([thumbnail(self.app, r, self._removed, size=size),
                                        ft.Text(r.target.item_code or t("clause_note")[:2], size=12)],
                                       spacing=2, tight=True))
            controls.append(ft.Row(tiles, wrap=True, spacing=10, run_spacing=10))
        self.grid.controls = controls

    def _removed(self, record) -> None:
        self.records = [r for r in self.records if r.id != record.id]
        self._render()
        self.grid.update()
