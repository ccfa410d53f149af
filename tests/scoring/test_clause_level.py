"""Clause levels from item results, on hand-built clauses."""

from inspect_app.inspection import ItemRating, ItemResult
from inspect_app.scoring import ClauseLevel, clause_level, score_clauses
from tests.scoring.builders import clause, derived, standard

M, N, NA, U = ItemResult.MET, ItemResult.NOT_MET, ItemResult.NA, ItemResult.UNRATED


def rate(**codes):
    return {code.replace("_", "-"): r for code, r in codes.items()}


def test_all_met_is_A_with_reason():
    score = clause_level(clause("1.1.1"), rate(C_1=M, C_2=M, B_1=M, A_1=M))
    assert score.level is ClauseLevel.A
    assert score.explain("zh") == "A 优秀: C、B、A级条目全部符合"
    assert score.explain("en") == "A excellent: all C, B, A items met"


def test_B_when_an_A_item_fails_says_which():
    score = clause_level(clause("1.1.1"), rate(C_1=M, C_2=M, B_1=M, A_1=N))
    assert score.level is ClauseLevel.B
    assert score.explain("en") == "B good: all C, B items met; A-1 not met"


def test_C_when_B_fails_even_if_A_met():
    assert clause_level(clause("1.1.1"), rate(C_1=M, C_2=M, B_1=N, A_1=M)).level is ClauseLevel.C


def test_D_when_a_C_item_fails_names_it():
    score = clause_level(clause("1.1.1"), rate(C_1=M, C_2=N, B_1=M, A_1=M))
    assert score.level is ClauseLevel.D
    assert "C-2 不符合" in score.explain("zh")
    assert score.not_met_items == ("C-2",)


def test_D_is_decided_even_with_unrated_items():
    assert clause_level(clause("1.1.1"), rate(C_1=N)).level is ClauseLevel.D


def test_unrated_item_that_could_change_the_level_makes_it_incomplete():
    score = clause_level(clause("1.1.1"), rate(C_1=M, C_2=M, B_1=M))
    assert score.level is ClauseLevel.INCOMPLETE
    assert "A-1" in score.explain("zh")
    assert (score.rated, score.total) == (3, 4)


def test_unrated_item_above_a_failed_level_does_not_matter():
    assert clause_level(clause("1.1.1"), rate(C_1=M, C_2=M, B_1=N)).level is ClauseLevel.C


def test_ratings_may_be_full_records():
    ratings = {"C": ItemRating(result=M, rated_by="张三")}
    assert clause_level(clause("1.1.1", "C"), ratings).level is ClauseLevel.C


def test_not_applicable_item_is_left_out():
    assert clause_level(clause("1.1.1"), rate(C_1=M, C_2=NA, B_1=M, A_1=M)).level is ClauseLevel.A


def test_not_applicable_top_level_caps_the_clause():
    # A-1 is N/A: nothing at A was checked, so the clause cannot be A.
    score = clause_level(clause("1.1.1"), rate(C_1=M, C_2=M, B_1=M, A_1=NA))
    assert score.level is ClauseLevel.B
    assert "no applicable A item" in score.explain("en")


def test_clause_with_only_C_items_reaches_C_at_most():
    assert clause_level(clause("1.1.1", "C-1 C-2"), rate(C_1=M, C_2=M)).level is ClauseLevel.C


def test_all_not_applicable_makes_the_clause_not_applicable():
    assert clause_level(clause("1.1.1", "C-1 B-1"), rate(C_1=NA, B_1=NA)).level is ClauseLevel.NOT_APPLICABLE


def test_derived_item_follows_its_sources():
    std = standard(
        clause("2.2.3.2", "C-1"), clause("2.2.3.3", "C-1"),
        clause("2.2.3", "C-1 C-2").model_copy(update={"items": (
            clause("x", "C-1").items[0],
            clause("x", "C-2").items[0].model_copy(update={"derived": derived("2.2.3.2", "2.2.3.3")}),
        )}),
    )
    scores = score_clauses(std, {"2.2.3": {"C-1": M}, "2.2.3.2": {"C-1": M}, "2.2.3.3": {"C-1": M}})
    assert scores["2.2.3"].level is ClauseLevel.C
    scores = score_clauses(std, {"2.2.3": {"C-1": M}, "2.2.3.2": {"C-1": M}, "2.2.3.3": {"C-1": N}})
    assert scores["2.2.3"].level is ClauseLevel.D
    assert scores["2.2.3"].not_met_items == ("C-2",)
    scores = score_clauses(std, {"2.2.3": {"C-1": M}, "2.2.3.2": {"C-1": M}})
    assert scores["2.2.3"].level is ClauseLevel.INCOMPLETE


def test_derived_clause_takes_lowest_source_level():
    std = standard(clause("1.1.1"), clause("1.1.2"),
                   clause("1.1.3", "").model_copy(update={"items": (), "derived": derived("1.1.1", "1.1.2")}))
    scores = score_clauses(std, {"1.1.1": rate(C_1=M, C_2=M, B_1=M, A_1=M),
                                 "1.1.2": rate(C_1=M, C_2=M, B_1=N, A_1=M)})
    assert scores["1.1.3"].level is ClauseLevel.C
    assert "1.1.2" in scores["1.1.3"].explain("zh")


def test_derived_cycle_does_not_hang_and_stays_incomplete():
    a = clause("1.1.1", "").model_copy(update={"items": (), "derived": derived("1.1.2")})
    b = clause("1.1.2", "").model_copy(update={"items": (), "derived": derived("1.1.1")})
    scores = score_clauses(standard(a, b), {})
    assert {s.level for s in scores.values()} == {ClauseLevel.INCOMPLETE}
