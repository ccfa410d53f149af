"""In a real browser (issue 15): the home card says the township text is an excerpt and how to load a
complete edition; with every item met the summary says the verdict cannot be decided with this text
(against an excerpt), shows the C share against its threshold, hides the unplaced items, and exports
the results as .xlsx. Screenshots go to test-artifacts/."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from inspect_app import services
from tests.support.browser import TABLET
from tests.support.net import free_port
from tests.ui.conftest import AppServer
from tests.ui.flet_driver import LONG, button, open_app, shot, wait_text

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(600)]


def _rated_inspection(data_dir) -> str:
    ws = services.open_workspace(data_dir)
    try:
        center = services.add_center(ws, "东风镇卫生院", actor="王珺")
        insp = services.start_inspection(ws, center.id, "township-2018", ["王珺"], "王珺")
        standard = services.standard_for(ws, insp)
        for clause in standard.clauses():
            for item in clause.items:
                if item.derived is None:
                    services.rate_item(ws, insp.id, clause.number, item.code, "met", actor="王珺")
        for p in standard.prerequisites:
            services.set_prerequisite(ws, insp.id, p.id, True, actor="王珺")
        return insp.id
    finally:
        ws.close()


def test_home_card_and_summary_are_honest_about_the_excerpt(browser, tmp_path, artifacts):
    inspection_id = _rated_inspection(tmp_path / "data")
    server = AppServer(tmp_path / "data", free_port()).start()
    try:
        context = browser.new_context(viewport=TABLET, device_scale_factor=1, accept_downloads=True)
        page = context.new_page()
        base = server.url.rstrip("/")
        open_app(page, base + f"/i/{inspection_id}/summary")
        wait_text(page, "以本文本无法评定（依据节选）")
        wait_text(page, "基本标准：基本条款C级及以上 100% ≥ 95%，符合")
        wait_text(page, "本标准文件不含B、A级条目")
        shot(page, artifacts, "15-summary-excerpt-verdict", expect="以本文本无法评定")
        assert page.get_by_text("未归位").count() == 0
        with page.expect_download(timeout=LONG) as download:
            button(page, "导出评审结果（Excel）").click()
        data = open(download.value.path(), "rb").read()
        wb = load_workbook(io.BytesIO(data))
        assert wb["汇总"]["B1"].value == "以本文本无法评定（依据节选）" and wb["评审结果"].max_row == 53
        wait_text(page, "已生成：results-")
        open_app(page, base + f"/i/{inspection_id}")
        wait_text(page, "2.2.3.1")
        assert page.get_by_text("0.0.1").count() == 0 and page.get_by_text("未归位").count() == 0
        shot(page, artifacts, "15-overview-no-unplaced", expect="2.2.3.1")
        open_app(page, base + "/")  # last: the full CJK font has arrived by now (the first paint uses a subset)
        wait_text(page, "节选：含本版 100 条条款中的 18 条，仅含 C 级条目")
        wait_text(page, "如需完整版，请县卫健局在县级中心导入")  # in words, no command line
        wait_text(page, "18 个条款")  # the card counts what inspectors rate: not the unplaced clause
        page.wait_for_timeout(1500)
        shot(page, artifacts, "15-home-standard-excerpt", expect="节选")
        context.close()
    finally:
        server.stop()
