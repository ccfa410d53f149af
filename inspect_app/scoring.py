"""Scoring 评分: item results → clause level → section/chapter summaries → institution verdict.

Pure functions over the standard model and item ratings; no I/O. Every result carries its
reasons as `Reason` objects that render in Chinese or English, because an inspector must be
able to say *why* a clause is B and not A, and a clinic must be able to argue with it.

Rules (ARCHITECTURE.md, "The standard"):
- A clause reaches C 合格 when all its applicable C items are met, B 良好 when all C and B
  items are met, A 优秀 when C, B and A items are all met; otherwise D 不合格.
- Not-applicable (不适用) items are left out, but a clause never reaches a level for which it
  has no applicable item: N/A can never score better than "met".
- A clause whose every item is N/A is itself not applicable and leaves the percentages.
- Unrated items make a clause INCOMPLETE only while they could still change its level.
- Derived rules (依据…等N条标准评审结果评判) are decided from the source clauses' levels.
- Verdict tiers and thresholds come from the standard file, best tier first.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from inspect_app.inspection import ItemRating, ItemResult
from inspect_app.standard.model import (
    Clause,
    ClauseKind,
    DerivedRule,
    Item,
    ItemLevel,
    Standard,
    StandardKind,
    Tier,
)

LEVELS_LOW_TO_HIGH = (ItemLevel.C, ItemLevel.B, ItemLevel.A)


class ClauseLevel(StrEnum):
    """Result of a clause: A 优秀, B 良好, C 合格, D 不合格, or not decided / not applicable."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"
    INCOMPLETE = "incomplete"  # 未完成: unrated items could still change the level
    NOT_APPLICABLE = "na"  # 不适用: every item is not applicable

    @property
    def rank(self) -> int:
        """D=0 < C=1 < B=2 < A=3; INCOMPLETE and N/A have no rank (-1)."""
        return {"D": 0, "C": 1, "B": 2, "A": 3}.get(self.value, -1)

    @property
    def is_decided(self) -> bool:
        return self.rank >= 0

    def at_least(self, level: ItemLevel) -> bool:
        return self.rank >= level.rank + 1


LEVEL_NAMES_ZH = {"A": "A 优秀", "B": "B 良好", "C": "C 合格", "D": "D 不合格",
                  "incomplete": "未完成", "na": "不适用"}
LEVEL_NAMES_EN = {"A": "A excellent", "B": "B good", "C": "C pass", "D": "D below C",
                  "incomplete": "incomplete", "na": "not applicable"}


def level_name(level: ClauseLevel, lang: str = "zh") -> str:
    return (LEVEL_NAMES_EN if lang == "en" else LEVEL_NAMES_ZH)[level.value]


@dataclass(frozen=True)
class Reason:
    """One sentence of explanation, in both languages."""

    zh: str
    en: str

    def text(self, lang: str = "zh") -> str:
        return self.en if lang == "en" else self.zh


def _join(reasons: tuple[Reason, ...], lang: str) -> str:
    return ("; " if lang == "en" else "；").join(r.text(lang) for r in reasons)


# ---------------------------------------------------------------- clauses


@dataclass(frozen=True)
class ClauseScore:
    number: str
    kind: ClauseKind
    level: ClauseLevel
    reasons: tuple[Reason, ...] = ()
    rated: int = 0  # items with a result (met / not met / N/A)
    total: int = 0  # items of the clause (derived items included)
    not_met_items: tuple[str, ...] = ()

    def explain(self, lang: str = "zh") -> str:
        head = level_name(self.level, lang)
        return f"{head}: {_join(self.reasons, lang)}" if self.reasons else head


def _result(ratings: Mapping[str, ItemRating | ItemResult], code: str) -> ItemResult:
    value = ratings.get(code)
    if value is None:
        return ItemResult.UNRATED
    return value if isinstance(value, ItemResult) else value.result


def derived_met(rule: DerivedRule, source_levels: Mapping[str, ClauseLevel]) -> ItemResult:
    """Whether a derived requirement is met: every applicable source at rule.min_level or above.

    Returns UNRATED while a source is still undecided, NA when every source is N/A.
    """
    levels = [source_levels.get(n, ClauseLevel.INCOMPLETE) for n in rule.sources]
    applicable = [lv for lv in levels if lv is not ClauseLevel.NOT_APPLICABLE]
    if not applicable:
        return ItemResult.NA
    if any(lv.is_decided and not lv.at_least(rule.min_level) for lv in applicable):
        return ItemResult.NOT_MET
    if any(not lv.is_decided for lv in applicable):
        return ItemResult.UNRATED
    return ItemResult.MET


