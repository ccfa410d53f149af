"""The bureau's table reads stored scores (issue 14): after a push the hub scores the centers it
touched (reports.store_scores, run by each process's ScoreQueue), and the table then scores
nothing; a push to one center re-scores that center only. Both backends."""

from __future__ import annotations

import pytest

from inspect_app.hub import reports
from tests.hub.ops import inspection_ops, op
from tests.hub.tables import push, refuse_scoring


@pytest.fixture
def scored_hub(local_hub):
    for n in (1, 2, 3):
        push(local_hub, inspection_ops(f"dev{n}", f"insp{n}", f"c{n}", [f"专家{n}"], "ab" * 32)[:7])  # not signed yet
    return local_hub


def test_the_table_only_reads_what_pushes_scored(scored_hub, monkeypatch):
    hub = scored_hub
    fresh = reports.centers_table(hub.ledger, hub.data_dir)  # scores all three (nothing stored yet)
    assert [r["center_id"] for r in fresh] == ["c1", "c2", "c3"] and all(r["verdict"] for r in fresh)
    assert reports.store_scores(hub.ledger, ["insp1", "insp2", "insp3"], hub.data_dir) == 0  # all current

    # a push to c1 makes its stored score stale; scoring after the push does c1 only
    more = [op("dev1", 8, "insp1", "item/1.1.2/C-1", {"result": "not_met"})]
    push(hub, more)
    with monkeypatch.context() as m:
        refuse_scoring(m)
        with pytest.raises(AssertionError, match="scored"):
            reports.centers_table(hub.ledger, hub.data_dir)  # stale: the table would have to score it
    queue = reports.ScoreQueue(hub.ledger, hub.data_dir)
    with queue._wake:
        queue._pending.update({"insp1"})  # what the push route adds (its daemon thread drains)
    assert queue.drain() == 1

    refuse_scoring(monkeypatch)
    after = reports.centers_table(hub.ledger, hub.data_dir)  # reads only
    before = {r["center_id"]: r for r in fresh}
    now = {r["center_id"]: r for r in after}
    assert now["c2"] == before["c2"] and now["c3"] == before["c3"]
    assert now["c1"]["below_c"] >= before["c1"]["below_c"] and now["c1"] != before["c1"]


def test_a_center_is_scored_from_its_own_inspections_only(scored_hub):
    hub = scored_hub
    rows = hub.ledger.store.rows_of_center("c2")
    assert [r["id"] for r in rows] == ["insp2"]
    assert hub.ledger.store.rows_of_center("nowhere") == []


def test_many_stale_centers_are_shown_pending_and_queued_not_scored_in_the_request(scored_hub, monkeypatch):
    hub = scored_hub
    before = {r["center_id"]: r for r in reports.centers_table(hub.ledger, hub.data_dir)}
    more = [op("dev1", 8, "insp1", "item/1.1.2/C-1", {"result": "not_met"})]
    push(hub, more)
    monkeypatch.setattr(reports, "INLINE_SCORING", 0)  # as if hundreds of centers were stale at once
    with monkeypatch.context() as m:
        refuse_scoring(m)
        rows = {r["center_id"]: r for r in reports.centers_table(hub.ledger, hub.data_dir)}
    assert rows["c1"]["pending"] is True and rows["c1"]["verdict"] == before["c1"]["verdict"]  # last stored
    assert "pending" not in rows["c2"] and rows["c2"] == before["c2"]
    reports.store_scores(hub.ledger, ["insp1"], hub.data_dir)  # what the scorer thread does
    refuse_scoring(monkeypatch)
    now = {r["center_id"]: r for r in reports.centers_table(hub.ledger, hub.data_dir)}
    assert "pending" not in now["c1"] and now["c1"] != before["c1"]


def test_while_the_scorer_has_other_work_the_table_scores_nothing(scored_hub, monkeypatch):
    """Tablets syncing (issue 14): the process's scorer holds other centers' pushes, so a table
    request neither scores nor waits; the stale row says pending and is queued."""
    hub = scored_hub
    before = {r["center_id"]: r for r in reports.centers_table(hub.ledger, hub.data_dir)}
    more = [op("dev1", 8, "insp1", "item/1.1.2/C-1", {"result": "not_met"})]
    push(hub, more)
    queue = reports.ScoreQueue.of(hub.ledger, hub.data_dir)
    queue._thread = object()  # no daemon thread: this test drains by hand
    with queue._wake:
        queue._pending.add("insp-of-another-center")
    with monkeypatch.context() as m:
        refuse_scoring(m)
        m.setattr(queue, "wait_for", lambda *_a: (_ for _ in ()).throw(AssertionError("the table waited")))
        rows = {r["center_id"]: r for r in reports.centers_table(hub.ledger, hub.data_dir)}
    assert rows["c1"]["pending"] is True and rows["c1"]["verdict"] == before["c1"]["verdict"]
    assert "pending" not in rows["c2"] and "insp1" in queue._pending
    assert queue.drain() == 1  # insp1's center (the other id names no inspection)
    now = {r["center_id"]: r for r in reports.centers_table(hub.ledger, hub.data_dir)}
    assert "pending" not in now["c1"] and now["c1"] != before["c1"]
