"""机构信息与评审信息 and 整改时限 / 责任科室 in Chromium against a real app server, at tablet
(1280x800) and phone (390x844) size (issue 10, "Contents a bureau expects"):

- the facts screen opens from the summary with one button; an empty name and a number that is not
  a number are refused at the field, in Chinese; the accepted facts are stored;
- 整改时限 (a date; "2026/6/30" is kept as 2026-06-30, "明天" refused) and 责任科室 beside 整改建议;
- the draft report built from what was typed shows the facts on its cover (pdftotext) and the
  due date and department in its 问题清单;
- a locked inspection shows the facts read-only.
"""

from __future__ import annotations

import re
import subprocess

import pytest

from inspect_app import paths, services
from inspect_app.evidence import render_strokes_png
from inspect_app.inspection import TeamMember, TeamRole
from inspect_app.report.export import build_draft
from inspect_app.standard.loader import load_standard
from tests.support.browser import PHONE, TABLET
from tests.support.net import free_port
from tests.ui.conftest import AppServer
from tests.ui.flet_driver import LONG, button, open_app, shot, text, wait_text

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(600)]

TEAM = [TeamMember(name="王珺", role=TeamRole.LEADER), TeamMember(name="李堃")]
SIZES = {"tablet": TABLET, "phone": PHONE}
FACTS = {  # per size: what is typed, and what the cover must then show
    "tablet": {"address": "青山县青山镇人民路18号", "registration_code": "PDY12345-3",
               "population_served": "32,500", "beds": "45", "medical_staff": "61", "contact": "刘梅 0731-1234567",
               "reviewing_body": "青山县卫生健康局", "unit": "青山县人民医院", "title": "主任医师"},
    "phone": {"address": "绿水县绿水镇河西街2号", "registration_code": "PDY67890-1",
              "population_served": "18000", "beds": "30", "medical_staff": "42", "contact": "陈平 0731-7654321",
              "reviewing_body": "绿水县卫生健康局", "unit": "绿水县疾控中心", "title": "副主任护师"},
}


def _hand_rated(standard):
    return [c for c in standard.clauses()
            if c.items and c.derived is None and all(i.derived is None for i in c.items)
            and not getattr(c, "unplaced", False)]


class Site:
    def __init__(self, root):
        self.data = root / "data"
        ws = services.open_workspace(self.data)
        try:
            standard = load_standard(paths.STANDARDS_DIR / "township-2018.json")
            self.clause = _hand_rated(standard)[0]
            self.item = self.clause.items[0].code
            self.draft, self.center = {}, {}
            for size, town in (("tablet", "青山镇卫生院"), ("phone", "绿水镇卫生院")):
                center = services.add_center(ws, town, actor="王珺")
                iid = services.start_inspection(ws, center.id, "township-2018", TEAM, "王珺").id
                services.rate_item(ws, iid, self.clause.number, self.item, "not_met")  # one problem
                services.set_rectification(ws, iid, self.clause.number, self.item, "完善制度并培训")
                self.draft[size], self.center[size] = iid, center.id
            self.locked = self._locked(ws, services.add_center(ws, "封存镇卫生院", actor="王珺").id, standard)
        finally:
            ws.close()
        self.server = AppServer(self.data, free_port()).start()

    def _locked(self, ws, center_id, standard) -> str:
        png = render_strokes_png([[(10, 10), (80, 40), (150, 20)]], 200, 80)
        iid = services.start_inspection(ws, center_id, "township-2018", TEAM, "王珺").id
        services.set_evaluation_facts(ws, iid, reviewing_body="封存县卫生健康局")
        services.edit_center(ws, center_id, actor="王珺", address="封存时的地址")
        for clause in standard.clauses():
            if clause.derived is None:
                for item in clause.items:
                    if item.derived is None:
                        services.rate_item(ws, iid, clause.number, item.code, "met")
        for p in standard.prerequisites:
            services.set_prerequisite(ws, iid, p.id, True)
        services.submit(ws, iid)
        services.add_signature(ws, iid, "王珺", TeamRole.LEADER, png)
        services.add_signature(ws, iid, "赵院长", TeamRole.DIRECTOR, png)
        services.sign(ws, iid)
        services.lock(ws, iid)
        services.edit_center(ws, center_id, actor="王珺", address="锁定后改的地址")  # after signing
        return iid

    def url(self, route: str) -> str:
        return self.server.url.rstrip("/") + route

    def workspace(self):
        return services.open_workspace(self.data)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    s = Site(tmp_path_factory.mktemp("center_facts"))
    yield s
    s.server.stop()


def _field(page, label: str, value: str, *, clear: bool = True) -> None:
    """Tap the field, replace its text, leave it (the field saves on blur)."""
    box = page.get_by_role("textbox", name=label).first
    box.scroll_into_view_if_needed(timeout=LONG)
    box.click()
    page.wait_for_timeout(250)
    if clear:
        page.keyboard.press("Control+A")
        page.keyboard.press("Delete")
    page.keyboard.type(value, delay=10)
    page.keyboard.press("Tab")
    page.wait_for_timeout(600)


def _wait_saved(site, check, timeout_s: float = 20.0) -> None:
    import time

    deadline = time.monotonic() + timeout_s
    while True:
        ws = site.workspace()
        try:
            if check(ws):
                return
        finally:
            ws.close()
        assert time.monotonic() < deadline, "not saved in time"
        time.sleep(0.3)


def _pdftext(pdf: bytes, tmp_path, first: int | None = None, last: int | None = None) -> str:
    src = tmp_path / "draft.pdf"
    src.write_bytes(pdf)
    args = ["pdftotext", "-layout"] + (["-f", str(first)] if first else []) + (["-l", str(last)] if last else [])
    return subprocess.run(args + [str(src), "-"], capture_output=True, check=True, timeout=60).stdout.decode()


