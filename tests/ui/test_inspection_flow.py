"""End to end, in a real browser: a whole visit on the shipped township standard.

Create a center, start an inspection, rate every item of two clauses (one to C or better, one
below C), add a note and a photo, reload and see it all still there, restart the app and land
on the same clause, see the summary verdict, sign (team and director) and lock, download the signed report PDF
(valid signature) and the export zip for the bureau. Screenshots of
each screen at tablet and phone size go to test-artifacts/.
"""

from __future__ import annotations

import io
import re
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from PIL import Image

from inspect_app import paths, services
from inspect_app.inspection import ItemResult
from inspect_app.report.verify import verify_report
from inspect_app.scoring import ClauseLevel, clause_level, level_name, score_inspection
from inspect_app.standard.loader import load_standard
from inspect_app.ui_state import clause_route
from tests.support.browser import PHONE, TABLET
from tests.ui.flet_driver import LONG, bring_into_view, button, enable_semantics, open_app, shot, type_into, wait_text

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(900)]

ME = "李堃"  # outside GB2312: must still render
TEAM = "王珺、李堃"
CENTER = "青山镇卫生院"
DIRECTOR = "赵彧"


def _two_clauses(standard):
    """The first two clauses rated by hand (no derived rule on the clause or its items)."""
    picked = [c for c in standard.clauses()
              if c.items and c.derived is None and all(i.derived is None for i in c.items) and not c.unplaced]
    assert len(picked) >= 2
    return picked[0], picked[1]


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (40, 120, 160)).save(out, "JPEG", quality=85)
    return out.getvalue()


def _inspection_id(page) -> str:
    m = re.search(r"/i/([^/?#]+)", page.url)
    assert m, page.url
    return m.group(1)


def _rate_all(page, label: str, count: int) -> None:
    """Tap the choice `label` on every item: the chosen button becomes '✓ label'."""
    for _ in range(count):
        button(page, label, exact=True).click()
        page.get_by_role("button", name=f"✓ {label}", exact=True).nth(_).wait_for(timeout=LONG)


def test_visit_rate_reload_restart_summary_sign_lock(browser, app_server, watch, artifacts, tmp_path):
    standard = load_standard(paths.STANDARDS_DIR / "township-2018.json")
    good, bad = _two_clauses(standard)
    good_level = level_name(clause_level(good, {i.code: ItemResult.MET for i in good.items}).level)
    assert good_level != level_name(ClauseLevel.D)

    ctx = browser.new_context(viewport=TABLET, device_scale_factor=1)
    page = ctx.new_page()
    watch.attach(page)
    try:
        inspection_id = _visit(page, app_server, artifacts, standard, good, bad, good_level)
    except Exception:
        page = ctx.pages[-1] if ctx.pages else page  # the tab opened after the restart
        print(app_server.output()[-3000:])
        try:  # the dump must never hide the failure it is dumping
            page.screenshot(path=str(artifacts / "FAILED-flow.png"), timeout=5000)
            for e in page.locator("flt-semantics").all()[:60]:
                print("SEM", repr(e.get_attribute("aria-label")), e.inner_text(timeout=2000).replace("\n", " | ")[:100])
        except Exception as dump_error:
            print("no dump:", dump_error)
        raise
    finally:
        ctx.close()
    _phone_screens(browser, watch, app_server, artifacts, inspection_id, good, bad, good_level)
    assert watch.failed == [], watch.failed
    assert watch.foreign == [], watch.foreign


