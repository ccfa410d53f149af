"""The shared backend (PostgreSQL + S3) under real concurrency and real failures.

- The pull cursor never skips an op that commits late (concurrent writers, both backends;
  and a naive numbering from a PostgreSQL sequence shows the test catches the skip).
- Two hub processes on two ports share one database and object store: a token, an upload
  begun on one and finished on the other, each other's changes.
- A hub worker killed mid-push, PostgreSQL restarted during a sync, the object store gone
  during a photo upload: the hub answers 503 with a clear message, the tablet retries, and
  no op or photo is lost or duplicated.
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import threading
import time

import httpx
import pytest

from inspect_app import services
from inspect_app.errors import UserError
from inspect_app.hub.accounts import Account, Role
from inspect_app.hub.ledger import Ledger
from inspect_app.hub.store.postgres import PgLedger, _PgTx
from inspect_app.sync.protocol import Op
from tests.support.backends import Backend
from tests.sync.hubproc import Tablet, add_users, start_hub
from tests.sync.photos import random_jpeg
from tests.sync.scenario import add_photos, start
from tests.sync.scenario import shared as travelling

INSPECTOR = Account("w", "王芳", Role.INSPECTOR)


# ---------------------------------------------------------------- the pull cursor


class SlowCommit:
    """A LedgerStore whose pushes linger a random while after taking their numbers, so that
    transactions that took seq 7 and 8 commit as 8 then 7 whenever the store lets them."""

    def __init__(self, inner) -> None:
        self.inner = inner

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def transaction(self, ids):
        inner = self.inner.transaction(ids)

        class Slow:
            def __enter__(self_):
                tx = inner.__enter__()
                real = tx.append

                def append(iid, ops):
                    seqs = real(iid, ops)
                    time.sleep(random.uniform(0, 0.02))  # numbers taken, not yet committed
                    return seqs

                tx.append = append
                return tx

            def __exit__(self_, *exc):
                return inner.__exit__(*exc)

        return Slow()


class NaiveTx(_PgTx):
    """Numbers from a sequence (taken at once, not in commit order): what not to do."""

    def append(self, inspection_id, ops):
        rows, seqs = [], []
        for op in ops:
            seq = self.conn.execute("SELECT nextval('naive_seq')").fetchone()[0]
            op["hub_seq"] = seq
            seqs.append(seq)
            rows.append((seq, inspection_id, f"{op['device']}:{op['seq']}", op["device"], __import__(
                "psycopg").types.json.Jsonb(op)))
        with self.conn.cursor() as cur:
            cur.executemany("INSERT INTO hub_ops (hub_seq, inspection_id, op_id, device, body) "
                            "VALUES (%s, %s, %s, %s, %s)", rows)
        return seqs


class NaiveLedger(PgLedger):
    def transaction(self, ids):
        from contextlib import contextmanager

        @contextmanager
        def tx():
            with self.pool.connection() as conn:
                yield NaiveTx(conn)
        return tx()

    def top(self):
        with self.pool.connection() as conn:
            return conn.execute("SELECT coalesce(max(hub_seq), 0) FROM hub_ops").fetchone()[0]


def _race(ledger: Ledger, writers: int = 6, pushes: int = 15) -> tuple[set[str], set[str]]:
    """Writers push concurrently to their own inspections while a reader pulls with its
    cursor. Returns (every op accepted, every op the reader received)."""
    accepted: set[str] = set()
    received: set[str] = set()
    done = threading.Event()
    lock = threading.Lock()

    def write(n: int) -> None:
        for k in range(1, pushes + 1):
            op = Op(device=f"dev{n}", seq=k, inspection_id=f"insp{n}", key=f"note/1.{k}", value=f"v{k}",
                    author="王芳")
            res = ledger.push(INSPECTOR, [op])
            with lock:
                accepted.update(res.accepted)

    def read() -> None:
        cursor = 0
        while True:
            finished = done.is_set()
            while True:
                result, _ = ledger.pull(INSPECTOR, cursor)
                received.update(o.id for o in result.ops)
                cursor = result.cursor
                if not result.more:
                    break
            if finished:
                return
            time.sleep(0.001)

    reader = threading.Thread(target=read)
    reader.start()
    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    done.set()
    reader.join(timeout=60)
    return accepted, received


@pytest.mark.parametrize("backend", ["folder", "shared"])
def test_pull_cursor_never_skips_an_op_that_commits_late(tmp_path, backend, request):
    be = Backend("folder")
    if backend == "shared":
        pg, _ = request.getfixturevalue("shared_engines")
        be = Backend("shared", pg.create_database(f"cursor_{os.getpid()}"))
    store = be.open(tmp_path)
    try:
        accepted, received = _race(Ledger(SlowCommit(store.ledger)))
        assert len(accepted) == 6 * 15
        assert received == accepted  # every op reached the reader: none was passed by its cursor
    finally:
        store.close()


def test_a_numbering_that_is_not_in_commit_order_is_caught(tmp_path, shared_engines):
    """The same race on numbers from a PostgreSQL sequence skips ops: the test above can fail."""
    pg, _ = shared_engines
    from inspect_app.hub.store.postgres import Pool, migrate

    pool = Pool(pg.create_database(f"naive_{os.getpid()}"), size=10)
    migrate(pool)
    with pool.connection() as conn:
        conn.execute("CREATE SEQUENCE naive_seq")
    skipped = 0
    for _ in range(3):  # a race: usually the first round already skips some
        accepted, received = _race(Ledger(SlowCommit(NaiveLedger(pool))), writers=6, pushes=10)
        skipped += len(accepted - received)
        if skipped:
            break
        with pool.connection() as conn:
            conn.execute("TRUNCATE hub_ops, hub_inspections")
    pool.close()
    assert skipped > 0


# ---------------------------------------------------------------- several hub processes


def _backend(shared_engines) -> Backend:
    pg, s3 = shared_engines
    if s3.proc.poll() is not None:
        s3.run()
    name = f"multi_{os.getpid()}_{random.randrange(10**6)}"
    return Backend("shared", pg.create_database(name), s3.url(name.replace("_", "-")), pg, s3)


@pytest.fixture
def shared(shared_engines):
    return _backend(shared_engines)


@pytest.fixture(scope="module")
def shared_hub(tmp_path_factory, shared_engines):
    """One hub process on its own database and bucket for the tests below that need one
    (each works on its own inspections), so each does not pay a start-up."""
    backend = _backend(shared_engines)
    data = tmp_path_factory.mktemp("shared-hub")
    add_users(data, backend=backend)
    hub = start_hub(data, backend)
    yield hub
    if backend.s3.proc.poll() is not None:
        backend.s3.run()
    hub.stop()


def test_two_hub_instances_on_two_ports_share_everything(tmp_path, shared_hub, standards):
    one = shared_hub
    two = start_hub(one.data, one.backend)  # a second process on the same database and bucket
    try:
        token = one.token("wangfang")  # signed in on one, used on the other
        h = {"Authorization": f"Bearer {token}"}
        assert httpx.get(f"{two.url}/api/me", headers=h).json()["username"] == "wangfang"
        # an upload cut on one resumes on the other, from the byte count the store kept
        photo = random_jpeg(300)
        sha = hashlib.sha256(photo).hexdigest()
        half = len(photo) // 2
        r = httpx.put(f"{one.url}/api/blobs/{sha}", params={"offset": 0, "total": len(photo)},
                      content=photo[:half], headers=h)
        assert r.json() == {"sha256": sha, "received": half, "complete": False, "verified": False}
        assert httpx.post(f"{two.url}/api/blobs/missing", json={"shas": [sha]}, headers=h).json()["partial"] == {sha: half}
        r = httpx.put(f"{two.url}/api/blobs/{sha}", params={"offset": half, "total": len(photo)},
                      content=photo[half:], headers=h)
        assert r.json()["verified"], r.text
        assert one.read_blob(sha) == photo
        # a tablet on each instance: they see each other's changes
        a, b = Tablet(tmp_path / "a", standards), Tablet(tmp_path / "b", standards)
        a.sign_in(one, "wangfang")
        b.sign_in(two, "liming")
        iid = start(a)
        services.rate_item(a.ws, iid, "1.1.1", "C-1", "met")
        a.sync()
        b.sync()
        assert b.rating(iid, "1.1.1", "C-1") == "met"
        services.rate_item(b.ws, iid, "1.1.2", "C-1", "not_met", actor="李明")
        b.sync()
        a.sync()
        assert a.rating(iid, "1.1.2", "C-1") == "not_met"
        a.close()
        b.close()
    finally:
        two.stop()


# ---------------------------------------------------------------- real failures


def _children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    if int(fh.read().rsplit(")", 1)[1].split()[1]) == pid:
                        out.append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    return out


def _assert_hub_holds_exactly(hub, tablet: Tablet, iid: str, shas: list[str]) -> None:
    stored = hub.ops_of(iid)
    mine = {op.id for op in tablet.engine.ops(iid)}
    assert set(stored) == mine  # every op, once (ids are unique keys: a duplicate cannot hide)
    assert len(stored) == len(mine)
    held = hub.blob_shas()
    for sha in shas:
        assert sha in held and hashlib.sha256(hub.read_blob(sha)).hexdigest() == sha
        assert tablet.engine.confirmed(sha)
    assert not hub.staged(shas)


def _sync_until_done(tablet: Tablet, tries: int = 20, pause: float = 0.5) -> list[str]:
    """The tablet's retries (the background runner's, without the minute in between)."""
    errors = []
    for _ in range(tries):
        try:
            tablet.sync()
            if not tablet.engine.pending_op_values() and not tablet.engine.pending_photos():
                return errors
        except UserError as err:
            errors.append(err.zh)
        time.sleep(pause)
    raise AssertionError(f"never finished: {errors[-3:]}")


class KillOnPush(httpx.HTTPTransport):
    """Kills every hub worker a moment after the push request has gone out: mid-push."""

    def __init__(self, workers: list[int]) -> None:
        super().__init__()
        self.workers = workers
        self.killed: list[int] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/sync/push" and not self.killed:
            def kill():
                time.sleep(0.02)
                for pid in self.workers:
                    try:
                        os.kill(pid, signal.SIGKILL)
                        self.killed.append(pid)
                    except ProcessLookupError:
                        pass
            threading.Thread(target=kill).start()
        return super().handle_request(request)


def test_a_hub_worker_killed_mid_push_loses_nothing(tmp_path, shared, standards):
    from inspect_app.sync.client import HubClient
    from tests.store.helpers import rated_items

    data = tmp_path / "hub"
    data.mkdir()
    add_users(data, backend=shared)
    hub = start_hub(data, shared, workers=2)
    try:
        a = Tablet(tmp_path / "a", standards)
        iid = start(a)
        std = services.standard_for(a.ws, services.get_inspection(a.ws, iid))
        for clause, code in rated_items(std):
            services.rate_item(a.ws, iid, clause, code, "met")
            services.set_clause_note(a.ws, iid, clause, f"{clause} 记录")
        workers = _children(hub.proc.pid)
        assert len(workers) >= 2, workers
        token = hub.token("wangfang")
        cut = KillOnPush(workers)
        a.client = HubClient(hub.url, token, transport=cut)
        with pytest.raises(UserError):
            a.sync()
        assert cut.killed  # the push died with its workers
        a.client = HubClient(hub.url, token)
        # uvicorn starts new workers; the tablet retries until everything is acknowledged
        _sync_until_done(a, tries=60)
        assert set(_children(hub.proc.pid)).isdisjoint(cut.killed)
        _assert_hub_holds_exactly(hub, a, iid, [])
        a.close()
    finally:
        hub.stop()


@pytest.fixture
def pg_comes_back(shared_hub):
    yield shared_hub.backend.pg
    shared_hub.backend.pg.ensure_running()  # whatever happened in the test, the server is up after it


def test_postgresql_restarted_during_a_sync(tmp_path, shared_hub, standards, pg_comes_back):
    hub, shared = shared_hub, shared_hub.backend
    a = Tablet(tmp_path / "a", standards)
    a.sign_in(hub, "wangfang")
    iid = start(a)
    shas = travelling(a, add_photos(a, iid, 4, 150))
    services.rate_item(a.ws, iid, "1.1.1", "C-1", "met")
    shared.pg.stop("immediate")  # down as the sync starts
    with pytest.raises(UserError) as down:
        a.sync()
    assert "数据库" in down.value.zh  # the hub says which store is down
    r = httpx.get(f"{hub.url}/api/sync/pull", headers={"Authorization": "Bearer x.y"})
    assert r.status_code == 503 and r.json()["store"] == "database"
    restarter = threading.Thread(target=shared.pg.start)
    restarter.start()
    errors = _sync_until_done(a)
    restarter.join()
    # and once more mid-sync: restarted while the photos go up
    more = travelling(a, add_photos(a, iid, 4, 300))
    t = threading.Thread(target=lambda: (time.sleep(0.1), shared.pg.restart(0.5)))
    t.start()
    errors += _sync_until_done(a)
    t.join()
    _assert_hub_holds_exactly(hub, a, iid, shas + more)
    a.close()


def test_object_store_unreachable_during_a_photo_upload(tmp_path, shared_hub, standards):
    hub, shared = shared_hub, shared_hub.backend
    try:
        a = Tablet(tmp_path / "a", standards)
        a.sign_in(hub, "wangfang")
        iid = start(a)
        shas = travelling(a, add_photos(a, iid, 4, 200))
        shared.s3.stop()  # the object store is gone
        with pytest.raises(UserError) as down:
            a.sync()
        assert "文件存储" in down.value.zh
        assert not any(a.engine.confirmed(s) for s in shas)  # nothing counts as sent
        h = {"Authorization": f"Bearer {hub.token('wangfang')}"}
        r = httpx.post(f"{hub.url}/api/blobs/missing", json={"shas": shas[:1]}, headers=h)
        assert r.status_code == 503 and r.json()["store"] == "blobs" and r.json()["en"]
        shared.s3.run()
        _sync_until_done(a)
        # and cut while a batch streams in
        more = travelling(a, add_photos(a, iid, 8, 300))
        t = threading.Thread(target=lambda: (time.sleep(0.15), shared.s3.stop(), time.sleep(1), shared.s3.run()))
        t.start()
        _sync_until_done(a, tries=40)
        t.join()
        _assert_hub_holds_exactly(hub, a, iid, shas + more)
        a.close()
    finally:
        if shared.s3.proc.poll() is not None:
            shared.s3.run()
