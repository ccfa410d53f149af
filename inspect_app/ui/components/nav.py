"""The actions every inspection screen has: overview, photos, summary, sign — and the save state.

Tablet (wide): text buttons in the app bar. Phone (narrow): the app bar keeps only the save state
(its title needs the room), and the four destinations sit in a bottom bar, in reach of the thumb.
"""

from __future__ import annotations

import flet as ft

from inspect_app.ui.components.common import TARGET

_ENTRIES = (("overview", ft.Icons.LIST_ALT, ""), ("photos", ft.Icons.PHOTO_LIBRARY_OUTLINED, "/photos"),
            ("summary", ft.Icons.ASSESSMENT_OUTLINED, "/summary"), ("sign", ft.Icons.DRAW_OUTLINED, "/sign"))


def inspection_actions(app, inspection_id: str, here: str, save_state=None) -> list[ft.Control]:
    t = app.t
    out: list[ft.Control] = []
    if save_state is not None:
        out.append(ft.Container(save_state, padding=ft.Padding.only(right=4 if app.narrow else 8)))
    if app.narrow:
        return out
    for key, icon, suffix in _ENTRIES:
        if key == here:
            continue
        route = f"/i/{inspection_id}{suffix}"
        out.append(ft.TextButton(t(key), icon=icon, on_click=lambda e, r=route: app.go(r), height=TARGET))
    return out


def inspection_bottom_bar(app, inspection_id: str, here: str) -> ft.BottomAppBar | None:
    """Phone only: the four destinations as big labelled buttons; the current one is marked."""
    if not app.narrow:
        return None
    t = app.t
    buttons = []
    for key, icon, suffix in _ENTRIES:
        route = f"/i/{inspection_id}{suffix}"
        current = key == here
        color = ft.Colors.TEAL_900 if current else ft.Colors.TEAL_700
        buttons.append(ft.Container(
            ft.Column([ft.Icon(icon, color=color, size=22),
                       ft.Text(t(key), size=12, color=color,
                               weight=ft.FontWeight.BOLD if current else ft.FontWeight.NORMAL)],
                      spacing=2, tight=True, horizontal_alignment=ft.CrossAxisAlignment.CENTER),
            expand=True, height=56, border_radius=8, alignment=ft.Alignment.CENTER,
            bgcolor=ft.Colors.TEAL_100 if current else None, ink=True,
            on_click=None if current else (lambda e, r=route: app.go(r)),
            tooltip=t(key),
        ))
    return ft.BottomAppBar(ft.Row(buttons, spacing=4), bgcolor=ft.Colors.TEAL_50,
                           padding=ft.Padding.symmetric(horizontal=6, vertical=4), height=64)
