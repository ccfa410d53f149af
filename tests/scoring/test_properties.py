"""Properties of clause scoring that must hold for any clause and any ratings."""

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from inspect_app.inspection import ItemResult
from inspect_app.scoring import ClauseLevel, clause_level, score_clauses
from inspect_app.standard.model import Clause, Item, ItemLevel
from tests.scoring.builders import clause as make_clause, derived, standard

M, N, NA, U = ItemResult.MET, ItemResult.NOT_MET, ItemResult.NA, ItemResult.UNRATED


@st.composite
def clauses(draw, min_items=1) -> Clause:
    counts = [draw(st.integers(0, 3)) for _ in "CBA"]
    if sum(counts) < min_items:
        counts[0] = min_items
    items = tuple(Item(code=f"{lv}-{i + 1}", level=ItemLevel(lv), requirement=f"要求 {lv}-{i + 1}")
                  for lv, n in zip("CBA", counts) for i in range(n))
    return Clause(number="1.1.1", title="条款", items=items)


def ratings_for(clause: Clause, results=(M, N, NA)):
    return st.fixed_dictionaries({i.code: st.sampled_from(results) for i in clause.items})


@given(data=st.data())
def test_meeting_one_more_item_never_lowers_a_clause(data):
    clause = data.draw(clauses())
    ratings = data.draw(ratings_for(clause, (M, N)))
    failing = [code for code, r in ratings.items() if r is N]
    if not failing:
        return
    code = data.draw(st.sampled_from(failing))
    before = clause_level(clause, ratings).level
    after = clause_level(clause, {**ratings, code: M}).level
    assert after.rank >= before.rank


@given(data=st.data())
def test_not_applicable_never_scores_better_than_met(data):
    clause = data.draw(clauses(min_items=2))
    ratings = data.draw(ratings_for(clause))
    code = data.draw(st.sampled_from([i.code for i in clause.items]))
    with_na = clause_level(clause, {**ratings, code: NA}).level
    with_met = clause_level(clause, {**ratings, code: M}).level
    if with_na is not ClauseLevel.NOT_APPLICABLE:
        assert with_na.rank <= with_met.rank


@given(data=st.data())
def test_not_applicable_items_count_as_if_the_clause_never_had_them(data):
    clause = data.draw(clauses())
    ratings = data.draw(ratings_for(clause))
    applicable_only = clause.model_copy(update={"items": tuple(i for i in clause.items if ratings[i.code] is not NA)})
    if not applicable_only.items:
        assert clause_level(clause, ratings).level is ClauseLevel.NOT_APPLICABLE
        return
    assert clause_level(clause, ratings).level is clause_level(applicable_only, ratings).level


@settings(max_examples=60)
@given(data=st.data())
def test_a_decided_level_holds_whatever_the_unrated_items_turn_out_to_be(data):
    clause = data.draw(clauses())
    ratings = data.draw(ratings_for(clause, (M, N, NA, U)))
    level = clause_level(clause, ratings).level
    unrated = [c for c, r in ratings.items() if r is U]
    outcomes = {clause_level(clause, {**ratings, **dict(zip(unrated, combo))}).level
                for combo in itertools.product((M, N, NA), repeat=len(unrated))}
    if level is ClauseLevel.INCOMPLETE:
        assert len(outcomes) > 1
    else:
        assert outcomes == {level}


LEVEL_RATINGS = {
    ClauseLevel.A: {"C-1": M, "B-1": M, "A-1": M},
    ClauseLevel.B: {"C-1": M, "B-1": M, "A-1": N},
    ClauseLevel.C: {"C-1": M, "B-1": N, "A-1": N},
    ClauseLevel.D: {"C-1": N, "B-1": M, "A-1": M},
    ClauseLevel.NOT_APPLICABLE: {"C-1": NA, "B-1": NA, "A-1": NA},
}


