"""The PostgreSQL implementation of the hub's records (ledger, accounts, upload leases), for a
city or a province: several hub processes share one database and keep nothing of their own.

Connections come from a small pool per process; a connection that failed (the server
restarted, the network dropped) is thrown away and the request answers StoreUnavailable
(HTTP 503) instead of hanging; the next request connects afresh.

Pull cursor (why no op is ever skipped): every push takes its hub_seq numbers from the single
row `hub_counters.hub_seq` with SELECT … FOR UPDATE, as the last step before it commits. The
row lock is held until that transaction commits, so a second push cannot take a number until
the first has committed: hub_seq order is commit order. A pull reads `top` (the counter's
committed value) before it reads ops, and hands out at most up to `top`; everything at or
below it is committed, so a cursor never passes an op that becomes visible later.
"""

from __future__ import annotations

import hashlib
import queue
import threading
import time
from collections.abc import Iterable
from contextlib import contextmanager
from importlib import resources

import orjson
import psycopg
from psycopg.types.json import Jsonb, set_json_dumps, set_json_loads

from inspect_app.hub import lanes, timing
from inspect_app.hub.store.base import (
    AccountStore,
    LedgerStore,
    LedgerTx,
    SettingsStore,
    TABLE_FIELDS,
    StoreUnavailable,
    UploadLeases,
)

# jsonb rows parsed and written with orjson (the bureau's table reads 2,000+ rows at once)
set_json_loads(orjson.loads)
set_json_dumps(lambda value: orjson.dumps(value).decode())

CONNECT_TIMEOUT = 5
STATEMENT_TIMEOUT_MS = 30_000


class Pool:
    """`size` connections for everything, and `pages` more only for page reads (the bureau's
    table, reports: hub/lanes.py "pages"), so a page never waits for a connection behind the
    tablets' pushes."""

    def __init__(self, dsn: str, size: int = 8, pages: int = 2) -> None:
        self.dsn = dsn
        self.size = size
        self._idle: queue.LifoQueue[psycopg.Connection] = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(size)
        self._page_slots = threading.BoundedSemaphore(pages)

    def _connect(self) -> psycopg.Connection:
        return psycopg.connect(self.dsn, connect_timeout=CONNECT_TIMEOUT, autocommit=False,
                               options=f"-c statement_timeout={STATEMENT_TIMEOUT_MS}")

    @contextmanager
    def connection(self):
        """A connection in a transaction: committed when the block ends, rolled back on error."""
        t0 = time.perf_counter()
        # a page read takes one of its own when one is free, else waits with everyone (never
        # stuck on its own few: a page's code may hold one connection while asking for another)
        slots = self._page_slots
        if lanes.current() != "pages" or not slots.acquire(blocking=False):
            slots = self._slots
        if slots is self._slots and not slots.acquire(timeout=60):
            raise StoreUnavailable("database", "no free connection")
        timing.add("db_wait", time.perf_counter() - t0)  # Server-Timing: waiting for a free connection
        conn = None
        try:
            try:
                conn = self._checked_idle()
                if conn is None:
                    conn = self._connect()
                yield conn
                conn.commit()
            except psycopg.OperationalError as err:
                if conn is not None:
                    conn.close()  # broken (server restarted, network gone): never reused
                conn = None
                self.close()  # the idle ones talked to the same server: none of them is trusted now
                raise StoreUnavailable("database", str(err).strip()[:200]) from err
            except BaseException:
                if conn is not None and not conn.closed:
                    try:
                        conn.rollback()
                    except psycopg.Error:
                        conn.close()
                raise
            finally:
                if conn is not None and not conn.closed:
                    self._idle.put(conn)
        finally:
            slots.release()

    def _checked_idle(self) -> psycopg.Connection | None:
        """An idle connection that still reaches the server, or None. A restart of PostgreSQL
        leaves every idle connection dead without telling it; without this ping each of them
        would fail one request of some other user before the pool had cycled through them."""
        while True:
            try:
                conn = self._idle.get_nowait()
            except queue.Empty:
                return None
            if conn.closed:
                continue
            try:
                conn.execute("")  # an empty query: one round trip, no transaction state kept
                conn.rollback()
                return conn
            except psycopg.Error:
                conn.close()
                self.close()  # same server, same fate: drop the rest, connect afresh

    def close(self) -> None:
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                return


