"""Home 首页: the health centers, the inspections by status, starting one, the shipped standards."""

from __future__ import annotations

import flet as ft

from inspect_app.ui.components.common import TARGET, app_bar, big_button, card, heading


class HomeScreen:
    def __init__(self, app) -> None:
        self.app = app
        t = app.t
        body = ft.Column([self._standards()], spacing=16)
        self.view = ft.View(
            route="/", appbar=app_bar(app, t("app_title")), scroll=ft.ScrollMode.AUTO,
            padding=ft.Padding.all(12 if app.narrow else 20), bgcolor=ft.Colors.GREY_50,
            controls=[body],
        )

    # ------------------------------------------------------------ standards
    def _standards(self) -> ft.Control:
        t = self.app.t
        cards = []
        for info in self.app.ctx.standards():
            cards.append(card(
                ft.Text(info.title, size=16, weight=ft.FontWeight.W_600),
                ft.Text(f"{t('edition')}: {info.edition or '—'}", size=13),
                ft.Row([ft.Text(t("clauses_n", n=info.clause_count), size=13),
                        ft.Text(t("items_n", n=info.item_count), size=13)], spacing=16),
                key=f"standard-{info.id}",
            ))
        if not cards:
            cards.append(ft.Text(t("no_standards")))
        return ft.Column([heading(t("standards")), *cards], spacing=8)
