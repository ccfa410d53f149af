"""Idempotence, clocks, signing and photos against a real hub process on 127.0.0.1."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import httpx
from httpx._content import IteratorByteStream

from inspect_app import paths, services
from inspect_app.errors import UserError
from inspect_app.inspection import TeamRole, utc_now
from inspect_app.sync.background import SyncRunner
from inspect_app.sync.bundle import export_bundle, import_bundle
from inspect_app.sync.client import HubClient
from tests.store.helpers import rated_items
from tests.sync.hubproc import Tablet
from tests.sync.scenario import add_photos, auth, shared, start, two_tablets
from tests.sync.photos import png_bytes


def hub_ops(hub, iid: str) -> dict:
    """The ops the hub holds for an inspection, by id (from its store: folder or PostgreSQL)."""
    return hub.ops_of(iid)


def hub_ops_bytes(hub, iid: str) -> bytes:
    return json.dumps(hub_ops(hub, iid), sort_keys=True).encode()


def test_replayed_push_changes_nothing_and_a_forged_one_is_refused(tmp_path, hub, standards):
    a = Tablet(tmp_path / "a", standards)
    a.sign_in(hub, "wangfang")
    iid = start(a)
    services.rate_item(a.ws, iid, "1.1.1", "C-1", "met")
    a.sync()
    before = hub_ops_bytes(hub, iid)
    ops = [op.model_dump(mode="json") for op in a.engine.ops(iid)]
    body = {"protocol": 1, "device": a.engine.device, "ops": ops}
    r = httpx.post(f"{hub.url}/api/sync/push", json=body, headers=auth(hub, "wangfang"))
    assert r.status_code == 200
    assert r.json()["accepted"] == [] and len(r.json()["duplicates"]) == len(ops)
    assert hub_ops_bytes(hub, iid) == before
    forged = dict(ops[-1], value={"result": "not_met"})
    r = httpx.post(f"{hub.url}/api/sync/push", json={**body, "ops": [forged]}, headers=auth(hub, "wangfang"))
    assert [x["code"] for x in r.json()["rejected"]] == ["forged_replay"]
    assert hub_ops_bytes(hub, iid) == before
    # the tablet's own repeat sync sends nothing and receives nothing new
    report = a.sync()
    assert (report.pushed, report.pulled, report.photos_sent) == (0, 0, 0)
    a.close()


def test_a_clock_a_day_fast_does_not_win_over_a_later_edit(tmp_path, hub, standards):
    a, b, iid = two_tablets(tmp_path, hub, standards, clock_a=lambda: utc_now() + timedelta(days=1))
    # B corrects A's rating after seeing it: B's op supersedes A's although A's clock says "tomorrow"
    services.rate_item(b.ws, iid, "1.1.1", "C-1", "not_met", actor="李明")
    b.sync()
    a.sync()
    assert a.rating(iid, "1.1.1", "C-1") == "not_met"
    assert a.engine.conflicts() == [] and b.engine.conflicts() == []
    a_op = next(op for op in a.engine.ops(iid) if op.key == "item/1.1.1/C-1" and op.device == a.engine.device)
    b_op = next(op for op in a.engine.ops(iid) if op.key == "item/1.1.1/C-1" and op.device == b.engine.device)
    assert a_op.at > b_op.at  # the fast clock is visible, and ignored
    a.close()
    b.close()


def test_signed_revision_is_refused_by_the_hub_and_a_new_revision_carries_its_reason(tmp_path, hub, standards):
    a, b, iid = two_tablets(tmp_path, hub, standards, first_rating=None)
    std = services.standard_for(a.ws, services.get_inspection(a.ws, iid))
    for clause, code in rated_items(std):
        services.rate_item(a.ws, iid, clause, code, "met" if clause != "1.1.2" else "not_met")
    services.set_rectification(a.ws, iid, "1.1.2", "C-1", "补充制度文件")
    services.set_prerequisite(a.ws, iid, "P1", True)
    services.submit(a.ws, iid)
    services.add_signature(a.ws, iid, "王芳", TeamRole.LEADER, png_bytes())
    services.add_signature(a.ws, iid, "张院长", TeamRole.DIRECTOR, png_bytes())
    services.sign(a.ws, iid)
    # B, offline, still edits revision 1
    services.rate_item(b.ws, iid, "1.2.1", "C-2", "not_met", actor="李明")
    a.sync()
    b.sync()
    [rejection] = [r for r in b.engine.rejections() if r["key"] == "item/1.2.1/C-2"]
    assert rejection["code"] == "sealed" and "已签署" in rejection["zh"]
    runner = SyncRunner(b.engine, lambda: b.client)
    # the edit and its audit entry are both refused (nothing lands in a signed revision)
    assert "已签署" in runner.status().text("zh") or runner.status().rejected == 2
    # the hub still has A's value
    view = httpx.get(f"{hub.url}/api/reports/{iid}", params={"revision": 1}, headers=auth(hub, "bureau")).json()
    assert view["revisions"][0]["signed"] is True
    assert any(d["clause"] == "1.1.2" and d["suggestion"] == "补充制度文件" for d in view["deficiencies"]), (view["verdict"], view["deficiencies"], view["standard_id"])
    # re-check as a new revision, with its reason
    services.new_revision(a.ws, iid, "复核 1.1.2：机构已整改")
    services.rate_item(a.ws, iid, "1.1.2", "C-1", "met")
    a.sync()
    view = httpx.get(f"{hub.url}/api/reports/{iid}", headers=auth(hub, "bureau")).json()
    assert view["revision"] == 2
    assert [r["reason"] for r in view["revisions"]][1] == "复核 1.1.2：机构已整改"
    assert not any(d["clause"] == "1.1.2" and d["item"] == "C-1" for d in view["deficiencies"])
    old = httpx.get(f"{hub.url}/api/reports/{iid}", params={"revision": 1}, headers=auth(hub, "bureau")).json()
    assert any(d["clause"] == "1.1.2" and d["item"] == "C-1" for d in old["deficiencies"])
    a.close()
    b.close()


class CutTransport(httpx.HTTPTransport):
    """The network dies in the middle of one photo inside the first batch upload: the
    `nth` (1-based) of `photos` in the manifest's order. The batch also carries the
    inspection's standard file, and blobs travel sorted by hash, so a cut at a fixed share
    of the body would sometimes land inside that small file instead of a photo (once in
    seven runs: the file sorted between the 3rd and 4th photo puts it at the body's middle)."""

    def __init__(self, photos: list[str], nth: int) -> None:
        super().__init__()
        self.photos, self.nth = set(photos), nth
        self.cut = False
        self.cut_photo, self.photos_before = "", []  # where the cut fell, for the test to check

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/blobs/batch" and not self.cut:
            self.cut = True
            body = request.read()
            at = self.cut_offset(request.url.params["manifest"])

            def half():
                yield body[:at]
                time.sleep(0.3)
                raise httpx.WriteError("network lost")

            request.stream = IteratorByteStream(half())
        return super().handle_request(request)

    def cut_offset(self, manifest: str) -> int:
        offset, seen = 0, 0
        for part in manifest.split(","):
            sha, size = part.split(":")
            if sha in self.photos:
                seen += 1
                if seen == self.nth:
                    self.cut_photo = sha
                    return offset + int(size) // 2
                self.photos_before.append(sha)
            offset += int(size)
        raise AssertionError(f"the batch holds fewer than {self.nth} of the photos")


def test_upload_cut_mid_photo_resumes_without_duplicates_or_loss(tmp_path, hub, standards):
    a = Tablet(tmp_path / "a", standards)
    iid = start(a)
    originals = add_photos(a, iid, 6, 600)
    shas = shared(a, originals)  # what travels: the GPS-free derivatives
    token = hub.token("wangfang")
    cut = CutTransport(shas, nth=3)
    a.client = HubClient(hub.url, token, transport=cut)
    try:
        a.sync()
        raise AssertionError("the cut should have stopped this sync")
    except UserError:
        pass
    # The hub makes a batch durable at its end: when it notices the cut it fsyncs what arrived,
    # keeps the finished photos and leaves the started one as a partial. Wait for that (bounded;
    # a loaded CI box has taken over 10 s to notice the cut).
    deadline = time.monotonic() + 30
    while len(partial := hub.staged(shas)) != 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert list(partial) == [cut.cut_photo] and 0 < partial[cut.cut_photo] < os.path.getsize(
        a.engine.local.blob_path(cut.cut_photo))
    assert not any(a.engine.confirmed(s) for s in shas)  # no answer from the hub: nothing counts as sent
    before_resume = hub.blob_shas()
    kept = [s for s in shas if s in before_resume]
    assert sorted(kept) == sorted(cut.photos_before) and len(kept) == 2  # the photos sent whole
    assert all(a.ws.photos.has_original(s) for s in originals)  # nothing unconfirmed was dropped
    a.close()
    # the tablet restarts from its data folder and syncs again
    a = Tablet(tmp_path / "a", standards)
    a.client = HubClient(hub.url, token)
    report = a.sync()
    # every blob counts: the 6 photos and the inspection's standard file, which travels too
    refs = a.engine.photo_refs()
    assert len(refs) == 7
    held = [s for s in refs if s in before_resume]
    assert report.photos_skipped == len(held) >= len(kept)  # the hub had verified these before the cut
    assert report.photos_sent == 7 - len(held)  # the half-sent one resumed from the hub's byte count
    assert not hub.staged(shas)
    for sha in shas:
        assert hashlib.sha256(hub.read_blob(sha)).hexdigest() == sha
        assert a.engine.confirmed(sha)
    stored = hub_ops(hub, iid)
    assert sorted(stored) == sorted(op.id for op in a.engine.ops(iid))  # each op once
    assert len([k for k, v in stored.items() if v["key"].startswith("evidence/")]) == 6
    a.close()


KILL_SCRIPT = """
import sys
from pathlib import Path
from inspect_app import services
from inspect_app.sync.client import HubClient, sync_once
from inspect_app.sync.engine import SyncEngine
from inspect_app.sync.local import LocalSide
ws = services.open_workspace(Path(sys.argv[1]), standards_dir=Path(sys.argv[2]))
engine = SyncEngine(ws.data_dir, LocalSide(ws.data_dir, ws.store, ws.photos))
sync_once(engine, HubClient(sys.argv[3], sys.argv[4]))
"""


def test_sync_process_killed_mid_upload_then_resumed(tmp_path, hub, standards):
    a = Tablet(tmp_path / "a", standards)
    iid = start(a)
    shas = shared(a, add_photos(a, iid, 40, 400))
    a.close()
    token = hub.token("wangfang")
    proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(tmp_path / "a"), str(standards), hub.url, token],
                            cwd=paths.PROJECT_ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(hub.blob_shas()) < 8 and proc.poll() is None:
        time.sleep(0.005)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    a = Tablet(tmp_path / "a", standards)
    a.client = HubClient(hub.url, token)
    a.sync()
    assert all(a.engine.confirmed(s) for s in shas)
    for sha in shas:
        assert hashlib.sha256(hub.read_blob(sha)).hexdigest() == sha
    assert not hub.staged(shas)
    stored = hub_ops(hub, iid)
    assert sorted(stored) == sorted(op.id for op in a.engine.ops(iid))
    assert len({(v["key"]) for v in stored.values() if v["key"].startswith("evidence/")}) == 40
    a.close()