def item_results(
    clause: Clause,
    ratings: Mapping[str, ItemRating | ItemResult],
    source_levels: Mapping[str, ClauseLevel] | None = None,
) -> dict[str, ItemResult]:
    """Effective result per item code: derived items follow their sources, others the rating."""
    results = {}
    for item in clause.items:
        if item.derived is not None:
            results[item.code] = derived_met(item.derived, source_levels or {})
        else:
            results[item.code] = _result(ratings, item.code)
    return results


def _level_from_results(items: tuple[Item, ...], results: Mapping[str, ItemResult]) -> ClauseLevel:
    """Highest level L such that every applicable item at or below L is met, capped at the
    highest level that has an applicable item. Assumes every applicable item is rated."""
    applicable = [i for i in items if results[i.code] is not ItemResult.NA]
    if not applicable:
        return ClauseLevel.NOT_APPLICABLE
    cap = max(i.level.rank for i in applicable)
    reached = ClauseLevel.D
    for level in LEVELS_LOW_TO_HIGH:
        if level.rank > cap:
            break
        if any(results[i.code] is not ItemResult.MET for i in applicable if i.level is level):
            break
        reached = ClauseLevel(level.value)
    return reached


def _explain_level(items: tuple[Item, ...], results: Mapping[str, ItemResult],
                   level: ClauseLevel) -> tuple[Reason, ...]:
    """Why a decided clause sits at `level`: what was met, and what blocks the next level up,
    e.g. "B: all C, B items met; A-1 not met". `results` are the items' own results: an unrated
    item is named 未评 (not rated), never 不符合, even when it no longer changes the level."""
    if level is ClauseLevel.NOT_APPLICABLE:
        return (Reason("全部条目不适用", "every item is not applicable"),)
    applicable = [i for i in items if results[i.code] is not ItemResult.NA]
    reasons = []
    if level is not ClauseLevel.D:
        met = [lv.value for lv in LEVELS_LOW_TO_HIGH if lv.rank < level.rank]
        reasons.append(Reason(f"{'、'.join(met)}级条目全部符合", f"all {', '.join(met)} items met"))
    if level is ClauseLevel.A:
        return tuple(reasons)
    next_level = LEVELS_LOW_TO_HIGH[level.rank]  # D -> C, C -> B, B -> A
    if not any(i.level is next_level for i in items):
        return tuple(reasons)  # the clause has no such level (a checklist norm has only C)
    at_next = [i for i in applicable if i.level is next_level]
    not_met = [i.code for i in at_next if results[i.code] is ItemResult.NOT_MET]
    unrated = [i.code for i in at_next if results[i.code] is ItemResult.UNRATED]
    if not_met:
        reasons.append(Reason(f"{'、'.join(not_met)} 不符合", f"{', '.join(not_met)} not met"))
    if unrated:
        reasons.append(Reason(f"{'、'.join(unrated)} 未评", f"{', '.join(unrated)} not rated"))
    if not at_next:
        reasons.append(Reason(f"无适用的{next_level.value}级条目", f"no applicable {next_level.value} item"))
    return tuple(reasons)


def clause_level(
    clause: Clause,
    ratings: Mapping[str, ItemRating | ItemResult],
    source_levels: Mapping[str, ClauseLevel] | None = None,
) -> ClauseScore:
    """Level of one clause from its item ratings (and, for derived rules, its sources' levels)."""
    if clause.derived is not None and not clause.items:
        return _derived_clause_score(clause, source_levels or {})
    results = item_results(clause, ratings, source_levels)
    rated = sum(1 for r in results.values() if r is not ItemResult.UNRATED)
    not_met = tuple(code for code, r in results.items() if r is ItemResult.NOT_MET)
    base = dict(number=clause.number, kind=clause.kind, rated=rated, total=len(clause.items),
                not_met_items=not_met)
    if not clause.items:
        return ClauseScore(level=ClauseLevel.INCOMPLETE, reasons=(
            Reason("本条款没有可评条目", "the clause has no items to rate"),), **base)

    # Unrated items are undecided: the level is known only if it is the same whichever way
    # they go. Treating them as not met gives the floor, as met the ceiling.
    floor_results = {c: (ItemResult.NOT_MET if r is ItemResult.UNRATED else r) for c, r in results.items()}
    ceil_results = {c: (ItemResult.MET if r is ItemResult.UNRATED else r) for c, r in results.items()}
    floor = _level_from_results(clause.items, floor_results)
    ceiling = _level_from_results(clause.items, ceil_results)
    if floor is not ceiling:
        unrated = [c for c, r in results.items() if r is ItemResult.UNRATED]
        reasons = (Reason(f"尚有 {len(unrated)} 个条目未评：{'、'.join(unrated)}",
                          f"{len(unrated)} item(s) not rated yet: {', '.join(unrated)}"),)
        return ClauseScore(level=ClauseLevel.INCOMPLETE, reasons=reasons, **base)
    return ClauseScore(level=floor, reasons=_explain_level(clause.items, results, floor), **base)


