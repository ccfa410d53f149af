"""A row of big toggle buttons, one of which is chosen (instead of a dropdown: one tap, big targets).

Tapping the chosen button again changes nothing (a double tap is harmless); clearing a choice is
a separate, labelled action of the screen. A disabled row is drawn grey, not as live buttons.
"""

from __future__ import annotations

import flet as ft

from inspect_app.ui.components.common import TARGET


class ChoiceRow(ft.Row):
    def __init__(self, options: list[tuple[str, str]], value: str | None = None, on_change=None,
                 colors: dict[str, str] | None = None, expand_buttons: bool = False,
                 locked: bool = False) -> None:
        self.options = options
        self.value = value
        self.on_change_cb = on_change
        self.colors = colors or {}
        self.expand_buttons = expand_buttons
        self.locked = locked
        self._clicks: dict[str, object] = {}
        self._built_for: list[str] | None = None
        # Expanded buttons share one line (a wrapping row cannot expand its children).
        super().__init__(wrap=not expand_buttons, spacing=8, run_spacing=8)
        self._render()

    def set_locked(self, locked: bool) -> None:
        self.locked = locked
        self._render()

    def _render(self) -> None:
        """Restyle the buttons in place once they exist: a tap then sends a few changed properties,
        not three new buttons for Flet to configure, diff and mount (bench/ui_profile.py)."""
        values = [v for v, _ in self.options]
        if values != self._built_for:  # other choices (the start dialog's leader names): new buttons
            self._clicks = {}
            self.controls = [self._button(v, label) for v, label in self.options]
            self._built_for = values
            return
        for button, (value, label) in zip(self.controls, self.options):
            self._paint(button, value, label)

    def _button(self, value: str, label: str) -> ft.Control:
        async def click(e, v=value):
            await self.choose(v)

        self._clicks[value] = click  # kept here: Button.data would travel to the browser
        button = ft.Button(content=ft.Text(""), height=TARGET, expand=self.expand_buttons or None, elevation=0)
        self._paint(button, value, label)
        return button

    def _paint(self, button: ft.Button, value: str, label: str) -> None:
        chosen = value == self.value
        color = ft.Colors.GREY_500 if self.locked else self.colors.get(value, ft.Colors.TEAL_700)
        style = ft.ButtonStyle(
            bgcolor=(ft.Colors.GREY_400 if self.locked else color) if chosen else
            (ft.Colors.GREY_100 if self.locked else ft.Colors.WHITE),
            color=ft.Colors.WHITE if chosen else color,
            side=ft.BorderSide(1 if self.locked else 2, color),
            shape=ft.RoundedRectangleBorder(radius=8),
            padding=ft.Padding.symmetric(horizontal=16),
        )
        button.content.value, button.content.color = ("✓ " if chosen else "") + label, style.color
        button.style, button.disabled = style, self.locked
        button.on_click = None if self.locked else self._clicks[value]

    async def choose(self, value: str) -> None:
        if value == self.value:
            return  # the same choice again (a double tap): nothing to save
        self.value = value
        self._render()
        if self.page:
            self.update()
        if self.on_change_cb:
            result = self.on_change_cb(value)
            if hasattr(result, "__await__"):
                await result

    def show(self, value: str | None, update: bool = True) -> None:
        """Show a value that was saved elsewhere (a sync merge, a cleared rating), without a callback;
        update=False when the caller sends the page itself."""
        if value == self.value:
            return
        self.value = value
        self._render()
        if update and self.page:
            self.update()
