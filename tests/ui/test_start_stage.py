"""The tablet's start dialog starts a stage of a round (issue 13), in Chromium against the real
app at tablet (1280x800) and phone (390x844) size: 市级复核 on a seeded sample (30 % + every ★
clause), in the round a county review already opened. The sample recorded on the inspection is
what review_chain draws for that seed; the home card and the overview say 抽查 N 条 and the
overview lists only the sampled clauses. Screenshots of the dialog: test-artifacts/start-stage-*.png.
"""

from __future__ import annotations

import pytest

from inspect_app import paths, review_chain, services
from inspect_app.clock import local
from inspect_app.inspection import Stage, TeamMember, TeamRole, utc_now
from inspect_app.rounds import SampleRule, draw_sample, round_id
from inspect_app.standard.loader import load_standard
from tests.support.browser import PHONE, TABLET
from tests.ui.conftest import AppServer
from tests.support.net import free_port
from tests.ui.flet_driver import LONG, button, open_app, shot, text, wait_text

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(600)]

CENTER = "青山镇卫生院"
SIZES = {"tablet": (TABLET, 42), "phone": (PHONE, 7)}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    data = tmp_path_factory.mktemp("start-stage") / "data"
    ws = services.open_workspace(data)
    try:
        center = services.add_center(ws, CENTER, actor="王珺")
        # The county review of this year's round is already here: the dialog offers that round.
        county = review_chain.start_stage(ws, center.id, "township-2018",
                                          [TeamMember(name="王珺", role=TeamRole.LEADER)], "王珺")
    finally:
        ws.close()
    server = AppServer(data, free_port()).start()
    yield {"server": server, "data": data, "center": center.id, "county": county}
    server.stop()


def _inspections(data):
    ws = services.open_workspace(data)
    try:
        return {i.id: i for i in services.list_inspections(ws)}
    finally:
        ws.close()


@pytest.mark.parametrize("size", list(SIZES))
def test_start_a_sampled_city_recheck_from_the_dialog(browser, site, artifacts, size):
    viewport, seed = SIZES[size]
    before = set(_inspections(site["data"]))
    page = browser.new_page(viewport=viewport)
    try:
        open_app(page, site["server"].url)
        button(page, "开始评审").click()
        wait_text(page, "评价阶段")
        page.get_by_role("textbox", name="我的姓名").last.click()
        page.wait_for_timeout(250)
        page.keyboard.press("Control+A")
        page.keyboard.type("王芳", delay=15)
        button(page, "乡镇卫生院服务能力评价指南").click()
        button(page, "市级复核").click()
        year = local(utc_now()).year
        # This year's round, which the county review opened, is offered with its stage.
        wait_text(page, f"{year} 年 · 已有县级审核")
        seed_box = page.get_by_role("textbox", name="随机种子")
        seed_box.click()
        page.wait_for_timeout(250)
        page.keyboard.press("Control+A")
        page.keyboard.type(str(seed), delay=15)
        page.wait_for_timeout(400)
        standard = load_standard(paths.STANDARDS_DIR / "township-2018.json")
        expected = draw_sample(standard, SampleRule(seed=seed))
        rule = f"按种子 {seed} 随机抽取基本标准条款的 30%"
        wait_text(page, rule)
        wait_text(page, f"共抽查 {len(expected)} 条")
        shot(page, artifacts, f"start-stage-dialog-{size}", expect=rule)
        page.get_by_role("button", name="开始评审", exact=True).last.click()
        try:
            wait_text(page, "本次复核只评抽查条款", timeout=LONG)
        except Exception:
            page.screenshot(path=str(artifacts / f"start-stage-failed-{size}.png"))
            raise

        new = [i for iid, i in _inspections(site["data"]).items() if iid not in before]
        assert len(new) == 1
        insp = new[0]
        assert insp.stage is Stage.CITY
        assert insp.round_id == round_id(site["center"], "township-2018", year) == site["county"].round_id
        assert insp.sample_rule == SampleRule(seed=seed).text()
        assert insp.sample == expected  # the recorded sample is the one review_chain draws for the seed
        assert insp.show_self_ratings is False  # blind by default

        wait_text(page, f"市级复核 · {year} 年评价轮次 · 抽查 {len(expected)} 条")
        shot(page, artifacts, f"start-stage-overview-{size}", expect="本次复核只评抽查条款")
        for number in expected:  # the sampled clauses are listed to be rated …
            assert text(page, number).is_visible()
        hand = [c.number for c in standard.clauses() if c.number not in expected]
        for number in hand:  # … and no other clause is
            assert page.get_by_text(number, exact=True).filter(visible=True).count() == 0
        # The home card says the stage, its round and the sample's size too.
        open_app(page, site["server"].url)
        wait_text(page, f"市级复核 · {year} 年评价轮次 · 抽查 {len(expected)} 条")
        wait_text(page, f"县级审核 · {year} 年评价轮次")
    finally:
        page.close()
