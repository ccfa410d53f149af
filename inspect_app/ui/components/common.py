"""Small shared widgets: app bar with language switch, big buttons, level badges, headings."""

from __future__ import annotations

import flet as ft

TARGET = 48  # minimum finger target, px

LEVEL_COLORS = {
    "A": ft.Colors.GREEN_700, "B": ft.Colors.TEAL_600, "C": ft.Colors.BLUE_600,
    "D": ft.Colors.RED_700, "incomplete": ft.Colors.GREY_500, "na": ft.Colors.BLUE_GREY_300,
}


def app_bar(app, title: str, *, back: str | None = None, actions: list[ft.Control] | None = None,
            bottom: ft.Control | None = None) -> ft.AppBar:
    lead = None
    if back is not None:
        lead = ft.IconButton(ft.Icons.ARROW_BACK, tooltip=app.t("back"), on_click=lambda e: app.go(back),
                             width=TARGET, height=TARGET)

    async def switch(e):
        await app.set_lang("en" if app.lang == "zh" else "zh")

    # On a phone the language switch is short ("EN"/"中文") so the title keeps its room.
    lang = ft.TextButton(app.t("lang_short") if app.narrow else app.t("lang_switch"), on_click=switch,
                         height=TARGET, tooltip=app.t("lang_switch"),
                         style=ft.ButtonStyle(padding=ft.Padding.symmetric(horizontal=8)) if app.narrow else None)
    return ft.AppBar(leading=lead, title=ft.Text(title, size=16 if app.narrow else 20, no_wrap=False, max_lines=2,
                                                 overflow=ft.TextOverflow.ELLIPSIS),
                     actions=[*(actions or []), lang], bgcolor=ft.Colors.TEAL_50,
                     automatically_imply_leading=False, toolbar_height=56,
                     title_spacing=4 if app.narrow and back is not None else None, leading_width=TARGET if back is not None else None)


def heading(text: str, size: int = 18) -> ft.Text:
    return ft.Text(text, size=size, weight=ft.FontWeight.BOLD)


def big_button(text: str, on_click=None, *, icon=None, filled: bool = True, expand=None, key=None,
               disabled: bool = False, tooltip=None, danger: bool = False) -> ft.Control:
    cls = ft.FilledButton if filled else ft.OutlinedButton
    style = ft.ButtonStyle(bgcolor=ft.Colors.RED_700, color=ft.Colors.WHITE) if danger and filled else None
    # A Text as content keeps the theme's CJK font; no tooltip repeating the label (read twice).
    return cls(content=ft.Text(text, text_align=ft.TextAlign.CENTER), icon=icon, on_click=on_click,
               height=TARGET, expand=expand, key=key, disabled=disabled, tooltip=tooltip, style=style)


def status_banner(app, status) -> ft.Control:
    """On every screen of an inspection that can no longer change: what is frozen and why."""
    from inspect_app.inspection import InspectionStatus as S

    if status is S.DRAFT:
        return ft.Container(visible=False)
    key = {S.SUBMITTED: "banner_submitted", S.SIGNED: "banner_signed", S.LOCKED: "banner_locked"}[status]
    return ft.Container(
        ft.Row([ft.Icon(ft.Icons.LOCK, color=ft.Colors.WHITE, size=20),
                ft.Text(app.t(key), color=ft.Colors.WHITE, size=14, weight=ft.FontWeight.W_600, expand=True)],
               spacing=8, vertical_alignment=ft.CrossAxisAlignment.CENTER),
        bgcolor=ft.Colors.BLUE_GREY_700, border_radius=8, padding=ft.Padding.symmetric(horizontal=12, vertical=10))


def level_badge(level_value: str, label: str, *, size: int = 14) -> ft.Container:
    color = LEVEL_COLORS.get(level_value, ft.Colors.GREY_500)
    return ft.Container(ft.Text(label, color=ft.Colors.WHITE, size=size, weight=ft.FontWeight.BOLD),
                        bgcolor=color, border_radius=6, padding=ft.Padding.symmetric(horizontal=8, vertical=3))


def card(*controls: ft.Control, on_click=None, padding: int = 12, key=None) -> ft.Container:
    return ft.Container(ft.Column(list(controls), spacing=6), padding=padding, border_radius=10,
                        border=ft.Border.all(1, ft.Colors.GREY_300), bgcolor=ft.Colors.WHITE,
                        on_click=on_click, ink=on_click is not None, key=key)


def progress_line(app, rated: int, total: int) -> ft.Row:
    share = rated / total if total else 1.0
    return ft.Row([
        ft.ProgressBar(value=share, expand=True, bar_height=8, border_radius=4),
        ft.Text(f"{app.t('progress')} {rated}/{total}", size=13),
    ], vertical_alignment=ft.CrossAxisAlignment.CENTER)


def bind(handler, *args):
    """An async event handler calling `handler(*args)` (or `handler(*args, e)` if it takes the
    event). A lambda returning a coroutine is never awaited by Flet: use this instead."""
    import inspect

    wants_event = len(inspect.signature(handler).parameters) > len(args)

    async def on_event(e):
        result = handler(*args, e) if wants_event else handler(*args)
        if inspect.isawaitable(result):  # a plain function is fine too
            await result

    return on_event


def confirm_dialog(app, title: str, message: str, yes: str, on_yes, *, danger: bool = True) -> None:
    """Before a step that cannot be undone (提交, 锁定): say in words what can no longer change.
    Nothing happens unless the person confirms; 取消 is the safe, default-looking choice."""
    async def confirmed(e):
        app.page.pop_dialog()
        result = on_yes()
        if hasattr(result, "__await__"):
            await result

    app.page.show_dialog(ft.AlertDialog(
        modal=True, title=ft.Text(title),
        content=ft.Text(message, size=14, width=min(520, (app.page.width or 520) - 64)),
        actions=[big_button(app.t("cancel"), lambda e: app.page.pop_dialog(), filled=False),
                 big_button(yes, confirmed, danger=danger)],
        inset_padding=ft.Padding.all(12) if app.narrow else None,
    ))