def _visit(page, app_server, artifacts, standard, good, bad, good_level):
    open_app(page, app_server.url)

    # Who uses this device; a center; an inspection.
    type_into(page, "我的姓名", ME)
    button(page, "新增机构").click()
    type_into(page, "机构名称", CENTER)
    type_into(page, "所属县区", "青山县")
    type_into(page, "机构负责人", DIRECTOR)
    button(page, "保存", exact=True).click()
    wait_text(page, CENTER)
    shot(page, artifacts, "01-home-tablet")

    button(page, "开始评审").click()
    button(page, CENTER).click()
    button(page, standard.title).click()
    type_into(page, re.compile("评审组成员"), TEAM)
    # 评审组长: by default the inspector on this device (李堃); the team picks 王珺 instead.
    page.get_by_role("button", name=f"✓ {ME}", exact=True).wait_for(timeout=LONG)
    button(page, "王珺", exact=True).click()
    page.get_by_role("button", name="✓ 王珺", exact=True).wait_for(timeout=LONG)
    # GPS policy: off unless the team switches it on (this inspection keeps the default).
    page.get_by_role("switch", name=re.compile("保留照片位置信息")).wait_for(timeout=LONG)
    wait_text(page, "照片的拍摄位置会被去除")
    shot(page, artifacts, "01b-start-dialog-tablet")
    page.get_by_role("button", name="开始评审", exact=True).last.click()
    page.wait_for_url(re.compile(r"/i/[^/]+$"), timeout=LONG)
    inspection_id = _inspection_id(page)
    wait_text(page, good.title)
    shot(page, artifacts, "02-overview-tablet")

    # Clause one: every item met, a note, a photo.
    page.get_by_text(good.title).first.click()
    page.wait_for_url(re.compile(re.escape(clause_route(inspection_id, good.number)) + "$"), timeout=LONG)
    _rate_all(page, "符合", len(good.items))
    wait_text(page, good_level)
    type_into(page, "条目备注", "已现场核实，制度上墙")
    wait_text(page, "已保存")
    with page.expect_file_chooser(timeout=LONG) as chooser:
        button(page, "拍照/添加照片").click()
    chooser.value.set_files(files=[{"name": "档案室.jpg", "mimeType": "image/jpeg", "buffer": _jpeg()}])
    page.get_by_role("img", name=re.compile(f"照片 {re.escape(good.number)}")).first.wait_for(timeout=LONG)
    # A file that is not a picture is refused with the reason, and nothing is attached.
    with page.expect_file_chooser(timeout=LONG) as chooser:
        button(page, "拍照/添加照片").click()
    chooser.value.set_files(files=[{"name": "记录.txt", "mimeType": "text/plain",
                                    "buffer": "这不是照片".encode("utf-8")}])
    wait_text(page, "这不是可识别的图片文件")
    assert page.get_by_role("img", name=re.compile(f"照片 {re.escape(good.number)}")).count() == 1
    shot(page, artifacts, "03-clause-met-tablet")

    # Clause two: every item not met.
    button(page, "下一条").click()
    page.wait_for_url(re.compile(re.escape(clause_route(inspection_id, bad.number)) + "$"), timeout=LONG)
    _rate_all(page, "不符合", len(bad.items))
    wait_text(page, "D 不合格")
    shot(page, artifacts, "04-clause-below-c-tablet")

    # Reload: the same clause, everything still there.
    page.reload(wait_until="load")
    enable_semantics(page)
    wait_text(page, "D 不合格")
    assert page.get_by_role("button", name="✓ 不符合", exact=True).count() == len(bad.items)
    button(page, "上一条").click()
    wait_text(page, good_level)
    page.get_by_role("button", name="✓ 符合", exact=True).first.wait_for(timeout=LONG)
    shot(page, artifacts, "03b-clause-after-reload-tablet")
    page.get_by_role("img", name=re.compile(f"照片 {re.escape(good.number)}")).first.wait_for(timeout=LONG)

    # The rest of the visit happens on other tablets; here it is done through the services
    # while the app is stopped, then the app restarts and resumes where this device left off.
    app_server.stop()
    # Each upload was removed once ingested (or refused).
    assert [p for p in (app_server.data_dir / "uploads").rglob("*") if p.is_file()] == []
    ws = services.open_workspace(app_server.data_dir)
    snap = services.snapshot(ws, inspection_id)
    # What the reload showed is what was stored: the note and the photo of the first clause.
    assert any(r.note == "已现场核实，制度上墙" for r in snap.findings[good.number].items.values())
    assert any(e.target.clause_number == good.number for e in snap.live_evidence)
    for clause in standard.clauses():
        if clause.number in (good.number, bad.number) or clause.derived is not None:
            continue
        rated = snap.findings.get(clause.number)
        for item in clause.items:
            if item.derived is None and not (rated and item.code in rated.items):
                services.rate_item(ws, inspection_id, clause.number, item.code, "met", actor="王珺")
    for prereq in standard.prerequisites:
        services.set_prerequisite(ws, inspection_id, prereq.id, True, actor="王珺")
    snap = services.snapshot(ws, inspection_id)
    verdict = score_inspection(standard, {n: f.items for n, f in snap.findings.items()},
                               snap.inspection.prerequisites).verdict
    ws.close()
    app_server.start()
    # A fresh tab after the restart (the old tab's Flutter client keeps retrying its old session).
    old = page
    page = old.context.new_page()
    old.close()
    page.goto(app_server.url, wait_until="load")
    enable_semantics(page)
    button(page, "继续评审").click()
    page.wait_for_url(re.compile(re.escape(clause_route(inspection_id, good.number)) + "$"), timeout=LONG)
    wait_text(page, good_level)

    # Summary: verdict and the deficiency list with a rectification suggestion.
    button(page, "评审结果").click()
    page.wait_for_url(re.compile(r"/summary$"), timeout=LONG)
    wait_text(page, verdict.name("zh"))
    wait_text(page, "问题清单")
    type_into(page, "整改建议", "一周内完善制度并组织培训")
    wait_text(page, "已保存")
    shot(page, artifacts, "05-summary-tablet")

    # Photos before signing.
    button(page, "照片").click()
    page.wait_for_url(re.compile(r"/photos$"), timeout=LONG)
    page.get_by_role("img", name=re.compile("照片")).first.wait_for(timeout=LONG)
    shot(page, artifacts, "06-photos-tablet")

    # Sign: submit, each signer draws on the pad, then lock.
    button(page, "签名").click()
    page.wait_for_url(re.compile(r"/sign$"), timeout=LONG)
    button(page, "提交，进入签名").click()
    wait_text(page, "确认提交？")  # what can no longer change is said before it happens
    button(page, "确认提交", exact=True).click()
    signers = ["王珺", "李堃", DIRECTOR]
    for name in signers:
        confirm = button(page, f"确认签名 · {name}")
        confirm.wait_for(timeout=LONG)
        box = bring_into_view(page, page.get_by_text("请在此处签名").first)
        x, y = box["x"] + 30, box["y"] - 120
        page.mouse.move(x, y)
        page.mouse.down()
        for step in range(1, 12):
            page.mouse.move(x + step * 25, y + (30 if step % 2 else -10), steps=3)
        page.mouse.up()
        page.wait_for_timeout(300)
        if name == signers[0]:
            shot(page, artifacts, "07-sign-pad-tablet")
        confirm.click()
        page.get_by_text(re.compile(f"{name} · 已签名")).first.wait_for(timeout=LONG)
    button(page, "确认并锁定评审").click()
    wait_text(page, "确认锁定？")
    button(page, "确认锁定", exact=True).click()
    wait_text(page, "评审已锁定")
    shot(page, artifacts, "08-signed-locked-tablet")

    # The signed report: one tap builds and signs it on the server and the browser downloads it.
    with page.expect_download(timeout=120_000) as got:
        button(page, "生成并下载签章报告").click()
    pdf = Path(got.value.path()).read_bytes()
    download = button(page, "下载签章报告 PDF")  # and again later, from this button
    download.wait_for(timeout=LONG)
    wait_text(page, "浏览器正在下载")
    shot(page, artifacts, "09-signed-report-tablet")
    assert pdf.startswith(b"%PDF")
    [stored] = (app_server.data_dir / "reports").glob("JCR-*.pdf")
    assert got.value.suggested_filename == stored.name and pdf == stored.read_bytes()
    assert httpx.get(f"{app_server.url}reports/{stored.name}").content == pdf
    # pyHanko's validation runs its own event loop: not in Playwright's thread.
    with ThreadPoolExecutor(1) as pool:
        result = pool.submit(verify_report, pdf, data_dir=app_server.data_dir).result()
    assert result.valid and result.trusted, result.lines()
    for bad in ("reports/..%2Fsigning%2Flocal-key.pem", "reports/..%2F..%2Fhub_account.json",
                "exports/..%2F..%2Fsigning/local-key.pem", "exports/x/..%2F..%2Freports%2F" + stored.name):
        assert httpx.get(app_server.url + bad).status_code == 404, bad

    # Home: export every locked inspection for the health bureau, then the zip.
    page.goto(app_server.url, wait_until="load")
    enable_semantics(page)
    button(page, "导出报告给卫健局").click()
    page.get_by_role("checkbox", name=re.compile(CENTER)).wait_for(timeout=LONG)
    button(page, "导出", exact=True).click()
    zip_button = button(page, "下载压缩包")
    zip_button.wait_for(timeout=90_000)
    wait_text(page, "已导出 1 份报告")
    shot(page, artifacts, "10-export-tablet")
    [made] = (app_server.data_dir / "exports").glob("*/jiceng-reports.zip")
    with page.expect_download(timeout=LONG) as got:
        zip_button.click()
    with zipfile.ZipFile(got.value.path()) as zf:
        assert zf.read(stored.name) == pdf and "manifest.csv" in zf.namelist()
    assert httpx.get(f"{app_server.url}exports/{made.parent.name}/{made.name}").content == made.read_bytes()
    return inspection_id

