"""A clinic cannot fill the disk, whichever store (issue 11): abandoned uploads (staged parts,
unfinished S3 multipart uploads) and blobs no op names go after the 48 h grace, on the data
folder and on S3 (SeaweedFS); and on PostgreSQL the upload quota and the per-client sign-in
throttle are counted in the shared store, so two hub processes on it count the same bytes and
the same wrong passwords."""

from __future__ import annotations

import hashlib
import os
import time
import uuid

import httpx
import pytest

from inspect_app.hub.accounts import Account, Role
from inspect_app.hub.service import Hub
from inspect_app.sync.protocol import Op
from tests.hub.hostile import refused
from tests.support.backends import Backend
from tests.sync.hubproc import PASSWORD, add_users, start_hub


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_abandoned_uploads_and_unreferenced_blobs_go_after_the_grace(tmp_path, hub_backend):
    data = tmp_path / "hub"
    data.mkdir()
    add_users(data, backend=hub_backend)
    hub = Hub(data, hub_backend.open(data))
    try:
        kept, orphan = b"a photo an op names " + os.urandom(8), b"a photo nobody names " + os.urandom(8)
        for blob in (kept, orphan):
            assert hub.blobs.put(sha(blob), blob)
        wang = Account("wangfang", "王芳", Role.INSPECTOR)
        assert not hub.ledger.push(wang, [Op(device="dev-w", seq=1, inspection_id="i1", key="evidence/e1",
                                             value={"id": "e1", "inspection_id": "i1", "sha256": sha(kept)})]).rejected
        cut = sha(b"the whole upload that never finished")
        writer = hub.blobs.writer(cut, 0)
        writer.write(b"half an upload")
        writer.stage()
        assert hub.blobs.staged(cut) == len(b"half an upload")
        multipart = None
        if hub_backend.shared:  # a hub process killed in a multipart upload leaves its parts behind
            s3 = hub.blobs
            key = s3.key(sha(b"a large photo cut mid-way"))
            multipart = s3.client.create_multipart_upload(Bucket=s3.bucket, Key=key)["UploadId"]
            s3.client.upload_part(Bucket=s3.bucket, Key=key, UploadId=multipart, PartNumber=1, Body=b"x" * 4096)

        assert hub.clean_up() == (0, 0)  # within the grace: nothing goes
        assert {sha(kept), sha(orphan)} <= set(hub.blobs.shas()) and hub.blobs.staged(cut)

        three_days_later = time.time() + 3 * 24 * 3600
        assert hub.clean_up(now=three_days_later) == (1, 2 if multipart else 1)
        assert set(hub.blobs.shas()) == {sha(kept)}
        assert not hub.blobs.has(sha(orphan)) and hub.blobs.read(sha(kept)) == kept
        assert hub.blobs.staged(cut) == 0
        if multipart:
            left = hub.blobs.client.list_multipart_uploads(Bucket=hub.blobs.bucket).get("Uploads", []) or []
            assert multipart not in {u["UploadId"] for u in left}
        assert hub.clean_up(now=three_days_later) == (0, 0)
    finally:
        hub.store.close()


@pytest.fixture(scope="module")
def two_hubs(tmp_path_factory, shared_engines):
    """Two hub processes on one PostgreSQL database and one bucket, with a 1 MB upload quota and
    a ten-minute wait once a client's free wrong passwords are used up."""
    pg, s3 = shared_engines
    if s3.proc.poll() is not None:
        s3.run()
    name = f"clean_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    backend = Backend("shared", pg.create_database(name), s3.url(name.replace("_", "-")), pg, s3)
    data = [tmp_path_factory.mktemp("hub-one"), tmp_path_factory.mktemp("hub-two")]
    add_users(data[0], backend=backend)
    hubs = []
    with pytest.MonkeyPatch.context() as env:
        env.setenv("JICENG_HUB_UPLOAD_QUOTA_MB", "1")
        env.setenv("JICENG_HUB_LOGIN_BACKOFF", "600")
        try:
            for folder in data:
                hubs.append(start_hub(folder, backend))
            yield hubs
        finally:
            for hub in hubs:
                hub.stop()


def put(hub, token: str, blob: bytes) -> httpx.Response:
    return httpx.put(f"{hub.url}/api/blobs/{sha(blob)}", params={"offset": 0, "total": len(blob)}, content=blob,
                     headers={"Authorization": f"Bearer {token}"}, timeout=60)


def test_two_hub_processes_count_one_upload_quota(two_hubs):
    tokens = [hub.token("zhaoqiang") for hub in two_hubs]
    sent = []
    while True:
        n = len(sent) % 2  # alternate: each process alone would allow three
        blob = os.urandom(300_000)
        r = put(two_hubs[n], tokens[n], blob)
        if r.status_code != 200:
            break
        assert r.json()["verified"]
        sent.append(blob)
        assert len(sent) < 10, "the quota never stopped the uploads"
    assert "配额" in refused(r, 413)["detail"] and len(sent) == 3
    assert put(two_hubs[0], tokens[0], os.urandom(300_000)).status_code == 413  # the first process agrees
    # once an op names the uploads they no longer count
    ops = [{"device": "dev-zq", "seq": n + 1, "inspection_id": "clean1", "revision": 1, "key": f"evidence/e{n}",
            "value": {"id": f"e{n}", "inspection_id": "clean1", "sha256": sha(b)}} for n, b in enumerate(sent)]
    r = httpx.post(f"{two_hubs[1].url}/api/sync/push", json={"protocol": 1, "device": "dev-zq", "ops": ops},
                   headers={"Authorization": f"Bearer {tokens[1]}"}, timeout=60)
    assert r.status_code == 200 and not r.json().get("rejected"), r.text
    assert put(two_hubs[0], tokens[0], os.urandom(300_000)).json()["verified"]
    # another account was never limited by this one
    assert put(two_hubs[1], two_hubs[1].token("liming"), os.urandom(300_000)).json()["verified"]


def login(hub, username: str, password: str) -> httpx.Response:
    return httpx.post(f"{hub.url}/api/login", json={"username": username, "password": password}, timeout=60)


def test_two_hub_processes_count_one_client_s_wrong_passwords(two_hubs):
    one, two = two_hubs
    # made-up names (no user row counts them): only the per-client count can stop this client
    for n in range(20):
        r = login((one, two)[n % 2], f"nobody{n}", "guess-guess")
        assert r.status_code == 401, r.text
    for hub in (one, two):  # each process saw ten; together twenty: both now make this client wait
        body = refused(login(hub, "wangfang", PASSWORD), 429, mentions="秒后再试")
        assert body
    r = login(one, "nobody0", "guess-guess")
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 60