def _derived_clause_score(clause: Clause, source_levels: Mapping[str, ClauseLevel]) -> ClauseScore:
    """A clause judged wholly from others takes the lowest level among its applicable sources."""
    rule = clause.derived
    assert rule is not None
    levels = {n: source_levels.get(n, ClauseLevel.INCOMPLETE) for n in rule.sources}
    applicable = {n: lv for n, lv in levels.items() if lv is not ClauseLevel.NOT_APPLICABLE}
    base = dict(number=clause.number, kind=clause.kind, total=len(rule.sources),
                rated=sum(1 for lv in levels.values() if lv.is_decided or lv is ClauseLevel.NOT_APPLICABLE))
    if not applicable:
        return ClauseScore(level=ClauseLevel.NOT_APPLICABLE,
                           reasons=(Reason("所依据条款均不适用", "every source clause is not applicable"),), **base)
    decided = {n: lv for n, lv in applicable.items() if lv.is_decided}
    lowest = min(decided.values(), key=lambda lv: lv.rank) if decided else None
    if lowest is ClauseLevel.D:
        below = [n for n, lv in decided.items() if lv is ClauseLevel.D]
        return ClauseScore(level=ClauseLevel.D, not_met_items=tuple(below), reasons=(
            Reason(f"依据条款 {'、'.join(below)} 未达到C级", f"source clause(s) {', '.join(below)} below C"),), **base)
    if len(decided) < len(applicable):
        pending = [n for n in applicable if n not in decided]
        return ClauseScore(level=ClauseLevel.INCOMPLETE, reasons=(
            Reason(f"依据条款 {'、'.join(pending)} 尚未评定", f"source clause(s) {', '.join(pending)} not decided yet"),),
            **base)
    assert lowest is not None
    weakest = [n for n, lv in decided.items() if lv is lowest]
    return ClauseScore(level=lowest, reasons=(
        Reason(f"依据 {len(decided)} 条条款评定，最低为 {'、'.join(weakest)}（{lowest.value}）",
               f"from {len(decided)} source clauses, lowest {', '.join(weakest)} ({lowest.value})"),), **base)


def derivation_order(standard: Standard) -> list[Clause]:
    """Clauses ordered so that every derived rule's sources come before it.

    Cycles and unknown sources are the validator's business; here they are broken by
    leaving such clauses last (they then score INCOMPLETE instead of looping).
    """
    clauses = {c.number: c for c in standard.clauses()}

    def sources(c: Clause) -> set[str]:
        refs = set(c.derived.sources if c.derived else ())
        for item in c.items:
            if item.derived:
                refs.update(item.derived.sources)
        return refs & clauses.keys()

    ordered: list[Clause] = []
    done: set[str] = set()
    pending = list(clauses.values())
    while pending:
        ready = [c for c in pending if sources(c) - {c.number} <= done]
        if not ready:
            ordered.extend(pending)  # a cycle: score what remains as it stands
            break
        for c in ready:
            ordered.append(c)
            done.add(c.number)
        pending = [c for c in pending if c.number not in done]
    return ordered


def score_clauses(
    standard: Standard,
    ratings: Mapping[str, Mapping[str, ItemRating | ItemResult]],
) -> dict[str, ClauseScore]:
    """Score every clause, sources before the clauses derived from them."""
    standard = standard.assessable()  # unplaced items (未归位) are the bureau's to place: never scored
    levels: dict[str, ClauseLevel] = {}
    scores: dict[str, ClauseScore] = {}
    for clause in derivation_order(standard):
        score = clause_level(clause, ratings.get(clause.number, {}), levels)
        scores[clause.number] = score
        levels[clause.number] = score.level
    return {c.number: scores[c.number] for c in standard.clauses()}


# ---------------------------------------------------------------- summaries


@dataclass(frozen=True)
class LevelCounts:
    """How many clauses of one kind are at each level, and shares at-or-above each level."""

    A: int = 0
    B: int = 0
    C: int = 0
    D: int = 0
    incomplete: int = 0
    na: int = 0

    @property
    def applicable(self) -> int:
        return self.A + self.B + self.C + self.D + self.incomplete

    @property
    def total(self) -> int:
        return self.applicable + self.na

    def at_least(self, level: ItemLevel) -> int:
        return {ItemLevel.C: self.A + self.B + self.C, ItemLevel.B: self.A + self.B,
                ItemLevel.A: self.A}[level]

    @property
    def decided(self) -> int:
        """Clauses at a level A, B, C or D (neither incomplete nor not applicable)."""
        return self.A + self.B + self.C + self.D

    def percent_at_least(self, level: ItemLevel) -> float:
        """Share of applicable clauses at `level` or above; incomplete clauses count as not reaching."""
        return 100.0 * self.at_least(level) / self.applicable if self.applicable else 0.0

    def count(self, level: ClauseLevel | str) -> int:
        """Clauses at `level` (the fields are named after the levels' values)."""
        return getattr(self, ClauseLevel(level).value)

    def __add__(self, other: "LevelCounts") -> "LevelCounts":
        return LevelCounts(**{lv.value: self.count(lv) + other.count(lv) for lv in ClauseLevel})

    @staticmethod
    def of_levels(levels: Iterable[ClauseLevel | str]) -> "LevelCounts":
        """The one place clause levels are counted: summaries, tiers, and consistency's κ
        (each layer's share of clauses at each level) all count here."""
        counts = {lv.value: 0 for lv in ClauseLevel}
        for level in levels:
            counts[ClauseLevel(level).value] += 1
        return LevelCounts(**counts)

    @staticmethod
    def of(scores: Iterable[ClauseScore]) -> "LevelCounts":
        return LevelCounts.of_levels(s.level for s in scores)


