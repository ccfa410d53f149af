"""In headless Chromium against the real hub process: the bureau places the township text's unplaced
items, sets the lost section titles and distributes the placed edition from its pages (issue 15)."""

from __future__ import annotations

import httpx
import pytest

from inspect_app.hub.standard_editions import catalogue, working_copy
from tests.support.browser import TABLET
from tests.ui.conftest import ARTIFACTS
from tests.hub.pages import sign_in
from tests.ui.flet_driver import LONG, button, shot, type_into, wait_text

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]


def test_the_bureau_places_and_distributes_without_a_command_line(hub, browser):
    artifacts = ARTIFACTS
    artifacts.mkdir(exist_ok=True)
    context = browser.new_context(viewport=TABLET)
    page = context.new_page()
    try:
        sign_in(page, hub.url, "bureau")
        wait_text(page, "全县机构概览", timeout=LONG)
        button(page, "评价标准归位与分发").click()
        wait_text(page, "未归位 0.0.1 【C-2】 提供预防保健服务。")
        wait_text(page, "缺少标题：2.1")
        shot(page, artifacts, "15-hub-standard-editor", expect="未归位 0.0.1")
        type_into(page, "0.0.1/C-2 移至条款号", "1.1.1")
        button(page, "归位 0.0.1/C-2").click()
        wait_text(page, "请用 --title 给出标题")  # a new clause needs its title: said, nothing changed
        type_into(page, "新条款标题（新建时填写）", "功能定位")
        button(page, "归位 0.0.1/C-2").click()
        wait_text(page, "已将 0.0.1/C-2 移至 1.1.1")
        type_into(page, "0.0.1/C-3 移至条款号", "1.1.1")
        button(page, "归位 0.0.1/C-3").click()
        wait_text(page, "已将 0.0.1/C-3 移至 1.1.1")
        for number, title in (("1.1", "功能任务"), ("2.1", "基本医疗服务")):
            type_into(page, f"{number} 标题", title)
            button(page, f"设置标题 {number}").click()
            wait_text(page, f"已设置 {number} 的标题")
        wait_text(page, "无待归位条目，无缺失标题。")
        button(page, "分发给平板 township-2018").click()
        wait_text(page, "已分发 township-2018")
        shot(page, artifacts, "15-hub-standard-editor-done", expect="已分发")
    finally:
        context.close()
    placed = working_copy(hub.data, "township-2018")
    assert not any(c.unplaced for c in placed.clauses()) and len(placed.placements) == 4
    assert placed.placements[0].by  # the signed-in bureau account is recorded with each edit
    token = hub.token("wangfang")
    listed = httpx.get(f"{hub.url}/api/standards", headers={"Authorization": f"Bearer {token}"}).json()
    assert listed["township-2018"]["sha256"] == catalogue(hub.data)["township-2018"]["sha256"]