def test_bundle_carries_changes_without_network_with_the_same_rules(tmp_path, hub, standards):
    a = Tablet(tmp_path / "a", standards)
    b = Tablet(tmp_path / "b", standards)
    iid = start(a)
    services.rate_item(a.ws, iid, "1.1.1", "C-1", "met")
    shas = shared(a, add_photos(a, iid, 2, 50))
    bundle = export_bundle(a.engine, tmp_path / "a.zip")
    assert import_bundle(b.engine, bundle) > 0
    assert import_bundle(b.engine, bundle) == 0  # idempotent
    assert b.rating(iid, "1.1.1", "C-1") == "met"
    assert all(b.ws.photos.has(s) for s in shas)
    # same item rated differently on B, bundle back to A: a visible conflict, nothing dropped
    services.rate_item(b.ws, iid, "1.1.2", "C-1", "not_met", actor="李明")
    services.rate_item(a.ws, iid, "1.1.2", "C-1", "met")
    import_bundle(a.engine, export_bundle(b.engine, tmp_path / "b.zip"))
    [conflict] = a.engine.conflicts(iid)
    assert conflict.key == "item/1.1.2/C-1"
    # and into the hub by file, twice: the second import changes nothing
    out1 = subprocess.run(hub.cli("import", str(bundle)), cwd=paths.PROJECT_ROOT, capture_output=True, text=True,
                          check=True).stdout
    out2 = subprocess.run(hub.cli("import", str(bundle)), cwd=paths.PROJECT_ROOT, capture_output=True, text=True,
                          check=True).stdout
    assert "重复 0 条" in out1 and "导入 0 条" in out2
    for sha in shas:
        assert hashlib.sha256(hub.read_blob(sha)).hexdigest() == sha
    a.close()
    b.close()


def test_background_runner_reports_offline_then_synced(tmp_path, hub, standards):
    a = Tablet(tmp_path / "a", standards)
    iid = start(a)
    services.rate_item(a.ws, iid, "1.1.1", "C-1", "met")
    token = hub.token("wangfang")
    offline = SyncRunner(a.engine, lambda: HubClient("http://127.0.0.1:9", token), interval=3600)
    status = offline.run_once()
    assert status.state == "offline" and "无法连接" in status.text("zh") and "waiting" in status.text("en")
    online = SyncRunner(a.engine, lambda: HubClient(hub.url, token), interval=3600)
    online.start()
    online.kick()
    deadline = time.monotonic() + 60
    while online.status().last_synced is None and time.monotonic() < deadline:
        time.sleep(0.05)
    online.stop()
    assert online.status().pending == 0 and online.status().state == "idle"
    assert online.status().text("zh").startswith("已同步")
    a.close()