@dataclass(frozen=True)
class GroupSummary:
    """Counts for a chapter or section, basic and recommended ★ clauses separately."""

    number: str
    title: str
    basic: LevelCounts
    recommended: LevelCounts
    rated_items: int
    total_items: int

    @property
    def all(self) -> LevelCounts:
        return self.basic + self.recommended


def _summarise(number: str, title: str, clauses: list[Clause], scores: Mapping[str, ClauseScore]) -> GroupSummary:
    mine = [scores[c.number] for c in clauses if c.number in scores]  # unplaced clauses have no score
    return GroupSummary(
        number=number, title=title,
        basic=LevelCounts.of([s for s in mine if s.kind is ClauseKind.BASIC]),
        recommended=LevelCounts.of([s for s in mine if s.kind is ClauseKind.RECOMMENDED]),
        rated_items=sum(s.rated for s in mine), total_items=sum(s.total for s in mine),
    )


def chapter_summaries(standard: Standard, scores: Mapping[str, ClauseScore], *,
                      keep: Sequence[GroupSummary] = (), changed: Collection[str] = ()) -> list[GroupSummary]:
    """One summary per chapter. `keep`: summaries made earlier for this standard, kept for the
    chapters none of whose clauses is in `changed` (rescore)."""
    groups = [(ch.number, ch.title, [c for s in ch.sections for c in s.clauses]) for ch in standard.chapters]
    return _summaries(groups, scores, keep, changed)


def section_summaries(standard: Standard, scores: Mapping[str, ClauseScore], *,
                      keep: Sequence[GroupSummary] = (), changed: Collection[str] = ()) -> list[GroupSummary]:
    groups = [(s.number, s.title, list(s.clauses)) for ch in standard.chapters for s in ch.sections]
    return _summaries(groups, scores, keep, changed)


def _summaries(groups: list[tuple[str, str, list[Clause]]], scores: Mapping[str, ClauseScore],
               keep: Sequence[GroupSummary], changed: Collection[str]) -> list[GroupSummary]:
    if len(keep) != len(groups):
        keep = ()
    out = []
    for n, (number, title, clauses) in enumerate(groups):
        old = keep[n] if keep else None
        if old is not None and old.number == number and not any(c.number in changed for c in clauses):
            out.append(old)
        else:
            out.append(_summarise(number, title, clauses, scores))
    return out


# ---------------------------------------------------------------- verdict


@dataclass(frozen=True)
class TierCheck:
    tier: Tier
    reached: bool
    reasons: tuple[Reason, ...]
    # Levels a rule needs that the standard file does not hold (an excerpt, 节选): those shares cannot
    # be judged with this text. A tier with such a rule and no share below its threshold is not
    # assessable, not failed.
    not_assessable: tuple[ItemLevel, ...] = ()
    failed: bool = False  # a share that can be judged is below its threshold

    @property
    def assessable(self) -> bool:
        return self.reached or self.failed or not self.not_assessable


@dataclass(frozen=True)
class Verdict:
    """Institution-level result: the best tier reached (推荐标准 / 基本标准 / 合格标准) or none."""

    tier: Tier | None
    checks: tuple[TierCheck, ...]
    failed_prerequisites: tuple[str, ...] = ()
    provisional: bool = False  # clauses still incomplete: the verdict may change
    reasons: tuple[Reason, ...] = ()
    excerpt: bool = False  # judged against an excerpt (节选) of the edition: say so wherever it is shown
    failed_vetoes: tuple[str, ...] = ()  # "P2" or "2.2.3.1/C-1": a 否决项 not met, no tier whatever the shares

    @property
    def assessable(self) -> bool:
        """False when no tier is reached and the text cannot decide the lowest one (an excerpt
        without the levels its rules need): the honest answer is "not assessable", not "failed"."""
        if self.tier is not None or self.failed_prerequisites or self.failed_vetoes or not self.checks:
            return True
        return self.checks[-1].assessable

    def name(self, lang: str = "zh") -> str:
        if self.tier is None:
            if not self.assessable:
                return "not assessable with this text" if lang == "en" else "以本文本无法评定"
            return "not reached" if lang == "en" else "未达标"
        return (self.tier.name_en or self.tier.name) if lang == "en" else self.tier.name

    def label(self, lang: str = "zh") -> str:
        """The name with what it stands on: 以本文本无法评定（依据节选）, 未达标（暂定）."""
        marks = []
        if self.excerpt:
            marks.append("against an excerpt" if lang == "en" else "依据节选")
        if self.provisional:
            marks.append("provisional" if lang == "en" else "暂定")
        if not marks:
            return self.name(lang)
        return f"{self.name(lang)} ({', '.join(marks)})" if lang == "en" else f"{self.name(lang)}（{'，'.join(marks)}）"

    def explain(self, lang: str = "zh") -> str:
        return _join(self.reasons, lang)


