"""The start-up screen speaks Chinese and draws it with a shipped face; the first screen loads the
2.2 MB GB2312 face first and the full coverage (14 MB face, CJK extensions) after."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from inspect_app import fonts
from inspect_app.webshell import STARTUP_MESSAGE, patched_main_js
from tests.support.browser import PHONE
from tests.ui.flet_driver import open_app, wait_ready

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]


def test_flet_client_is_patched_once():
    body = patched_main_js()
    assert body is not None and b'"Working..."' not in body
    assert b"\\u6b63\\u5728\\u6253\\u5f00" in body  # 正在打开


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
    page.on("request", lambda r: fetched.append(r.url) if urlparse(r.url).path.startswith("/fonts/") else None)
    open_app(page, app_server.url)
    wait_ready(page, "开始评审")
    page.wait_for_load_state("networkidle")
    names = [u.rsplit("/", 1)[-1] for u in fetched]
    assert names[:1] == [fonts.FIRST_PAINT_FONT.name], names  # the small face first
    assert fonts.MAIN_FONT.name in names and fonts.FALLBACK_FONT.name in names  # then the full coverage
    context.close()