def migrate(pool: Pool) -> list[str]:
    """Apply the repository's migrations (migrations/NNN_*.sql) not yet applied, in order,
    under an advisory lock so several processes starting at once apply each exactly once."""
    files = sorted((f for f in resources.files("inspect_app.hub.store").joinpath("migrations").iterdir()
                    if f.name.endswith(".sql")), key=lambda f: f.name)
    applied = []
    with pool.connection() as conn:
        conn.execute("SELECT pg_advisory_xact_lock(4242001)")
        conn.execute("CREATE TABLE IF NOT EXISTS hub_schema (version text PRIMARY KEY, sha256 text NOT NULL, "
                     "applied timestamptz NOT NULL DEFAULT now())")
        done = {r[0] for r in conn.execute("SELECT version FROM hub_schema")}
        for f in files:
            version = f.name.split("_", 1)[0]
            if version in done:
                continue
            sql = f.read_text(encoding="utf-8")
            conn.execute(sql)
            conn.execute("INSERT INTO hub_schema (version, sha256) VALUES (%s, %s)",
                         (version, hashlib.sha256(sql.encode()).hexdigest()))
            applied.append(f.name)
    return applied


# ---------------------------------------------------------------- ledger


class _PgTx(LedgerTx):
    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn
        self._ops: dict[str, dict[str, dict]] = {}
        self._rows: dict[str, dict | None] = {}

    def row(self, inspection_id):
        if inspection_id not in self._rows:
            found = self.conn.execute("SELECT row FROM hub_inspections WHERE id = %s", (inspection_id,)).fetchone()
            self._rows[inspection_id] = found[0] if found else None
        row = self._rows[inspection_id]
        return dict(row) if row else None

    def ops(self, inspection_id):
        if inspection_id not in self._ops:
            self._ops[inspection_id] = {r[0]: r[1] for r in self.conn.execute(
                "SELECT op_id, body FROM hub_ops WHERE inspection_id = %s", (inspection_id,))}
        return self._ops[inspection_id]

    def append(self, inspection_id, ops):
        if not ops:
            return []
        # The one counter row, locked until this transaction commits: see the module docstring.
        (top,) = self.conn.execute("SELECT value FROM hub_counters WHERE name = 'hub_seq' FOR UPDATE").fetchone()
        seqs = list(range(top + 1, top + 1 + len(ops)))
        rows = []
        stored = self.ops(inspection_id)
        for op, seq in zip(ops, seqs):
            op["hub_seq"] = seq
            oid = f"{op['device']}:{op['seq']}"
            stored[oid] = op
            rows.append((seq, inspection_id, oid, op["device"], Jsonb(op)))
        with self.conn.cursor() as cur:
            cur.executemany("INSERT INTO hub_ops (hub_seq, inspection_id, op_id, device, body) "
                            "VALUES (%s, %s, %s, %s, %s)", rows)
        self.conn.execute("UPDATE hub_counters SET value = %s WHERE name = 'hub_seq'", (seqs[-1],))
        return seqs

    def put_row(self, inspection_id, row):
        self._rows[inspection_id] = row
        self.conn.execute("INSERT INTO hub_inspections (id, max_seq, row) VALUES (%s, %s, %s) "
                          "ON CONFLICT (id) DO UPDATE SET max_seq = EXCLUDED.max_seq, row = EXCLUDED.row",
                          (inspection_id, int(row.get("max_seq", 0)), Jsonb(row)))

    def put_center(self, center_id, value):
        self.conn.execute("INSERT INTO hub_centers (id, value) VALUES (%s, %s) "
                          "ON CONFLICT (id) DO UPDATE SET value = EXCLUDED.value", (center_id, Jsonb(value)))

    def add_blob_holder(self, sha, inspection_id):
        self.conn.execute("INSERT INTO hub_blob_holders (sha, inspection_id) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                          (sha, inspection_id))

    def next_counter(self, name):
        return self.conn.execute("UPDATE hub_counters SET value = value + 1 WHERE name = %s RETURNING value",
                                 (name,)).fetchone()[0]


# json (text) aggregates, not jsonb ones: building a jsonb of 2,000 scores took 23 ms of the
# server's time, json 5 ms; the inspections as arrays in TABLE_FIELDS order (3.7 ms, 15 as objects).
_TABLE_READ = (
    "SELECT (SELECT coalesce(json_agg(json_build_array(" + ", ".join(TABLE_FIELDS) + ")), '[]') "
    "        FROM hub_inspections), "
    "       (SELECT coalesce(json_object_agg(inspection_id, score), '{}') FROM hub_center_scores), "
    "       (SELECT coalesce(json_object_agg(id, value), '{}') FROM hub_centers)")


def _keep_score(conn: psycopg.Connection, inspection_id: str, at_seq: int, score: dict,
                newer_only: bool = False) -> None:
    """The inspection's center's stored table row, if the inspection is still at `at_seq`
    (`newer_only`: unless the center's stored row is of a later max_seq; `hub migrate`). An
    inspection moved to another center leaves no row under its old one (the table looks scores
    up by inspection id: two would answer for it)."""
    conn.execute("DELETE FROM hub_center_scores WHERE inspection_id = %s AND center_id IS DISTINCT FROM "
                 "(SELECT center_id FROM hub_inspections WHERE id = %s)", (inspection_id, inspection_id))
    conn.execute("INSERT INTO hub_center_scores (center_id, inspection_id, at_seq, score) "
                 "SELECT center_id, id, max_seq, %s FROM hub_inspections "
                 "WHERE id = %s AND max_seq = %s AND center_id <> '' "
                 "ON CONFLICT (center_id) DO UPDATE SET inspection_id = EXCLUDED.inspection_id, "
                 "at_seq = EXCLUDED.at_seq, score = EXCLUDED.score"
                 + (" WHERE hub_center_scores.at_seq <= EXCLUDED.at_seq" if newer_only else ""),
                 (Jsonb(score), inspection_id, at_seq))


class PgLedger(LedgerStore):
    def __init__(self, pool: Pool) -> None:
        self.pool = pool

    @contextmanager
    def transaction(self, inspection_ids: Iterable[str]):
        with self.pool.connection() as conn:
            # Pushes to the same inspection take turns (sorted: no deadlock between two pushes).
            for iid in sorted(set(inspection_ids)):
                conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 7))", (iid,))
            yield _PgTx(conn)

    def row(self, inspection_id):
        with self.pool.connection() as conn:
            found = conn.execute("SELECT row FROM hub_inspections WHERE id = %s", (inspection_id,)).fetchone()
        return found[0] if found else None

    def rows(self):
        with self.pool.connection() as conn:
            return [r[0] for r in conn.execute("SELECT row FROM hub_inspections")]

    def centers(self):
        with self.pool.connection() as conn:
            return {r[0]: r[1] for r in conn.execute("SELECT id, value FROM hub_centers")}

    def ops(self, inspection_id):
        with self.pool.connection() as conn:
            return [r[0] for r in conn.execute("SELECT body FROM hub_ops WHERE inspection_id = %s ORDER BY hub_seq",
                                               (inspection_id,))]

    def top(self):
        with self.pool.connection() as conn:
            return conn.execute("SELECT value FROM hub_counters WHERE name = 'hub_seq'").fetchone()[0]

    def ops_since(self, inspection_ids, since, exclude_device, limit, upto=None):
        if not inspection_ids:
            return []
        with self.pool.connection() as conn:
            return [r[0] for r in conn.execute(
                "SELECT body FROM hub_ops WHERE inspection_id = ANY(%s) AND hub_seq > %s AND hub_seq <= %s "
                "AND device <> %s ORDER BY hub_seq LIMIT %s",
                (list(inspection_ids), since, upto if upto is not None else 2**62, exclude_device, limit))]

    def blob_holders(self, sha):
        with self.pool.connection() as conn:
            return [r[0] for r in conn.execute("SELECT inspection_id FROM hub_blob_holders WHERE sha = %s", (sha,))]

    def put_score(self, inspection_id, at_seq, score):
        # The center's one stored table row (migration 004), replaced by the latest scoring; a
        # late write of an older key is seen as stale by the table and scored again.
        with self.pool.connection() as conn:
            _keep_score(conn, inspection_id, at_seq, score)

    def counts(self):
        with self.pool.connection() as conn:
            one = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
            return {"inspections": one("SELECT count(*) FROM hub_inspections"),
                    "ops": one("SELECT count(*) FROM hub_ops"),
                    "centers": one("SELECT count(*) FROM hub_centers"),
                    "blob_refs": one("SELECT count(*) FROM hub_blob_holders")}


    def restore(self, row, ops, blob_shas):
        from inspect_app.errors import UserError

        iid = row["id"]
        added = 0
        with self.pool.connection() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 7))", (iid,))
            have = {r[0]: (r[1], r[2]) for r in conn.execute(
                "SELECT op_id, hub_seq, body FROM hub_ops WHERE inspection_id = %s", (iid,))}
            fresh = []
            for op in ops:
                oid = f"{op['device']}:{op['seq']}"
                if oid in have:
                    if have[oid][0] != op["hub_seq"] or have[oid][1] != op:
                        raise UserError(f"目标数据库中评审 {iid} 的变更 {oid} 与原目录不同，迁移已停止。",
                                        f"The target holds change {oid} of {iid} with other content; stopped.")
                    continue
                fresh.append((op["hub_seq"], iid, oid, op["device"], Jsonb(op)))
            if fresh:
                taken = conn.execute("SELECT hub_seq FROM hub_ops WHERE hub_seq = ANY(%s)",
                                     ([f[0] for f in fresh],)).fetchall()
                if taken:
                    raise UserError(f"目标数据库的序号 {taken[0][0]} 已被其他变更占用，迁移已停止。",
                                    f"Sequence number {taken[0][0]} is taken by another change in the target; stopped.")
                with conn.cursor() as cur:
                    cur.executemany("INSERT INTO hub_ops (hub_seq, inspection_id, op_id, device, body) "
                                    "VALUES (%s, %s, %s, %s, %s)", fresh)
                added = len(fresh)
            current = conn.execute("SELECT max_seq FROM hub_inspections WHERE id = %s", (iid,)).fetchone()
            if current is None or current[0] <= int(row.get("max_seq", 0)):
                score = row.get("score")  # a folder keeps it in the row; here it is the center's
                row = {k: v for k, v in row.items() if k != "score"}
                conn.execute("INSERT INTO hub_inspections (id, max_seq, row) VALUES (%s, %s, %s) "
                             "ON CONFLICT (id) DO UPDATE SET max_seq = EXCLUDED.max_seq, row = EXCLUDED.row",
                             (iid, int(row.get("max_seq", 0)), Jsonb(row)))
                if isinstance(score, dict) and row.get("stage", "county") != "self":
                    _keep_score(conn, iid, int(row.get("max_seq", 0)), score, newer_only=True)
            with conn.cursor() as cur:
                cur.executemany("INSERT INTO hub_blob_holders (sha, inspection_id) VALUES (%s, %s) "
                                "ON CONFLICT DO NOTHING", [(s, iid) for s in blob_shas])
        return added

    def restore_center(self, center_id, value):
        with self.pool.connection() as conn:
            conn.execute("INSERT INTO hub_centers (id, value) VALUES (%s, %s) ON CONFLICT (id) DO NOTHING",
                         (center_id, Jsonb(value)))

    def raise_counters(self, at_least):
        with self.pool.connection() as conn:
            for name, value in at_least.items():
                conn.execute("UPDATE hub_counters SET value = GREATEST(value, %s) WHERE name = %s", (value, name))

    # -- reads by index (migration 002) -------------------------------------------------------
    def inspector_reads(self, username, names):
        # The team / creator indexes find the inspector's own; their centers' sealed
        # self-assessments come by the center index. No row's jsonb is read.
        with self.pool.connection() as conn:
            return [(r[0], r[1]) for r in conn.execute(
                "WITH mine AS (SELECT id, max_seq, center_id, stage FROM hub_inspections "
                "              WHERE creator = %s OR team && %s::text[]) "
                "SELECT id, max_seq FROM mine "
                "UNION "
                "SELECT id, max_seq FROM hub_inspections WHERE stage = 'self' AND sealed_any AND center_id IN "
                "  (SELECT center_id FROM mine WHERE stage <> 'self' AND center_id <> '')",
                (username, sorted(set(names))))]

    def rows_of_center(self, center_id):
        with self.pool.connection() as conn:
            return [r[0] for r in conn.execute("SELECT row FROM hub_inspections WHERE center_id = %s", (center_id,))]

    def scores_of_center(self, center_id):
        with self.pool.connection() as conn:
            return {r[0]: r[1] for r in conn.execute(
                "SELECT inspection_id, score FROM hub_center_scores WHERE center_id = %s", (center_id,))}

    def table_read(self):
        # One round trip, no row's jsonb read (migration 004): the inspections' TABLE_FIELDS from
        # their generated columns, each center's stored row, the centers; three aggregates
        # parsed by orjson.
        with self.pool.connection() as conn:
            rows, scores, centers = conn.execute(_TABLE_READ).fetchone()
        return [dict(zip(TABLE_FIELDS, r)) for r in rows], centers, scores


    # -- the upload quota, shared by every hub process (migration 003) -------------------------
    def record_uploads(self, username: str, sizes: dict[str, int], keep_seconds: float = 7 * 86400) -> None:
        """`username` uploaded these blobs (sha -> bytes) now; rows older than keep_seconds go."""
        with self.pool.connection() as conn:
            conn.cursor().executemany(
                "INSERT INTO hub_uploads (username, sha, size) VALUES (%s, %s, %s) "
                "ON CONFLICT (username, sha) DO UPDATE SET size = EXCLUDED.size, at = now()",
                [(username, sha, int(n)) for sha, n in sizes.items()])
            conn.execute("DELETE FROM hub_uploads WHERE at < now() - make_interval(secs => %s)", (keep_seconds,))

    def unreferenced_uploads(self, username: str, within_seconds: float) -> dict[str, int]:
        """sha -> bytes of what `username` uploaded in the last `within_seconds` that no
        inspection holds yet (a holder "@<user>" is an uploader, not an inspection)."""
        with self.pool.connection() as conn:
            return {r[0]: int(r[1]) for r in conn.execute(
                "SELECT u.sha, u.size FROM hub_uploads u WHERE u.username = %s "
                "AND u.at > now() - make_interval(secs => %s) AND NOT EXISTS ("
                "  SELECT 1 FROM hub_blob_holders h WHERE h.sha = u.sha AND left(h.inspection_id, 1) <> '@')",
                (username, within_seconds))}