def percent_text(have: float) -> str:
    """The one way a share is printed (verdict reasons, report cover and summary, manifests):
    one decimal, rounded down, so a share below a threshold never reads as reaching it
    (94.74 → "94.7", never "95"); a whole number without ".0" (95.0 → "95")."""
    tenths = int(have * 10 + 1e-9)
    return f"{tenths // 10}" if tenths % 10 == 0 else f"{tenths / 10:.1f}"


def format_percent_below(have: float, need: float) -> str:
    """A share that missed its threshold, never printed as reaching it: 94.7 % must not read
    "95% < 95%". The same text as everywhere else (percent_text)."""
    return percent_text(have)


def _not_reached_zh(name: str) -> str:
    """未达基本标准; a tier called 达标 is 未达标 (not 未达达标)."""
    return f"未{name}" if name.startswith("达") else f"未达{name}"


def check_tier(tier: Tier, totals: Mapping[ClauseKind, LevelCounts],
               missing_levels: tuple[ItemLevel, ...] = ()) -> TierCheck:
    """Compare each rule's thresholds with the shares of applicable clauses at or above each level.

    `missing_levels` are levels the standard file does not hold (an excerpt): a share of them is
    not assessable with this text rather than failed; the shares that can be judged are then given
    with their thresholds, met or not."""
    kind_zh = {ClauseKind.BASIC: "基本条款", ClauseKind.RECOMMENDED: "推荐条款"}
    kind_en = {ClauseKind.BASIC: "basic clauses", ClauseKind.RECOMMENDED: "recommended clauses"}
    reasons: list[Reason] = []
    reached = True
    unjudged: list[ItemLevel] = []
    for rule in tier.rules:
        counts = totals[rule.clause_kind]
        if counts.applicable == 0:
            reasons.append(Reason(f"{tier.name}：无适用的{kind_zh[rule.clause_kind]}，此项不计",
                                  f"{tier.name_en or tier.name}: no applicable {kind_en[rule.clause_kind]}, rule skipped"))
            continue
        blind = [lv for lv in LEVELS_LOW_TO_HIGH if lv in missing_levels and rule.min_percent.get(lv, 0) > 0]
        for level in LEVELS_LOW_TO_HIGH:
            if level not in rule.min_percent or level in blind:
                continue
            need = rule.min_percent[level]
            have = counts.percent_at_least(level)
            above = "" if level is ItemLevel.A else "及以上"
            above_en = "" if level is ItemLevel.A else " or above"
            if blind and have + 1e-9 >= need:  # the judged part of an excerpt's rule, against its threshold
                reasons.append(Reason(
                    f"{tier.name}：{kind_zh[rule.clause_kind]}{level.value}级{above} {percent_text(have)}% ≥ {need:g}%，符合",
                    f"{tier.name_en or tier.name}: {kind_en[rule.clause_kind]} at {level.value}{above_en} "
                    f"{percent_text(have)}% ≥ {need:g}%, met"))
            if have + 1e-9 < need:
                reached = False
                shown = format_percent_below(have, need)
                reasons.append(Reason(
                    f"{_not_reached_zh(tier.name)}：{kind_zh[rule.clause_kind]}{level.value}级{above} {shown}% < {need:g}%",
                    f"{tier.name_en or tier.name} not reached: {kind_en[rule.clause_kind]} at {level.value}"
                    f"{above_en} {shown}% < {need:g}%"))
        if blind:
            unjudged.extend(lv for lv in blind if lv not in unjudged)
            names = "、".join(f"{lv.value}级{'' if lv is ItemLevel.A else '及以上'}" for lv in blind)
            names_en = ", ".join(lv.value for lv in blind)
            reasons.append(Reason(
                f"{tier.name}：{kind_zh[rule.clause_kind]}{names}的比例以本文本无法评定"
                f"（本标准文件不含{'、'.join(lv.value for lv in blind)}级条目）",
                f"{tier.name_en or tier.name}: the {kind_en[rule.clause_kind]} shares at {names_en} are not assessable "
                f"with this text (the standard file holds no {names_en} items)"))
    failed = not reached
    if unjudged:
        reached = False
    if reached:
        reasons.insert(0, Reason(tier.name if tier.name.startswith("达") else f"达到{tier.name}",  # 达标, not 达到达标
                                 f"{tier.name_en or tier.name} reached"))
    return TierCheck(tier=tier, reached=reached, reasons=tuple(reasons), not_assessable=tuple(unjudged), failed=failed)


