"""The walk-through as an inspector lives it (issue 12), in Chromium against one real app server
for the whole module, at tablet (1280x800) and phone (390x844) size:

- the level reason names unrated items 未评 and only not-met items 不符合;
- a rating is cleared back to 未评 (audited) and a double tap changes nothing;
- screens open at their top (a clause from a scrolled overview, the summary from a scrolled clause);
- confirmation dialogs before 提交 and 锁定, in words; a refusal ("not yet") is not 保存失败;
- a locked inspection shows its banner on every screen and its controls disabled;
- errors at the field: empty center name, 请选择 a standard, an empty signature pad;
- the checklist standard: one post per screen with its norms as rows and its 符合率;
- the websocket cut in the browser: the page reconnects by itself on the same clause and the tap
  made during the cut is saved (never shown as saved before it is);
- a second tablet's rating appears in place on the first while its note is being typed.

The data is made through services before the server starts (one server for the module).
"""

from __future__ import annotations

import re

import pytest

from inspect_app import paths, services
from inspect_app.evidence import render_strokes_png
from inspect_app.inspection import InspectionStatus, ItemResult, TeamMember, TeamRole
from inspect_app.scoring import clause_level
from inspect_app.standard.loader import load_standard
from inspect_app.ui.clause.view import level_text
from inspect_app.ui_state import clause_route, post_route
from tests.support.browser import PHONE, TABLET
from tests.support.net import free_port
from tests.ui.conftest import AppServer
from tests.ui.flet_driver import LONG, button, enable_semantics, failure_dump, open_app, scroll_wheel, text, wait_text

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(600)]

CENTER = "青山镇卫生院"
DIRECTOR = "赵彧"
TEAM = [TeamMember(name="王珺", role=TeamRole.LEADER), TeamMember(name="李堃")]
SIZES = {"tablet": TABLET, "phone": PHONE}


def _hand_rated(standard):
    return [c for c in standard.clauses()
            if c.items and c.derived is None and all(i.derived is None for i in c.items)
            and not getattr(c, "unplaced", False)]


def _png() -> bytes:
    return render_strokes_png([[(10, 10), (80, 40), (150, 20)]], 200, 80)


class Site:
    """Inspections for every test, made through services; then the one app server."""

    def __init__(self, root):
        self.data = root / "data"
        ws = services.open_workspace(self.data)
        try:
            self.standard = load_standard(paths.STANDARDS_DIR / "township-2018.json")
            hand = _hand_rated(self.standard)
            # A clause with at least three C items: C-1 met, C-2 not met, the others unrated.
            self.reason_clause = next(c for c in hand if sum(1 for i in c.items if i.level.value == "C") >= 3)
            center = services.add_center(ws, CENTER, actor="王珺", director=DIRECTOR)
            self.draft = {}
            for size in SIZES:
                iid = services.start_inspection(ws, center.id, "township-2018", TEAM, "王珺").id
                c1, c2 = self.reason_clause.items[0].code, self.reason_clause.items[1].code
                services.rate_item(ws, iid, self.reason_clause.number, c1, "met")
                services.rate_item(ws, iid, self.reason_clause.number, c2, "not_met")
                self.draft[size] = iid
            self.locked = self._finished(ws, center.id, lock=True)
            self.submitted = self._finished(ws, center.id, lock=False)
            check = services.start_inspection(ws, center.id, "outpatient-conduct", TEAM, "王珺")
            self.checklist = check.id
            self.checklist_standard = services.standard_for(ws, check)
        finally:
            ws.close()
        self.hand = _hand_rated(self.standard)
        self.server = AppServer(self.data, free_port()).start()

    def _finished(self, ws, center_id: str, *, lock: bool) -> str:
        iid = services.start_inspection(ws, center_id, "township-2018", TEAM, "王珺").id
        for clause in self.standard.clauses():
            if clause.derived is None:
                for item in clause.items:
                    if item.derived is None:
                        services.rate_item(ws, iid, clause.number, item.code, "met")
        for p in self.standard.prerequisites:
            services.set_prerequisite(ws, iid, p.id, True)
        services.submit(ws, iid)
        services.add_signature(ws, iid, "王珺", TeamRole.LEADER, _png())
        if lock:
            services.add_signature(ws, iid, DIRECTOR, TeamRole.DIRECTOR, _png())
            services.sign(ws, iid)
            services.lock(ws, iid)
        return iid

    def url(self, route: str) -> str:
        return self.server.url.rstrip("/") + route

    def snapshot(self, iid: str):
        ws = services.open_workspace(self.data)
        try:
            return services.snapshot(ws, iid), services.audit_log(ws, iid)
        finally:
            ws.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    s = Site(tmp_path_factory.mktemp("walkthrough"))
    yield s
    s.server.stop()


