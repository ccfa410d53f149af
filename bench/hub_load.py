"""Hub load benchmark: a province's hub on PostgreSQL + S3 with several worker processes, and
the county hub's data folder beside it under the same load, as a ratio.

    .venv/bin/python bench/hub_load.py [--centers 2000] [--tablets 200] [--workers 2] [--rounds 3]
                                       [--file-steps 25,50,100,200] [--seconds 240]
                                       [--skip-folder | --only-file-steps]

Everything runs on 127.0.0.1: a throwaway PostgreSQL cluster (tests/support/postgres.py),
SeaweedFS `weed mini` (tests/support/seaweed.py) and `main.py hub` processes.

1. Seed: `--centers` centers, each with an inspection and its history (header, center, every
   item of the test standard rated, advice, a note per clause, an evidence record), through
   the ledger itself (trusted import, as `hub import` does).
2. Load: `--tablets` simulated tablets sync at once, each `--rounds` times: push a batch of
   ops (gzip, as the tablet does) for its own inspection, upload one photo in a batch
   stream, pull since its cursor. Bounded: each request times out at 60 s and the whole
   load stops at `--seconds`.
3. Prints p50/p95 push and pull latency, requests per second, errors (target 0); then every
   op each tablet pushed is looked up in the hub's store and every photo re-hashed from the
   object store; then the bureau's 2,000-center table (first call scores and stores, the
   second reads stored scores: target < 1 s), and the same table asked every second while
   the tablets sync (p50 and max). Then one inspector's pull over all those inspections in
   process: through the store's index (what the hub does) and by the rules over every row
   (what it did), as a ratio.
4. The same load on the data folder (one process), and the folder at growing tablet counts
   (--file-steps) to find where it falls behind (p95 push > 2 s or any error).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from inspect_app.hub import timing  # noqa: E402
from inspect_app.hub.accounts import Accounts, Role  # noqa: E402
from inspect_app.hub.ledger import Ledger  # noqa: E402
from tests.store.helpers import make_standard, rated_items, write_standard  # noqa: E402
from tests.support.backends import Backend  # noqa: E402
from tests.sync.hubproc import start_hub  # noqa: E402
from tests.sync.photos import random_jpeg  # noqa: E402

PASSWORD = "bench-password-1"
FALLS_BEHIND_P95 = 2.0  # seconds


def op(device, seq, iid, key, value, revision=1, author="评审员"):
    return {"device": device, "seq": seq, "inspection_id": iid, "revision": revision, "key": key, "value": value,
            "author": author}


def history(iid: str, center: str, n: int, items, photo_sha: str) -> list[dict]:
    dev = f"seed-{n}"
    ops = [op(dev, 1, iid, "inspection.center_id", center),
           op(dev, 2, iid, "inspection.standard_id", "test-std"),
           op(dev, 3, iid, "inspection.team", [{"name": f"insp{n % 200}", "role": "leader"}]),
           op(dev, 4, iid, "inspection.started_on", "2026-03-01T08:00:00+00:00"),
           op(dev, 5, iid, "center", {"id": center, "name": f"第{n}卫生院", "county": f"{n % 40}县"})]
    seq = 6
    for k, (clause, code) in enumerate(items):
        ops.append(op(dev, seq, iid, f"item/{clause}/{code}", {"result": "not_met" if k % 7 == 0 else "met"}))
        seq += 1
    for clause in sorted({c for c, _ in items}):
        ops.append(op(dev, seq, iid, f"note/{clause}", f"{clause} 现场查看台账"))
        seq += 1
    ops.append(op(dev, seq, iid, f"evidence/e{n}", {"id": f"e{n}", "inspection_id": iid, "sha256": photo_sha}))
    return ops


def seed(backend: Backend, data: Path, centers: int, tablets: int) -> tuple[int, float, list[str]]:
    from inspect_app.hub.service import Hub

    store = backend.open(data)
    hub = Hub(data, store)
    accounts = Accounts(store.accounts)
    for n in range(tablets):
        accounts.add_user(f"insp{n}", PASSWORD, Role.INSPECTOR, f"insp{n}")
    accounts.add_user("bureau", PASSWORD, Role.ADMIN, "卫健局")
    items = rated_items(make_standard())
    photo = random_jpeg(30)
    sha = hashlib.sha256(photo).hexdigest()
    store.blobs.put(sha, photo)
    t0 = time.perf_counter()
    ledger: Ledger = hub.ledger
    total, refused = 0, []
    for n in range(centers):
        ops = history(f"seed{n}", f"c{n}", n, items, sha)
        from inspect_app.sync.protocol import Op

        result = ledger.push(None, [Op.model_validate(o) for o in ops], trusted=True)
        total += len(result.accepted)
        refused += [r.code for r in result.rejected]
    seconds = time.perf_counter() - t0
    store.close()
    return total, seconds, refused


class Tablet:
    def __init__(self, url: str, n: int) -> None:
        self.n = n
        self.device = f"tab{n}"
        self.iid = f"load{n}"
        self.http = httpx.Client(base_url=url, timeout=60)
        self.seq = 0
        self.cursor = 0
        self.pushed: list[str] = []
        self.photos: list[str] = []

    def login(self) -> None:
        for attempt in range(5):  # sign-ins before the clock starts: retried, not counted
            try:
                r = self.http.post("/api/login", json={"username": f"insp{self.n}", "password": PASSWORD,
                                                       "device": self.device})
                if r.status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(1 + attempt)
        r.raise_for_status()
        self.http.headers["Authorization"] = f"Bearer {r.json()['token']}"

    def ops(self, round_: int, items) -> list[dict]:
        out = []

        def add(key, value):
            self.seq += 1
            out.append(op(self.device, self.seq, self.iid, key, value, author=f"insp{self.n}"))

        if round_ == 0:
            add("inspection.center_id", f"c{self.n % 2000}")
            add("inspection.standard_id", "test-std")
            add("inspection.team", [{"name": f"insp{self.n}", "role": "leader"}])
            add("inspection.started_on", "2026-04-01T08:00:00+00:00")
        for clause, code in items[round_ * 10:(round_ + 1) * 10]:
            add(f"item/{clause}/{code}", {"result": "met"})
        return out

    def sync(self, round_: int, items, stats: dict) -> None:
        ops = self.ops(round_, items)
        photo = random_jpeg(60)
        sha = hashlib.sha256(photo).hexdigest()
        self.seq += 1
        ops.append(op(self.device, self.seq, self.iid, f"evidence/{self.device}-{round_}",
                      {"id": f"{self.device}-{round_}", "inspection_id": self.iid, "sha256": sha},
                      author=f"insp{self.n}"))
        # the photo first (as the tablet does), then the push, then the pull
        t0 = time.perf_counter()
        r = self.http.post("/api/blobs/batch", params={"manifest": f"{sha}:{len(photo)}"}, content=photo)
        stats["upload"].append(time.perf_counter() - t0)
        if r.status_code != 200 or sha not in r.json().get("verified", []):
            raise RuntimeError(f"upload {r.status_code} {r.text[:200]}")
        self.photos.append(sha)
        body = gzip.compress(json.dumps({"protocol": 1, "device": self.device, "ops": ops}).encode(), 5)
        t0 = time.perf_counter()
        r = self.http.post("/api/sync/push", content=body,
                           headers={"Content-Type": "application/json", "Content-Encoding": "gzip"})
        stats["push"].append(time.perf_counter() - t0)
        res = r.json() if r.status_code == 200 else {}
        if r.status_code != 200 or res.get("rejected"):
            raise RuntimeError(f"push {r.status_code} {r.text[:300]}")
        self.pushed += res["accepted"] + res["duplicates"]
        t0 = time.perf_counter()
        while True:
            r = self.http.get("/api/sync/pull", params={"since": self.cursor, "exclude_device": self.device})
            if r.status_code != 200:
                raise RuntimeError(f"pull {r.status_code} {r.text[:200]}")
            body = r.json()
            self.cursor = body["cursor"]
            if not body["more"]:
                break
        stats["pull"].append(time.perf_counter() - t0)


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def _bureau_headers(url: str) -> dict:
    token = httpx.post(f"{url}/api/login", json={"username": "bureau", "password": PASSWORD}).json()["token"]
    return {"Authorization": f"Bearer {token}"}


def load(url: str, tablets: int, rounds: int, seconds: float) -> dict:
    items = rated_items(make_standard())
    pads = [Tablet(url, n) for n in range(tablets)]
    with ThreadPoolExecutor(16) as pool:  # sign-ins (scrypt) before the clock starts
        list(pool.map(lambda t: t.login(), pads))
    stats = {"push": [], "pull": [], "upload": [], "errors": [], "requests": 0, "table": [], "pending": [], "phases": []}
    bureau_h = _bureau_headers(url)
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < 1800:  # every center scored and stored before the load (the scorer threads)
        rows = httpx.get(f"{url}/api/bureau/centers", headers=bureau_h, timeout=600).json()
        if not any(r.get("pending") for r in rows):
            break
        time.sleep(2)
    print(f"  every center scored and stored in {time.perf_counter() - t0:.1f} s (before the load)", flush=True)
    busy = threading.Event()

    def watch() -> None:  # the bureau opens its table while the tablets sync
        while not busy.is_set():
            t0 = time.perf_counter()
            r = httpx.get(f"{url}/api/bureau/centers", headers=bureau_h, timeout=600)
            if r.status_code == 200:
                stats["table"].append(time.perf_counter() - t0)
                stats["pending"].append(sum(1 for row in r.json() if row.get("pending")))
                stats["phases"].append(timing.parse(r.headers.get("server-timing", "")))
            busy.wait(1.0)
    deadline = time.monotonic() + seconds
    lock = threading.Lock()

    def run(t: Tablet) -> None:
        for r in range(rounds):
            if time.monotonic() > deadline:
                with lock:
                    stats["errors"].append("time budget")
                return
            try:
                t.sync(r, items, stats)
            except Exception as err:  # noqa: BLE001 - counted and shown, the load goes on
                with lock:
                    stats["errors"].append(str(err)[:160])

    t0 = time.perf_counter()
    threads = [threading.Thread(target=run, args=(t,)) for t in pads]
    watcher = threading.Thread(target=watch)
    watcher.start()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    stats["seconds"] = time.perf_counter() - t0
    busy.set()
    watcher.join()
    stats["requests"] = len(stats["push"]) + len(stats["pull"]) + len(stats["upload"])
    stats["tablets"] = pads
    return stats


def report(name: str, stats: dict) -> str:
    line = (f"{name}: {len(stats['tablets'])} tablets, {stats['requests']} requests in {stats['seconds']:.1f} s = "
            f"{stats['requests'] / stats['seconds']:.1f} req/s; push p50 {pct(stats['push'], 50) * 1000:.0f} ms "
            f"p95 {pct(stats['push'], 95) * 1000:.0f} ms; pull p50 {pct(stats['pull'], 50) * 1000:.0f} ms "
            f"p95 {pct(stats['pull'], 95) * 1000:.0f} ms; photo p95 {pct(stats['upload'], 95) * 1000:.0f} ms; "
            f"errors {len(stats['errors'])}")
    print(line, flush=True)
    if stats["table"]:
        print(f"  bureau table while the tablets sync: p50 {pct(stats['table'], 50):.2f} s, "
              f"max {max(stats['table']):.2f} s over {len(stats['table'])} requests (target < 1 s); rows still "
              f"being scored (pending) at most {max(stats['pending'])}", flush=True)
    if stats["phases"]:  # where the table's time went, by the hub's Server-Timing (hub/timing.py)
        names = sorted({k for p in stats["phases"] for k in p}, key=lambda k: -pct([p.get(k, 0) for p in
                                                                                 stats["phases"]], 50))
        slowest = max(stats["phases"], key=lambda p: p.get("total", 0))
        print("  its phases (p50 / in the slowest): " + "; ".join(
            f"{k} {pct([p.get(k, 0) for p in stats['phases']], 50) * 1000:.0f} / {slowest.get(k, 0) * 1000:.0f} ms"
            for k in names), flush=True)
    if stats["errors"]:
        print("  first errors: " + " | ".join(stats["errors"][:3]))
    return line


def verify(backend: Backend, data: Path, stats: dict) -> None:
    store = backend.open(data)
    try:
        missing_ops = dup = 0
        for t in stats["tablets"]:
            held = [f"{v['device']}:{v['seq']}" for v in store.ledger.ops(t.iid)]
            missing_ops += len(set(t.pushed) - set(held))
            dup += len(held) - len(set(held))
        photos = [s for t in stats["tablets"] for s in t.photos]
        bad = sum(1 for s in photos if hashlib.sha256(store.blobs.read(s)).hexdigest() != s)
        pushed = sum(len(t.pushed) for t in stats["tablets"])
        print(f"  afterwards: {pushed - missing_ops}/{pushed} ops present (duplicates {dup}), "
              f"{len(photos) - bad}/{len(photos)} photos present and re-hashed equal to their names", flush=True)
    finally:
        store.close()


def pull_cost(backend: Backend, data: Path, repeat: int = 20) -> tuple[float, float] | None:
    """One inspector's pull with nothing new (the common case), in process: through the store's
    index (what the hub does) and by the rules over every row (what it did before)."""
    from inspect_app.hub.accounts import Account

    store = backend.open(data)
    try:
        ledger = Ledger(store.ledger)
        who = Account("insp5", "insp5", Role.INSPECTOR)
        top = store.ledger.top()

        def timed() -> float:
            ledger.pull(who, top)
            t0 = time.perf_counter()
            for _ in range(repeat):
                ledger.pull(who, top)
            return (time.perf_counter() - t0) / repeat

        indexed = timed()
        store.ledger.inspector_reads = lambda *a: None  # the ledger's rules over every row
        every_row = timed()
        return indexed, every_row
    finally:
        store.close()


def bureau(url: str) -> tuple[float, float, int]:
    h = {"Authorization": "Bearer " + httpx.post(f"{url}/api/login", json={"username": "bureau",
                                                                       "password": PASSWORD}).json()["token"]}
    t0 = time.perf_counter()
    rows = httpx.get(f"{url}/api/bureau/centers", headers=h, timeout=600).json()
    cold = time.perf_counter() - t0
    print(f"  right after the load: {sum(1 for r in rows if r.get('pending'))} rows pending", flush=True)
    for _ in range(4):  # each worker checks the new token once (scrypt), then keeps it for a minute
        rows = httpx.get(f"{url}/api/bureau/centers", headers=h, timeout=600).json()
    t0 = time.perf_counter()
    while any(r.get("pending") for r in rows) and time.perf_counter() - t0 < 900:  # quiet: the scorers done
        time.sleep(2)
        rows = httpx.get(f"{url}/api/bureau/centers", headers=h, timeout=600).json()
    print(f"  the scorer threads caught up {time.perf_counter() - t0:.1f} s after the load", flush=True)
    warm = []
    for _ in range(6):
        t0 = time.perf_counter()
        rows = httpx.get(f"{url}/api/bureau/centers", headers=h, timeout=600).json()
        warm.append(time.perf_counter() - t0)
    return cold, sorted(warm)[len(warm) // 2], len(rows)


def run_backend(name: str, backend: Backend, tmp: Path, args, tablets: int, workers: int) -> dict:
    # centers too: the folder's step at --tablets (200 by default) has fewer centers than the
    # folder's run beside the shared backend, and needs a folder of its own
    data = tmp / f"hub-{name}-{args.centers}c-{tablets}t"
    data.mkdir()
    write_standard(data / "standards")
    ops, secs, refused = seed(backend, data, args.centers, max(tablets, 1))
    print(f"{name}: seeded {args.centers} centers, {ops} ops in {secs:.1f} s"
          + (f" ({len(refused)} refused: {sorted(set(refused))})" if refused else ""), flush=True)
    hub = start_hub(data, backend, workers=workers)
    try:
        stats = load(hub.url, tablets, args.rounds, args.seconds)
        stats["line"] = report(f"{name} ({workers} worker{'s' if workers > 1 else ''})", stats)
        verify(backend, data, stats)
        cold, warm, n = bureau(hub.url)
        print(f"  bureau table, {n} centers: first after the load {cold:.2f} s, "
              f"then quiet {warm:.2f} s (median of 6, stored scores; target < 1 s)", flush=True)
        stats["bureau"] = (cold, warm)
        cost = pull_cost(backend, data)
        print(f"  one inspector's pull (nothing new) over {n} centers' inspections: {cost[0] * 1000:.1f} ms by the "
              f"store's index, {cost[1] * 1000:.1f} ms by reading every row ({cost[1] / max(cost[0], 1e-9):.1f}x)",
              flush=True)
        return stats
    finally:
        hub.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--centers", type=int, default=2000)
    parser.add_argument("--tablets", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=240)
    parser.add_argument("--file-steps", default="25,50,100,200")
    parser.add_argument("--skip-folder", action="store_true", help="only the shared backend")
    parser.add_argument("--only-file-steps", action="store_true",
                        help="only the data folder at growing tablet counts (--file-steps)")
    args = parser.parse_args()
    from tests.support.postgres import PgCluster
    from tests.support.seaweed import CREDENTIALS, SeaweedS3

    os.environ.update(CREDENTIALS)
    with tempfile.TemporaryDirectory(prefix="hub-load-") as tmp_name:
        tmp = Path(tmp_name)
        pg = PgCluster.create()
        s3 = SeaweedS3.start(tmp / "seaweed")
        try:
            if not args.only_file_steps:
                shared = Backend("shared", pg.create_database("load"), s3.url("hub-load"), pg, s3)
                big = run_backend("PostgreSQL + S3", shared, tmp, args, args.tablets, args.workers)
                if args.skip_folder:
                    return
                folder = run_backend("data folder", Backend("folder"), tmp, args, args.tablets, 1)
                rate = lambda s: s["requests"] / s["seconds"]  # noqa: E731
                print(f"ratio shared/folder: {rate(big) / rate(folder):.2f}x req/s, push p95 "
                      f"{pct(folder['push'], 95) / max(pct(big['push'], 95), 1e-9):.2f}x lower, "
                      f"bureau table {folder['bureau'][1] / max(big['bureau'][1], 1e-9):.2f}x", flush=True)
            held = 0
            steps = [int(s) for s in args.file_steps.split(",") if s]
            for step in steps:
                stats = run_backend("data folder", Backend("folder"), tmp, argparse.Namespace(**{
                    **vars(args), "centers": min(args.centers, 200)}), step, 1)
                behind = stats["errors"] or pct(stats["push"], 95) > FALLS_BEHIND_P95
                if behind:
                    print(f"the data folder falls behind at {step} tablets at once "
                          f"(p95 push {pct(stats['push'], 95):.2f} s, errors {len(stats['errors'])})")
                    break
                held = step
            if steps:
                print(f"largest load the data folder holds (p95 push ≤ {FALLS_BEHIND_P95:.0f} s, no errors): "
                      f"{held or 'fewer than the first step'} tablets at once")
        finally:
            s3.remove()
            pg.remove()


if __name__ == "__main__":
    main()
