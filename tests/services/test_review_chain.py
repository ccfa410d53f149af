"""The review chain's use cases on a tablet's real store: stages of a round, a recorded sample,
the self-assessment (as sync writes it) shown blind, the reason for a disagreement, and the
consistency figures."""

from __future__ import annotations

import pytest

from inspect_app import review_chain, services
from inspect_app.errors import UserError
from inspect_app.inspection import ItemResult, Stage, TeamMember, TeamRole
from inspect_app.rounds import SampleRule, draw_sample, round_id
from inspect_app.scoring import ClauseLevel
from inspect_app.sync.local import LocalSide
from tests.store.helpers import make_standard, rated_items

STD = make_standard()
TEAM = [TeamMember(name="王芳", role=TeamRole.LEADER)]


def put_self_assessment(ws, center_id: str, year: int = 2026, *, not_met=("1.1.1/C-1",), signed=True) -> str:
    """A center's self-assessment as sync writes it into the store (LocalSide.apply): all met
    except `not_met`, with a note and a photo record on 1.1.2 C-1."""
    iid = "self-" + round_id(center_id, STD.id, year)
    values = {f"inspection.{k}": v for k, v in {
        "center_id": center_id, "standard_id": STD.id, "standard_version": services.standard_version(STD),
        "stage": "self", "round_id": round_id(center_id, STD.id, year), "revision": 1,
        "status": "signed" if signed else "draft", "team": [{"name": "院长", "role": "leader"}]}.items()}
    for clause, code in rated_items(STD):
        result = "not_met" if f"{clause}/{code}" in not_met else "met"
        values[f"item/{clause}/{code}"] = {"result": result, "note": "自查台账齐全" if clause == "1.1.2" else ""}
    values["evidence/ev1"] = {"id": "ev1", "inspection_id": iid, "sha256": "a" * 64,
                              "target": {"clause_number": "1.1.2", "item_code": "C-1"}}
    local = LocalSide(ws.data_dir, store=ws.store, photos=ws.photos, standards_dir=ws.standards_dir)
    local.apply(iid, values)
    return iid


def test_a_stage_names_its_round_and_a_recheck_records_its_sample(ws):
    center = services.add_center(ws, "青山镇卫生院", actor="王芳")
    county = review_chain.start_stage(ws, center.id, "test-std", TEAM, "王芳", year=2026)
    assert county.stage is Stage.COUNTY and county.round_id == round_id(center.id, "test-std", 2026)
    assert county.sample == []
    rule = SampleRule(seed=42, share=0.3)
    city = review_chain.start_stage(ws, center.id, "test-std", TEAM, "王芳", stage="city", year=2026, sample=rule)
    stored = services.get_inspection(ws, city.id)
    assert stored.sample == draw_sample(STD, rule) and stored.sample_rule == rule.text()
    assert SampleRule.parse(stored.sample_rule) == rule  # anyone can draw it again and compare
    assert [i.id for i in review_chain.layers_of_round(ws, county.round_id)] == [county.id, city.id]
    [start] = [a for a in services.audit_log(ws, city.id) if a.action == "start_inspection"]
    assert start.new["sample"] == stored.sample and start.new["stage"] == "city"
    with pytest.raises(UserError):
        review_chain.start_stage(ws, center.id, "test-std", TEAM, "王芳", stage="self")
    # submitting a sampled re-check needs only its sampled clauses rated
    for clause, code in rated_items(STD):
        if clause in stored.sample:
            services.rate_item(ws, city.id, clause, code, "met")
    services.set_prerequisite(ws, city.id, "P1", True)
    assert services.submit(ws, city.id).status.value == "submitted"


def test_self_assessment_is_blind_until_rated_and_read_only(ws):
    center = services.add_center(ws, "青山镇卫生院", actor="王芳")
    self_id = put_self_assessment(ws, center.id)
    assert self_id not in [i.id for i in services.list_inspections(ws)]  # not on the home list
    with pytest.raises(UserError) as err:
        services.rate_item(ws, self_id, "1.1.1", "C-1", "met")
    assert "机构自评" in err.value.zh
    county = review_chain.start_stage(ws, center.id, "test-std", TEAM, "王芳", year=2026)
    before = review_chain.self_clause(ws, county.id, "1.1.2")
    assert before is not None and not any(i.visible for i in before.items.values())
    services.rate_item(ws, county.id, "1.1.2", "C-1", "not_met")
    after = review_chain.self_clause(ws, county.id, "1.1.2")
    shown = after.items["C-1"]
    assert shown.visible and shown.result.value == "met" and shown.note == "自查台账齐全"
    assert [p.id for p in shown.photos] == ["ev1"]
    assert not after.items["C-2"].visible  # still blind for the items not rated yet
    for code in ("C-2", "B-1", "A-1"):
        services.rate_item(ws, county.id, "1.1.2", code, "met")
    full = review_chain.self_clause(ws, county.id, "1.1.2")
    assert full.level_visible and full.self_level is ClauseLevel.A and full.own_level is ClauseLevel.D
    assert full.asks_reason and full.reason == ""
    review_chain.set_disagreement_reason(ws, county.id, "1.1.2", "消毒记录缺三月")
    assert review_chain.self_clause(ws, county.id, "1.1.2").reason == "消毒记录缺三月"
    # a round that shows the self-ratings from the start
    open_round = review_chain.start_stage(ws, center.id, "test-std", TEAM, "王芳", year=2026, show_self_ratings=True)
    assert all(i.visible for i in review_chain.self_clause(ws, open_round.id, "1.1.2").items.values())


