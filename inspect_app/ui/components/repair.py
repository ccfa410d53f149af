"""A card for an inspection file that cannot be listed as it is: named, with what happened and
what to do, so a damaged or unreadable file never vanishes (and never hides the others)."""

from __future__ import annotations

import flet as ft

from inspect_app.ui.components.common import card


def repair_card(app, damaged) -> ft.Control:
    """`damaged`: a store.errors.DamagedInspection (key, path, zh/en message)."""
    title = "需要修复的评审记录" if app.lang != "en" else "Inspection file needs repair"
    return card(
        ft.Row([ft.Icon(ft.Icons.REPORT_PROBLEM_OUTLINED, color=ft.Colors.AMBER_900),
                ft.Text(title, size=16, weight=ft.FontWeight.W_600, color=ft.Colors.AMBER_900)], spacing=8),
        ft.Text(damaged.message(app.lang), size=13, selectable=True),
        ft.Text(str(damaged.path), size=12, color=ft.Colors.GREY_700, selectable=True),
    )
