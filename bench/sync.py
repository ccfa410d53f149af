"""Sync benchmark: one full inspection (250 findings, 300 photos of ~400 KB) to a real hub on
127.0.0.1, against a raw single-stream HTTP upload of the same bytes in the same run.

    .venv/bin/python bench/sync.py [--photos 300] [--kb 400]

Prints: the raw upload's time and throughput, the first sync's time, bytes and throughput
(target: at least half the raw throughput), and a second sync with nothing new (targets:
under 1 s and under 10 KB).
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from inspect_app import services  # noqa: E402
from inspect_app.hub.accounts import Accounts, Role  # noqa: E402
from inspect_app.hub.store import open_store  # noqa: E402
from inspect_app.inspection import TeamMember, TeamRole  # noqa: E402
from inspect_app.sync.client import HubClient, sync_once  # noqa: E402
from inspect_app.sync.engine import SyncEngine  # noqa: E402
from inspect_app.sync.local import LocalSide  # noqa: E402
from tests.store.helpers import make_standard, write_standard  # noqa: E402
from tests.support.net import free_port, wait_for_http  # noqa: E402
from tests.sync.photos import random_jpeg  # noqa: E402

RAW_SERVER = """
import os, sys
from fastapi import FastAPI, Request
import uvicorn
app = FastAPI()
@app.get("/ok")
def ok():
    return {}
@app.put("/raw")
async def raw(request: Request):
    fd = os.open(sys.argv[2], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    n = 0
    async for chunk in request.stream():
        n += os.write(fd, chunk)
    os.fsync(fd)
    os.close(fd)
    return {"received": n}
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


def mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--photos", type=int, default=300)
    parser.add_argument("--kb", type=int, default=400)
    parser.add_argument("--findings", type=int, default=250)
    parser.add_argument("--profile", type=Path, default=None,
                        help="folder for cProfile output of the hub process and of the client's first sync")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="jiceng-bench-"))
    procs = []
    try:
        # -- a tablet with one full inspection -------------------------------------------------
        clauses = max(1, -(-args.findings // 4))  # 4 sections → clauses per section
        standard = make_standard(clauses_per_section=clauses)
        std_dir = tmp / "standards"
        write_standard(std_dir, standard)
        ws = services.open_workspace(tmp / "tablet", standards_dir=std_dir)
        center = services.add_center(ws, "青山镇卫生院", actor="王芳", county="青山县")
        iid = services.start_inspection(ws, center.id, "test-std", [TeamMember(name="王芳", role=TeamRole.LEADER)],
                                        inspector="王芳").id
        numbers = [c.number for c in standard.clauses() if c.derived is None][: args.findings]
        t0 = time.perf_counter()
        for n in numbers:
            with ws.store.write(iid) as tx:  # one finding = four rated items, as a tablet leaves it
                from inspect_app.inspection import Finding, ItemRating
                tx.put_finding(Finding(inspection_id=iid, clause_number=n, note=f"{n} 现场查看记录",
                                       items={c: ItemRating(result="met", rated_by="王芳") for c in ("C-1", "C-2", "B-1", "A-1")}))
                tx.audit(actor="王芳", action="rate_item", inspection_id=iid, key=n)
        photos = []
        for k in range(args.photos):
            photo = ws.photos.ingest(random_jpeg(args.kb), f"IMG_{k:04}.jpg")
            services.attach_evidence(ws, iid, photo, clause_number=numbers[k % len(numbers)])
            photos.append(photo.sha256)
        originals = [ws.photos.original_path(s) for s in photos]
        photo_bytes = sum(p.stat().st_size for p in originals)
        print(f"tablet: {len(numbers)} findings, {len(photos)} photos, {mb(photo_bytes)} of originals "
              f"(prepared in {time.perf_counter() - t0:.1f} s)")

        # -- raw single-stream upload of the same bytes ---------------------------------------
        raw_port = free_port()
        procs.append(subprocess.Popen([sys.executable, "-c", RAW_SERVER, str(raw_port), str(tmp / "raw.bin")], cwd=ROOT))
        wait_for_http(f"http://127.0.0.1:{raw_port}/ok", proc=procs[-1])

        def stream():
            for path in originals:
                with open(path, "rb") as fh:
                    while chunk := fh.read(256 * 1024):
                        yield chunk

        t0 = time.perf_counter()
        r = httpx.put(f"http://127.0.0.1:{raw_port}/raw", content=stream(), timeout=600)
        raw_s = time.perf_counter() - t0
        assert r.json()["received"] == photo_bytes
        print(f"raw single-stream HTTP upload: {raw_s:.2f} s, {photo_bytes / raw_s / 1e6:.1f} MB/s")

        # -- the hub -------------------------------------------------------------------------
        hub_data = tmp / "hub"
        write_standard(hub_data / "standards", standard)
        Accounts(open_store(hub_data).accounts).add_user("wangfang", "bench-password", Role.INSPECTOR, "王芳")
        port = free_port()
        profile = ["-m", "cProfile", "-o", str(args.profile / "hub.prof")] if args.profile else []
        if args.profile:
            args.profile.mkdir(parents=True, exist_ok=True)
        procs.append(subprocess.Popen([sys.executable, *profile, str(ROOT / "main.py"), "--data", str(hub_data), "hub",
                                       "--host", "127.0.0.1", "--port", str(port)], cwd=ROOT))
        url = f"http://127.0.0.1:{port}"
        wait_for_http(f"{url}/api/health", proc=procs[-1])
        token = httpx.post(f"{url}/api/login", json={"username": "wangfang", "password": "bench-password"}).json()["token"]
        engine = SyncEngine(ws.data_dir, LocalSide(ws.data_dir, ws.store, ws.photos))

        client = HubClient(url, token)
        if args.profile:
            import cProfile

            prof = cProfile.Profile()
            prof.enable()
        t0 = time.perf_counter()
        first = sync_once(engine, client, fetch_photos=False)
        first_s = time.perf_counter() - t0
        if args.profile:
            prof.disable()
            prof.dump_stats(args.profile / "client.prof")
        print(f"first sync: {first_s:.2f} s, {first.captured} ops captured, {first.pushed} pushed, "
              f"{first.photos_sent} photos sent, {mb(first.bytes_sent)} sent + {first.bytes_received / 1e3:.0f} KB "
              f"received in {first.requests} requests; {photo_bytes / first_s / 1e6:.1f} MB/s of photos = "
              f"{(photo_bytes / first_s) / (photo_bytes / raw_s):.0%} of raw (target ≥ 50%)")
        print("  steps: " + ", ".join(f"{k} {v:.2f} s" for k, v in first.seconds.items()))
        assert all(engine.confirmed(s) for s in photos)

        t0 = time.perf_counter()
        second = sync_once(engine, client, fetch_photos=False)
        second_s = time.perf_counter() - t0
        second_bytes = second.bytes_sent + second.bytes_received
        print(f"second sync, nothing new: {second_s * 1000:.0f} ms (target < 1 s), {second_bytes} bytes in "
              f"{second.requests} request(s) (target < 10 KB)")
        client.close()
        blobs = open_store(hub_data).blobs
        bad = [s for s in photos if hashlib.sha256(blobs.read(s)).hexdigest() != s]
        print(f"hub holds {len(photos) - len(bad)}/{len(photos)} photos, each re-hashed equal to its name")
    finally:
        for p in procs:
            p.terminate()
            p.wait(timeout=15)


if __name__ == "__main__":
    main()
