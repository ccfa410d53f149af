"""Pairing in a real browser: the app bound to 0.0.0.0 trusts nobody, not even 127.0.0.1.

The server is bound to 0.0.0.0 (that is what turns pairing on: the decision is made on the bind
address, never on the client's), and the browser connects only through 127.0.0.1, which must
not be treated as trusted. An unpaired browser sees only the pairing page, gets 401 on every
file route and no websocket session; after pairing with the code the app works; after the host
revokes the device it is locked out again, its open session closed.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time

import pytest

from inspect_app import paths
from inspect_app.standard.loader import list_standards
from tests.support.browser import PHONE, TABLET
from tests.support.net import free_port
from tests.ui.conftest import ROOT, AppServer
from tests.ui.flet_driver import button, open_app, type_into, wait_text

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

FILE_ROUTES = ["/media/photo/0123456789abcdef.jpg", "/media/thumb/0123456789abcdef.jpg",
               "/media/signature/0123456789abcdef.png", "/reports/JCR-20261201-ABCDEF-R1.pdf",
               "/exports/20261201-120000/reports.zip", "/bundles/sync-bundle.zip",
               "/fonts/" + paths.CJK_FONT.name, "/main.dart.js", "/canvaskit/canvaskit.wasm",
               "/offline-shims.js", "/manifest.json", "/pairing", "/pairing/qr.svg", "/anything/else"]


AUDIT_OF_CENTERS = """
import json, sys
from inspect_app import services
ws = services.open_workspace(sys.argv[1])
print(json.dumps([[e.new["name"], e.client] for e in services.audit_log(ws) if e.action == "add_center"]))
"""


class PairedAppServer(AppServer):
    """`python main.py app --host 0.0.0.0`, reached at http://127.0.0.1:<port>/ only."""

    def start(self) -> "PairedAppServer":
        import os

        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env.pop("FLET_SECRET_KEY", None)
        self._log = open(self.log, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "main.py"), "app", "--host", "0.0.0.0", "--port", str(self.port),
             "--data", str(self.data_dir)], cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 90
        while "本机浏览器" not in self.output() or not self._listening():  # printed before it listens
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"app did not start:\n{self.output()[-4000:]}")
            time.sleep(0.3)
        return self

    def _listening(self) -> bool:
        import socket

        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return True
        except OSError:
            return False

    def code(self) -> str:
        codes = re.findall(r"配对码 code: (\d{3}) (\d{3})", self.output())
        return "".join(codes[-1])

    def host_link(self) -> str:
        found = re.findall(r"\(host\): (\S+)", self.output())
        return found[-1]


@pytest.fixture
def paired_server(tmp_path):
    server = PairedAppServer(tmp_path / "data", free_port()).start()
    yield server
    server.stop()


def _status(context, base: str, route: str, method: str = "GET") -> int:
    resp = context.request.fetch(base.rstrip("/") + route, method=method, max_redirects=0, fail_on_status_code=False)
    return resp.status


def _websocket_opens(page, base: str) -> bool:
    ws_url = base.replace("http://", "ws://").rstrip("/") + "/ws"
    return page.evaluate("""url => new Promise(resolve => {
        const ws = new WebSocket(url);
        ws.onopen = () => { ws.close(); resolve(true); };
        ws.onerror = () => resolve(false);
        setTimeout(() => resolve(false), 5000);
    })""", ws_url)


