"""The bureau's table in process, for the stored-score tests (test_center_rows, test_stored_scores,
test_migrate, test_schema_upgrade): reviews built by hand, pushed as the ledger takes an import,
the table by center, the verdict scoring gives now, and the table read with scoring refused."""

from __future__ import annotations

from inspect_app.hub import reports
from inspect_app.sync.protocol import Op
from tests.hub.ops import op
from tests.store.helpers import make_standard, rated_items

ITEMS = rated_items(make_standard())


def review_ops(device: str, iid: str, center: str, result: str = "met", round_id: str = "") -> list[dict]:
    """A county review of `center` with every item rated `result` and the prerequisite met."""
    ops = [op(device, 1, iid, "inspection.center_id", center),
           op(device, 2, iid, "inspection.standard_id", "test-std"),
           op(device, 3, iid, "inspection.team", [{"name": "王芳", "role": "leader"}]),
           op(device, 4, iid, "center", {"id": center, "name": f"机构 {center}", "county": "青山县"}),
           op(device, 5, iid, "inspection.prerequisites", {"P1": True})]
    if round_id:
        ops.append(op(device, 6, iid, "inspection.round_id", round_id))
    ops += [op(device, 10 + n, iid, f"item/{clause}/{code}", {"result": result})
            for n, (clause, code) in enumerate(ITEMS)]
    return ops


def push(hub, ops) -> None:
    result = hub.ledger.push(None, [Op.model_validate(o) for o in ops], trusted=True)
    assert not result.rejected, result.rejected


def table(hub) -> dict[str, dict]:
    return {r["center_id"]: r for r in reports.centers_table(hub.ledger, hub.data_dir)}


def truth(hub, iid: str) -> str:
    """The verdict scoring the inspection as it is now gives (the report's, never stored)."""
    entry = hub.ledger.entry(iid)
    return reports.report_view(hub.ledger, iid, entry.revision, hub.data_dir)["verdict"]["label"]


def refuse_scoring(monkeypatch) -> None:
    """Any scoring from here on fails the test (the table must only read stored scores)."""
    def refuse(*_a, **_k):
        raise AssertionError("the table scored an inspection")

    monkeypatch.setattr(reports, "score_snapshot", refuse)


def stale_rows_pending(hub, monkeypatch) -> dict[str, dict]:
    """The table as hundreds of stale centers would see it: reads only, never scores."""
    with monkeypatch.context() as m:
        m.setattr(reports, "INLINE_SCORING", 0)
        refuse_scoring(m)
        return table(hub)
