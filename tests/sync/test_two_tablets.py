"""Two tablets, a real hub on 127.0.0.1: offline edits, merge, a conflict and its resolution."""

from __future__ import annotations

import httpx

from inspect_app import services
from tests.sync.scenario import two_tablets


def test_offline_edits_merge_and_conflict_is_resolved_by_a_person(tmp_path, hub, standards):
    a, b, iid = two_tablets(tmp_path, hub, standards)
    assert b.rating(iid, "1.1.1", "C-1") == "met"

    # offline: different clauses, and the same item rated differently
    services.rate_item(a.ws, iid, "1.1.2", "C-1", "met")
    services.rate_item(b.ws, iid, "1.2.1", "C-1", "not_met", actor="李明")
    services.rate_item(a.ws, iid, "1.1.3", "C-1", "met")
    services.rate_item(b.ws, iid, "1.1.3", "C-1", "not_met", actor="李明")
    a.sync()
    b.sync()
    a.sync()

    for t in (a, b):
        assert t.rating(iid, "1.1.2", "C-1") == "met"
        assert t.rating(iid, "1.2.1", "C-1") == "not_met"
        [conflict] = t.engine.conflicts(iid)
        assert conflict.key == "item/1.1.3/C-1"
        assert sorted(c.value["result"] for c in conflict.candidates) == ["met", "not_met"]
    # each tablet keeps its own value until a person decides: nothing was dropped
    assert a.rating(iid, "1.1.3", "C-1") == "met"
    assert b.rating(iid, "1.1.3", "C-1") == "not_met"
    token = hub.token("bureau")
    state = httpx.get(f"{hub.url}/api/inspections/{iid}/state", headers={"Authorization": f"Bearer {token}"}).json()
    assert [c["key"] for c in state["conflicts"]] == ["item/1.1.3/C-1"]

    chosen = next(c for c in b.engine.conflicts(iid)[0].candidates if c.value["result"] == "met")
    b.engine.resolve(iid, "item/1.1.3/C-1", chosen.value, author="李明")
    b.sync()
    a.sync()
    for t in (a, b):
        assert t.engine.conflicts(iid) == []
        assert t.rating(iid, "1.1.3", "C-1") == "met"
    state = httpx.get(f"{hub.url}/api/inspections/{iid}/state", headers={"Authorization": f"Bearer {token}"}).json()
    assert state["conflicts"] == []
    a.close()
    b.close()
