"""End to end, real parts only: a hub process and the tablet app on 127.0.0.1, driven in Chromium.

The inspector signs in on the tablet's sync screen (account made with the hub's CLI), rates an
item, syncs, and sees 已同步; the hub has the rating. A second inspector (a simulated tablet)
rates another item differently: both values show on the clause with who rated them, and a
person resolves it on the tablet; the hub then has no conflict. Screenshots of the sync,
clause (conflict), overview, summary and answers screens at 1280x800 and 390x844 go to
test-artifacts/.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import httpx
import pytest

from inspect_app import paths, services
from inspect_app.inspection import TeamMember, TeamRole, utc_now
from inspect_app.sync.bundle import export_bundle, read_bundle
from inspect_app.sync.engine import SyncEngine
from inspect_app.sync.local import LocalSide
from inspect_app.sync.protocol import Op
from inspect_app.ui_state import clause_route
from tests.store.helpers import write_standard
from tests.support.net import free_port, wait_for_http
from tests.sync.hubproc import PASSWORD, Tablet, add_users, start_hub
from tests.support.browser import PHONE, TABLET
from tests.ui.flet_driver import LONG, button, failure_dump, open_app, shot, type_into, wait_text

SYNCED = re.compile(r"已同步 \d\d:\d\d")  # the badge (after its tooltip in the label)

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(300)]


class TabletApp:
    """`main.py app` on its own data folder and standards folder."""

    def __init__(self, data, standards):
        self.data, self.standards = data, standards
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log = data.parent / "tablet-app.log"

    def start(self):
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env.pop("FLET_SECRET_KEY", None)
        env["JICENG_SYNC_INTERVAL"] = "600"  # only the taps on 立即同步 sync: the badge states are deterministic
        self._log = open(self.log, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, str(paths.PROJECT_ROOT / "main.py"), "app", "--port", str(self.port),
             "--data", str(self.data), "--standards", str(self.standards)],
            cwd=paths.PROJECT_ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT)
        wait_for_http(self.url, timeout=90, proc=self.proc)
        return self

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


def _hub_user_cli(data, username, display):
    """The bureau makes the account with the hub's CLI (password from stdin, stored hashed)."""
    subprocess.run([sys.executable, str(paths.PROJECT_ROOT / "main.py"), "--data", str(data), "hub", "user", "add",
                    username, "--role", "inspector", "--display-name", display, "--password-stdin"],
                   input=f"{PASSWORD}\n", text=True, check=True, cwd=paths.PROJECT_ROOT, capture_output=True)


def hub_and_tablet(tmp_path, tablet: str):
    """A hub on loopback with 肖彧 (xiaoyu, outside GB2312: must render) and 李明, and a tablet
    folder `tablet` holding 肖彧's inspection of 青山镇卫生院: (hub, standards, data, ws, iid)."""
    hub_data = tmp_path / "hub"
    hub_data.mkdir()
    add_users(hub_data, [])  # 李明 (liming), the bureau
    _hub_user_cli(hub_data, "xiaoyu", "肖彧")
    hub = start_hub(hub_data)
    standards = tmp_path / "standards"
    write_standard(standards)
    data = tmp_path / tablet
    ws = services.open_workspace(data, standards_dir=standards)
    center = services.add_center(ws, "青山镇卫生院", actor="肖彧", county="青山县")
    team = [TeamMember(name="肖彧", role=TeamRole.LEADER), TeamMember(name="李明")]
    iid = services.start_inspection(ws, center.id, "test-std", team, inspector="肖彧").id
    return hub, standards, data, ws, iid


def _state(hub, iid):
    token = hub.token("bureau")
    r = httpx.get(f"{hub.url}/api/inspections/{iid}/state", headers={"Authorization": f"Bearer {token}"})
    r.raise_for_status()
    return r.json()


def _rating(app, iid, clause, code):
    ws = services.open_workspace(app.data, standards_dir=app.standards)
    try:
        finding = services.snapshot(ws, iid).findings.get(clause)
        return finding.items[code].result.value if finding and code in finding.items else "unrated"
    finally:
        ws.close()


def _wait(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.3)
    return predicate()


@pytest.fixture
def setup(tmp_path):
    hub, standards, data, ws, iid = hub_and_tablet(tmp_path, "tablet")
    # The clinic's answer as the hub writes it (the hub takes answers only on signed revisions;
    # signing is not this test's subject): it arrives on the tablet like any pulled op.
    engine = SyncEngine(data, LocalSide(data, ws.store, ws.photos))
    engine.merge([Op(device="hub", seq=1, inspection_id=iid, key="response/1.1.2/C-1", author="qingshan",
                     value={"plan": "补充院感制度并组织培训", "due": "2024-06-30", "photos": [], "by": "qingshan",
                            "at": utc_now().isoformat(), "revision": 1}, at=utc_now())], acked=True)
    ws.close()
    app = TabletApp(data, standards).start()
    yield hub, app, iid, tmp_path
    app.stop()
    hub.stop()


