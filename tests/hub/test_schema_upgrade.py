"""Migration 004 on a database that already holds stored scores (issue 14).

Before 004, the PostgreSQL store kept each inspection's stored table row inside its
`hub_inspections.row` (`put_score` was one `jsonb_set(row, '{score}', …)`). 004 moves the
score of each center's latest county review into `hub_center_scores` and strips `score`
from every row. This test builds a database at schema 003 holding real ops, rows and the
scores the table made, writes the scores the way the 003 code wrote them, then opens it
with today's code (which applies 004), and checks the bureau's table reads the same rows
as a hub that was never upgraded, without scoring anything again. PostgreSQL only: the
folder never had this schema."""

from __future__ import annotations

import os
import random
from importlib import resources

from psycopg.types.json import Jsonb

from inspect_app.hub import self_assessment as sa
from inspect_app.hub.accounts import Role
from inspect_app.hub.service import Hub
from inspect_app.hub.store import open_store
from inspect_app.hub.store.postgres import Pool
from tests.hub.ops import op
from tests.hub.tables import ITEMS, push, review_ops, stale_rows_pending, table, truth
from tests.sync.hubproc import PASSWORD
from tests.store.helpers import write_standard

MIGRATIONS = resources.files("inspect_app.hub.store").joinpath("migrations")
COPIED = {  # what the table reads, table by table, in an order the foreign keys would accept
    "hub_counters": "name, value",
    "hub_centers": "id, value",
    "hub_ops": "hub_seq, inspection_id, op_id, device, body",
    "hub_inspections": "id, max_seq, row",
}


def _database(pg) -> str:
    return pg.create_database(f"up{os.getpid()}x{random.randrange(10**6)}")


def _at_schema_003(url: str) -> Pool:
    """A database with migrations 001–003 applied, recorded as the store records them."""
    pool = Pool(url, size=1)
    with pool.connection() as conn:
        conn.execute("CREATE TABLE hub_schema (version text PRIMARY KEY, sha256 text NOT NULL, "
                     "applied timestamptz NOT NULL DEFAULT now())")
        for f in sorted(MIGRATIONS.iterdir(), key=lambda f: f.name):
            version = f.name.split("_", 1)[0]
            if f.name.endswith(".sql") and version <= "003":
                conn.execute(f.read_text(encoding="utf-8"))
                conn.execute("INSERT INTO hub_schema (version, sha256) VALUES (%s, 'test')", (version,))
    return pool


def _scores(pool: Pool) -> dict[str, tuple[str, int, dict]]:
    with pool.connection() as conn:
        return {c: (i, s, score) for c, i, s, score in conn.execute(
            "SELECT center_id, inspection_id, at_seq, score FROM hub_center_scores")}


def _put_score_003(pool: Pool, inspection_id: str, at_seq: int, score: dict) -> None:
    """PgLedger.put_score as it was before migration 004 (commit ec742bb^)."""
    with pool.connection() as conn:
        conn.execute("UPDATE hub_inspections SET row = jsonb_set(row, '{score}', %s) "
                     "WHERE id = %s AND max_seq = %s", (Jsonb(score), inspection_id, at_seq))


def test_migration_004_moves_each_centers_latest_score_and_the_table_reads_it_unchanged(
        tmp_path, shared_engines, monkeypatch):
    pg, _ = shared_engines
    data = tmp_path / "hub"
    write_standard(data / "standards")

    # A hub on today's schema makes the real ops, rows and scores.
    now_url = _database(pg)
    store = open_store(data, now_url, "", pool_size=2)
    hub = Hub(data, store)
    hub.accounts.add_user("clinic1", PASSWORD, Role.CLINIC, "青山镇卫生院", "c1")
    push(hub, review_ops("dev1", "old1", "c1", "not_met"))
    table(hub)
    older = _scores(store.ledger.pool)["c1"]  # c1's score while old1 was its latest review
    assert older[0] == "old1"
    push(hub, review_ops("dev2", "new1", "c1", "met"))  # c1's latest review from now on
    push(hub, review_ops("dev3", "r2", "c2", "not_met"))
    clinic = hub.accounts.login("clinic1", PASSWORD, "test")[1]
    own = sa.start(hub, clinic, "test-std", 2026)
    for clause, code in ITEMS:
        sa.rate(hub, clinic, own, clause, code, "met")
    sa.set_prerequisite(hub, clinic, own, "P1", True)
    sa.submit(hub, clinic, own, "赵院长", typed="赵院长")
    expected = table(hub)
    scores = _scores(store.ledger.pool)
    assert {c: v[0] for c, v in scores.items()} == {"c1": "new1", "c2": "r2"}
    assert expected["c1"]["self_inspection_id"] == own and "pending" not in expected["c1"]

    # The same records in a database at schema 003, with the scores where 003 kept them:
    # in each scored inspection's row, the older review's too, and a stray one in the
    # self-assessment's row (004 must take neither as its center's).
    old_url = _database(pg)
    old = _at_schema_003(old_url)
    with store.ledger.pool.connection() as src, old.connection() as dst:
        dst.execute("DELETE FROM hub_counters")
        for name, columns in COPIED.items():
            rows = src.execute(f"SELECT {columns} FROM {name}").fetchall()
            marks = ", ".join(["%s"] * len(columns.split(",")))
            with dst.cursor() as cur:
                cur.executemany(f"INSERT INTO {name} ({columns}) VALUES ({marks})",
                                [tuple(Jsonb(v) if isinstance(v, (dict, list)) else v for v in r) for r in rows])
    _put_score_003(old, "old1", older[1], older[2])
    for inspection_id, at_seq, score in scores.values():
        _put_score_003(old, inspection_id, at_seq, score)
    with old.connection() as conn:
        own_seq = conn.execute("SELECT max_seq FROM hub_inspections WHERE id = %s", (own,)).fetchone()[0]
        in_rows = conn.execute("SELECT count(*) FROM hub_inspections WHERE row ? 'score'").fetchone()[0]
    _put_score_003(old, own, own_seq, older[2])
    assert in_rows == 3
    old.close()
    store.close()

    # Today's code opens it: 004 is applied once, the scores move, the rows lose them.
    upgraded = open_store(data, old_url, "", pool_size=2)
    try:
        pool = upgraded.ledger.pool
        with pool.connection() as conn:
            versions = [r[0] for r in conn.execute("SELECT version FROM hub_schema ORDER BY version")]
            left = conn.execute("SELECT count(*) FROM hub_inspections WHERE row ? 'score'").fetchone()[0]
        assert versions[-1] == "004" and versions.count("004") == 1
        assert left == 0
        assert _scores(pool) == scores  # each center's latest review's, as stored, nothing else
        # the bureau's table reads them as current: same rows, nothing scored in the request
        assert stale_rows_pending(Hub(data, upgraded), monkeypatch) == expected
        # and the upgraded store goes on working: a push makes c2's row stale, scoring fixes it
        after = Hub(data, upgraded)
        push(after, [op("dev3", 100 + n, "r2", f"item/{clause}/{code}", {"result": "met"})
                     | {"supersedes": [f"dev3:{10 + n}"]} for n, (clause, code) in enumerate(ITEMS)])
        assert stale_rows_pending(after, monkeypatch)["c2"].get("pending") is True
        now = table(after)["c2"]
        assert now["verdict"] == truth(after, "r2") != expected["c2"]["verdict"] and "pending" not in now
    finally:
        upgraded.close()