@dataclass(frozen=True)
class InspectionScore:
    clauses: dict[str, ClauseScore]
    chapters: list[GroupSummary]
    sections: list[GroupSummary]
    basic: LevelCounts
    recommended: LevelCounts
    verdict: Verdict
    rated_items: int
    total_items: int

    @property
    def progress(self) -> float:
        return self.rated_items / self.total_items if self.total_items else 1.0


def verdict(
    standard: Standard,
    totals: Mapping[ClauseKind, LevelCounts],
    prerequisites: Mapping[str, bool | None] | None = None,
    *,
    small_institution: bool = False,
    failed_items: tuple[tuple[Clause, Item], ...] = (),
) -> Verdict:
    """The best tier whose every rule is met, after the prerequisites (前置条件) and vetoes (否决项).

    Tiers marked `small_institutions_only` (合格标准) count only for a small institution.
    `failed_items` are the items not met (clause, item): one marked as a veto means no tier.
    Against a file without the levels a rule needs (an excerpt), those shares are not assessable;
    the verdict says when it stands on an excerpt.
    """
    from inspect_app.standard.coverage import coverage_text, missing_levels

    prerequisites = prerequisites or {}
    failed = tuple(p.id for p in standard.prerequisites if prerequisites.get(p.id) is False)
    unchecked = [p.id for p in standard.prerequisites if prerequisites.get(p.id) is None]
    tiers = [t for t in standard.verdict_rules.tiers if small_institution or not t.small_institutions_only]
    missing = missing_levels(standard)
    checks = tuple(check_tier(t, totals, missing) for t in tiers)
    incomplete = sum(c.incomplete for c in totals.values())
    provisional = incomplete > 0 or bool(unchecked)
    excerpt = standard.is_excerpt
    notes: list[Reason] = []
    if excerpt:
        notes.append(Reason(f"依据节选文本评定（{coverage_text(standard, 'zh')}）",
                            f"judged against an excerpt ({coverage_text(standard, 'en')})"))
    vetoes: list[tuple[str, Reason]] = []
    for p in standard.prerequisites:
        if p.veto is not None and p.id in failed:
            vetoes.append((p.id, Reason(f"一票否决：前置条件 {p.id} 不符合（{p.text}）：{p.veto.reason}",
                                        f"veto: prerequisite {p.id} not met ({p.text}): {p.veto.reason}")))
    for clause, item in failed_items:
        if item.veto is not None:
            vetoes.append((f"{clause.number}/{item.code}", Reason(
                f"一票否决：条款 {clause.number} 【{item.code}】 不符合（{item.requirement}）：{item.veto.reason}",
                f"veto: clause {clause.number} [{item.code}] not met ({item.requirement}): {item.veto.reason}")))
    if incomplete:
        notes.append(Reason(f"尚有 {incomplete} 个条款未完成评审，结论为暂定",
                            f"{incomplete} clause(s) not finished: the verdict is provisional"))
    if unchecked:
        notes.append(Reason(f"前置条件未核查：{'、'.join(unchecked)}", f"prerequisites not checked: {', '.join(unchecked)}"))
    if vetoes:
        return Verdict(tier=None, checks=checks, failed_prerequisites=failed, provisional=provisional,
                       excerpt=excerpt, failed_vetoes=tuple(k for k, _ in vetoes),
                       reasons=(*(r for _, r in vetoes), *notes))
    if failed:
        texts = [p.text for p in standard.prerequisites if p.id in failed]
        return Verdict(tier=None, checks=checks, failed_prerequisites=failed, provisional=provisional,
                       excerpt=excerpt, reasons=(Reason(f"前置条件不符合：{'；'.join(texts)}",
                                                        f"prerequisite(s) not met: {', '.join(failed)}"), *notes))
    for index, check in enumerate(checks):
        if check.reached:
            # Say what was reached, then why each better tier was missed.
            missed = tuple(r for better in checks[:index] for r in better.reasons)
            return Verdict(tier=check.tier, checks=checks, provisional=provisional, excerpt=excerpt,
                           reasons=(*check.reasons, *missed, *notes))
    last = checks[-1].reasons if checks else ()
    if checks and not checks[-1].assessable:  # for every tier: which shares cannot be judged, and why
        last = tuple(r for c in checks for r in c.reasons)
    return Verdict(tier=None, checks=checks, provisional=provisional, excerpt=excerpt, reasons=(*last, *notes))