def test_sign_in_rate_sync_conflict_resolve(browser, setup, watch, artifacts):
    hub, app, iid, tmp = setup
    ctx = browser.new_context(viewport=TABLET, device_scale_factor=1)
    page = ctx.new_page()
    watch.attach(page)
    other = None
    try:
        # -- sign in on the sync screen (the badge says no hub yet)
        open_app(page, app.url + "sync")
        wait_text(page, "未登录中心")
        type_into(page, "中心地址", hub.url)
        type_into(page, "账号名", "xiaoyu")
        type_into(page, "密码", PASSWORD, blur=False)
        button(page, "登录", exact=True).click()
        wait_text(page, "已登录：肖彧（xiaoyu）")
        account = (app.data / "hub_account.json").read_text(encoding="utf-8")
        assert PASSWORD not in account and '"token"' in account

        # -- rate an item: the badge counts it, sync now, 已同步
        page.goto(app.url.rstrip("/") + clause_route(iid, "1.1.1"))
        open_app(page, page.url)
        button(page, "符合", exact=True).click()
        page.get_by_role("button", name="✓ 符合", exact=True).first.wait_for(timeout=LONG)
        wait_text(page, "1 条待同步")
        page.get_by_text("1 条待同步").first.click()  # the badge opens /sync
        button(page, "立即同步").click()
        wait_text(page, SYNCED)
        assert _wait(lambda: _state(hub, iid)["values"].get("item/1.1.1/C-1", {}).get("result") == "met")
        shot(page, artifacts, "sync-tablet")

        # -- 李明 on another tablet rates C-2 'not met' while this tablet rates it 'met'
        other = Tablet(tmp / "liming", app.standards)
        other.sign_in(hub, "liming")
        other.sync()
        services.rate_item(other.ws, iid, "1.1.1", "C-2", "not_met", actor="李明")
        other.sync()
        page.goto(app.url.rstrip("/") + clause_route(iid, "1.1.1"))
        open_app(page, page.url)
        button(page, "符合", exact=True).click()
        page.get_by_role("button", name="✓ 符合", exact=True).nth(1).wait_for(timeout=LONG)
        wait_text(page, "1 条待同步")
        page.get_by_text("1 条待同步").first.click()
        button(page, "立即同步").click()
        wait_text(page, "冲突 1")
        assert [c["key"] for c in _state(hub, iid)["conflicts"]] == ["item/1.1.1/C-2"]

        # -- both values with who rated them, on the clause and counted on the overview
        page.get_by_role("button", name=re.compile(r"^1\.1\.1 C-2")).click()  # the conflict on /sync
        wait_text(page, "冲突：评审员给出了不同结果")
        wait_text(page, "李明 评定")
        wait_text(page, "肖彧（本机） 评定")
        shot(page, artifacts, "conflict-tablet")
        _phone_shot(page, artifacts, "conflict-phone", "李明 评定")
        button(page, "总览").click()
        wait_text(page, "1 处冲突待处理")
        shot(page, artifacts, "overview-conflict-tablet")
        button(page, "1.1.1", exact=True).click()
        wait_text(page, "李明 评定")

        # -- a person resolves it by picking 李明's value; the hub and the other tablet agree
        page.get_by_role("button", name="采用此结果").nth(1).click()  # this tablet first, then 李明
        wait_text(page, "冲突已解决")
        wait_text(page, SYNCED)  # resolving starts a sync round at once
        page.get_by_text(SYNCED).first.click()  # the badge opens /sync
        wait_text(page, "立即同步")
        assert _wait(lambda: _state(hub, iid)["conflicts"] == [])
        assert _state(hub, iid)["values"]["item/1.1.1/C-2"]["result"] == "not_met"
        other.sync()
        assert other.rating(iid, "1.1.1", "C-2") == "not_met" and other.engine.conflicts(iid) == []
        _phone_shot(page, artifacts, "sync-phone", "立即同步")

        # -- no network: 李明's offline change travels as a file, both ways
        services.rate_item(other.ws, iid, "1.2.1", "C-1", "not_met", actor="李明")
        bundle = export_bundle(other.engine, tmp / "from-liming.zip")
        with page.expect_file_chooser(timeout=LONG) as chooser:
            button(page, "导入同步包").click()
        chooser.value.set_files(str(bundle))
        wait_text(page, re.compile(r"已导入 [1-9]\d* 项变更"))
        assert _wait(lambda: _rating(app, iid, "1.2.1", "C-1") == "not_met")
        button(page, "导出同步包").click()
        wait_text(page, "已导出：")
        [made] = list((app.data / "bundles").glob("jiceng-sync-*.zip"))
        r = httpx.get(app.url + "bundles/" + made.name)
        assert r.status_code == 200 and r.content[:2] == b"PK"
        assert httpx.get(app.url + "bundles/..%2Fhub_account.json").status_code == 404
        ops, _ = read_bundle(made)
        assert any(o.key == "item/1.2.1/C-1" for o in ops) and any(o.key == "item/1.1.1/C-1" for o in ops)

        # -- summary: revision and the way to the clinic's answers
        page.goto(app.url.rstrip("/") + f"/i/{iid}/summary")
        open_app(page, page.url)
        wait_text(page, "第 1 版")
        shot(page, artifacts, "summary-tablet")
        button(page, "整改回复（1）").click()
        wait_text(page, "补充院感制度并组织培训")
        wait_text(page, "针对第 1 版")
        shot(page, artifacts, "answers-tablet")
        _phone_shot(page, artifacts, "answers-phone", "补充院感制度并组织培训")
    except Exception:
        failure_dump(page, artifacts, "FAILED-sync")
        print(app.log.read_text(errors="replace")[-3000:])
        raise
    finally:
        if other is not None:
            other.close()
        ctx.close()
    assert watch.foreign == [], watch.foreign
    assert watch.failed == [], watch.failed


def _phone_shot(page, artifacts, name, expect):
    """The same session at phone size: the app rebuilds the screen when the width crosses
    (the language switch turns into the short "EN")."""
    page.set_viewport_size(PHONE)
    button(page, re.compile(r"^EN(\s|$)")).wait_for(timeout=LONG)
    wait_text(page, expect)
    shot(page, artifacts, name)
    page.set_viewport_size(TABLET)
    button(page, re.compile(r"^English")).wait_for(timeout=LONG)
    wait_text(page, expect)