@pytest.mark.parametrize("size", list(SIZES))
def test_facts_entered_at_the_field_reach_the_report_cover(browser, site, size, artifacts, tmp_path):
    facts = FACTS[size]
    iid, center_id = site.draft[size], site.center[size]
    ctx = browser.new_context(viewport=SIZES[size], device_scale_factor=1)
    page = ctx.new_page()
    try:
        open_app(page, site.url(f"/i/{iid}/summary"))
        button(page, "机构与评审信息").click()
        wait_text(page, "被评机构")

        # refused at the field, nothing stored
        _field(page, "机构名称", "")
        wait_text(page, "请填写机构名称。")
        _field(page, "编制床位（张）", "四十五")
        wait_text(page, "请填写整数")
        ws = site.workspace()
        try:
            center = services.get_center(ws, center_id)
            assert center.name and center.beds is None
        finally:
            ws.close()

        # accepted: the center's facts, the reviewing body, a member's unit and title
        _field(page, "机构名称", services_name := ("青山镇卫生院" if size == "tablet" else "绿水镇卫生院"))
        for name, label in (("address", "机构地址"), ("registration_code", "登记号 / 统一社会信用代码"),
                            ("population_served", "服务人口（人）"), ("beds", "编制床位（张）"),
                            ("medical_staff", "卫生技术人员（人）"), ("contact", "联系人及电话")):
            _field(page, label, facts[name])
        _field(page, "评审单位（如：某某县卫生健康局）", facts["reviewing_body"])
        _field(page, "工作单位", facts["unit"])  # the first member (王珺, the leader)
        _field(page, "职称 / 职务", facts["title"])
        _wait_saved(site, lambda ws: services.get_inspection(ws, iid).team[0].title == facts["title"])
        shot(page, artifacts, f"center-facts-{size}", expect="评审信息")

        ws = site.workspace()
        try:
            center = services.get_center(ws, center_id)
            inspection = services.get_inspection(ws, iid)
        finally:
            ws.close()
        assert center.name == services_name
        assert (center.address, center.registration_code, center.contact) == (
            facts["address"], facts["registration_code"], facts["contact"])
        assert center.population_served == int(facts["population_served"].replace(",", ""))
        assert (center.beds, center.medical_staff) == (int(facts["beds"]), int(facts["medical_staff"]))
        assert inspection.reviewing_body == facts["reviewing_body"]
        assert (inspection.team[0].unit, inspection.team[0].title) == (facts["unit"], facts["title"])

        # 整改时限 and 责任科室 beside 整改建议 on the summary's 问题清单
        open_app(page, site.url(f"/i/{iid}/summary"))
        wait_text(page, "问题清单")
        _field(page, "整改时限（年-月-日）", "明天")
        wait_text(page, "请按 年-月-日 填写日期")
        _field(page, "整改时限（年-月-日）", "2026/6/30")
        _wait_saved(site, lambda ws: services.snapshot(ws, iid).findings[site.clause.number]
                    .rectification_due.get(site.item) == "2026-06-30")
        page.wait_for_timeout(2500)  # the summary redraws after a save (its 2 s poll): then tap the next field
        _field(page, "责任科室", "公共卫生科")
        _wait_saved(site, lambda ws: services.snapshot(ws, iid).findings[site.clause.number]
                    .rectification_dept.get(site.item) == "公共卫生科")
        shot(page, artifacts, f"rectification-details-{size}")
        ws = site.workspace()
        try:
            finding = services.snapshot(ws, iid).findings[site.clause.number]
            assert finding.rectification_due == {site.item: "2026-06-30"}
            draft = build_draft(ws, iid)
        finally:
            ws.close()
    finally:
        ctx.close()

    (artifacts / f"center-facts-{size}.pdf").write_bytes(draft.pdf)
    cover = _pdftext(draft.pdf, tmp_path, 1, 1)
    flat = "".join(cover.split())
    for value in (services_name, facts["address"], facts["registration_code"], facts["contact"],
                  facts["reviewing_body"], facts["beds"], facts["medical_staff"]):
        assert "".join(value.split()) in flat, (value, cover)
    assert f"{int(facts['population_served'].replace(',', '')):,}" in flat or \
        facts["population_served"].replace(",", "") in flat, cover
    whole = "".join(_pdftext(draft.pdf, tmp_path).split())
    assert "2026-06-30" in whole and "公共卫生科" in whole  # 问题清单
    team = "".join(_pdftext(draft.pdf, tmp_path, 3, 3).split())  # 评审组成员 in 评审概况 (page 3)
    assert f"王珺评审组长{facts['unit']}{facts['title']}" in team, team


@pytest.mark.parametrize("size", list(SIZES))
def test_locked_inspection_shows_the_facts_read_only(browser, site, size, artifacts):
    ctx = browser.new_context(viewport=SIZES[size], device_scale_factor=1)
    page = ctx.new_page()
    try:
        open_app(page, site.url(f"/i/{site.locked}/facts"))
        wait_text(page, "以下信息只读")
        wait_text(page, "封存时的地址")  # the copy frozen at signing, as its report prints
        wait_text(page, "封存县卫生健康局")
        assert page.get_by_role("textbox").count() == 0  # nothing to type into
        assert not text(page, "锁定后改的地址").is_visible()  # the frozen copy, as its report prints
        shot(page, artifacts, f"center-facts-locked-{size}", expect="以下信息只读")
        button(page, re.compile(r"^(EN|English)$")).click()  # the language switch
        wait_text(page, "these facts are read-only")
        wait_text(page, "Reviewing body")
    finally:
        ctx.close()
