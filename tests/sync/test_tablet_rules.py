"""Sync on the tablet goes through the services' rules: a conflict a person resolves is an
edit like any other (draft only, N/A needs a reason, an audit entry), a pulled change leaves
an audit entry, and a signed or locked revision is never written by a merge."""

from __future__ import annotations

import pytest

from inspect_app import services
from inspect_app.errors import UserError
from inspect_app.sync.bundle import export_bundle, import_bundle
from tests.sync.hubproc import Tablet
from tests.sync.scenario import start
from tests.sync.test_travel import sign_off


def _audit(t: Tablet, iid: str) -> list[dict]:
    with t.ws.store.read(iid) as tx:
        return [dict(d) for d in tx.table("audit").all()]


def _pair(tmp_path, standards):
    a, b = Tablet(tmp_path / "a", standards), Tablet(tmp_path / "b", standards)
    iid = start(a)
    services.rate_item(a.ws, iid, "1.1.1", "C-1", "met")
    assert import_bundle(b.engine, export_bundle(a.engine, tmp_path / "a0.zip")) > 0
    return a, b, iid


def test_a_pulled_change_leaves_an_audit_entry(tmp_path, standards):
    a, b, iid = _pair(tmp_path, standards)
    merged = [d for d in _audit(b, iid) if d["action"] == "sync_merge"]
    assert merged and "item/1.1.1/C-1" in merged[-1]["key"] and merged[-1]["actor"] == "sync"
    a.close()
    b.close()


def test_a_resolved_conflict_follows_the_rules_and_is_audited(tmp_path, standards):
    a, b, iid = _pair(tmp_path, standards)
    services.rate_item(a.ws, iid, "1.1.2", "C-1", "met")  # both offline, the same item, two answers
    services.rate_item(b.ws, iid, "1.1.2", "C-1", "not_met", actor="李明")
    import_bundle(a.engine, export_bundle(b.engine, tmp_path / "b1.zip"))
    [conflict] = a.engine.conflicts(iid)
    before = len(a.engine.ops(iid))
    with pytest.raises(UserError) as refused:  # N/A with no reason: the services say no
        a.engine.resolve(iid, conflict.key, {"result": "na", "na_reason": ""}, author="王芳")
    assert "原因" in refused.value.zh and len(a.engine.ops(iid)) == before and a.engine.conflicts(iid)
    op = a.engine.resolve(iid, conflict.key, {"result": "na", "na_reason": "本院无此科室"}, author="王芳")
    assert op.value["result"] == "na" and op.value["rated_by"] == "王芳" and op.value["na_reason"] == "本院无此科室"
    assert sorted(op.supersedes) == sorted(c.id for c in conflict.candidates)
    assert a.engine.conflicts(iid) == [] and a.rating(iid, "1.1.2", "C-1") == "na"
    last = [d for d in _audit(a, iid) if d["action"] == "rate_item"][-1]
    assert (last["actor"], last["key"], last["new"], last["reason"]) == ("王芳", "1.1.2/C-1", "na", "本院无此科室")
    a.engine.capture()  # the audit entry travels as its own op; the rating is not sent twice
    assert [o.key for o in a.engine.ops(iid)].count(conflict.key) == 3  # two candidates + the choice
    assert any(o.key == f"audit/{last['id']}" for o in a.engine.ops(iid))
    a.close()
    b.close()


def test_a_signed_revision_is_never_written_by_a_merge(tmp_path, standards):
    a, b, iid = _pair(tmp_path, standards)
    sign_off(b, iid)  # B signs and locks revision 1 on its own
    locked = services.snapshot(b.ws, iid)
    # A, still in draft, changes a rating of revision 1 and sends it by bundle
    services.rate_item(a.ws, iid, "1.1.1", "C-1", "not_met")
    import_bundle(b.engine, export_bundle(a.engine, tmp_path / "a1.zip"))
    after = services.snapshot(b.ws, iid)
    assert after.findings["1.1.1"].items["C-1"] == locked.findings["1.1.1"].items["C-1"]
    assert after.inspection.status == locked.inspection.status
    b.engine.capture()  # and B does not send its old value back as a new change of revision 1
    assert not [o for o in b.engine.ops(iid) if o.device == b.engine.device and o.key == "item/1.1.1/C-1"]
    a.close()
    b.close()
