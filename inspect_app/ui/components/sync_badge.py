"""The sync badge in every screen's header (离线 / 同步中 / 已同步 HH:MM / N 条待同步 / 冲突 N / 错误).

A tap opens /sync. One polling task per browser session reads the runner's status every 2 s
(a snapshot in memory, no network) and updates only the badge control; local edits are turned
into ops in a worker thread, so rating never waits.
"""

from __future__ import annotations

import asyncio
import logging

import flet as ft

from inspect_app.ui.sync.model import Badge, badge
from inspect_app.ui.sync.runtime import sync_service

log = logging.getLogger(__name__)

POLL_SECONDS = 2.0

_LOOK = {
    "none": (ft.Icons.CLOUD_OFF_OUTLINED, ft.Colors.GREY_700, ft.Colors.GREY_200),
    "syncing": (ft.Icons.SYNC, ft.Colors.BLUE_800, ft.Colors.BLUE_50),
    "offline": (ft.Icons.CLOUD_OFF_OUTLINED, ft.Colors.ORANGE_900, ft.Colors.ORANGE_50),
    "error": (ft.Icons.ERROR_OUTLINE, ft.Colors.RED_800, ft.Colors.RED_50),
    "conflict": (ft.Icons.CALL_SPLIT, ft.Colors.RED_800, ft.Colors.RED_50),
    "pending": (ft.Icons.CLOUD_UPLOAD_OUTLINED, ft.Colors.ORANGE_900, ft.Colors.AMBER_50),
    "synced": (ft.Icons.CLOUD_DONE_OUTLINED, ft.Colors.GREEN_800, ft.Colors.GREEN_50),
}


def current_badge(app) -> Badge:
    svc = sync_service(app.ctx)
    return badge(svc.status(), svc.signed_in(), app.lang)


class SyncBadge(ft.Container):
    def __init__(self, app) -> None:
        self.app = app
        self.icon = ft.Icon(ft.Icons.SYNC, size=18)
        self.label = ft.Text("", size=13, weight=ft.FontWeight.W_600, no_wrap=True)
        super().__init__(
            ft.Row([self.icon, self.label], spacing=4, tight=True,
                   vertical_alignment=ft.CrossAxisAlignment.CENTER),
            padding=ft.Padding.symmetric(horizontal=15, vertical=6), border_radius=24, height=48,
            on_click=lambda e: app.go("/sync"), ink=True,
        )
        self.shown: Badge | None = None
        self.show(current_badge(app), update=False)
        app.sync_badge = self  # the one the poller updates

    def show(self, b: Badge, update: bool = True) -> None:
        if b == self.shown:
            return
        self.shown = b
        icon, color, bg = _LOOK.get(b.kind, _LOOK["none"])
        self.icon.icon, self.icon.color = icon, color
        self.label.value, self.label.color = b.text, color
        self.bgcolor = bg
        if self.app.narrow and b.kind in ("synced", "none"):
            # Phone: the icon says it (its words are the tooltip); with "已同步 04:56" beside the
            # save state the app bar's title was squeezed to one character.
            self.label.value = ""
        # A screen reader reads the label and the tooltip: "已同步 12-02 04:15 已同步 04:15". The
        # tooltip (the long form) is for the eye; it is heard only when there is no label.
        self.tooltip = ft.Tooltip(message=b.detail or b.text, exclude_from_semantics=bool(self.label.value))
        if update and self.page:
            self.update()


def sync_badge(app) -> ft.Control:
    """The header control (also makes sure this session polls)."""
    start_polling(app)
    return SyncBadge(app)


def start_polling(app) -> None:
    if getattr(app, "_sync_polling", False):
        return
    app._sync_polling = True
    svc = sync_service(app.ctx)
    svc.start()  # at app start when an account is configured (no-op otherwise / if running)
    task = app.page.run_task(_poll, app)
    if app.page.on_close is None:  # the tab closed for good: stop polling for it
        app.page.on_close = lambda e: task.cancel()


async def _poll(app) -> None:
    svc = sync_service(app.ctx)
    while True:
        await asyncio.sleep(POLL_SECONDS)
        try:
            if svc.runner is not None:
                await asyncio.to_thread(svc.refresh)
            b = badge(svc.status(), svc.signed_in(), app.lang)
            widget = getattr(app, "sync_badge", None)
            if widget is not None and widget.page is not None:
                widget.show(b)
            listener = getattr(app.screen, "on_sync_status", None)
            if listener is not None:
                await listener(svc.status())
        except asyncio.CancelledError:
            raise
        except RuntimeError as exc:  # the session is gone (tab closed): stop polling
            if "session" in str(exc).lower() or "closed" in str(exc).lower():
                return
            log.debug("sync badge poll", exc_info=True)
        except Exception:  # noqa: BLE001 - a badge must never take the app down
            log.debug("sync badge poll", exc_info=True)
