"""Pairing rules without a browser: the offer (one device, expiry, attempts), the device cookie,
the audit identity of a paired device's changes, the bind-address rule, and --tls on a real
uvicorn. The browser flow is tests/ui/test_pairing.py."""

from __future__ import annotations

import asyncio
import json
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from inspect_app import services
from inspect_app.ui import pairing
from inspect_app.ui.pairing import PairingError, PairingGate, PairingStore
from tests.support.net import free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("host,loopback", [("127.0.0.1", True), ("localhost", True), ("::1", True),
                                           ("127.0.0.2", True), ("0.0.0.0", False), ("::", False),
                                           ("192.168.1.20", False), ("jiceng.local", False)])
def test_pairing_is_decided_on_the_bind_address(host, loopback):
    assert pairing.is_loopback_bind(host) is loopback


def test_an_offer_pairs_one_device_and_expires(tmp_path, monkeypatch):
    store = PairingStore(tmp_path)
    offer = store.new_offer()
    device, secret = store.redeem(code=offer.code, name="平板A", client="10.0.0.5")
    assert store.device_for(secret) == device and device.role == "device"
    assert json.loads((tmp_path / "pairing.json").read_text())["devices"][device.id]["token_sha256"] != secret
    with pytest.raises(PairingError) as again:  # one device per offer
        store.redeem(code=offer.code, name="平板B", client="10.0.0.6")
    assert again.value.status == 401
    late = store.new_offer()
    monkeypatch.setattr(pairing, "_now", lambda: time.time() + pairing.OFFER_SECONDS + 1)
    with pytest.raises(PairingError) as expired:
        store.redeem(token=late.token, name="平板C", client="10.0.0.7")
    assert expired.value.status == 410


def test_wrong_codes_are_limited_per_client_and_burn_the_offer(tmp_path):
    store = PairingStore(tmp_path)
    offer = store.new_offer()
    wrong = f"{(int(offer.code) + 1) % 10**6:06d}"
    for _ in range(pairing.MAX_FAILED_PER_CLIENT):
        with pytest.raises(PairingError):
            store.redeem(code=wrong, name="x", client="10.0.0.9")
    with pytest.raises(PairingError) as limited:  # even the right code, from that client, now
        store.redeem(code=offer.code, name="x", client="10.0.0.9")
    assert limited.value.status == 429
    for i in range(pairing.MAX_FAILED_PER_OFFER):  # many clients guessing: the offer is burned
        with pytest.raises(PairingError):
            store.redeem(code=wrong, name="x", client=f"10.0.1.{i}")
    with pytest.raises(PairingError) as burned:
        store.redeem(code=offer.code, name="x", client="10.0.2.1")
    assert burned.value.status == 410


def test_host_link_only_from_this_machine_and_once(tmp_path):
    store = PairingStore(tmp_path)
    offer = store.new_offer(host_link=True)
    with pytest.raises(PairingError) as remote:
        store.redeem(host_token=offer.host_token, name="主机", client="10.0.0.5", client_is_local=False)
    assert remote.value.status == 403
    host, _ = store.redeem(host_token=offer.host_token, name="主机", client="127.0.0.1", client_is_local=True)
    assert host.role == "host"
    with pytest.raises(PairingError):
        store.redeem(host_token=offer.host_token, name="主机", client="127.0.0.1", client_is_local=True)


def test_cli_revocation_reaches_a_running_store(tmp_path):
    server_side = PairingStore(tmp_path)
    offer = server_side.new_offer()
    device, secret = server_side.redeem(code=offer.code, name="平板A")
    assert server_side.device_for(secret) is not None
    done = subprocess.run([sys.executable, str(ROOT / "main.py"), "app", "devices", "revoke", device.id,
                           "--data", str(tmp_path)], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0 and device.id in done.stdout
    assert server_side.device_for(secret) is None and not server_side.is_active(device.id)


def _asgi(gate, scope, messages):
    sent: list[dict] = []
    queue = list(messages)

    async def receive():
        if queue:
            return queue.pop(0)
        await asyncio.sleep(3600)

    async def send(message):
        sent.append(message)

    asyncio.run(asyncio.wait_for(gate(scope, receive, send), 10))
    return sent


def test_a_paired_devices_changes_are_audited_under_its_identity(tmp_path):
    """The gate sets the device for its request and session; a service call run off the event loop
    (as InspectApp.call does, asyncio.to_thread) audits under it; loopback use has none."""
    ws = services.open_workspace(tmp_path / "data")
    store = PairingStore(tmp_path / "data")
    offer = store.new_offer()
    device, secret = store.redeem(code=offer.code, name="平板A")

    async def app(scope, receive, send):  # stands in for Flet: accept, then one service call
        await receive()
        await send({"type": "websocket.accept"})
        await asyncio.to_thread(services.add_center, ws, "白云镇卫生院", actor="李彧")
        await send({"type": "websocket.close", "code": 1000})

    gate = PairingGate(app, store, bases=["http://192.0.2.2:8550"], echo=lambda *a, **k: None)
    scope = {"type": "websocket", "path": "/ws", "headers": [(b"cookie", f"{pairing.COOKIE}={secret}".encode())],
             "client": ("192.0.2.9", 5000)}
    sent = _asgi(gate, scope, [{"type": "websocket.connect"}])
    assert sent[0]["type"] == "websocket.accept"
    services.add_center(ws, "青山镇卫生院", actor="王芳")  # on this machine, outside any request
    entries = {e.new["name"]: e for e in services.audit_log(ws) if e.action == "add_center"}
    assert entries["白云镇卫生院"].client == device.label == f"平板A ({device.id})"
    assert entries["白云镇卫生院"].device == ws.device_id  # the data folder's device id is unchanged
    assert entries["青山镇卫生院"].client == ""

    unpaired = _asgi(gate, {**scope, "headers": []}, [{"type": "websocket.connect"}])
    assert unpaired == [{"type": "websocket.close", "code": 4401}]
    ws.close()


def test_tls_serves_https_with_the_fingerprint_shown(tmp_path):
    from inspect_app.tls import ensure_certificate

    files = ensure_certificate(tmp_path, ["192.0.2.2"])
    again = ensure_certificate(tmp_path)
    assert files.fingerprint == again.fingerprint and len(files.fingerprint.split(":")) == 32
    assert (files.key.stat().st_mode & 0o777) == 0o600
    port = free_port()
    proc = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "app", "--tls", "--port", str(port),
                             "--data", str(tmp_path)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        ctx = ssl.create_default_context(cafile=str(files.cert))
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"https://127.0.0.1:{port}/", context=ctx, timeout=5) as resp:
                    assert resp.status == 200
                    break
            except (OSError, ssl.SSLError):
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.5)
    finally:
        proc.terminate()
        out = proc.communicate(timeout=15)[0].decode()
    assert files.fingerprint in out and f"https://127.0.0.1:{port}/" in out