def _phone_screens(browser, watch, app_server, artifacts, inspection_id, good, bad, good_level):
    """Every screen at phone size (portrait)."""
    phone = browser.new_context(viewport=PHONE, device_scale_factor=1)
    p = phone.new_page()
    watch.attach(p)
    base = app_server.url.rstrip("/")
    for name, route, expect in [
        ("01-home", "/", CENTER),
        ("02-overview", f"/i/{inspection_id}", good.title),
        ("03-clause", clause_route(inspection_id, good.number), good_level),
        ("04-clause-below-c", clause_route(inspection_id, bad.number), "D 不合格"),
        ("05-summary", f"/i/{inspection_id}/summary", "问题清单"),
        ("06-photos", f"/i/{inspection_id}/photos", good.number),
        ("08-signed-locked", f"/i/{inspection_id}/sign", "签章报告"),
    ]:
        open_app(p, base + route)
        try:
            shot(p, artifacts, f"{name}-phone", expect=expect)
        except Exception:
            print(app_server.output()[-3000:])
            try:  # the dump must never hide the failure it is dumping
                p.screenshot(path=str(artifacts / f"FAILED-{name}-phone.png"), timeout=5000)
            except Exception as dump_error:
                print("no dump:", dump_error)
            raise
    # The start dialog (GPS switch) and the export dialog at phone size.
    open_app(p, base + "/")
    button(p, "开始评审").click()
    p.get_by_role("switch", name=re.compile("保留照片位置信息")).wait_for(timeout=LONG)
    shot(p, artifacts, "01b-start-dialog-phone", expect="照片的拍摄位置会被去除")
    button(p, "取消", exact=True).click()
    button(p, "导出报告给卫健局").click()
    p.get_by_role("checkbox", name=re.compile(CENTER)).wait_for(timeout=LONG)
    shot(p, artifacts, "10-export-phone")
    phone.close()