@given(st.lists(st.sampled_from(list(LEVEL_RATINGS)), min_size=1, max_size=6))
def test_a_derived_clause_agrees_with_its_sources(source_levels):
    sources = [make_clause(f"1.1.{i + 1}", "C-1 B-1 A-1") for i in range(len(source_levels))]
    target = make_clause("1.2.1", "C-1").model_copy(
        update={"items": (), "derived": derived(*[c.number for c in sources])})
    ratings = {c.number: LEVEL_RATINGS[lv] for c, lv in zip(sources, source_levels)}
    scores = score_clauses(standard(*sources, target), ratings)
    applicable = [lv for lv in source_levels if lv is not ClauseLevel.NOT_APPLICABLE]
    expected = min(applicable, key=lambda lv: lv.rank) if applicable else ClauseLevel.NOT_APPLICABLE
    assert scores["1.2.1"].level is expected
    # A derived *item* with min level C is met exactly when the derived clause is C or above.
    item_target = make_clause("1.2.2", "C-1").model_copy(update={"items": (
        Item(code="C-1", level=ItemLevel.C, requirement="依据", derived=derived(*[c.number for c in sources])),)})
    item_scores = score_clauses(standard(*sources, item_target), ratings)
    if expected is ClauseLevel.NOT_APPLICABLE:
        assert item_scores["1.2.2"].level is ClauseLevel.NOT_APPLICABLE
    else:
        assert (item_scores["1.2.2"].level is ClauseLevel.C) == expected.at_least(ItemLevel.C)


_CODE = r"[CBA](?:-\d+)?"


def _named(reason_text: str) -> list[str]:
    import re

    return re.findall(rf"(?<![A-Za-z0-9-]){_CODE}(?![A-Za-z0-9])", reason_text)


@settings(max_examples=300)
@given(data=st.data())
def test_no_reason_names_an_item_with_a_result_it_does_not_have(data):
    """A reason that says 不符合 / not met names only items not met; 未评 / not rated only
    unrated ones (clause 2.1.3 once read "C-2、C-3 … 不符合" with C-3 … unrated)."""
    clause = data.draw(clauses())
    ratings = data.draw(ratings_for(clause, (M, N, NA, U)))
    score = clause_level(clause, ratings)
    claims = {"不符合": N, "not met": N, "未评": U, "not rated": U}
    for reason in score.reasons:
        for text in (reason.zh, reason.en):
            for phrase, result in claims.items():
                if phrase not in text:
                    continue
                # Every reason is one claim; the codes it names must all have that result.
                for code in _named(text):
                    assert ratings[code] is result, (text, ratings)
    # The level of a decided clause is never explained with a code the reasons do not match.
    assert all(ratings[c] is N for c in score.not_met_items)


def test_unrated_items_are_named_unrated_not_not_met():
    """The report case: C-1 met, C-2 not met, C-3 … C-6 unrated."""
    clause = make_clause("2.1.3", "C-1 C-2 C-3 C-4 C-5 C-6")
    score = clause_level(clause, {"C-1": M, "C-2": N})
    assert score.level is ClauseLevel.D
    assert score.explain("zh") == "D 不合格: C-2 不符合；C-3、C-4、C-5、C-6 未评"
    assert score.explain("en") == "D below C: C-2 not met; C-3, C-4, C-5, C-6 not rated"


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_rescoring_only_what_changed_equals_scoring_everything(data):
    from inspect_app.scoring import rescore, score_inspection
    from tests.ui.synthetic import synthetic_standard

    std = synthetic_standard(12)
    hand = [c for c in std.clauses() if c.derived is None]

    def draw_ratings():
        return {c.number: data.draw(ratings_for(c, (M, N, NA, U))) for c in hand}

    before = draw_ratings()
    score = score_inspection(std, before)
    changed = set(data.draw(st.lists(st.sampled_from([c.number for c in hand]), min_size=1, max_size=3)))
    after = {**before, **{n: data.draw(ratings_for(std.clause(n), (M, N, NA, U))) for n in changed}}
    assert rescore(std, score, after, changed) == score_inspection(std, after)
