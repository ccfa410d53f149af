"""Consistency 一致性 between two rating layers of the same center and standard (评价一致性).

A *layer* is one stage of the review chain (机构自评, 县级审核, 市级复核, 省级评价): the item
ratings of one inspection, and, for a re-check on a sample, the clauses it rated. Two layers
are compared on the clauses both of them rated (the sample of either restricts the other), and
the figures are pure functions of the two layers: agreement is computed, never typed.

Formulas (docs/review-chain.md says the same with examples):

- item agreement  = items with the same result (符合 / 不符合 / 不适用) in both layers
                    ÷ hand-rated items that have a result in both layers;
- exact agreement = clauses at the same level (A/B/C/D) ÷ clauses decided in both layers;
- within one      = clauses whose levels differ by at most one step (D<C<B<A) ÷ the same;
- Cohen's κ       = (p_o − p_e) ÷ (1 − p_e) over the clauses decided in both layers, where
                    p_o is the exact agreement and p_e = Σ_k p_1(k)·p_2(k) the agreement
                    expected by chance from each layer's share of clauses at level k.
                    When p_e = 1 (both layers put every compared clause at one and the same
                    level, so p_o = 1 too) κ is defined as 1: the layers agree completely and
                    chance cannot be told apart from it.
A figure with nothing to compare (no item or no clause rated in both) is None ("—"), not 0.
Clauses that are not applicable or still incomplete in either layer leave the shares; where
the other layer decided a level they still appear in the disagreement list.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from inspect_app.inspection import ItemRating, ItemResult, Stage
from inspect_app.scoring import ClauseLevel, LevelCounts, Verdict, score_clauses, score_inspection, within_sample
from inspect_app.standard.model import Standard

DECIDED = (ClauseLevel.A, ClauseLevel.B, ClauseLevel.C, ClauseLevel.D)
SHORT_ZH = {Stage.SELF: "自评", Stage.COUNTY: "审核", Stage.CITY: "市复核", Stage.PROVINCE: "省评价"}

Ratings = Mapping[str, Mapping[str, ItemRating | ItemResult]]  # clause -> item code -> rating


@dataclass(frozen=True)
class Layer:
    """One stage's ratings: `sample` names the clauses it rated when it rated only some."""

    label: str  # short name shown in lists, e.g. "自评", "审核"
    ratings: Ratings
    sample: frozenset[str] | None = None
    prerequisites: Mapping[str, bool | None] | None = None
    small_institution: bool = False
    reasons: Mapping[str, str] = field(default_factory=dict)  # clause -> why this layer differs

    @staticmethod
    def of_stage(stage: Stage | str, ratings: Ratings, sample: Iterable[str] = (), **kw) -> "Layer":
        stage = Stage(stage)
        chosen = frozenset(sample)
        return Layer(SHORT_ZH[stage], ratings, chosen or None, **kw)


@dataclass(frozen=True)
class Figures:
    """The shares of one scope (a chapter or the whole standard)."""

    items_compared: int = 0
    items_agreeing: int = 0
    clauses_compared: int = 0
    clauses_exact: int = 0
    clauses_within_one: int = 0
    kappa: float | None = None
    first_levels: LevelCounts = LevelCounts()  # each layer's compared clauses per level (κ's margins)
    second_levels: LevelCounts = LevelCounts()

    @property
    def item_agreement(self) -> float | None:
        return self.items_agreeing / self.items_compared if self.items_compared else None

    @property
    def exact(self) -> float | None:
        return self.clauses_exact / self.clauses_compared if self.clauses_compared else None

    @property
    def within_one(self) -> float | None:
        return self.clauses_within_one / self.clauses_compared if self.clauses_compared else None


@dataclass(frozen=True)
class Disagreement:
    """One clause where the two layers reached different levels, e.g. "2.2.3.7 自评 B / 审核 D"."""

    clause_number: str
    clause_title: str
    first: ClauseLevel
    second: ClauseLevel
    items: tuple[str, ...]  # item codes rated differently
    first_label: str
    second_label: str
    reason: str = ""  # the second layer's 差异说明 (or the first's), "" when none was written

    @property
    def steps(self) -> int | None:
        """How many levels apart (None when one side is not applicable or incomplete)."""
        if self.first.is_decided and self.second.is_decided:
            return abs(self.first.rank - self.second.rank)
        return None

    def text(self) -> str:
        return f"{self.clause_number} {self.first_label} {_short(self.first)} / {self.second_label} {_short(self.second)}"


