"""Live, in a team (issue 12), real parts only: a hub process on 127.0.0.1, tablet A is the app
(`main.py app`, signed in on its sync screen, its background runner syncing every few seconds)
driven in Chromium, tablet B is a second inspector's tablet (its own data folder and engine).

- A has a clause open with a half-typed item note; B rates another item of that clause and
  syncs; A's runner pulls it: A's open page shows B's rating without a reload, and the text
  being typed is still there, goes on being typed and is saved whole.
- A has the overview open with a half-typed search; B rates an item of another clause: A's row
  for that clause counts it in place, and the search text stays.

Both at 1280x800 and 390x844.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from inspect_app import paths, services
from inspect_app.inspection import ItemResult
from inspect_app.ui_state import clause_route
from tests.support.browser import PHONE, TABLET
from tests.support.net import wait_for_http
from tests.sync.hubproc import PASSWORD, Tablet
from tests.ui.flet_driver import LONG, button, evaluate, failure_dump, open_app, shot, type_into, wait_text
from tests.ui.test_touch_targets import COLLECT, said_twice
from tests.ui.test_sync_ui import TabletApp, _rating, _state, _wait, hub_and_tablet

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(420)]

SIZES = {"tablet": TABLET, "phone": PHONE}
# the badge: its words on a tablet, its tooltip (with the date) beside the bare icon on a phone
SYNCED_ANY = re.compile(r"已同步 (\d\d-\d\d )?\d\d:\d\d")


class LiveTabletApp(TabletApp):
    """The app with its background runner on a short round, as a tablet left open in a team
    (no tap on 立即同步: the runner's own rounds bring the teammate's ratings)."""

    def start(self):
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "JICENG_SYNC_INTERVAL": "3"}
        env.pop("FLET_SECRET_KEY", None)
        self._log = open(self.log, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, str(paths.PROJECT_ROOT / "main.py"), "app", "--port", str(self.port),
             "--data", str(self.data), "--standards", str(self.standards)],
            cwd=paths.PROJECT_ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT)
        wait_for_http(self.url, timeout=90, proc=self.proc)
        return self


@pytest.fixture
def team(tmp_path):
    hub, standards, data, ws, iid = hub_and_tablet(tmp_path, "tablet-a")
    ws.close()
    app = LiveTabletApp(data, standards).start()
    try:
        yield hub, app, iid, tmp_path
    finally:
        app.stop()
        hub.stop()


def _b_rates(tablet: Tablet, iid: str, clause: str, code: str, result: str) -> None:
    services.rate_item(tablet.ws, iid, clause, code, result, actor="李明")
    tablet.sync()


def _textbox_value(page, name: str | None = None) -> str:
    """What the field holds as the browser has it (Flutter's editing element)."""
    field = (page.get_by_role("textbox", name=name) if name else page.get_by_role("textbox")).first
    return field.input_value() if field.evaluate("e => 'value' in e") else field.inner_text()


@pytest.mark.parametrize("size", list(SIZES))
def test_a_teammates_rating_arrives_by_sync_in_place_while_typing(browser, team, size, artifacts):
    hub, app, iid, tmp = team
    ctx = browser.new_context(viewport=SIZES[size], device_scale_factor=1)
    page = ctx.new_page()
    b = None
    try:
        # -- A signs in on its sync screen; its runner pushes the inspection to the hub
        open_app(page, app.url + "sync")
        page.get_by_role("textbox", name="中心地址").wait_for(timeout=LONG)
        type_into(page, "中心地址", hub.url)
        type_into(page, "账号名", "xiaoyu")
        type_into(page, "密码", PASSWORD, blur=False)
        button(page, "登录", exact=True).click()
        wait_text(page, "已登录：肖彧（xiaoyu）")
        wait_text(page, SYNCED_ANY)
        # the badge is heard once ("已同步 04:15"), not with its tooltip again
        twice = [n["name"] for n in evaluate(page, COLLECT) if said_twice(n["name"])]
        assert twice == [], twice
        assert _wait(lambda: "values" in _state(hub, iid))

        # -- B, a second inspector's tablet, gets the inspection from the hub
        b = Tablet(tmp / "tablet-b", app.standards)
        b.sign_in(hub, "liming")
        b.sync()
        assert services.snapshot(b.ws, iid).findings.get("1.1.1") is None

        # -- A opens clause 1.1.1 and half types a note on C-1 (not saved: no blur)
        page.goto(app.url.rstrip("/") + clause_route(iid, "1.1.1"))
        open_app(page, page.url)
        wait_text(page, "条款 1.1.1")
        field = page.get_by_role("textbox", name="条目备注").first
        field.click()
        page.wait_for_timeout(300)
        page.keyboard.type("门诊日志未签字", delay=15)
        wait_text(page, "未保存")
        assert page.get_by_role("button", name="✓ 不符合", exact=True).count() == 0

        # -- B rates C-2 不符合 and syncs; A's runner pulls it; A's open clause shows it in place
        _b_rates(b, iid, "1.1.1", "C-2", "not_met")
        page.get_by_role("button", name="✓ 不符合", exact=True).first.wait_for(timeout=60_000)
        assert "门诊日志未签字" in _textbox_value(page, "条目备注")
        shot(page, artifacts, f"live-clause-{size}", "✓ 不符合")
        # the caret is where it was: typing goes on, then the note is saved whole
        page.keyboard.type("，已告知", delay=15)
        page.keyboard.press("Tab")
        wait_text(page, "已保存")
        ws = services.open_workspace(app.data, standards_dir=app.standards)
        try:
            items = services.snapshot(ws, iid).findings["1.1.1"].items
        finally:
            ws.close()
        assert items["C-2"].result is ItemResult.NOT_MET
        assert items["C-1"].note == "门诊日志未签字，已告知"
        # and A's note reaches B through the hub
        assert _wait(lambda: (b.sync() or True) and services.snapshot(b.ws, iid).findings["1.1.1"]
                     .items.get("C-1") is not None
                     and services.snapshot(b.ws, iid).findings["1.1.1"].items["C-1"].note == "门诊日志未签字，已告知",
                     timeout=60)

        # -- the overview with a half-typed search: B rates 1.1.2 C-1, A's row counts it in place
        page.goto(app.url.rstrip("/") + f"/i/{iid}")
        open_app(page, page.url)
        row = page.get_by_role("button", name=re.compile(r"^1\.1\.2\b"))
        row.first.wait_for(timeout=LONG)
        assert "0/4" in (row.first.get_attribute("aria-label") or row.first.inner_text())
        type_into(page, "搜索", "条款 1.1", blur=False)
        _b_rates(b, iid, "1.1.2", "C-1", "met")
        page.get_by_role("button", name=re.compile(r"^1\.1\.2\b.*1\/4")).first.wait_for(timeout=60_000)
        assert _textbox_value(page) == "条款 1.1"  # (its name was the hint, gone once typed in)
        shot(page, artifacts, f"live-overview-{size}", "1/4")
    except Exception:
        failure_dump(page, artifacts, f"FAILED-live-{size}")
        print(app.log.read_text(errors="replace")[-3000:])
        print("A has 1.1.2 C-1:", _rating(app, iid, "1.1.2", "C-1"))
        raise
    finally:
        if b is not None:
            b.close()
        ctx.close()
