"""A hub killed at random during pushes (issue 11): ≥ 100 SIGKILLs of a real hub process while a
tablet pushes ops and uploads blobs; afterwards 0 acknowledged ops or blobs are lost, no hub
sequence number is used twice, and every revision whose signing was acknowledged is still
sealed (an edit to it is refused).

The hub runs as forked children of tests/hub/zygote.py (the real app under uvicorn on the real
data folder, opened afresh by each child), so a restart costs milliseconds and the loop stays
bounded: KILLS kills, each a random 0-150 ms after the tablet started a request."""

from __future__ import annotations

import hashlib
import json
import os
import random
import subprocess
import sys
import threading
import time

import httpx

from inspect_app import paths
from tests.hub.ops import op, signature, upload_signature_images
from tests.support.net import free_port
from tests.sync.hubproc import PASSWORD, add_users

KILLS = 100
DEVICE = "dev-kill"


class Zygote:
    def __init__(self, data, port):
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.hub.zygote", str(data), str(port)],
                                     cwd=paths.PROJECT_ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, env={**os.environ, "PYTHONUNBUFFERED": "1",
                                                     "JICENG_HUB_CLEAN": "0"})  # no clean-up pass per restart
        self.url = f"http://127.0.0.1:{port}"
        self.child = None

    def spawn(self):
        self.proc.stdin.write("spawn\n")
        self.proc.stdin.flush()
        self.child = int(self.proc.stdout.readline())
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/api/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.01)
        raise RuntimeError("hub child did not start")

    def kill(self):
        """SIGKILL the serving hub process (the zygote sends it and reaps the child)."""
        self.proc.stdin.write("kill\n")
        self.proc.stdin.flush()
        assert self.proc.stdout.readline().strip() == "dead"

    def close(self):
        try:
            self.kill()
        except (OSError, AssertionError):
            pass
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


class Tablet:
    """Pushes batches of ops in a loop; a batch the hub did not answer is sent again as is."""

    def __init__(self, url, token):
        self.url, self.h = url, {"Authorization": f"Bearer {token}"}
        self.seq = 0
        self.acked: set[str] = set()
        self.signed: set[tuple[str, int]] = set()  # (inspection, revision) whose signing was acknowledged
        self.blobs: set[str] = set()
        self.pending: list[dict] | None = None
        self.pending_blob: bytes | None = None
        self.revision = {f"k{n}": 1 for n in range(3)}
        self.round = 0
        self.stop = threading.Event()
        self.errors: list[str] = []
        self.sent = 0  # requests started (the kill loop kills while one is under way)
        self.blob_round = -1

    def next(self, n) -> int:
        self.seq += 1
        return self.seq

    def batch(self) -> list[dict]:
        self.round += 1
        iid = f"k{self.round % 3}"
        rev = self.revision[iid]
        ops = []
        if self.round <= 3:
            ops += [op(DEVICE, self.next(0), iid, "inspection.center_id", f"c{iid}"),
                    op(DEVICE, self.next(0), iid, "inspection.team", [{"name": "王芳", "role": "leader"}])]
        ops += [op(DEVICE, self.next(0), iid, f"item/1.{self.round % 50}.1/C-1", {"result": "met"}, rev)
                for _ in range(1)]
        ops += [op(DEVICE, self.next(0), iid, f"note/1.{n}", f"第 {self.round} 轮 {n}", rev) for n in range(8)]
        if self.round % 7 == 0:  # sign this revision, then open the next one
            ops += [op(DEVICE, self.next(0), iid, f"signature/{rev}/leader/王芳", signature(iid, "王芳", "leader", rev), rev),
                    op(DEVICE, self.next(0), iid, f"signature/{rev}/director/院长", signature(iid, "院长", "director", rev), rev),
                    op(DEVICE, self.next(0), iid, "inspection.status", "signed", rev),
                    op(DEVICE, self.next(0), iid, "inspection.revision", rev + 1, rev + 1),
                    op(DEVICE, self.next(0), iid, "inspection.status", "draft", rev + 1)]
            self.revision[iid] = rev + 1
        return ops

    def run(self):
        while not self.stop.is_set():
            try:
                if self.pending_blob is None and self.pending is None and self.round % 4 == 0 \
                        and self.blob_round != self.round:  # a photo before every 4th batch
                    self.pending_blob = os.urandom(random.randint(1000, 200_000))
                    self.blob_round = self.round
                if self.pending_blob is not None:
                    sha = hashlib.sha256(self.pending_blob).hexdigest()
                    self.sent += 1
                    r = httpx.put(f"{self.url}/api/blobs/{sha}", params={"offset": 0, "total": len(self.pending_blob)},
                                  content=self.pending_blob, headers=self.h, timeout=5)
                    if r.status_code == 409:  # a kill left part of it: start over from what the hub has
                        have = r.json()["received"]
                        r = httpx.put(f"{self.url}/api/blobs/{sha}", params={"offset": have, "total": len(self.pending_blob)},
                                      content=self.pending_blob[have:], headers=self.h, timeout=5)
                    if r.status_code == 200 and r.json().get("verified"):
                        self.blobs.add(sha)
                        self.pending_blob = None
                    continue
                if self.pending is None:
                    self.pending = self.batch()
                self.sent += 1
                r = httpx.post(f"{self.url}/api/sync/push", json={"device": DEVICE, "ops": self.pending},
                               headers=self.h, timeout=5)
                if r.status_code >= 500:
                    self.errors.append(r.text[:300])
                    continue
                body = r.json()
                if r.status_code != 200:
                    self.errors.append(json.dumps(body, ensure_ascii=False)[:500])
                    self.pending = None
                    continue
                self.acked.update(body["accepted"] + body["duplicates"])
                for o in self.pending:
                    if o["key"] == "inspection.status" and o["value"] == "signed":
                        self.signed.add((o["inspection_id"], o["revision"]))
                self.pending = None
            except (httpx.TransportError, ValueError):
                time.sleep(0.005)  # the hub is down (killed): retry the same request


