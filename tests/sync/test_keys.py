"""The one sync key codec (inspect_app/sync/keys.py): what the tablet writes, the hub reads
back the same, including the clause-wide suggestion's item code "" (written as "-")."""

from __future__ import annotations

from inspect_app.hub.reports import snapshot
from inspect_app.sync import keys
from inspect_app.sync.merge import fold
from inspect_app.sync.protocol import Op, valid_key


def test_every_kind_round_trips():
    cases = [(keys.item_key("1.1.1", "C-1"), ("item", "1.1.1", "C-1")),
             (keys.advice_key("1.1.1", ""), ("advice", "1.1.1", "")),
             (keys.advice_key("1.1.1", "B-2"), ("advice", "1.1.1", "B-2")),
             (keys.note_key("2.3"), ("note", "2.3", "")),
             (keys.response_key("1.2", "A-1"), ("response", "1.2", "A-1"))]
    for key, (kind, clause, code) in cases:
        parsed = keys.parse(key)
        assert (parsed.kind, parsed.clause, parsed.code) == (kind, clause, code)
        assert valid_key(key)
    assert keys.parse(keys.report_key(3)).revision == 3
    sig = keys.signature_key(2, "leader", "王/芳")
    assert sig == "signature/2/leader/王／芳" and keys.parse(sig).revision == 2
    assert keys.parse("item/1.1.1") is None and keys.parse("item/1/2/3") is None and not valid_key("nope/1")


def test_the_hub_reads_a_clause_wide_suggestion_as_the_tablet_wrote_it():
    ops = [Op(device="d", seq=1, inspection_id="i1", key=keys.advice_key("1.1.1", ""), value="整体整改"),
           Op(device="d", seq=2, inspection_id="i1", key=keys.advice_key("1.1.1", "C-1"), value="补齐台账"),
           Op(device="d", seq=3, inspection_id="i1", key=keys.advice_key("1.1.2", "C-1"), value=None)]
    snap = snapshot("i1", fold(ops))
    assert snap.findings["1.1.1"].rectification == {"": "整体整改", "C-1": "补齐台账"}
    assert "1.1.2" not in snap.findings or not snap.findings["1.1.2"].rectification  # a removal is no suggestion
