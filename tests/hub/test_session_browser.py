"""In headless Chromium against the real hub process (issue 11): an open bureau page ends at its
next request once `hub user revoke --disable` has run, and 退出登录 revokes the page's token
(not only the page)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from inspect_app import paths
from tests.support.browser import TABLET
from tests.hub.pages import sign_in
from tests.ui.flet_driver import LONG, button, wait_text

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]


def live_tokens(hub, user: str) -> int:
    return next(r["tokens"] for r in hub.accounts().users() if r["username"] == user)


def test_logout_revokes_and_a_disabled_account_loses_its_open_page(world, browser):
    hub, tokens, _ = world
    context = browser.new_context(viewport=TABLET)
    page = context.new_page()
    try:
        before = live_tokens(hub, "bureau")
        sign_in(page, hub.url, "bureau")
        wait_text(page, "全县机构概览", timeout=LONG)
        assert live_tokens(hub, "bureau") == before + 1  # the page's own token
        button(page, "退出登录").click()
        wait_text(page, "机构查阅评审报告 · 卫健局总览", timeout=LONG)
        assert live_tokens(hub, "bureau") == before  # revoked, not only forgotten by the page

        sign_in(page, hub.url, "bureau")
        wait_text(page, "全县机构概览", timeout=LONG)
        subprocess.run([sys.executable, "main.py", "--data", str(hub.data), "hub", *hub.backend.args(), "user",
                        "revoke", "bureau", "--disable"], cwd=paths.PROJECT_ROOT, check=True, capture_output=True)
        button(page, "查看报告 机构 c2").click()  # the page's next request
        wait_text(page, "会话已结束", timeout=LONG)
    finally:
        context.close()