def score_inspection(
    standard: Standard,
    ratings: Mapping[str, Mapping[str, ItemRating | ItemResult]],
    prerequisites: Mapping[str, bool | None] | None = None,
    *,
    small_institution: bool = False,
) -> InspectionScore:
    """Everything the overview, summary and report show, from the ratings of one inspection.

    `ratings` maps clause number → item code → rating (Finding.items).
    """
    return assemble_score(standard, score_clauses(standard, ratings), prerequisites,
                          small_institution=small_institution)


def assemble_score(
    standard: Standard,
    scores: Mapping[str, ClauseScore],
    prerequisites: Mapping[str, bool | None] | None = None,
    *,
    small_institution: bool = False,
    previous: InspectionScore | None = None,
    changed: Collection[str] = (),
) -> InspectionScore:
    """Summaries and verdict from clause scores already made (cheap: counts over the clauses).
    Unplaced clauses (未归位) are left out of everything until the bureau places them.
    `previous` (of this standard) and `changed`: the chapter and section summaries of groups with
    no changed clause are kept from `previous` (rescore), not counted again."""
    standard = standard.assessable()
    scores = {c.number: scores[c.number] for c in standard.clauses()}
    all_scores = list(scores.values())
    totals = {
        ClauseKind.BASIC: LevelCounts.of([s for s in all_scores if s.kind is ClauseKind.BASIC]),
        ClauseKind.RECOMMENDED: LevelCounts.of([s for s in all_scores if s.kind is ClauseKind.RECOMMENDED]),
    }
    return InspectionScore(
        clauses=scores,
        chapters=chapter_summaries(standard, scores, keep=previous.chapters if previous else (), changed=changed),
        sections=section_summaries(standard, scores, keep=previous.sections if previous else (), changed=changed),
        basic=totals[ClauseKind.BASIC],
        recommended=totals[ClauseKind.RECOMMENDED],
        verdict=verdict(standard, totals, prerequisites, small_institution=small_institution,
                        failed_items=_not_met_items(standard, scores)),
        rated_items=sum(s.rated for s in all_scores),
        total_items=sum(s.total for s in all_scores),
    )


def within_sample(
    standard: Standard,
    score: InspectionScore,
    sample: Iterable[str] | None,
    prerequisites: Mapping[str, bool | None] | None = None,
    *,
    small_institution: bool = False,
) -> InspectionScore:
    """A re-check on a sample (抽样复核) as every screen and the report count it: the counts,
    chapter and section summaries, progress and shares over its recorded clauses only (groups
    without a sampled clause left out). `clauses` keeps every clause's score (the clause
    screens, derived sources). The verdict is judged on the sample's shares and is always
    provisional (暂定): a sample is not the whole standard. No sample: `score` as it is."""
    chosen = set(sample or ())
    if not chosen:
        return score
    standard = standard.assessable()
    mine = {n: s for n, s in score.clauses.items() if n in chosen}
    totals = {
        ClauseKind.BASIC: LevelCounts.of(s for s in mine.values() if s.kind is ClauseKind.BASIC),
        ClauseKind.RECOMMENDED: LevelCounts.of(s for s in mine.values() if s.kind is ClauseKind.RECOMMENDED),
    }
    judged = verdict(standard, totals, prerequisites, small_institution=small_institution,
                     failed_items=_not_met_items(standard, mine))
    note = Reason(f"抽样复核：依据抽取的 {len(mine)} 个条款评定，结论为暂定",
                  f"re-check on a sample: judged on the {len(mine)} sampled clauses, the verdict is provisional")
    return InspectionScore(
        clauses=score.clauses,
        chapters=[g for g in chapter_summaries(standard, mine) if g.all.total],
        sections=[g for g in section_summaries(standard, mine) if g.all.total],
        basic=totals[ClauseKind.BASIC],
        recommended=totals[ClauseKind.RECOMMENDED],
        verdict=replace(judged, provisional=True, reasons=(*judged.reasons, note)),
        rated_items=sum(s.rated for s in mine.values()),
        total_items=sum(s.total for s in mine.values()),
    )


def dependents(standard: Standard, changed: set[str]) -> set[str]:
    """These clauses and every clause whose level follows from them (derived rules, transitively)."""
    users: dict[str, set[str]] = {}
    for clause in standard.clauses():
        refs = set(clause.derived.sources if clause.derived else ())
        for item in clause.items:
            if item.derived:
                refs.update(item.derived.sources)
        for ref in refs:
            users.setdefault(ref, set()).add(clause.number)
    out, todo = set(), list(changed)
    while todo:
        number = todo.pop()
        if number in out:
            continue
        out.add(number)
        todo.extend(users.get(number, ()))
    return out


