"""The actions every inspection screen has: overview, photos, summary, sign — and the save state."""

from __future__ import annotations

import flet as ft

from inspect_app.ui.components.common import TARGET


def inspection_actions(app, inspection_id: str, here: str, save_state=None) -> list[ft.Control]:
    t = app.t
    entries = [("overview", ft.Icons.LIST_ALT, f"/i/{inspection_id}"),
               ("photos", ft.Icons.PHOTO_LIBRARY_OUTLINED, f"/i/{inspection_id}/photos"),
               ("summary", ft.Icons.ASSESSMENT_OUTLINED, f"/i/{inspection_id}/summary"),
               ("sign", ft.Icons.DRAW_OUTLINED, f"/i/{inspection_id}/sign")]
    out: list[ft.Control] = []
    if save_state is not None:
        out.append(ft.Container(save_state, padding=ft.Padding.only(right=8)))
    for key, icon, route in entries:
        if key == here:
            continue
        if app.narrow:
            out.append(ft.IconButton(icon, tooltip=t(key), on_click=lambda e, r=route: app.go(r),
                                     width=TARGET, height=TARGET))
        else:
            out.append(ft.TextButton(t(key), icon=icon, on_click=lambda e, r=route: app.go(r), height=TARGET))
    return out
