"""The bureau table's stored row per center never shows a stale figure as current (issue 14):
the table reads each center's stored columns (LedgerStore.table_read; on PostgreSQL one row
per center in hub_center_scores and narrow columns of hub_inspections, migration 004) and
checks their key (reports._stored) against the center's inspections as they are now. A push
to the latest review, a submitted self-assessment, or a new round each makes the row stale:
it says pending (or is scored) and, once scored, shows what scoring the inspection now gives.
Both backends."""

from __future__ import annotations

import pytest

from inspect_app.hub import reports
from inspect_app.hub import self_assessment as sa
from inspect_app.hub.accounts import Role
from inspect_app.hub.store.base import TABLE_FIELDS
from tests.hub.ops import op
from tests.hub.tables import ITEMS, push, review_ops, stale_rows_pending, table, truth
from tests.sync.hubproc import PASSWORD


@pytest.fixture
def hub(local_hub):
    local_hub.accounts.add_user("clinic1", PASSWORD, Role.CLINIC, "青山镇卫生院", "c1")
    return local_hub


def test_a_push_that_changes_the_verdict_is_shown_after_scoring(hub, monkeypatch):
    push(hub, review_ops("dev1", "insp1", "c1", "met"))
    push(hub, review_ops("dev2", "insp2", "c2", "met"))
    first = table(hub)  # scored here and stored
    assert first["c1"]["verdict"] == truth(hub, "insp1") and "pending" not in first["c1"]
    assert stale_rows_pending(hub, monkeypatch) == first  # stored and current: read as it is

    # every item of c1 now not met: another verdict
    push(hub, [op("dev1", 100 + n, "insp1", f"item/{c}/{code}", {"result": "not_met"})
               | {"supersedes": [f"dev1:{10 + n}"]} for n, (c, code) in enumerate(ITEMS)])
    assert truth(hub, "insp1") != first["c1"]["verdict"]
    pending = stale_rows_pending(hub, monkeypatch)
    assert pending["c1"]["pending"] is True and pending["c1"]["verdict"] == first["c1"]["verdict"]
    assert pending["c2"] == first["c2"]

    assert reports.store_scores(hub.ledger, ["insp1"], hub.data_dir) == 1  # the scorer thread's step
    now = stale_rows_pending(hub, monkeypatch)
    assert "pending" not in now["c1"] and now["c1"]["verdict"] == truth(hub, "insp1")
    assert now["c1"]["below_c"] > first["c1"]["below_c"] and now["c2"] == first["c2"]
    assert reports.store_scores(hub.ledger, ["insp1", "insp2"], hub.data_dir) == 0  # both current


def test_a_submitted_self_assessment_makes_the_reviews_row_stale(hub, monkeypatch):
    push(hub, review_ops("dev1", "insp1", "c1", "met"))
    first = table(hub)["c1"]
    assert first["self_verdict"] == "" and first["consistency"] is None

    clinic = hub.accounts.login("clinic1", PASSWORD, "test")[1]
    own = sa.start(hub, clinic, "test-std", 2026)
    for clause, code in ITEMS:
        sa.rate(hub, clinic, own, clause, code, "met")
    sa.set_prerequisite(hub, clinic, own, "P1", True)
    assert stale_rows_pending(hub, monkeypatch)["c1"] == first  # not submitted yet: not shown
    sa.submit(hub, clinic, own, "赵院长", typed="赵院长")

    pending = stale_rows_pending(hub, monkeypatch)["c1"]
    assert pending["pending"] is True and pending["self_verdict"] == ""
    reports.store_scores(hub.ledger, [own], hub.data_dir)  # a push to it queues its center
    now = stale_rows_pending(hub, monkeypatch)["c1"]
    assert "pending" not in now and now["self_verdict"] and now["self_inspection_id"] == own
    assert now["consistency"] == 1.0  # rated alike, item by item


def test_a_new_round_and_a_change_to_the_previous_one_are_both_seen(hub, monkeypatch):
    push(hub, review_ops("dev1", "r2025", "c1", "not_met", round_id="2025"))
    assert table(hub)["c1"]["inspection_id"] == "r2025"
    push(hub, review_ops("dev2", "r2026", "c1", "met", round_id="2026"))

    pending = stale_rows_pending(hub, monkeypatch)["c1"]
    # the new round has nothing stored yet: pending, and no figure of the old round shown as its own
    assert pending["inspection_id"] == "r2026" and pending["pending"] is True and pending["verdict"] == ""
    reports.store_scores(hub.ledger, ["r2026"], hub.data_dir)
    now = stale_rows_pending(hub, monkeypatch)["c1"]
    assert "pending" not in now and now["verdict"] == truth(hub, "r2026") and now["change"]

    # the previous round changes (its key is part of the row's): stale again, scored anew
    push(hub, [op("dev2", 500, "r2026", "note/1.1.1", "复核")])  # keeps r2026 the latest
    reports.store_scores(hub.ledger, ["r2026"], hub.data_dir)
    stored = stale_rows_pending(hub, monkeypatch)["c1"]
    assert "pending" not in stored
    push(hub, [op("dev1", 500, "r2025", "note/1.1.1", "补记")])  # r2025 is now the latest by hub_seq
    after = stale_rows_pending(hub, monkeypatch)["c1"]
    assert after["inspection_id"] == "r2025" and after.get("pending") is True
    reports.store_scores(hub.ledger, ["r2025"], hub.data_dir)
    final = stale_rows_pending(hub, monkeypatch)["c1"]
    assert "pending" not in final and final["verdict"] == truth(hub, "r2025")


def test_the_table_reads_narrow_fields_and_one_stored_row_per_center(hub, hub_backend):
    push(hub, review_ops("dev1", "a1", "c1", "met"))
    push(hub, review_ops("dev2", "a2", "c1", "met"))  # two inspections of one center
    push(hub, review_ops("dev3", "b1", "c2", "not_met"))
    table(hub)
    rows, centers, scores = hub.ledger.store.table_read()
    assert {r["id"] for r in rows} == {"a1", "a2", "b1"} and set(centers) == {"c1", "c2"}
    assert all(set(TABLE_FIELDS) <= set(r) for r in rows)
    assert hub.ledger.store.scores_of_center("c1").keys() == {"a2"} <= scores.keys()
    if hub_backend.shared:  # no row documents on the table's read, one stored row per center
        assert all(set(r) == set(TABLE_FIELDS) for r in rows) and set(scores) == {"a2", "b1"}
        assert all("score" not in r for r in hub.ledger.store.rows())


def test_an_inspection_moved_to_another_center_is_scored_there(hub, monkeypatch):
    push(hub, review_ops("dev1", "m1", "c1", "met"))
    table(hub)
    push(hub, [op("dev1", 200, "m1", "inspection.center_id", "c9") | {"supersedes": ["dev1:1"]}])
    reports.store_scores(hub.ledger, ["m1"], hub.data_dir)
    rows = stale_rows_pending(hub, monkeypatch)
    assert rows["c9"]["inspection_id"] == "m1" and "pending" not in rows["c9"]
    assert rows["c9"]["verdict"] == truth(hub, "m1")
    assert list(hub.ledger.store.scores_of_center("c9")) == ["m1"]
