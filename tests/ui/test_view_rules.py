"""Pure rules behind the screens: evidence needs from the evaluation method, overview rows."""

from __future__ import annotations

from inspect_app.evidence_rules import Need, clause_gaps, expected, method_kinds, missing_for_item
from inspect_app.inspection import EvidenceRecord, EvidenceTarget, Finding, ItemRating, ItemResult, TeamMember, TeamRole
from inspect_app.scoring import score_clauses
from inspect_app.standard.model import Item, ItemLevel, MethodKind
from inspect_app.ui_state import (
    Filter, append_phrase, clause_from_slug, clause_rows, clause_slug, filter_rows, page_of, signers, split_team,
)
from tests.ui.synthetic import synthetic_standard


def _item(method="", kinds=()):
    return Item(code="C-1", level=ItemLevel.C, requirement="r", method=method, method_kinds=kinds)


def test_method_asks_for_photo_document_photo_and_interview_note():
    assert expected(_item(kinds=(MethodKind.ONSITE,))) == (Need.PHOTO,)
    assert expected(_item(kinds=(MethodKind.DOCUMENTS,))) == (Need.DOCUMENT_PHOTO,)
    assert expected(_item(kinds=(MethodKind.INTERVIEW,))) == (Need.INTERVIEW_NOTE,)
    assert method_kinds(_item("查阅资料，访谈医务人员")) == (MethodKind.DOCUMENTS, MethodKind.INTERVIEW)


def test_missing_only_once_rated_and_a_photo_or_note_satisfies():
    onsite = _item(kinds=(MethodKind.ONSITE,))
    assert missing_for_item(onsite, None, 0) == ()
    assert missing_for_item(onsite, ItemRating(result=ItemResult.MET), 0) == (Need.PHOTO,)
    assert missing_for_item(onsite, ItemRating(result=ItemResult.MET), 1) == ()
    assert missing_for_item(onsite, ItemRating(result=ItemResult.NA, na_reason="x"), 0) == ()
    talk = _item(kinds=(MethodKind.INTERVIEW,))
    assert missing_for_item(talk, ItemRating(result=ItemResult.MET, note="访谈院长"), 0) == ()


def test_not_met_needs_a_note_or_photo():
    plain = _item()
    assert missing_for_item(plain, ItemRating(result=ItemResult.NOT_MET), 0) == (Need.NOT_MET_SUPPORT,)
    assert missing_for_item(plain, ItemRating(result=ItemResult.NOT_MET, note="未见制度"), 0) == ()
    assert missing_for_item(plain, ItemRating(result=ItemResult.NOT_MET), 1) == ()


def test_clause_gaps_count_item_photos():
    std = synthetic_standard(8)
    clause = std.clauses()[0]
    finding = Finding(inspection_id="i", clause_number=clause.number,
                      items={i.code: ItemRating(result=ItemResult.MET) for i in clause.items})
    photo = EvidenceRecord(id="e", inspection_id="i", sha256="0" * 64,
                           target=EvidenceTarget(clause_number=clause.number, item_code=clause.items[0].code))
    gaps = clause_gaps(clause, finding, {(clause.number, clause.items[0].code): 1})
    assert clause.items[0].code not in {g.item_code for g in gaps}
    assert photo.target.item_code == clause.items[0].code


def test_overview_filters_search_and_paging():
    std = synthetic_standard(250)
    scores = score_clauses(std, {})
    rows = clause_rows(std, scores, {}, {"1": "王珺"})
    assert len(rows) == 250
    assert len(filter_rows(rows, Filter.RECOMMENDED)) == sum(c.is_recommended for c in std.clauses())
    assert {r.chapter for r in filter_rows(rows, Filter.MINE, me="王珺")} == {"1"}
    assert filter_rows(rows, Filter.MINE, me="") == []
    assert [r.number for r in filter_rows(rows, query="2.1.3")] == ["2.1.3"]
    first, more = page_of(rows, 0)
    assert len(first) == 30 and more


def test_small_helpers():
    assert clause_from_slug(clause_slug("2.2.3.1")) == "2.2.3.1" and "." not in clause_slug("2.2.3.1")
    assert split_team("张三，李四、王五, 张三") == ["张三", "李四", "王五"]
    assert append_phrase("记录不完整", "现场未见") == "记录不完整；现场未见"
    assert append_phrase("现场未见", "现场未见") == "现场未见"
    # The stored roles decide, not the order: the leader signs first, then the experts, then the director.
    team = [TeamMember(name="王珺"), TeamMember(name="李堃", role=TeamRole.LEADER), TeamMember(name="张喆")]
    assert signers(team, "赵彧") == [("李堃", TeamRole.LEADER), ("王珺", TeamRole.EXPERT),
                                    ("张喆", TeamRole.EXPERT), ("赵彧", TeamRole.DIRECTOR)]