def test_consistency_with_the_self_assessment_counts_only_the_sample(ws):
    center = services.add_center(ws, "青山镇卫生院", actor="王芳")
    put_self_assessment(ws, center.id, not_met=())
    rule = SampleRule(seed=7, share=0.3)
    city = review_chain.start_stage(ws, center.id, "test-std", TEAM, "王芳", stage="city", year=2026, sample=rule)
    sample = services.get_inspection(ws, city.id).sample
    for clause, code in rated_items(STD):
        if clause in sample:
            services.rate_item(ws, city.id, clause, code, "not_met" if (clause, code) == (sample[0], "A-1") else "met")
    c = review_chain.consistency_with_self(ws, city.id)
    assert list(c.scope) == sample and c.sampled
    hand_rated = sum(1 for cl, _ in rated_items(STD) if cl in sample)
    assert c.overall.items_compared == hand_rated and c.overall.items_agreeing == hand_rated - 1
    assert [d.text() for d in c.disagreements] == [f"{sample[0]} 自评 A / 市复核 B"]
    assert c.unexplained()


def test_a_sampled_recheck_counts_only_its_clauses_on_every_screen_and_in_the_report(ws):
    """Overview counts, chapter tiles, progress, the clause screen and the report of a re-check
    on a sample count its recorded clauses only; rating every sampled item reaches 100 %."""
    from inspect_app import read_models
    from inspect_app.report.content import ReportContent
    from inspect_app.report.source import report_input

    center = services.add_center(ws, "青山镇卫生院", actor="王芳")
    city = review_chain.start_stage(ws, center.id, "test-std", TEAM, "王芳", stage="city", year=2026,
                                    sample=SampleRule(seed=7, share=0.3))
    sample = services.get_inspection(ws, city.id).sample
    chosen = [c for c in STD.clauses() if c.number in sample]
    assert 0 < len(chosen) < len(STD.clauses())
    items = sum(len(c.items) for c in chosen)
    view = read_models.inspection_view(ws, city.id)
    assert (view.score.rated_items, view.score.total_items) == (0, items)
    assert view.score.basic.total + view.score.recommended.total == len(sample)
    assert [ch.number for ch in view.score.chapters] == sorted({c.number.split(".")[0] for c in chosen})
    assert sum(ch.all.total for ch in view.score.chapters) == len(sample)
    assert sum(s.all.total for s in view.score.sections) == len(sample)
    assert len(view.full.clauses) == len(view.score.clauses) == len(STD.clauses())  # clause screens keep all
    for clause, code in rated_items(STD):
        if clause in sample:
            state = read_models.rate(ws, city.id, clause, code, "met")
            assert state.total_items == items
    assert state.rated_items == state.total_items == items and state.next_unrated is None
    services.set_prerequisite(ws, city.id, "P1", True)
    view = read_models.inspection_view(ws, city.id)
    assert view.score.progress == 1.0 and view.next_unrated() is None
    assert view.score.basic.incomplete + view.score.recommended.incomplete == 0
    assert view.score.basic.decided + view.score.recommended.decided == len(sample)
    # judged on the sample's shares (the whole standard has most clauses unrated), always 暂定
    assert view.score.verdict.tier is not None and view.score.verdict.tier.id == "basic"
    assert view.score.verdict.provisional and view.full.verdict.tier is None
    # the report counts the same
    report = ReportContent.of(report_input(ws, city.id)).score
    assert (report.rated_items, report.total_items, report.basic, report.recommended) == (
        view.score.rated_items, view.score.total_items, view.score.basic, view.score.recommended)
    assert [(c.number, c.all) for c in report.chapters] == [(c.number, c.all) for c in view.score.chapters]
    assert report.verdict.tier == view.score.verdict.tier


def test_within_sample_of_every_clause_counts_as_the_full_score_and_checklist_posts_follow_the_sample():
    from inspect_app.scoring import post_compliance, score_inspection, within_sample
    from inspect_app.standard.model import StandardKind

    ratings: dict = {}
    for clause, code in rated_items(STD):
        ratings.setdefault(clause, {})[code] = "met" if code != "A-1" else "not_met"
    ratings = {n: {c: ItemResult(r) for c, r in items.items()} for n, items in ratings.items()}
    full = score_inspection(STD, ratings, {"P1": True})
    every = within_sample(STD, full, [c.number for c in STD.clauses()], {"P1": True})
    assert (every.basic, every.recommended, every.rated_items, every.total_items) == (
        full.basic, full.recommended, full.rated_items, full.total_items)
    assert [(c.number, c.all) for c in every.chapters] == [(c.number, c.all) for c in full.chapters]
    assert within_sample(STD, full, []) is full
    checklist = STD.model_copy(update={"kind": StandardKind.CHECKLIST})
    posts = post_compliance(checklist, full.clauses, ["1.1.2", "2.2.1", "2.2.3"])
    assert [(p.number, p.met + p.not_met + p.not_applicable + p.unrated) for p in posts] == [("1.1", 1), ("2.2", 2)]
    assert len(post_compliance(checklist, full.clauses)) == sum(len(ch.sections) for ch in STD.chapters)
