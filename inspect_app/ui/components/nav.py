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


def inspection_bottom_bar(app, inspection_id: str, here: str, above: ft.Control | None = None) -> ft.BottomAppBar | None:
    """Phone: the four destinations as big labelled buttons, the current one marked, with `above`
    (the clause's previous/next bar) over them. Tablet: only `above`, when there is one."""
    if not app.narrow:
        if above is None:
            return None
        return ft.BottomAppBar(above, bgcolor=ft.Colors.TEAL_50, height=TARGET + 16,
                               padding=ft.Padding.symmetric(horizontal=16, vertical=8))
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
            # No tooltip: a screen reader read the label and the tooltip ("签名 签名").
        ))
    rows: list[ft.Control] = [ft.Row(buttons, spacing=4)]
    if above is not None:
        rows.insert(0, above)
    return ft.BottomAppBar(ft.Column(rows, spacing=4, tight=True), bgcolor=ft.Colors.TEAL_50,
                           padding=ft.Padding.symmetric(horizontal=6, vertical=4),
                           height=64 + (TARGET + 8 if above is not None else 0))


def clause_nav_bar(app, *, prev_label: str | None, next_label: str | None, unrated_label: str | None,
                   on_prev, on_next, on_unrated) -> ft.Control:
    """上一条 · 下一未评 · 下一条: always on screen (in the bottom bar), never 2,800 px down a clause."""
    def nav(text, icon, handler, enabled, filled=False):
        cls = ft.FilledButton if filled else ft.OutlinedButton
        return cls(content=ft.Text(text, no_wrap=True, overflow=ft.TextOverflow.ELLIPSIS, max_lines=1),
                   icon=icon, on_click=handler if enabled else None, disabled=not enabled, height=TARGET,
                   expand=True, style=ft.ButtonStyle(padding=ft.Padding.symmetric(horizontal=8)))

    t = app.t
    return ft.Row([
        nav(prev_label or t("prev"), ft.Icons.CHEVRON_LEFT, on_prev, prev_label is not None),
        nav(unrated_label or t("all_rated"), ft.Icons.SKIP_NEXT, on_unrated, unrated_label is not None,
            filled=True),
        nav(next_label or t("next"), ft.Icons.CHEVRON_RIGHT, on_next, next_label is not None),
    ], spacing=6)
