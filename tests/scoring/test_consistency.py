"""Consistency between two rating layers (inspect_app/consistency.py) and re-check samples."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from inspect_app.consistency import Layer, compare, kappa, needs_reason, overrated
from inspect_app.inspection import ItemResult, Stage
from inspect_app.rounds import SampleRule, draw_sample, round_id
from inspect_app.scoring import ClauseLevel
from tests.store.helpers import make_standard, rated_items

M, N, NA, U = ItemResult.MET, ItemResult.NOT_MET, ItemResult.NA, ItemResult.UNRATED
STD = make_standard()
ITEMS = rated_items(STD)


def ratings(results: list[ItemResult]) -> dict:
    out: dict = {}
    for (clause, code), r in zip(ITEMS, results):
        out.setdefault(clause, {})[code] = r
    return out


layers = st.lists(st.sampled_from([M, N, NA, U]), min_size=len(ITEMS), max_size=len(ITEMS))
decided_layers = st.lists(st.sampled_from([M, N, M, M]), min_size=len(ITEMS), max_size=len(ITEMS))


def figures(c):
    o = c.overall
    return (o.items_compared, o.items_agreeing, o.clauses_compared, o.clauses_exact, o.clauses_within_one,
            None if o.kappa is None else round(o.kappa, 12),
            tuple((ch.number, ch.figures.items_agreeing, ch.figures.clauses_exact) for ch in c.chapters))


@settings(max_examples=150, deadline=None)
@given(layers)
def test_identical_layers_agree_completely(results):
    layer = ratings(results)
    c = compare(STD, Layer("自评", layer), Layer("审核", layer))
    o = c.overall
    assert o.items_agreeing == o.items_compared
    assert o.item_agreement in (None, 1.0)
    assert o.exact in (None, 1.0) and o.within_one in (None, 1.0)
    assert o.kappa in (None, 1.0)
    assert (o.kappa is None) == (o.clauses_compared == 0)
    assert c.disagreements == ()


@settings(max_examples=60, deadline=None)
@given(decided_layers)
def test_fully_rated_identical_layers_give_100_percent_and_kappa_1(results):
    layer = ratings(results)
    o = compare(STD, Layer("自评", layer), Layer("审核", layer)).overall
    assert o.items_compared == len(ITEMS) and o.item_agreement == 1.0
    assert o.exact == 1.0 and o.kappa == 1.0


@settings(max_examples=150, deadline=None)
@given(layers, layers)
def test_measures_are_symmetric_and_kappa_is_bounded(a, b):
    ab = compare(STD, Layer("自评", ratings(a)), Layer("审核", ratings(b)))
    ba = compare(STD, Layer("审核", ratings(b)), Layer("自评", ratings(a)))
    assert figures(ab) == figures(ba)
    assert [d.clause_number for d in ab.disagreements] == [d.clause_number for d in ba.disagreements]
    assert all((d.first, d.second) == (e.second, e.first) for d, e in zip(ab.disagreements, ba.disagreements))
    o = ab.overall
    assert o.kappa is None or -1.0 <= o.kappa <= 1.0
    assert o.clauses_exact <= o.clauses_within_one <= o.clauses_compared


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("ABCD"), st.sampled_from("ABCD")), min_size=1, max_size=40))
def test_kappa_lies_in_minus_one_to_one(pairs):
    value = kappa(pairs)
    assert -1.0 <= value <= 1.0
    assert kappa([(b, a) for a, b in pairs]) == value


def test_kappa_known_values_and_degenerate_case():
    assert kappa([]) is None
    assert kappa([("B", "B")] * 5) == 1.0  # one category only: defined as 1 (p_e = 1)
    assert kappa([("A", "B"), ("B", "A")]) == -1.0  # complete, systematic disagreement
    # 2x2 table a=20 b=5 c=10 d=15: p_o=0.7, p_e=0.5 → κ=0.4
    pairs = [("A", "A")] * 20 + [("A", "B")] * 5 + [("B", "A")] * 10 + [("B", "B")] * 15
    assert abs(kappa(pairs) - 0.4) < 1e-12


@settings(max_examples=100, deadline=None)
@given(layers, layers, st.integers(0, 10_000))
def test_a_sample_restricts_the_comparison_to_its_clauses(a, b, seed):
    sample = draw_sample(STD, SampleRule(seed, share=0.3))
    first = Layer("自评", ratings(a))
    full = compare(STD, first, Layer("复核", ratings(b)))
    sampled = compare(STD, first, Layer("复核", ratings(b), sample=frozenset(sample)))
    assert list(sampled.scope) == sample and sampled.sampled and not full.sampled
    assert {d.clause_number for d in sampled.disagreements} <= set(sample)
    # Ratings outside the sample change nothing: blank them and the figures stay.
    outside = [(cl, code) for cl, code in ITEMS if cl not in sample]
    b2 = ratings(b)
    for cl, code in outside:
        b2[cl][code] = U if b2[cl][code] is not U else M
    again = compare(STD, first, Layer("复核", b2, sample=frozenset(sample)))
    assert figures(again)[:5] == figures(sampled)[:5]
    assert sampled.overall.items_compared <= sum(1 for cl, _ in ITEMS if cl in sample)


def test_figures_and_disagreement_text_on_a_worked_example():
    self_ = ratings([M] * len(ITEMS))  # the center says everything is met: all clauses A
    review = ratings([M] * len(ITEMS))
    review["1.1.1"]["C-1"] = N  # 1.1.1 D
    review["1.2.2"]["A-1"] = N  # 1.2.2 B
    c = compare(STD, Layer.of_stage(Stage.SELF, self_), Layer.of_stage(Stage.COUNTY, review,
                                                                        reasons={"1.1.1": "制度未上墙"}))
    o = c.overall
    assert (o.items_compared, o.items_agreeing) == (len(ITEMS), len(ITEMS) - 2)
    # 13 clauses decided in both (12 rated + 2.3.1 derived); 11 at the same level
    assert (o.clauses_compared, o.clauses_exact, o.clauses_within_one) == (13, 11, 12)
    assert [d.text() for d in c.disagreements] == ["1.1.1 自评 A / 审核 D", "1.2.2 自评 A / 审核 B"]
    assert [d.items for d in c.disagreements] == [("C-1",), ("A-1",)]
    assert [d.clause_number for d in c.unexplained()] == ["1.2.2"]
    assert c.chapters[0].figures.clauses_compared == 6 and c.chapters[0].figures.clauses_exact == 4
    assert c.chapters[1].figures.exact == 1.0
    assert c.first_verdict.name() == "基本标准" and c.second_verdict.name() == "未达标"
    assert (c.first_higher, c.second_higher) == (2, 0) and overrated(c, STD)
    back = compare(STD, Layer.of_stage(Stage.COUNTY, review), Layer.of_stage(Stage.SELF, self_))
    assert not overrated(back, STD)  # rating oneself lower than the review is not 虚高


def test_sample_is_stable_for_a_seed_and_takes_share_plus_recommended():
    rule = SampleRule(seed=42, share=0.3)
    first, second = draw_sample(STD, rule), draw_sample(STD, SampleRule.parse(rule.text()))
    assert first == second
    basic = [c.number for c in STD.clauses() if not c.is_recommended]
    recommended = [c.number for c in STD.clauses() if c.is_recommended]
    assert set(recommended) <= set(first)
    assert len(set(first) & set(basic)) >= 4  # ceil(0.3 x 11) = 4, plus derived sources
    others = {tuple(draw_sample(STD, SampleRule(s, 0.3))) for s in range(20)}
    assert len(others) > 3  # the seed matters
    assert draw_sample(STD, SampleRule(7, share=1.0)) == [c.number for c in STD.clauses()]


def test_a_sampled_derived_clause_brings_its_sources():
    for seed in range(30):
        chosen = draw_sample(STD, SampleRule(seed, share=0.3, recommended=False))
        if "2.3.1" in chosen:
            assert {"2.1.1", "2.1.2"} <= set(chosen)


def test_needs_reason_and_round_id():
    assert needs_reason(ClauseLevel.B, ClauseLevel.D) and not needs_reason(ClauseLevel.B, ClauseLevel.B)
    assert not needs_reason(ClauseLevel.INCOMPLETE, ClauseLevel.D)
    assert round_id("c1", "s", 2026) == round_id("c1", "s", 2026) != round_id("c1", "s", 2027)