@dataclass(frozen=True)
class ChapterFigures:
    number: str
    title: str
    figures: Figures


@dataclass(frozen=True)
class Consistency:
    """Everything the report, the bureau table and the manifest show about two layers."""

    first_label: str
    second_label: str
    overall: Figures
    chapters: tuple[ChapterFigures, ...]
    disagreements: tuple[Disagreement, ...]
    first_verdict: Verdict
    second_verdict: Verdict
    scope: tuple[str, ...]  # clause numbers compared (both layers' samples applied)
    scope_size_all: int = 0  # clauses of the standard
    first_higher: int = 0  # compared clauses the first layer put above the second
    second_higher: int = 0

    @property
    def sampled(self) -> bool:
        return self.scope_size_all != len(self.scope)

    def unexplained(self) -> tuple[Disagreement, ...]:
        """Disagreements of a level or more with no reason written: flagged in the report."""
        return tuple(d for d in self.disagreements if not d.reason.strip())


def _short(level: ClauseLevel) -> str:
    return {"incomplete": "未完成", "na": "不适用"}.get(level.value, level.value)


def kappa(pairs: Iterable[tuple[ClauseLevel | str, ClauseLevel | str]]) -> float | None:
    """Cohen's κ of paired clause levels (see the module docstring; p_e = 1 gives 1)."""
    pairs = [(ClauseLevel(a), ClauseLevel(b)) for a, b in pairs]
    if not pairs:
        return None
    return kappa_of_counts(len(pairs), sum(1 for a, b in pairs if a is b),
                           LevelCounts.of_levels(a for a, _ in pairs), LevelCounts.of_levels(b for _, b in pairs))


def kappa_of_counts(n: int, agree: int, first: LevelCounts, second: LevelCounts) -> float | None:
    """κ from the number of pairs, how many agree, and each layer's clause counts per level
    (scoring.LevelCounts, the one place levels are counted). In whole counts:
    κ = (n·agree − Σ n₁(k)·n₂(k)) / (n² − Σ n₁(k)·n₂(k)), exact and symmetric."""
    if n == 0:
        return None
    chance = sum(first.count(k) * second.count(k) for k in ClauseLevel)
    if chance == n * n:  # p_e = 1: one and the same level throughout
        return 1.0
    value = (n * agree - chance) / (n * n - chance)
    return max(-1.0, min(1.0, value))  # guards rounding only: the bound holds exactly


def _result(ratings: Ratings, clause: str, code: str) -> ItemResult:
    value = ratings.get(clause, {}).get(code)
    if value is None:
        return ItemResult.UNRATED
    return value if isinstance(value, ItemResult) else value.result


def scope_of(standard: Standard, first: Layer, second: Layer) -> list[str]:
    """Clauses both layers rated, in the standard's order."""
    out = []
    for clause in standard.clauses():
        if first.sample is not None and clause.number not in first.sample:
            continue
        if second.sample is not None and clause.number not in second.sample:
            continue
        out.append(clause.number)
    return out


def _figures(standard: Standard, numbers: list[str], first: Layer, second: Layer,
             levels1: Mapping[str, ClauseLevel], levels2: Mapping[str, ClauseLevel]) -> Figures:
    items_compared = items_agreeing = 0
    pairs: list[tuple[str, str]] = []
    wanted = set(numbers)
    for clause in standard.clauses():
        if clause.number not in wanted:
            continue
        for item in clause.items:
            if item.derived is not None:
                continue  # follows other clauses: counted there
            r1, r2 = _result(first.ratings, clause.number, item.code), _result(second.ratings, clause.number, item.code)
            if r1 is ItemResult.UNRATED or r2 is ItemResult.UNRATED:
                continue
            items_compared += 1
            items_agreeing += r1 is r2
        l1, l2 = levels1[clause.number], levels2[clause.number]
        if l1.is_decided and l2.is_decided:
            pairs.append((l1, l2))
    exact = sum(1 for a, b in pairs if a is b)
    within = sum(1 for a, b in pairs if abs(a.rank - b.rank) <= 1)
    first, second = LevelCounts.of_levels(a for a, _ in pairs), LevelCounts.of_levels(b for _, b in pairs)
    return Figures(items_compared, items_agreeing, len(pairs), exact, within,
                   kappa_of_counts(len(pairs), exact, first, second), first, second)


