"""Nothing is lost to the hub's clean-up (issues 11/14): the hub removes a blob no op names 48 h
after it arrived. A tablet whose push failed after its photos went up, and that comes back
later, must not leave the hub an evidence op whose photo is gone. Real hub on 127.0.0.1, both
backends; the clean-up runs beside it with its clock moved past the grace.

- The tablet asks again about the blobs its unpushed ops name and sends the ones the hub lost.
- The hub refuses (409, op and photo named, nothing stored) a push whose evidence op names a
  photo it does not hold; the tablet uploads the photo again and pushes again.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import time
from collections.abc import Callable

import httpx
import pytest

from inspect_app.errors import UserError
from inspect_app.hub.service import Hub
from inspect_app.sync.client import HubClient
from tests.sync.hubproc import Tablet
from tests.sync.photos import random_jpeg
from tests.sync.scenario import add_photos, auth, shared, start

THREE_DAYS = 3 * 24 * 3600


def sweep_after_grace(hub) -> tuple[int, int]:
    """The hub's clean-up, as its hourly thread runs it, three days from now."""
    beside = Hub(hub.data, hub.store())
    try:
        return beside.clean_up(now=time.time() + THREE_DAYS)
    finally:
        beside.store.close()


class DropPush(httpx.HTTPTransport):
    """The network goes as the push leaves: the photos went up, the ops did not."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/sync/push":
            raise httpx.ConnectError("network gone", request=request)
        return super().handle_request(request)


class BeforeFirstPush(httpx.HTTPTransport):
    """Runs `hook` once, just before the first push goes out (after the tablet asked which
    blobs the hub lacks): the hub's clean-up in that moment."""

    def __init__(self, hook: Callable[[], object]) -> None:
        super().__init__()
        self.hook = hook
        self.pushes: list[int] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/sync/push":
            if not self.pushes:
                self.hook()
            response = super().handle_request(request)
            response.read()
            self.pushes.append(response.status_code)
            return response
        return super().handle_request(request)


def assert_hub_holds_everything(hub, tablet: Tablet, iid: str) -> list[str]:
    stored = hub.ops_of(iid)
    mine = [op.id for op in tablet.engine.ops(iid)]
    assert sorted(stored) == sorted(mine)  # every op, once
    refs = tablet.engine.photo_refs()
    held = hub.blob_shas()
    for sha in refs:  # the photos and the standard file, re-hashed from the hub's store
        assert sha in held, sha
        assert hashlib.sha256(hub.read_blob(sha)).hexdigest() == sha
        assert tablet.engine.confirmed(sha)
    assert not tablet.engine.pending_op_values() and not tablet.engine.pending_photos()
    return refs


def test_photos_removed_after_a_failed_push_are_sent_again(tmp_path, hub, standards):
    a = Tablet(tmp_path / "a", standards)
    token = hub.token("wangfang", device=a.engine.device)
    iid = start(a)
    originals = add_photos(a, iid, 3, 120)
    photos = shared(a, originals)
    a.client = HubClient(hub.url, token, transport=DropPush())
    with pytest.raises(UserError):
        a.sync()
    refs = a.engine.photo_refs()
    assert set(photos) < set(refs)  # and the inspection's standard file
    assert set(refs) <= hub.blob_shas()  # all went up and were verified...
    assert not a.engine.pending_photos()
    assert not any(a.engine.confirmed(s) for s in refs)  # ...but no op names them on the hub yet
    assert not hub.ops_of(iid)

    removed, _ = sweep_after_grace(hub)  # the tablet comes back after the grace
    assert removed == len(refs)
    assert hub.blob_shas().isdisjoint(refs)

    a.client = HubClient(hub.url, token)
    report = a.sync()
    assert report.photos_sent == len(refs) and report.rejected == 0
    assert sorted(assert_hub_holds_everything(hub, a, iid)) == sorted(refs)
    assert sweep_after_grace(hub)[0] == 0  # named by ops now: kept for good
    assert set(refs) <= hub.blob_shas()
    a.close()


def test_a_clean_up_between_the_check_and_the_push_is_mended(tmp_path, hub, standards):
    """The photos are held when the tablet asks, removed before its push arrives: the hub
    refuses the push (nothing stored), the tablet uploads them again and pushes again."""
    a = Tablet(tmp_path / "a", standards)
    token = hub.token("wangfang", device=a.engine.device)
    iid = start(a)
    photos = shared(a, add_photos(a, iid, 2, 100))
    a.client = HubClient(hub.url, token, transport=DropPush())
    with pytest.raises(UserError):
        a.sync()
    assert set(photos) <= hub.blob_shas()
    swept = []
    cut = BeforeFirstPush(lambda: swept.append(sweep_after_grace(hub)))
    a.client = HubClient(hub.url, token, transport=cut)
    report = a.sync()
    assert swept and swept[0][0] >= len(photos)
    assert cut.pushes[0] == 409 and cut.pushes[-1] == 200  # refused once, then stored whole
    assert report.rejected == 0 and not a.engine.rejections()
    assert report.photos_sent >= len(photos)
    assert_hub_holds_everything(hub, a, iid)
    a.close()


def _push(hub, user: str, ops: list[dict]) -> httpx.Response:
    body = gzip.compress(json.dumps({"protocol": 1, "device": f"dev-{user}", "ops": ops}).encode())
    return httpx.post(f"{hub.url}/api/sync/push", content=body, timeout=60,
                      headers={**auth(hub, user), "Content-Type": "application/json", "Content-Encoding": "gzip"})


