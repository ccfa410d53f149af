"""The start-up screen speaks Chinese and draws it with a shipped face; the first screen loads the
2.2 MB GB2312 face first and the full coverage (14 MB face, CJK extensions) after."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from inspect_app import fonts
from inspect_app.webshell import STARTUP_MESSAGE, InjectShims, patched_bootstrap_js, patched_main_js
from tests.support.browser import PHONE
from tests.ui.flet_driver import open_app, wait_ready

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]


def test_flet_client_is_patched_once():
    body = patched_main_js()
    assert body is not None and b'"Working..."' not in body
    assert b"\\u6b63\\u5728\\u6253\\u5f00" in body  # 正在打开


def _asgi_get(app, path: str) -> tuple[int, bytes]:
    """One GET through an ASGI app, in its own thread's event loop (the module's browser
    fixture keeps Playwright's loop running in this one)."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": path, "raw_path": path.encode(), "query_string": b"",
             "headers": [], "scheme": "http", "server": ("127.0.0.1", 80), "http_version": "1.1",
             "root_path": ""}
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, app(scope, receive, send)).result(timeout=30)
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


def test_every_flet_shell_asks_for_single_threaded_skwasm():
    """Multi-threaded skwasm's main thread can wait forever for its render worker (a page stuck
    on the start-up screen, its renderer at full CPU): the app and the hub both serve the
    loader with single-threaded skwasm (webshell.InjectShims wraps both)."""
    from fastapi import FastAPI

    body = patched_bootstrap_js()
    assert body is not None and body.count(b"forceSingleThreadedSkwasm: true") == 1
    assert _asgi_get(InjectShims(FastAPI()), "/flutter_bootstrap.js") == (200, body)


def test_startup_screen_is_chinese_and_fonts_come_small_first(browser, app_server, artifacts):
    context = browser.new_context(viewport=PHONE, device_scale_factor=1)
    page = context.new_page()
    page.route_web_socket("**/ws", lambda ws: None)  # hold the session: the start-up screen stays
    page.goto(app_server.url, wait_until="load")
    page.get_by_text(STARTUP_MESSAGE).wait_for(state="visible", timeout=60_000)
    page.wait_for_load_state("networkidle")
    drawn = page.evaluate("msg => document.fonts.load('16px JicengStartup', msg)"
                          ".then(f => f.length > 0 && document.fonts.check('16px JicengStartup', msg))", STARTUP_MESSAGE)
    assert drawn  # the message is drawn by the shipped face, not a system font or boxes
    page.wait_for_timeout(1000)
    page.screenshot(path=str(artifacts / "startup-screen-phone.png"))
    context.close()

    context = browser.new_context(viewport=PHONE, device_scale_factor=1)
    page = context.new_page()
    fetched: list[str] = []
    workers: list[str] = []
    page.on("worker", lambda w: workers.append(w.url))  # multi-threaded skwasm starts a render worker
    page.on("request", lambda r: fetched.append(r.url) if urlparse(r.url).path.startswith("/fonts/") else None)
    open_app(page, app_server.url)
    wait_ready(page, "开始评审")
    page.wait_for_load_state("networkidle")
    names = [u.rsplit("/", 1)[-1] for u in fetched]
    assert names[:1] == [fonts.FIRST_PAINT_FONT.name], names  # the small face first
    assert fonts.MAIN_FONT.name in names and fonts.FALLBACK_FONT.name in names  # then the full coverage
    assert workers == []  # skwasm renders on the page's own thread
    context.close()