def _verdict(standard: Standard, layer: Layer) -> Verdict:
    """The layer's verdict as its own screens and report give it (a sample's: on its clauses)."""
    score = score_inspection(standard, layer.ratings, layer.prerequisites, small_institution=layer.small_institution)
    return within_sample(standard, score, layer.sample, layer.prerequisites,
                         small_institution=layer.small_institution).verdict


def compare(standard: Standard, first: Layer, second: Layer) -> Consistency:
    """The consistency of two layers, overall and per chapter, with the disagreement list."""
    levels1 = {n: s.level for n, s in score_clauses(standard, first.ratings).items()}
    levels2 = {n: s.level for n, s in score_clauses(standard, second.ratings).items()}
    scope = scope_of(standard, first, second)
    in_scope = set(scope)
    chapters = []
    for chapter in standard.chapters:
        numbers = [c.number for s in chapter.sections for c in s.clauses if c.number in in_scope]
        chapters.append(ChapterFigures(chapter.number, chapter.title,
                                       _figures(standard, numbers, first, second, levels1, levels2)))
    disagreements = []
    for clause in standard.clauses():
        if clause.number not in in_scope:
            continue
        l1, l2 = levels1[clause.number], levels2[clause.number]
        if l1 is l2 or not (l1.is_decided or l2.is_decided):
            continue
        if not (l1.is_decided and l2.is_decided) and ClauseLevel.INCOMPLETE in (l1, l2):
            continue  # one side has not finished: nothing to disagree about yet
        differing = tuple(i.code for i in clause.items if i.derived is None
                          and _result(first.ratings, clause.number, i.code) is not ItemResult.UNRATED
                          and _result(second.ratings, clause.number, i.code) is not ItemResult.UNRATED
                          and _result(first.ratings, clause.number, i.code)
                          is not _result(second.ratings, clause.number, i.code))
        reason = second.reasons.get(clause.number, "") or first.reasons.get(clause.number, "")
        disagreements.append(Disagreement(clause.number, clause.title, l1, l2, differing,
                                          first.label, second.label, reason))
    return Consistency(
        first_label=first.label, second_label=second.label,
        overall=_figures(standard, scope, first, second, levels1, levels2),
        chapters=tuple(chapters), disagreements=tuple(disagreements),
        first_verdict=_verdict(standard, first), second_verdict=_verdict(standard, second),
        scope=tuple(scope), scope_size_all=sum(1 for _ in standard.clauses()),
        first_higher=sum(1 for d in disagreements if d.steps and d.first.rank > d.second.rank),
        second_higher=sum(1 for d in disagreements if d.steps and d.second.rank > d.first.rank),
    )


def overrated(c: Consistency, standard: Standard) -> bool:
    """虚高: the first layer (the self-assessment) rated the center above the second (the review):
    its verdict is a better tier, or it put at least 10 % of the compared clauses (and at least
    one more) above the review's level than below it."""
    tiers = [t.id for t in standard.verdict_rules.tiers]

    def rank(v: Verdict) -> int:  # lower is better; no tier is worst
        return tiers.index(v.tier.id) if v.tier is not None and v.tier.id in tiers else len(tiers)

    if rank(c.first_verdict) < rank(c.second_verdict):
        return True
    excess = c.first_higher - c.second_higher
    return excess >= 1 and excess >= 0.1 * max(1, c.overall.clauses_compared)


def needs_reason(self_level: ClauseLevel, own_level: ClauseLevel) -> bool:
    """The inspector's level differs from the self-assessment's by a level or more: a short
    reason is asked for (差异说明), or the report flags the disagreement."""
    return self_level.is_decided and own_level.is_decided and self_level is not own_level


def percent(share: float | None) -> str:
    """A share for people: "87.5%", or "—" when there was nothing to compare."""
    return "—" if share is None else f"{100 * share:.1f}%"


def kappa_text(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


__all__ = ["ChapterFigures", "Consistency", "Disagreement", "Figures", "Layer", "compare", "kappa", "kappa_of_counts",
           "kappa_text", "needs_reason", "overrated", "percent", "scope_of"]
