"""In headless Chromium against the real hub process: the bureau (卫健局) signs in, sees every
center with its verdict in one table, and opens a center's report; nothing leaves 127.0.0.1."""

from __future__ import annotations

import httpx
import pytest

from tests.support.browser import TABLET
from tests.hub.pages import sign_in
from tests.ui.flet_driver import LONG, button, wait_text

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]


def test_bureau_sees_all_centers_with_verdicts_and_opens_a_report(world, browser):
    hub, tokens, _ = world
    rows = {r["center_id"]: r for r in httpx.get(f"{hub.url}/api/bureau/centers",
                                                headers={"Authorization": f"Bearer {tokens['bureau']}"}).json()}
    assert all(r["verdict"] for r in rows.values())
    context = browser.new_context(viewport=TABLET)
    page = context.new_page()
    foreign = []
    page.on("request", lambda r: foreign.append(r.url)
            if not r.url.startswith(("http://127.0.0.1", "data:", "blob:")) else None)
    try:
        sign_in(page, hub.url, "bureau")
        wait_text(page, "全县机构概览", timeout=LONG)
        for row in rows.values():  # every center, each with the verdict the hub scored
            wait_text(page, row["name"])
            wait_text(page, row["verdict"])
        button(page, "查看报告 机构 c2").click()
        wait_text(page, "机构 c2 评审报告", timeout=LONG)
        wait_text(page, "正在查看：第 1 版（已签署）")
        wait_text(page, "整改建议：补齐台账")
        button(page, "← 返回全县概览").click()
        wait_text(page, "全县机构概览", timeout=LONG)
        assert foreign == []
    finally:
        context.close()
