"""What the tablet's start dialog offers (ui/home/start_stage.py): the rounds of a center and
standard held here, with their stages (a pulled self-assessment counts), and the preview of a
sample, which is exactly what start_stage then records."""

from __future__ import annotations

import pytest

from inspect_app import review_chain, services
from inspect_app.inspection import Stage, TeamMember, TeamRole
from inspect_app.rounds import SampleRule, round_id
from tests.services.test_review_chain import put_self_assessment

TEAM = [TeamMember(name="王芳", role=TeamRole.LEADER)]


def test_rounds_of_a_center_and_standard_latest_first_with_their_stages(ws):
    center = services.add_center(ws, "青山镇卫生院", actor="王芳")
    other = services.add_center(ws, "白水镇卫生院", actor="王芳")
    assert review_chain.rounds_of(ws, center.id, "test-std") == []
    put_self_assessment(ws, center.id, 2026)  # pulled by sync: not in the home list, still a layer
    review_chain.start_stage(ws, center.id, "test-std", TEAM, "王芳", year=2025)
    review_chain.start_stage(ws, center.id, "test-std", TEAM, "王芳", stage="city", year=2026)
    review_chain.start_stage(ws, center.id, "test-std", TEAM, "王芳", year=2026)
    review_chain.start_stage(ws, other.id, "test-std", TEAM, "王芳", year=2024)  # another center's
    services.start_inspection(ws, center.id, "test-std", TEAM, "王芳")  # outside any round
    rounds = review_chain.rounds_of(ws, center.id, "test-std")
    assert [(r.year, r.round_id) for r in rounds] == [(2026, round_id(center.id, "test-std", 2026)),
                                                     (2025, round_id(center.id, "test-std", 2025))]
    assert rounds[0].stages == (Stage.SELF, Stage.COUNTY, Stage.CITY)
    assert rounds[1].stages == (Stage.COUNTY,)
    assert [r.year for r in review_chain.rounds_of(ws, other.id, "test-std")] == [2024]


@pytest.mark.parametrize("rule", [SampleRule(seed=42), SampleRule(seed=7, share=0.5, recommended=False),
                                  SampleRule(seed=1, share=0.1)])
def test_the_preview_is_the_sample_start_stage_records(ws, rule):
    center = services.add_center(ws, "青山镇卫生院", actor="王芳")
    preview = review_chain.preview_sample(ws, "test-std", rule)
    city = review_chain.start_stage(ws, center.id, "test-std", TEAM, "王芳", stage="city", year=2026, sample=rule)
    assert preview and services.get_inspection(ws, city.id).sample == preview


def test_a_sampled_recheck_resumes_and_moves_on_within_its_sample(ws):
    from inspect_app import read_models
    from inspect_app.ui_state import resume_clause
    from tests.store.helpers import rated_items

    from inspect_app.rounds import draw_sample
    from tests.services.test_review_chain import STD

    center = services.add_center(ws, "青山镇卫生院", actor="王芳")
    hand = [c.number for c in STD.clauses() if c.derived is None and c.items]
    # A seed whose sample leaves the first clause out, so a resume outside the sample would show.
    seed = next(s for s in range(100) if hand[0] not in draw_sample(STD, SampleRule(seed=s, recommended=False)))
    rule = SampleRule(seed=seed, share=0.3, recommended=False)
    city = review_chain.start_stage(ws, center.id, "test-std", TEAM, "王芳", stage="city", year=2026, sample=rule)
    sample = services.get_inspection(ws, city.id).sample
    standard = services.standard_for(ws, city)
    assert hand[0] not in sample and len(sample) < len(hand)
    snap = services.snapshot(ws, city.id)
    first = resume_clause(standard, snap.inspection, snap.findings)
    assert first == next(n for n in hand if n in sample)
    view = read_models.inspection_view(ws, city.id)
    visited, here = [first], first
    while (here := view.next_unrated(here)) not in (None, first) and len(visited) < 50:
        visited.append(here)
    assert set(visited) == {n for n in hand if n in sample}
    for clause, code in rated_items(standard):  # every sampled clause rated: nothing is left to rate
        if clause in sample:
            services.rate_item(ws, city.id, clause, code, "met")
    assert read_models.inspection_view(ws, city.id).next_unrated(first) is None
