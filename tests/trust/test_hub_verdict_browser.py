"""In headless Chromium against the real hub: the bureau's table and the report page show the
signature verdict of a tablet's county-signed report (签章核验：有效), the same as report verify."""

from __future__ import annotations

import os

import pytest

from tests.support.browser import TABLET
from tests.sync.hubproc import Tablet
from tests.sync.scenario import start
from tests.sync.test_travel import sign_off
from tests.trust.test_enrollment import county_hub  # noqa: F401 - the fixture
from tests.hub.pages import sign_in
from tests.ui.flet_driver import LONG, button, wait_text

__all__ = ["county_hub"]  # a fixture taken by name, as pyflakes sees it

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]


def test_bureau_pages_show_the_signature_verdict(county_hub, standards, browser, tmp_path):  # noqa: F811
    tablet = Tablet(tmp_path / "tablet", standards)
    tablet.sign_in(county_hub, "wangfang")
    iid = start(tablet)
    sign_off(tablet, iid)
    assert tablet.sync().reports_signed == 1
    tablet.close()
    context = browser.new_context(viewport=TABLET)
    page = context.new_page()
    try:
        sign_in(page, county_hub.url, "bureau")
        wait_text(page, "全县机构概览", timeout=LONG)
        wait_text(page, "签章核验")
        wait_text(page, "有效", timeout=LONG)
        button(page, "查看报告 青山镇卫生院").click()
        wait_text(page, "青山镇卫生院 评审报告", timeout=LONG)
        wait_text(page, "签章核验：有效：报告签章后未被改动，签章人受信任。", timeout=LONG)
        if os.environ.get("JICENG_SCREENSHOTS"):
            page.screenshot(path=os.path.join(os.environ["JICENG_SCREENSHOTS"], "hub-report-verdict.png"))
    finally:
        context.close()