def test_a_hub_killed_during_pushes_loses_nothing_acknowledged(tmp_path, figures):
    data = tmp_path / "hub"
    data.mkdir()
    add_users(data)
    z = Zygote(data, free_port())
    z.spawn()
    token = httpx.post(f"{z.url}/api/login", json={"username": "wangfang", "password": PASSWORD}).json()["token"]
    tablet = Tablet(z.url, token)
    # the signatures' images, uploaded once before the kills (every revision signs with the same)
    upload_signature_images(z.url, tablet.h, [op(DEVICE, 0, f"k{n}", f"signature/1/{role}/{who}", signature(f"k{n}", who, role))
                                              for n in range(3) for who, role in (("王芳", "leader"), ("院长", "director"))])
    worker = threading.Thread(target=tablet.run, daemon=True)
    worker.start()
    rng = random.Random(11)
    started = time.monotonic()
    try:
        for _ in range(KILLS):
            seen = tablet.sent
            deadline = time.monotonic() + 10
            while tablet.sent == seen and time.monotonic() < deadline:  # a request is on its way
                time.sleep(0.002)
            time.sleep(rng.uniform(0.0, 0.15))  # somewhere inside it, or just after
            z.kill()
            z.spawn()
        time.sleep(0.5)  # let the last pushes finish on a hub that stays up
        tablet.stop.set()
        worker.join(timeout=30)
        elapsed = time.monotonic() - started
        assert not tablet.errors, tablet.errors[:3]
        assert len(tablet.acked) > 200 and tablet.signed and tablet.blobs, (len(tablet.acked), tablet.signed)

        # every acknowledged op is there, each hub_seq used once, the counter above them all
        z.kill()
        from inspect_app.hub.store import open_store

        store = open_store(data)  # opening the folder finishes a push a kill interrupted
        held = {}
        seqs = []
        for n in range(3):
            for v in store.ledger.ops(f"k{n}"):
                held[f"{v['device']}:{v['seq']}"] = v
                seqs.append(v["hub_seq"])
        lost = tablet.acked - set(held)
        assert not lost, sorted(lost)[:10]
        assert len(seqs) == len(set(seqs)), "a hub sequence number was used twice"
        assert store.ledger.top() >= max(seqs)
        for sha in tablet.blobs:
            assert hashlib.sha256(store.blobs.read(sha)).hexdigest() == sha
        for iid, rev in tablet.signed:
            assert rev in store.ledger.row(iid)["sealed"], (iid, rev)
        store.close()

        # a sealed revision is still sealed: an edit to it is refused
        z.spawn()
        for iid, rev in sorted(tablet.signed):
            r = httpx.post(f"{z.url}/api/sync/push", headers=tablet.h, json={"device": DEVICE, "ops": [
                op(DEVICE, 10**9 + rev, iid, "item/9.9.9/C-1", {"result": "not_met"}, rev)]})
            assert r.status_code == 409 and r.json()["rejected"][0]["code"] == "sealed", r.text
        figures(f"hub kill test: {KILLS} SIGKILLs in {elapsed:.1f} s: {len(tablet.acked)} ops and {len(tablet.blobs)} "
                f"blobs acknowledged, 0 lost; {len(seqs)} hub_seq values, all distinct; {len(tablet.signed)} signed "
                "revisions still sealed")
    finally:
        tablet.stop.set()
        z.close()