def _evidence(n: int, sha: str) -> dict:
    return {"device": "dev-wangfang", "seq": 10 + n, "inspection_id": "grace1", "revision": 1,
            "key": f"evidence/e{n}", "value": {"id": f"e{n}", "inspection_id": "grace1", "sha256": sha}}


def test_the_hub_refuses_an_evidence_op_whose_photo_it_does_not_hold(hub):
    held, absent = random_jpeg(20), random_jpeg(20)
    sha_held, sha_absent = hashlib.sha256(held).hexdigest(), hashlib.sha256(absent).hexdigest()
    h = auth(hub, "wangfang")
    r = httpx.put(f"{hub.url}/api/blobs/{sha_held}", params={"offset": 0, "total": len(held)}, content=held, headers=h)
    assert r.json()["verified"], r.text
    ops = [{"device": "dev-wangfang", "seq": 1, "inspection_id": "grace1", "revision": 1,
            "key": "inspection.center_id", "value": "c1"}, _evidence(1, sha_held), _evidence(2, sha_absent)]
    r = _push(hub, "wangfang", ops)
    assert r.status_code == 409, r.text
    body = r.json()
    assert body["accepted"] == [] and [x["id"] for x in body["rejected"]] == ["dev-wangfang:12"]
    refusal = body["rejected"][0]
    assert refusal["code"] == "missing_blob" and refusal["blobs"] == [sha_absent]
    assert "dev-wangfang:12" in refusal["zh"] and sha_absent in refusal["zh"]
    assert "dev-wangfang:12" in refusal["en"] and sha_absent in refusal["en"] and "evidence/e2" in refusal["en"]
    assert not hub.ops_of("grace1")  # nothing of the push was stored
    # the photo sent, the same push is taken whole
    r = httpx.put(f"{hub.url}/api/blobs/{sha_absent}", params={"offset": 0, "total": len(absent)}, content=absent,
                  headers=h)
    assert r.json()["verified"], r.text
    r = _push(hub, "wangfang", ops)
    assert r.status_code == 200 and sorted(r.json()["accepted"]) == sorted(f"dev-wangfang:{o['seq']}" for o in ops)
    assert len(hub.ops_of("grace1")) == 3
    # a photo the clean-up removed counts as not held: an op naming it later is refused too
    late = random_jpeg(20)
    sha_late = hashlib.sha256(late).hexdigest()
    r = httpx.put(f"{hub.url}/api/blobs/{sha_late}", params={"offset": 0, "total": len(late)}, content=late, headers=h)
    assert r.json()["verified"]
    assert sweep_after_grace(hub)[0] == 1  # only the unnamed one goes
    assert {sha_held, sha_absent} <= hub.blob_shas() and sha_late not in hub.blob_shas()
    r = _push(hub, "wangfang", [_evidence(3, sha_late)])
    assert r.status_code == 409 and r.json()["rejected"][0]["code"] == "missing_blob", r.text
    assert len(hub.ops_of("grace1")) == 3


def test_the_hub_refuses_a_signature_whose_handwriting_it_does_not_hold(hub):
    """A signature names its handwriting image by hash like a photo: stored without it, the
    hub's pages would show a signed revision whose signature cannot be drawn."""
    from tests.hub.ops import op, signature, signature_image, upload_signature_images

    h = auth(hub, "wangfang")
    ops = [op("dev-wangfang", 1, "grace2", "inspection.center_id", "c1"),
           op("dev-wangfang", 2, "grace2", "signature/1/leader/王芳", signature("grace2", "王芳", "leader"))]
    sha = hashlib.sha256(signature_image("grace2", "王芳", "leader")).hexdigest()
    r = _push(hub, "wangfang", ops)
    assert r.status_code == 409, r.text
    refusal = r.json()["rejected"][0]
    assert refusal["code"] == "missing_blob" and refusal["blobs"] == [sha]
    assert "签名图像" in refusal["zh"] and "signature image" in refusal["en"]
    assert not hub.ops_of("grace2")
    upload_signature_images(hub.url, h, ops)
    r = _push(hub, "wangfang", ops)
    assert r.status_code == 200 and len(r.json()["accepted"]) == 2, r.text


def test_an_op_whose_photo_neither_side_holds_is_held_back_not_refused(tmp_path, hub, standards):
    """The hub lost the photo and this tablet lost its file too: the op stays pending (kept,
    with a message), everything else is stored; once the file is back it goes as well."""
    a = Tablet(tmp_path / "a", standards)
    token = hub.token("wangfang", device=a.engine.device)
    iid = start(a)
    lost, kept = shared(a, add_photos(a, iid, 2, 80))
    a.client = HubClient(hub.url, token, transport=DropPush())
    with pytest.raises(UserError):
        a.sync()
    sweep_after_grace(hub)
    path = a.engine.blob_path(lost)
    data = path.read_bytes()
    path.unlink()
    assert not a.engine.has_blob(lost)
    a.client = HubClient(hub.url, token)
    report = a.sync()
    waiting = a.engine.pending_op_values()
    assert [o["value"]["sha256"] for o in waiting] == [lost] and not a.engine.rejections()
    assert any(lost[:12] in m for m in report.messages)
    stored = hub.ops_of(iid)
    assert len(stored) == len(a.engine.ops(iid)) - 1
    assert kept in hub.blob_shas() and lost not in hub.blob_shas()
    assert not any(v["value"].get("sha256") == lost for v in stored.values() if isinstance(v["value"], dict))
    path.write_bytes(data)  # the file is back (e.g. restored from the tablet's backup)
    a.sync()
    assert_hub_holds_everything(hub, a, iid)
    a.close()
