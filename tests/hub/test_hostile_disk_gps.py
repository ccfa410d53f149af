"""Disk and GPS (issue 11): a clinic cannot fill the disk (per-account upload quota; abandoned
uploads and unreferenced blobs cleaned after the grace period), and photos leave the hub
GPS-free unless the inspection keeps GPS (a clinic's original with GPS is not kept)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import time

import httpx
import pytest
from PIL import Image

from inspect_app.hub.service import Hub
from tests.evidence.evidence_photos import jpeg
from tests.hub.hostile import build_arena, op, others_still_work, refused
from tests.sync.hubproc import add_users, start_hub

GPS_IFD = 0x8825


def has_gps(data: bytes) -> bool:
    with Image.open(io.BytesIO(data)) as im:
        return bool(im.getexif().get_ifd(GPS_IFD))


@pytest.fixture(scope="module")
def arena(tmp_path_factory):
    a = build_arena(tmp_path_factory.mktemp("gps") / "hub")
    yield a
    a.hub.stop()


def test_photos_leave_the_hub_without_gps_unless_the_inspection_keeps_it(arena):
    photo = jpeg(gps=True)
    assert has_gps(photo)
    sha = hashlib.sha256(photo).hexdigest()
    r = arena.call("PUT", f"/api/blobs/{sha}", "wangfang", params={"offset": 0, "total": len(photo)}, content=photo)
    assert r.json()["verified"]
    ev = {"id": "gps1", "inspection_id": "insp1", "sha256": sha}
    assert arena.push("wangfang", [op("dev-wangfang", 700, "insp1", "evidence/gps1", ev, revision=2)]).status_code == 200
    # the team's tablets get the original (they re-verify its hash); the bureau gets the derivative
    team = arena.call("GET", f"/api/blobs/{sha}", "liming")
    assert team.status_code == 200 and hashlib.sha256(team.content).hexdigest() == sha
    bureau = arena.call("GET", f"/api/blobs/{sha}", "bureau")
    assert bureau.status_code == 200 and bureau.headers["X-Jiceng-Derivative-Of"] == sha
    assert not has_gps(bureau.content) and bureau.content[:3] == b"\xff\xd8\xff"
    arena.fired("gps", 2)
    # an inspection that keeps GPS serves the original to the bureau as well
    assert arena.push("wangfang", [op("dev-wangfang", 701, "insp1", "inspection.keep_gps", True, revision=2)]
                      ).status_code == 200
    kept = arena.call("GET", f"/api/blobs/{sha}", "bureau")
    assert hashlib.sha256(kept.content).hexdigest() == sha and has_gps(kept.content)
    assert arena.push("wangfang", [op("dev-wangfang", 702, "insp1", "inspection.keep_gps", False, revision=2)]
                      ).status_code == 200


def test_a_clinic_photo_is_kept_without_its_gps(arena):
    # Not the same bytes as the inspector's photo above, whose original the hub keeps by right
    # (the team's tablets re-verify it): the search below must find only this clinic's original.
    photo = jpeg(640, 480, gps=True)
    r = arena.call("POST", "/api/reports/insp1/photos", "clinic1", params={"name": "phone.jpg"}, content=photo)
    assert r.status_code == 200, r.text
    sha = r.json()["sha256"]
    assert sha != hashlib.sha256(photo).hexdigest()  # not the phone's original
    blob = (arena.hub.data / "hub" / "blobs" / sha).read_bytes()
    assert not has_gps(blob)
    for path in (arena.hub.data / "hub").rglob("*"):  # the original is nowhere on the hub
        if path.is_file() and path.stat().st_size == len(photo):
            assert path.read_bytes() != photo, path
    arena.fired("gps")
    others_still_work(arena)


def test_a_clinic_cannot_fill_the_disk(tmp_path, monkeypatch):
    """Per-account quota of unreferenced uploads (here 1 MB), refused with a clear 413."""
    data = tmp_path / "hub"
    data.mkdir()
    from inspect_app.hub.accounts import Role

    add_users(data, [("clinicq", "测试卫生院", Role.CLINIC, "c1")])
    monkeypatch.setenv("JICENG_HUB_UPLOAD_QUOTA_MB", "1")
    hub = start_hub(data)
    try:
        token = hub.token("wangfang")
        h = {"Authorization": f"Bearer {token}"}
        sent = 0
        while True:
            blob = os.urandom(300_000)
            sha = hashlib.sha256(blob).hexdigest()
            r = httpx.put(f"{hub.url}/api/blobs/{sha}", params={"offset": 0, "total": len(blob)}, content=blob,
                          headers=h, timeout=30)
            if r.status_code != 200:
                break
            sent += 1
            assert sent < 10, "the quota never stopped the uploads"
        body = refused(r, 413)
        assert "配额" in body["detail"] and sent == 3
        # another account still uploads
        other = {"Authorization": f"Bearer {hub.token('liming')}"}
        blob = os.urandom(1000)
        assert httpx.put(f"{hub.url}/api/blobs/{hashlib.sha256(blob).hexdigest()}", params={"offset": 0, "total": 1000},
                         content=blob, headers=other).json()["verified"]
    finally:
        hub.stop()


def test_abandoned_uploads_and_unreferenced_blobs_are_cleaned_after_the_grace(tmp_path):
    data = tmp_path / "hub"
    data.mkdir()
    add_users(data)
    hub = Hub(data)
    kept = b"a photo an op names"
    orphan = b"a photo nobody names"
    young = b"uploaded just now"
    published = b'{"id": "a standard edition the bureau published"}'
    from inspect_app.hub.standard_editions import CATALOGUE, editions_dir

    editions_dir(data).mkdir(parents=True, exist_ok=True)
    (editions_dir(data) / CATALOGUE).write_text(json.dumps({"std": {"sha256": hashlib.sha256(published).hexdigest()}}))
    for blob in (kept, orphan, young, published):
        assert hub.blobs.put(hashlib.sha256(blob).hexdigest(), blob)
    from inspect_app.hub.accounts import Account, Role

    wang = Account("wangfang", "王芳", Role.INSPECTOR)
    sha_kept = hashlib.sha256(kept).hexdigest()
    from inspect_app.sync.protocol import Op

    assert not hub.ledger.push(wang, [Op(device="dev-w", seq=1, inspection_id="i1", key="evidence/e1",
                                         value={"id": "e1", "inspection_id": "i1", "sha256": sha_kept})]).rejected
    partial = data / "hub" / "blobs" / "partial" / f"{'ab' * 32}.part"
    partial.write_bytes(b"half an upload")
    old = time.time() - 3 * 24 * 3600
    for blob in (kept, orphan, published):
        os.utime(data / "hub" / "blobs" / hashlib.sha256(blob).hexdigest(), (old, old))
    os.utime(partial, (old, old))
    assert hub.clean_up() == (1, 1)
    left = {p.name for p in (data / "hub" / "blobs").iterdir() if p.is_file()}
    assert left == {sha_kept, hashlib.sha256(young).hexdigest(), hashlib.sha256(published).hexdigest()}
    assert not partial.exists()
