"""The tablet app: one Flet session per browser tab, routes → screens, language and identity.

Routes (the URL path, so a reload lands on the same screen):
    /                         home: centers, inspections, standards
    /i/<id>                   overview of an inspection
    /i/<id>/c/<clause>        one clause
    /i/<id>/photos            every photo, before signing
    /i/<id>/summary           results, verdict, 问题清单
    /i/<id>/sign              signatures and lock
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
import traceback
from pathlib import Path

import flet as ft

from inspect_app import paths
from inspect_app.errors import UserError
from inspect_app.ui.context import AppContext
from inspect_app.ui.i18n import t

log = logging.getLogger(__name__)

TIMING = bool(os.environ.get("JICENG_UI_TIMING"))
FONT_FAMILY = "NotoSansSC"
PREF_LANG = "jiceng.lang"
PREF_ME = "jiceng.inspector"


def make_main(data_dir: Path, upload_dir: Path, standards_dir: Path | None = None):
    """The Flet entry for every session, and the lookup the /media route uses."""
    ctx = AppContext(data_dir=data_dir, upload_dir=upload_dir, standards_dir=standards_dir or paths.STANDARDS_DIR)
    from inspect_app.ui.sync.runtime import sync_service

    sync_service(ctx).start()  # background sync from app start when a hub account is configured

    async def main(page: ft.Page) -> None:
        app = InspectApp(page, ctx)
        await app.start()

    return main, ctx.media_file


class InspectApp:
    """State of one session: language, who is using this device, the current screen."""

    def __init__(self, page: ft.Page, ctx: AppContext) -> None:
        self.page = page
        self.ctx = ctx
        self.lang = "zh"
        self.me = ""
        self.prefs = ft.SharedPreferences()  # localStorage in the browser: per device
        self.screen = None  # the current screen object (has .view)
        self.show_archived = False  # home: archived inspections listed too

    # ------------------------------------------------------------ set-up
    async def start(self) -> None:
        page = self.page
        page.title = t("app_title")
        # The bundled subset of Noto Sans SC: without it every Chinese glyph is a box.
        from inspect_app.webshell import apply_fonts

        apply_fonts(page, seed_color=ft.Colors.TEAL)  # GB2312 face first, full + extensions after
        # Flutter picks a compact density on a desktop browser (icon buttons, switches and
        # outlined buttons 40 px high); an inspector's finger needs the tablet's 48 px everywhere.
        page.theme.visual_density = ft.VisualDensity.STANDARD
        page.theme_mode = ft.ThemeMode.LIGHT
        page.padding = 0
        try:
            self.lang = (await self.prefs.get(PREF_LANG)) or "zh"
            self.me = (await self.prefs.get(PREF_ME)) or ""
        except Exception:  # noqa: BLE001 - storage unavailable: defaults are fine
            log.warning("shared preferences unavailable", exc_info=True)
        page.on_route_change = self._route_changed
        # Back after the Wi-Fi dropped or the tablet slept: Flet re-attaches this session (same
        # screen, same clause); show what changed meanwhile (teammates' ratings) in place.
        page.on_connect = self._reconnected
        page.on_resize = self._resized  # Flet 1.0.5 name (on_resized was never called)
        self.show(page.route or "/")

    @property
    def narrow(self) -> bool:
        width = self.page.width or 1280
        return width < 700

    def t(self, key: str, **kw) -> str:
        return t(key, self.lang, **kw)

    # ------------------------------------------------------------ navigation
    def go(self, route: str) -> None:
        # The screen of `route` is sent whole by show() (here, or on the route change the
        # navigation brings back), and with it anything the handler changed; without this, Flet
        # diffed and sent the whole current page after the handler (5-25 ms and a 2 KB patch the
        # browser rebuilt and painted before the new screen, on every 下一条).
        try:
            ft.context.disable_auto_update()
        except RuntimeError:  # called outside an event handler: nothing to auto-update
            pass
        if route == self.page.route:
            self.show(route)
        else:
            self.page.navigate(route)

    def _route_changed(self, e: ft.RouteChangeEvent) -> None:
        self.show(e.route)

    def _resized(self, e) -> None:
        # Layout depends on the width (portrait phone vs landscape tablet): rebuild when crossing.
        was = getattr(self, "_was_narrow", None)
        if was is not None and was != self.narrow:
            self.show(self.page.route)

    def show(self, route: str) -> None:
        from inspect_app.ui.routes import build_screen

        self._was_narrow = self.narrow
        started = time.perf_counter()
        try:
            self.screen = build_screen(self, route)
            view = self.screen.view
            if view.appbar is not None:  # the sync badge on every screen, before the language switch
                from inspect_app.ui.components.sync_badge import sync_badge

                acts = list(view.appbar.actions or [])
                view.appbar.actions = [*acts[:-1], sync_badge(self), *acts[-1:]]
        except Exception as exc:  # noqa: BLE001 - show the error instead of a blank page
            log.error("screen %s failed", route, exc_info=True)
            view = self._error_view(route, exc)
        # Keep the one root View and swap its content: open dialogs belong to that view, and
        # replacing the view object would orphan a dialog that was just closed.
        if self.page.views:
            root = self.page.views[0]
            del self.page.views[1:]
            for attr in ("route", "controls", "appbar", "bottom_appbar", "scroll", "padding", "bgcolor", "spacing",
                         "horizontal_alignment"):
                setattr(root, attr, getattr(view, attr))
        else:
            self.page.views.append(view)
        built = time.perf_counter()
        self.page.update()
        # The one root View keeps its scroll offset across screens: a clause opened from a
        # scrolled overview landed on its last item. A new screen opens at its top.
        if route != getattr(self, "_shown_route", None):
            self.page.run_task(self._to_top, self.page.views[0])
        self._shown_route = route
        if TIMING:  # bench/ui_latency.py reads the server's part of opening a screen from here
            print(f"screen {route} built and sent in {(time.perf_counter() - started) * 1000:.1f} ms "
                  f"(built {(built - started) * 1000:.1f} ms)", flush=True)

    async def _to_top(self, root) -> None:
        try:
            await root.scroll_to(offset=0, duration=0)
        except Exception:  # noqa: BLE001 - a view without scrolling content has nothing to move
            log.debug("scroll to top", exc_info=True)

    async def _reconnected(self, e=None) -> None:
        listener = getattr(self.screen, "on_sync_status", None)
        if listener is not None:
            try:
                await listener(None)
            except Exception:  # noqa: BLE001 - the next poll tries again
                log.debug("refresh after reconnect", exc_info=True)

    def _error_view(self, route: str, exc: Exception) -> ft.View:
        text = exc.message(self.lang) if isinstance(exc, UserError) else f"{type(exc).__name__}: {exc}"
        return ft.View(route=route, controls=[
            ft.Text(self.t("app_title"), size=22, weight=ft.FontWeight.BOLD),
            ft.Text(text, color=ft.Colors.RED_700, selectable=True),
            ft.Text("" if isinstance(exc, UserError) else traceback.format_exc(limit=3), size=11),
            ft.Button(self.t("home"), on_click=lambda e: self.go("/"), height=48),
        ])

    # ------------------------------------------------------------ device settings
    async def set_lang(self, lang: str) -> None:
        self.lang = lang
        await self.prefs.set(PREF_LANG, lang)
        self.page.title = t("app_title", lang)
        self.show(self.page.route)

    async def set_me(self, name: str) -> None:
        self.me = name.strip()
        await self.prefs.set(PREF_ME, self.me)

    # ------------------------------------------------------------ saving
    async def call(self, fn, *args, error_at=None, **kwargs):
        """Run one service call off the event loop, with the honest save state shown.

        Honest both ways: 已保存 only after the service returned from a durable save; a rule that
        says "not yet" (UserError) is no failed save: nothing was lost, so the state goes back to
        what it was and the reason is shown, at `error_at` (a Text by the field) when given, else
        as a snack bar. Anything else is 保存失败. Returns the result, or None."""
        indicator = getattr(self.screen, "save_state", None)
        before = indicator.state if indicator is not None else None
        if indicator is not None:
            indicator.set("saving")
        started = time.perf_counter()
        ran: list[float] = []

        def run():
            t = time.perf_counter()
            try:
                return fn(self.ctx.workspace, *args, **kwargs)
            finally:
                ran.append(time.perf_counter() - t)

        try:
            result = await asyncio.to_thread(run)
        except UserError as exc:
            if indicator is not None:
                indicator.set(before if before in ("saved", "unsaved", "failed") else "saved")
            self.refuse(exc, error_at)
            return None
        except Exception as exc:  # noqa: BLE001 - every failure is shown, none is swallowed
            if indicator is not None:
                indicator.set("failed")
            self.fail(exc)
            return None
        if TIMING:  # the service's own time, and the wait for a worker thread and the GIL around it
            print(f"call {getattr(fn, '__name__', fn)} returned in {(time.perf_counter() - started) * 1000:.1f} ms "
                  f"(ran {ran[0] * 1000 if ran else float('nan'):.1f} ms)", flush=True)
        if indicator is not None:
            indicator.set("saved")
        if error_at is not None and error_at.visible:
            error_at.value, error_at.visible = "", False
            error_at.update()
        return result

    def refuse(self, exc: UserError, error_at=None) -> None:
        """A rule's refusal, where it concerns: by the field, else a snack bar."""
        if error_at is not None:
            error_at.value, error_at.visible = exc.message(self.lang), True
            error_at.update()
        else:
            self.toast(exc.message(self.lang), error=True)

    def toast(self, message: str, error: bool = False) -> None:
        self.page.show_dialog(ft.SnackBar(ft.Text(message), bgcolor=ft.Colors.RED_700 if error else None))

    def fail(self, exc: Exception) -> None:
        """Tell the user what went wrong, in their language."""
        if isinstance(exc, OSError):  # a full disk anywhere: a sentence, not "OSError: [Errno 28]"
            from inspect_app.store.errors import storage_error

            exc = storage_error(exc) or exc
        if isinstance(exc, UserError):
            self.toast(exc.message(self.lang), error=True)
        else:
            log.error("action failed", exc_info=exc)
            self.toast(f"{type(exc).__name__}: {exc}", error=True)