def _context(browser, size: str):
    return browser.new_context(viewport=SIZES[size], device_scale_factor=1)


def _fail_dump(page, site, name: str) -> None:
    from tests.ui.conftest import ARTIFACTS

    print(site.server.output()[-3000:])
    failure_dump(page, ARTIFACTS, f"FAILED-walkthrough-{name}")


def _artifacts():
    from tests.ui.conftest import ARTIFACTS

    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def _nav(page, label: str) -> None:
    """An inspection destination: the app bar on a tablet (top), the bottom bar on a phone."""
    height = page.viewport_size["height"]
    candidates = page.get_by_role("button", name=label, exact=True).or_(page.get_by_text(label, exact=True))
    for _ in range(20):  # the new screen's bars may still be on their way
        for i in range(candidates.count()):
            box = candidates.nth(i).bounding_box()
            if box and (0 <= box["y"] < 60 or height - 80 < box["y"] < height):
                candidates.nth(i).click()
                return
        page.wait_for_timeout(500)
    raise AssertionError(f"no navigation entry {label!r}")


def _scroll(page, size: str, dy: int) -> None:
    scroll_wheel(page, SIZES[size]["width"] // 2, SIZES[size]["height"] // 2, dy)
    page.wait_for_timeout(700)


def _top(page, value) -> float:
    found = text(page, value)
    found.wait_for(state="visible", timeout=LONG)
    box = found.bounding_box()
    return box["y"]


# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("size", list(SIZES))
def test_clause_reason_clear_scroll_and_reconnect(browser, site, size):
    iid = site.draft[size]
    clause = site.reason_clause
    ctx = _context(browser, size)
    page = ctx.new_page()
    # The websocket runs through this route so the test can cut it (and refuse reconnects).
    link = {"down": False, "ws": None}

    def route(ws):
        if link["down"]:
            ws.close()
            return
        ws.connect_to_server()
        link["ws"] = ws

    page.route_web_socket(re.compile(r"/ws"), route)
    try:
        # Overview: the clause list shows without scrolling (phone too), and a legend explains it.
        open_app(page, site.url(f"/i/{iid}"))
        first = site.hand[0]
        assert _top(page, first.title) < SIZES[size]["height"] - 130, "clause list below the fold"
        _scroll(page, size, 900)
        text(page, clause.title).click()
        page.wait_for_url(re.compile(re.escape(clause_route(iid, clause.number)) + "$"), timeout=LONG)
        wait_text(page, "本条款评定")
        # Opened at its top, not at the overview's scroll offset.
        assert _top(page, f"{clause.number} {clause.title}") < 260

        # The reason: C-2 不符合, the unrated ones 未评 (never 不符合).
        ratings = {clause.items[0].code: ItemResult.MET, clause.items[1].code: ItemResult.NOT_MET}
        _, reason = level_text(clause_level(clause, ratings), "zh")
        assert "不符合" in reason and "未评" in reason
        wait_text(page, reason)
        unrated = [i.code for i in clause.items[2:] if i.level.value == "C"]
        assert f"{unrated[0]} 不符合" not in reason

        # Clear C-1 back to 未评; then a double tap on 符合 is one rating, not a toggle.
        page.get_by_role("button", name="✓ 符合", exact=True).wait_for(timeout=LONG)
        button(page, "清除评分（改回未评）").click()
        page.get_by_role("button", name="✓ 符合", exact=True).wait_for(state="detached", timeout=LONG)
        wait_text(page, "已保存")
        snap, audit = site.snapshot(iid)
        assert snap.findings[clause.number].items[clause.items[0].code].result is ItemResult.UNRATED
        assert audit[-1].action == "rate_item" and (audit[-1].old, audit[-1].new) == ("met", "unrated")
        button(page, "符合", exact=True).dblclick()
        page.get_by_role("button", name="✓ 符合", exact=True).wait_for(timeout=LONG)
        page.wait_for_timeout(800)
        assert page.get_by_role("button", name="✓ 符合", exact=True).count() == 1
        _, audit = site.snapshot(iid)
        assert [(e.old, e.new) for e in audit if e.action == "rate_item"][-2:] == [("met", "unrated"),
                                                                                  ("unrated", "met")]

        # The summary opened from a scrolled clause opens at its top.
        _scroll(page, size, 3000)
        _nav(page, "评审结果")
        page.wait_for_url(re.compile(r"/summary$"), timeout=LONG)
        wait_text(page, "问题清单")
        assert _top(page, "评审结论") < 260

        # Cut the websocket; tap while it is down; the page comes back by itself on the same
        # clause and the tap is saved then (not before).
        page.go_back()
        page.wait_for_url(re.compile(re.escape(clause_route(iid, clause.number)) + "$"), timeout=LONG)
        target = clause.items[2]
        wait_text(page, reason)
        link["down"] = True
        link["ws"].close()
        page.wait_for_timeout(1500)
        page.get_by_role("button", name="符合", exact=True).nth(1).click()  # the third item's (C-1 is ✓)
        page.wait_for_timeout(1000)
        snap, _ = site.snapshot(iid)
        assert snap.findings[clause.number].items.get(target.code) is None or \
            snap.findings[clause.number].items[target.code].result is ItemResult.UNRATED
        # Nothing claims the tap was taken: its choice is not drawn chosen (Flutter covers the
        # page with its reconnecting screen meanwhile).
        assert page.get_by_role("button", name="✓ 符合", exact=True).count() == 1
        page.screenshot(path=str(_artifacts() / f"walkthrough-cut-{size}.png"))
        link["down"] = False
        page.get_by_role("button", name="✓ 符合", exact=True).nth(1).wait_for(timeout=60_000)
        wait_text(page, "已保存")
        assert page.url.endswith(clause_route(iid, clause.number))
        snap, _ = site.snapshot(iid)
        assert snap.findings[clause.number].items[target.code].result is ItemResult.MET
    except Exception:
        _fail_dump(page, site, f"clause-{size}")
        raise
    finally:
        ctx.close()


@pytest.mark.parametrize("size", list(SIZES))
def test_locked_banner_everywhere_and_checklist_posts(browser, site, size):
    ctx = _context(browser, size)
    page = ctx.new_page()
    try:
        open_app(page, site.url(f"/i/{site.locked}"))
        wait_text(page, "已锁定：")
        text(page, site.hand[0].title).click()
        page.wait_for_url(re.compile(r"/c/"), timeout=LONG)
        wait_text(page, "已锁定：")
        chosen = page.get_by_role("button", name="✓ 符合", exact=True).first
        chosen.wait_for(timeout=LONG)
        assert chosen.is_disabled(), "a locked rating must be drawn disabled"
        assert page.get_by_role("button", name="清除评分（改回未评）").count() == 0
        for label, route in (("评审结果", "/summary"), ("照片", "/photos"), ("签名", "/sign")):
            _nav(page, label)
            page.wait_for_url(re.compile(re.escape(route) + "$"), timeout=LONG)
            wait_text(page, "已锁定：")

        # The checklist: posts with 符合率, a post per screen, norms as rows, no C/B/A.
        open_app(page, site.url(f"/i/{site.checklist}"))
        post = site.checklist_standard.chapters[0].sections[0 if size == "tablet" else 1]  # one post per run
        wait_text(page, post.title)
        wait_text(page, "符合率")
        text(page, post.title).click()
        page.wait_for_url(re.compile(re.escape(post_route(site.checklist, post.number)) + "$"), timeout=LONG)
        for norm in post.clauses:
            wait_text(page, norm.title)
        button(page, "符合", exact=True).click()
        page.get_by_role("button", name="✓ 符合", exact=True).wait_for(timeout=LONG)
        wait_text(page, "符合率 100%")
        for absent in ("C 合格", "B级", "无适用的", "未达达标"):
            assert page.get_by_text(absent).count() == 0, absent
        snap, _ = site.snapshot(site.checklist)
        assert snap.findings[post.clauses[0].number].items[post.clauses[0].items[0].code].result is ItemResult.MET
    except Exception:
        _fail_dump(page, site, f"locked-{size}")
        raise
    finally:
        ctx.close()


@pytest.mark.parametrize("size", list(SIZES))
def test_confirmations_refusals_and_inline_errors(browser, site, size):
    ctx = _context(browser, size)
    page = ctx.new_page()
    try:
        # Home: an empty center name is said at the field, inside the dialog.
        open_app(page, site.url("/"))
        button(page, "新增机构").click()
        button(page, "保存", exact=True).click()
        wait_text(page, "请填写机构名称")
        button(page, "取消", exact=True).click()
        # Start: the standard is a choice: 请选择.
        button(page, "开始评审").click()
        wait_text(page, "评价阶段")  # the dialog is open: .last is its button, not the home one
        page.get_by_role("button", name="开始评审", exact=True).last.click()
        wait_text(page, "请选择评价标准")
        button(page, "取消", exact=True).click()

        # 提交 asks first, in words; 取消 leaves the draft as it was.
        open_app(page, site.url(f"/i/{site.draft[size]}/sign"))
        button(page, "提交，进入签名").click()
        wait_text(page, "确认提交？")
        wait_text(page, "都不能再修改")
        button(page, "取消", exact=True).click()
        snap, _ = site.snapshot(site.draft[size])
        assert snap.inspection.status is InspectionStatus.DRAFT

        # 锁定 before the director signed: asked, then refused in words, and no 保存失败.
        open_app(page, site.url(f"/i/{site.submitted}/sign"))
        button(page, "确认并锁定评审").click()
        wait_text(page, "确认锁定？")
        wait_text(page, "不能再修改或撤回")
        button(page, "确认锁定", exact=True).click()
        wait_text(page, "还缺少签名")
        assert page.get_by_text("保存失败").count() == 0
        wait_text(page, "已保存")
        snap, _ = site.snapshot(site.submitted)
        assert snap.inspection.status is InspectionStatus.SUBMITTED
        # An empty pad has its own message, at the pad.
        button(page, f"确认签名 · {DIRECTOR}").click()
        wait_text(page, "签名板是空的")
    except Exception:
        _fail_dump(page, site, f"dialogs-{size}")
        raise
    finally:
        ctx.close()


def test_a_second_tablets_rating_appears_in_place_while_typing(browser, site):
    iid = site.draft["tablet"]
    clause = site.hand[3]
    first, second = _context(browser, "phone"), _context(browser, "tablet")
    a, b = first.new_page(), second.new_page()
    try:
        open_app(a, site.url(clause_route(iid, clause.number)))
        open_app(b, site.url(clause_route(iid, clause.number)))
        wait_text(a, clause.title)
        wait_text(b, clause.title)
        # A types a note (not yet saved) ...
        field = a.get_by_role("textbox", name="条目备注").first
        field.click()
        a.wait_for_timeout(300)
        a.keyboard.type("门诊日志未签字", delay=15)
        wait_text(a, "未保存")
        # ... while B rates the first item 不符合: A shows it without a reload.
        button(b, "不符合", exact=True).click()
        b.get_by_role("button", name="✓ 不符合", exact=True).wait_for(timeout=LONG)
        a.get_by_role("button", name="✓ 不符合", exact=True).wait_for(timeout=20_000)
        a.keyboard.type("，已告知", delay=15)
        a.keyboard.press("Tab")
        wait_text(a, "已保存")
        snap, _ = site.snapshot(iid)
        item = snap.findings[clause.number].items[clause.items[0].code]
        assert item.result is ItemResult.NOT_MET and item.note == "门诊日志未签字，已告知"
    except Exception:
        _fail_dump(a, site, "live-a")
        _fail_dump(b, site, "live-b")
        raise
    finally:
        first.close()
        second.close()


def test_reload_keeps_the_page_on_its_clause(browser, site):
    """The tablet slept: a reload (what Flutter does after a long outage) lands on the same clause."""
    iid = site.draft["phone"]
    clause = site.hand[1]
    ctx = _context(browser, "phone")
    page = ctx.new_page()
    try:
        open_app(page, site.url(clause_route(iid, clause.number)))
        wait_text(page, clause.title)
        page.reload(wait_until="load")
        enable_semantics(page)
        wait_text(page, clause.title)
        assert page.url.endswith(clause_route(iid, clause.number))
    finally:
        ctx.close()