# ---------------------------------------------------------------- accounts


class PgAccounts(AccountStore):
    def __init__(self, pool: Pool) -> None:
        self.pool = pool

    def user(self, username):
        with self.pool.connection() as conn:
            found = conn.execute("SELECT row FROM hub_users WHERE username = %s", (username,)).fetchone()
        return found[0] if found else None

    def users(self):
        with self.pool.connection() as conn:
            return [r[0] for r in conn.execute("SELECT row FROM hub_users ORDER BY username")]

    def add_user(self, row):
        with self.pool.connection() as conn:
            cur = conn.execute("INSERT INTO hub_users (username, row) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                               (row["username"], Jsonb(row)))
            return cur.rowcount == 1

    def update_user(self, username, changes):
        with self.pool.connection() as conn:
            conn.execute("UPDATE hub_users SET row = row || %s WHERE username = %s", (Jsonb(changes), username))

    def token(self, token_id):
        with self.pool.connection() as conn:
            found = conn.execute("SELECT row FROM hub_tokens WHERE id = %s", (token_id,)).fetchone()
        return found[0] if found else None

    def tokens(self):
        with self.pool.connection() as conn:
            return [r[0] for r in conn.execute("SELECT row FROM hub_tokens")]

    def add_token(self, row):
        with self.pool.connection() as conn:
            conn.execute("INSERT INTO hub_tokens (id, username, row) VALUES (%s, %s, %s)",
                         (row["id"], row["user"], Jsonb(row)))

    def revoke_tokens(self, username, token_id, at):
        with self.pool.connection() as conn:
            cur = conn.execute(
                "UPDATE hub_tokens SET row = row || jsonb_build_object('revoked', true, 'revoked_at', %s::text) "
                "WHERE username = %s AND NOT (row->>'revoked')::boolean AND (%s::text IS NULL OR id = %s::text)",
                (at, username, token_id, token_id))
            return cur.rowcount

    def secret(self, name, make):
        with self.pool.connection() as conn:
            conn.execute("INSERT INTO hub_secrets (name, value) VALUES (%s, %s) ON CONFLICT DO NOTHING", (name, make))
            return bytes(conn.execute("SELECT value FROM hub_secrets WHERE name = %s", (name,)).fetchone()[0])

    def shared_throttle(self) -> "PgSignInThrottle":
        """Per-client and unknown-name sign-in counts every hub worker shares (accounts.Throttle)."""
        return PgSignInThrottle(self.pool)


class PgSignInThrottle:
    """Wrong passwords per key (a client address, an unknown name) in hub_sign_in_throttle
    (migration 003), so every hub worker counts the same misses (accounts.Throttle)."""

    def __init__(self, pool: Pool) -> None:
        self.pool = pool

    def wait(self, keys: list[str]) -> float:
        if not keys:
            return 0.0
        with self.pool.connection() as conn:
            left = conn.execute("SELECT max(extract(epoch FROM not_before - now())) FROM hub_sign_in_throttle "
                                "WHERE key = ANY(%s)", (list(keys),)).fetchone()[0]
        return max(0.0, float(left or 0.0))

    def failed(self, keys: list[str], wait_for) -> None:
        """One more miss for each key; the next try waits wait_for(misses in a row) seconds.
        Keys untouched for a day are forgotten (the table stays small under made-up names)."""
        with self.pool.connection() as conn:
            for key in keys:
                failures = conn.execute(
                    "INSERT INTO hub_sign_in_throttle (key, failures, not_before) VALUES (%s, 1, now()) "
                    "ON CONFLICT (key) DO UPDATE SET failures = hub_sign_in_throttle.failures + 1, updated = now() "
                    "RETURNING failures", (key,)).fetchone()[0]
                conn.execute("UPDATE hub_sign_in_throttle SET not_before = now() + make_interval(secs => %s) "
                             "WHERE key = %s", (float(wait_for(int(failures))), key))
            conn.execute("DELETE FROM hub_sign_in_throttle WHERE updated < now() - interval '1 day' "
                         "AND not_before < now()")

    def succeeded(self, keys: list[str]) -> None:
        with self.pool.connection() as conn:
            conn.execute("DELETE FROM hub_sign_in_throttle WHERE key = ANY(%s)", (list(keys),))


class PgSettings(SettingsStore):
    """Named documents in `hub_settings` (migration 002); a change holds a per-name advisory
    lock for its transaction, so two processes never interleave their read-modify-write."""

    def __init__(self, pool: Pool) -> None:
        self.pool = pool

    def get(self, name):
        with self.pool.connection() as conn:
            found = conn.execute("SELECT value FROM hub_settings WHERE name = %s", (name,)).fetchone()
        return found[0] if found else None

    def change(self, name, edit):
        with self.pool.connection() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 11))", (name,))
            found = conn.execute("SELECT value FROM hub_settings WHERE name = %s", (name,)).fetchone()
            current = found[0] if found else None
            new = edit(orjson.loads(orjson.dumps(current)) if current is not None else None)
            if new is None:
                return current
            conn.execute("INSERT INTO hub_settings (name, value) VALUES (%s, %s) ON CONFLICT (name) "
                         "DO UPDATE SET value = EXCLUDED.value, updated = now()", (name, Jsonb(new)))
            return new

    def names(self):
        with self.pool.connection() as conn:
            return [r[0] for r in conn.execute("SELECT name FROM hub_settings ORDER BY name")]


class PgLeases(UploadLeases):
    def __init__(self, pool: Pool) -> None:
        self.pool = pool

    def claim(self, shas, seconds=300):
        if not shas:
            return True
        try:
            with self.pool.connection() as conn:
                conn.execute("DELETE FROM hub_upload_leases WHERE expires < now()")
                with conn.cursor() as cur:
                    cur.executemany("INSERT INTO hub_upload_leases (sha, expires) "
                                    "VALUES (%s, now() + make_interval(secs => %s))",
                                    [(s, seconds) for s in shas])
            return True
        except psycopg.errors.UniqueViolation:
            return False  # another request (in any hub process) is writing one of them

    def release(self, shas):
        if shas:
            with self.pool.connection() as conn:
                conn.execute("DELETE FROM hub_upload_leases WHERE sha = ANY(%s)", (list(shas),))
