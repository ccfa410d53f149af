"""The frame shared by the screens inside one inspection (overview, photos, summary, sign)."""

from __future__ import annotations

import flet as ft

from inspect_app.ui.components.common import app_bar
from inspect_app.ui.components.nav import inspection_actions, inspection_bottom_bar
from inspect_app.ui.components.save_state import SaveState
from inspect_app.ui.data import load


class InspectionScreen:
    """Loads the inspection once, keeps the honest save state, and builds the view with the
    app bar (save state, sync badge, language) and, on a phone, the bottom navigation."""

    tab = ""  # which destination of the inspection's navigation this screen is

    def __init__(self, app, inspection_id: str) -> None:
        self.app = app
        self.id = inspection_id
        self.data = load(app, inspection_id)
        self.save_state = SaveState(app.lang)

    def frame(self, route: str, title: str, back: str, controls: list[ft.Control], *,
              stretch: bool = False, spacing: float = 10) -> ft.View:
        """`stretch` makes every card take the full width (a card otherwise shrinks to its content)."""
        app = self.app
        return ft.View(
            route=route, bgcolor=ft.Colors.GREY_50, scroll=ft.ScrollMode.AUTO,
            horizontal_alignment=ft.CrossAxisAlignment.STRETCH if stretch else ft.CrossAxisAlignment.START,
            padding=ft.Padding.all(10 if app.narrow else 16), spacing=spacing,
            appbar=app_bar(app, title, back=back, actions=inspection_actions(app, self.id, self.tab, self.save_state)),
            bottom_appbar=inspection_bottom_bar(app, self.id, self.tab),
            controls=controls,
        )