def test_unpaired_sees_only_pairing_then_pairs_then_is_revoked(browser, paired_server, artifacts):
    base = paired_server.url
    std = list_standards(paths.STANDARDS_DIR)[0]

    # -- unpaired: the pairing page, 401 everywhere else, no websocket -------------------------
    tablet = browser.new_context(viewport=TABLET, device_scale_factor=1)
    page = tablet.new_page()
    sockets: list[str] = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    page.goto(base, wait_until="load")
    assert re.search(r"/pair\?next=%2F$|/pair\?next=/$", page.url), page.url
    page.get_by_role("heading", name="设备配对").wait_for()
    assert page.locator("flt-glass-pane, flutter-view").count() == 0  # no Flet client was served
    page.screenshot(path=str(artifacts / "pairing-tablet.png"))
    phone = browser.new_context(viewport=PHONE, device_scale_factor=1)
    phone_page = phone.new_page()
    phone_page.goto(base + "i/abc/summary", wait_until="load")
    assert "/pair?next=" in phone_page.url
    phone_page.screenshot(path=str(artifacts / "pairing-phone.png"))
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.close()

    for route in FILE_ROUTES:
        assert _status(tablet, base, route) == 401, route
    assert _status(tablet, base, "/upload?f=x.jpg", method="PUT") == 401
    assert _status(tablet, base, "/", method="POST") == 401
    assert _websocket_opens(page, base) is False
    assert sockets == [ws for ws in sockets if ws.endswith("/ws")]  # only our probe tried

    # -- a wrong code is refused with a message; the right one pairs -----------------------------
    page.get_by_label("配对码 Pairing code").fill("000000" if paired_server.code() != "000000" else "111111")
    page.get_by_label("设备名称 Device name").fill("测试平板一号")
    page.get_by_role("button", name="配对 Pair").click()
    page.get_by_role("alert").filter(has_text="配对码不正确").wait_for()
    used_code = paired_server.code()
    page.get_by_label("配对码 Pairing code").fill(used_code)
    page.get_by_label("设备名称 Device name").fill("测试平板一号")
    page.get_by_role("button", name="配对 Pair").click()
    page.wait_for_url(base, timeout=30_000)
    cookie = next(c for c in tablet.cookies() if c["name"] == "jiceng_device")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"

    open_app(page, base)  # the Flet app itself, over its websocket
    wait_text(page, std.title)
    # A change made through this paired browser is audited under this device's identity.
    button(page, "新增机构").click()
    type_into(page, "机构名称", "白云镇卫生院")
    button(page, "保存", exact=True).click()
    wait_text(page, "白云镇卫生院")
    device_label = re.findall(r"已配对 paired: (测试平板一号 \(pd-[0-9a-f]+\))", paired_server.output())[-1]
    audit = subprocess.run([sys.executable, "-c", AUDIT_OF_CENTERS, str(paired_server.data_dir)],
                           capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert audit.returncode == 0, audit.stderr
    assert [device_label] == [c for n, c in json.loads(audit.stdout) if n == "白云镇卫生院"]
    assert _status(tablet, base, "/fonts/" + paths.CJK_FONT.name) == 200
    assert _status(tablet, base, "/media/photo/0123456789abcdef.jpg") == 404  # routed, just not there
    assert _status(tablet, base, "/pairing") == 403  # a tablet is not the host
    # The one-time code is spent: another browser cannot reuse it.
    other = browser.new_context()
    spent = other.request.post(base + "pair", form={"code": used_code, "name": "x"}, max_redirects=0,
                               fail_on_status_code=False, headers={"Origin": base.rstrip("/")})
    assert spent.status == 401 and not [c for c in other.cookies() if c["name"] == "jiceng_device"]
    other.close()

    # -- the host pairs from its own browser with the terminal's host link, and revokes ----------
    host = browser.new_context(viewport=TABLET, device_scale_factor=1)
    host_page = host.new_page()
    host_page.goto(paired_server.host_link(), wait_until="load")
    host_page.goto(base + "pairing", wait_until="load")
    host_page.get_by_role("heading", name="配对设备").wait_for()
    row = host_page.locator("tr", has_text="测试平板一号")
    row.wait_for()
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", row.inner_text())  # last use shown
    assert re.fullmatch(r"\d{3} \d{3}", host_page.get_by_label("配对码").inner_text().strip())
    assert _status(host, base, "/pairing/qr.svg") == 200
    host_page.screenshot(path=str(artifacts / "pairing-host-tablet.png"))
    listed = subprocess.run([sys.executable, str(ROOT / "main.py"), "app", "devices", "list",
                             "--data", str(paired_server.data_dir)], capture_output=True, text=True, cwd=ROOT)
    assert "测试平板一号" in listed.stdout and "有效 active" in listed.stdout

    row.get_by_role("button", name=re.compile("撤销")).click()
    host_page.wait_for_load_state("load")
    assert host_page.locator("tr", has_text="测试平板一号").count() == 0

    # -- revoked: locked out again ---------------------------------------------------------------
    for route in FILE_ROUTES:
        assert _status(tablet, base, route) == 401, route
    assert _websocket_opens(page, base) is False
    page.goto(base, wait_until="load")
    assert "/pair" in page.url
    page.get_by_role("heading", name="设备配对").wait_for()
    listed = subprocess.run([sys.executable, str(ROOT / "main.py"), "app", "devices", "list",
                             "--data", str(paired_server.data_dir)], capture_output=True, text=True, cwd=ROOT)
    assert "已撤销 revoked" in listed.stdout
    # The host itself still works.
    assert _status(host, base, "/fonts/" + paths.CJK_FONT.name) == 200
    tablet.close()
    host.close()


def test_revocation_closes_an_open_app_session(browser, paired_server):
    """The websocket of a device revoked from the terminal (CLI) closes within seconds."""
    base = paired_server.url
    ctx = browser.new_context(viewport=TABLET, device_scale_factor=1)
    page = ctx.new_page()
    closed: list[str] = []
    page.on("websocket", lambda ws: ws.on("close", lambda *_: closed.append(ws.url)))
    page.goto(base + "pair?t=" + re.findall(r"/pair\?t=(\S+)", paired_server.output())[-1], wait_until="load")
    page.get_by_label("设备名称 Device name").fill("扫码平板")
    page.get_by_role("button", name="配对 Pair").click()
    page.wait_for_url(base, timeout=30_000)
    open_app(page, base)
    wait_text(page, list_standards(paths.STANDARDS_DIR)[0].title)
    device_id = re.findall(r"已配对 paired: 扫码平板 \((pd-[0-9a-f]+)\)", paired_server.output())[-1]
    done = subprocess.run([sys.executable, str(ROOT / "main.py"), "app", "devices", "revoke", device_id,
                           "--data", str(paired_server.data_dir)], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    deadline = time.monotonic() + 15
    while not any(u.endswith("/ws") for u in closed) and time.monotonic() < deadline:
        page.wait_for_timeout(250)
    assert any(u.endswith("/ws") for u in closed), "the revoked device's session stayed open"
    assert _status(ctx, base, "/fonts/" + paths.CJK_FONT.name) == 401
    ctx.close()