def rescore(
    standard: Standard,
    previous: InspectionScore,
    ratings: Mapping[str, Mapping[str, ItemRating | ItemResult]],
    changed: set[str],
    prerequisites: Mapping[str, bool | None] | None = None,
    *,
    small_institution: bool = False,
) -> InspectionScore:
    """Incremental score_inspection: only the changed clauses and those derived from them are
    scored again; the same result as scoring everything (a property test checks it)."""
    standard = standard.assessable()
    todo = dependents(standard, changed)
    scores = dict(previous.clauses)
    levels = {n: s.level for n, s in scores.items()}
    mine = [c for c in standard.clauses() if c.number in todo]
    if any(c.derived or any(i.derived for i in c.items) for c in mine):
        mine = [c for c in derivation_order(standard) if c.number in todo]  # sources first
    for clause in mine:
        score = clause_level(clause, ratings.get(clause.number, {}), levels)
        scores[clause.number] = score
        levels[clause.number] = score.level
    return assemble_score(standard, scores, prerequisites, small_institution=small_institution,
                          previous=previous, changed=todo)


def _not_met_items(standard: Standard, scores: Mapping[str, ClauseScore]) -> tuple[tuple[Clause, Item], ...]:
    """Items not met (derived ones included), for the vetoes (否决项) among them."""
    out = []
    for clause in standard.clauses():
        not_met = set(scores[clause.number].not_met_items) if clause.number in scores else set()
        out.extend((clause, i) for i in clause.items if i.code in not_met)
    return tuple(out)


# ---------------------------------------------------------------- checklist standards


@dataclass(frozen=True)
class PostCompliance:
    """Checklist standards (e.g. 门诊服务规范) score compliance per post: share of norms met."""

    number: str
    title: str
    met: int
    not_met: int
    not_applicable: int
    unrated: int

    @property
    def percent(self) -> float:
        decided = self.met + self.not_met
        return 100.0 * self.met / decided if decided else 0.0


def post_compliance(standard: Standard, scores: Mapping[str, ClauseScore],
                    sample: Iterable[str] | None = None) -> list[PostCompliance]:
    """For a checklist-kind standard each section is a post and each clause one norm. With a
    re-check's `sample`, only its norms count and posts without one are left out."""
    if standard.kind is not StandardKind.CHECKLIST:
        return []
    chosen = set(sample or ())
    result = []
    for chapter in standard.chapters:
        for section in chapter.sections:
            levels = [scores[c.number].level for c in section.clauses if not chosen or c.number in chosen]
            if chosen and not levels:
                continue
            result.append(PostCompliance(
                number=section.number, title=section.title,
                met=sum(1 for lv in levels if lv.is_decided and lv is not ClauseLevel.D),
                not_met=sum(1 for lv in levels if lv is ClauseLevel.D),
                not_applicable=sum(1 for lv in levels if lv is ClauseLevel.NOT_APPLICABLE),
                unrated=sum(1 for lv in levels if lv is ClauseLevel.INCOMPLETE),
            ))
    return result


# ---------------------------------------------------------------- deficiencies


@dataclass(frozen=True)
class Deficiency:
    """问题清单 item: a requirement not met, with the clause it belongs to."""

    clause_number: str
    clause_title: str
    clause_kind: ClauseKind
    clause_level: ClauseLevel
    item_code: str
    requirement: str
    chapter_number: str


def deficiencies(standard: Standard, scores: Mapping[str, ClauseScore]) -> list[Deficiency]:
    """Every item not met, ordered by chapter, basic clauses below C first, then by clause number.

    Derived items are left out: their deficiency is listed at the source clause.
    """
    found = []
    for chapter in standard.chapters:
        for section in chapter.sections:
            for clause in section.clauses:
                score = scores.get(clause.number)
                if score is None:  # unplaced: not rated
                    continue
                by_code = {i.code: i for i in clause.items}
                for code in score.not_met_items:
                    item = by_code.get(code)
                    if item is None or item.derived is not None:
                        continue
                    found.append(Deficiency(clause.number, clause.title, clause.kind, score.level,
                                            code, item.requirement, chapter.number))

    def order(d: Deficiency) -> tuple:
        basic_below_c = d.clause_kind is ClauseKind.BASIC and d.clause_level is ClauseLevel.D
        return (_number_key(d.chapter_number), not basic_below_c, _number_key(d.clause_number), d.item_code)

    return sorted(found, key=order)


def _number_key(number: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p for p in number.replace("-", ".").split(".") if p)


__all__ = [
    "ClauseLevel", "ClauseScore", "Deficiency", "GroupSummary", "InspectionScore", "LevelCounts",
    "PostCompliance", "Reason", "TierCheck", "Verdict", "chapter_summaries", "check_tier", "clause_level", "format_percent_below", "percent_text",
    "deficiencies", "derived_met", "derivation_order", "item_results", "level_name", "post_compliance", "within_sample",
    "assemble_score", "dependents", "rescore", "score_clauses", "score_inspection", "section_summaries", "verdict",
]
