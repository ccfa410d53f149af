"""`hub migrate`: a county hub's folder moved into PostgreSQL + S3, compared and re-runnable."""

from __future__ import annotations

import hashlib
import os
import random
import subprocess
import sys

import httpx

from inspect_app import paths
from inspect_app.hub import reports
from inspect_app.hub.accounts import Accounts, Role
from inspect_app.hub.service import Hub
from inspect_app.hub.store import open_store
from inspect_app.sync.protocol import Op
from tests.hub.tables import stale_rows_pending
from tests.store.helpers import write_standard
from tests.support.backends import Backend
from tests.sync.hubproc import PASSWORD, start_hub
from tests.sync.photos import random_jpeg


def _county(folder) -> tuple[str, list[str], dict[str, dict]]:
    """A folder hub with accounts, a token, photos, two inspections' ops and the bureau's
    table as it stored it (each center's scored row)."""
    store = open_store(folder)
    hub = Hub(folder, store)
    Accounts(store.accounts).add_user("wangfang", PASSWORD, Role.INSPECTOR, "王芳")
    token, _ = hub.accounts.login("wangfang", PASSWORD, "tablet-1")
    shas = []
    for n in range(3):
        data = random_jpeg(40)
        shas.append(hashlib.sha256(data).hexdigest())
        assert store.blobs.put(shas[-1], data)
    for iid, center in (("insp1", "c1"), ("insp2", "c2")):
        ops = [Op(device="dev1", seq=i + 1, inspection_id=iid, key=k, value=v, author="王芳") for i, (k, v) in enumerate([
            ("inspection.center_id", center), ("inspection.standard_id", "test-std"),
            ("inspection.team", [{"name": "王芳", "role": "leader"}]),
            ("center", {"id": center, "name": f"机构 {center}"}), ("item/1.1.1/C-1", {"result": "met"}),
            ("evidence/e-" + iid, {"id": "e-" + iid, "inspection_id": iid, "sha256": shas[0 if iid == "insp1" else 1]})])]
        result = hub.ledger.push(None, ops, trusted=True)
        assert not result.rejected, result.rejected
    table = {r["center_id"]: r for r in reports.centers_table(hub.ledger, folder)}  # scores and stores
    assert set(table) == {"c1", "c2"} and not any(r.get("pending") for r in table.values())
    store.close()
    return token, shas, table


def _migrate(folder, backend) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "main.py", "hub", "migrate", "--from", str(folder), "--to",
                           backend.database, "--blobs", backend.blobs], cwd=paths.PROJECT_ROOT,
                          capture_output=True, text=True, timeout=300)


def test_migrate_moves_everything_keeps_numbers_and_can_run_again(tmp_path, shared_engines, monkeypatch):
    pg, s3 = shared_engines
    if s3.proc.poll() is not None:
        s3.run()
    folder = tmp_path / "county"
    write_standard(folder / "standards")
    token, shas, table = _county(folder)
    name = f"mig{os.getpid()}x{random.randrange(10**6)}"
    target = Backend("shared", pg.create_database(name), s3.url(f"mig-{name}"), pg, s3)
    first = _migrate(folder, target)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "1 users, 1 tokens, 3 blobs, 12 ops in 2 inspections" in first.stdout
    assert "全部一致" in first.stdout and "MISMATCH" not in first.stdout
    again = _migrate(folder, target)  # re-runnable: nothing new, everything still matches
    assert again.returncode == 0 and "0 users, 0 tokens, 0 blobs, 0 ops in 0 inspections" in again.stdout
    src, dst = open_store(folder), target.open(tmp_path)
    try:
        for iid in ("insp1", "insp2"):  # same ops with the same hub_seq: tablets' cursors stay right
            assert sorted((o["hub_seq"], o["device"], o["seq"]) for o in src.ledger.ops(iid)) == \
                sorted((o["hub_seq"], o["device"], o["seq"]) for o in dst.ledger.ops(iid))
        assert dst.ledger.top() == src.ledger.top()
        assert all(hashlib.sha256(dst.blobs.read(s)).hexdigest() == s for s in shas)
        # the stored scores came too: the bureau's table reads the same rows, scoring nothing
        assert stale_rows_pending(Hub(folder, dst), monkeypatch) == table
    finally:
        src.close()
        dst.close()
    # the hub on the shared stores takes the folder's token and serves its photos
    (tmp_path / "served").mkdir()
    hub = start_hub(tmp_path / "served", target)
    try:
        h = {"Authorization": f"Bearer {token}"}
        assert httpx.get(f"{hub.url}/api/me", headers=h).json()["username"] == "wangfang"
        assert httpx.get(f"{hub.url}/api/blobs/{shas[0]}", headers=h).content == src_bytes(folder, shas[0])
        pulled = httpx.get(f"{hub.url}/api/sync/pull", params={"since": 0}, headers=h).json()
        assert len(pulled["ops"]) == 12 and pulled["cursor"] == 12
    finally:
        hub.stop()


def src_bytes(folder, sha: str) -> bytes:
    store = open_store(folder)
    try:
        return store.blobs.read(sha)
    finally:
        store.close()
