"""The frame shared by the screens inside one inspection (overview, photos, summary, sign)."""

from __future__ import annotations

import flet as ft

from inspect_app.ui.components.common import app_bar, status_banner
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

    async def on_sync_status(self, status=None) -> None:
        """Polled every 2 s: when the inspection changed under this screen (a teammate's ratings
        arrived by sync, another tablet on this app rated), redraw in place; a screen with text
        being typed (`typing`) waits until it is saved."""
        import asyncio

        from inspect_app import read_models

        view = await asyncio.to_thread(read_models.inspection_view, self.app.ctx.workspace, self.id)
        if view.version == self.data.version or getattr(self, "typing", None):
            return
        self.data = view
        await self.refresh()

    async def refresh(self) -> None:
        """Default: build the screen again and swap it in (same route, same scroll)."""
        self.app.show(self.app.page.route)

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
            controls=[status_banner(app, self.data.inspection.status), *controls],
        )
