"""Institution verdict from the standard's tier rules, with reasons."""

from inspect_app.inspection import ItemResult
from inspect_app.scoring import ClauseLevel, deficiencies, score_inspection
from inspect_app.standard.model import ClauseKind, ItemLevel, Prerequisite
from tests.scoring.builders import clause, standard

M, N, NA = ItemResult.MET, ItemResult.NOT_MET, ItemResult.NA
LEVEL_RATINGS = {
    "A": {"C-1": M, "C-2": M, "B-1": M, "A-1": M},
    "B": {"C-1": M, "C-2": M, "B-1": M, "A-1": N},
    "C": {"C-1": M, "C-2": M, "B-1": N, "A-1": N},
    "D": {"C-1": N, "C-2": M, "B-1": M, "A-1": M},
    "na": {"C-1": NA, "C-2": NA, "B-1": NA, "A-1": NA},
}


def build(levels: str, recommended: str = ""):
    """One basic clause per letter in `levels`, one recommended per letter in `recommended`."""
    clauses, ratings = [], {}
    for i, lv in enumerate(levels.split()):
        clauses.append(clause(f"1.1.{i + 1}"))
        ratings[f"1.1.{i + 1}"] = LEVEL_RATINGS[lv]
    for i, lv in enumerate(recommended.split()):
        clauses.append(clause(f"2.1.{i + 1}", kind=ClauseKind.RECOMMENDED))
        ratings[f"2.1.{i + 1}"] = LEVEL_RATINGS[lv]
    return standard(*clauses), ratings


def test_recommended_tier_when_every_rule_is_met():
    std, ratings = build("A A A B B B C C C C", "A A B B C")
    result = score_inspection(std, ratings)
    assert result.verdict.tier.id == "recommended"
    assert result.verdict.name("zh") == "推荐标准"
    assert not result.verdict.provisional


def test_basic_tier_with_reason_for_missing_recommended():
    # basic: 19 of 20 at C (95 %), 10 at B+ (50 %), 4 at A (20 %)
    std, ratings = build(" ".join(["A"] * 4 + ["B"] * 6 + ["C"] * 9 + ["D"]))
    result = score_inspection(std, ratings)
    assert result.verdict.tier.id == "basic"
    assert "未达推荐标准：基本条款C级及以上 95% < 100%" in result.verdict.explain("zh")


def test_not_reached_gives_the_shortfall_in_words():
    std, ratings = build("A C C C C C C C C D")
    result = score_inspection(std, ratings)
    assert result.verdict.tier is None
    assert result.verdict.name("en") == "not reached"
    assert "basic clauses at B or above 10% < 50%" in result.verdict.explain("en")


def test_small_institution_may_reach_the_qualified_tier():
    std, ratings = build("A B C C C C C C D D")
    assert score_inspection(std, ratings, small_institution=True).verdict.tier.id == "qualified"
    assert score_inspection(std, ratings).verdict.tier is None


def test_not_applicable_clauses_leave_the_percentages():
    std, ratings = build("A A B na na")
    result = score_inspection(std, ratings)
    assert result.basic.applicable == 3 and result.basic.na == 2
    assert result.basic.percent_at_least(ItemLevel.C) == 100.0
    assert result.basic.percent_at_least(ItemLevel.A) == 200 / 3


def test_failed_prerequisite_blocks_every_tier():
    std, ratings = build("A A A")
    std = std.model_copy(update={"prerequisites": (Prerequisite(id="name", text="机构名称与登记一致"),)})
    result = score_inspection(std, ratings, prerequisites={"name": False})
    assert result.verdict.tier is None
    assert result.verdict.failed_prerequisites == ("name",)
    assert "机构名称与登记一致" in result.verdict.explain("zh")
    unchecked = score_inspection(std, ratings, prerequisites={})
    assert unchecked.verdict.provisional


def test_incomplete_clauses_make_the_verdict_provisional():
    std, ratings = build("A A A")
    del ratings["1.1.3"]
    result = score_inspection(std, ratings)
    assert result.verdict.provisional
    assert result.clauses["1.1.3"].level is ClauseLevel.INCOMPLETE
    assert result.rated_items == 8 and result.total_items == 12


def test_summaries_per_chapter_and_section():
    std, ratings = build("A B D", "C")
    result = score_inspection(std, ratings)
    chapter1 = result.chapters[0]
    assert (chapter1.basic.A, chapter1.basic.B, chapter1.basic.D) == (1, 1, 1)
    assert result.chapters[1].recommended.C == 1
    assert [s.number for s in result.sections] == ["1.1", "2.1"]


def test_deficiencies_order_basic_below_C_first_within_a_chapter():
    std, ratings = build("B D")
    result = score_inspection(std, ratings)
    found = deficiencies(std, result.clauses)
    assert [(d.clause_number, d.item_code) for d in found] == [("1.1.2", "C-1"), ("1.1.1", "A-1")]


def test_a_share_just_below_the_threshold_is_never_shown_as_reaching_it():
    # 18 of 19 applicable basic clauses at C = 94.7 %, below the 95 % of 基本标准
    std, ratings = build(" ".join(["A"] * 4 + ["B"] * 6 + ["C"] * 8 + ["D"]))
    text = score_inspection(std, ratings).verdict.explain("zh")
    assert "基本条款C级及以上 94.7% < 95%" in text


def test_percent_formatting():
    from inspect_app.scoring import format_percent_below
    assert format_percent_below(41.2, 50) == "41.2"  # one rounding everywhere (percent_text)
    assert format_percent_below(89.5, 95) == "89.5"  # the cover once said 90, the summary 89.5
    assert format_percent_below(94.74, 95) == "94.7"
    assert format_percent_below(99.99, 100) == "99.9"
