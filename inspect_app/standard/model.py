"""The standard as data: 评价标准 (evaluation guide) → chapters → sections → clauses → items.

Everything an edition or a province may change (which clauses are recommended,
verdict thresholds, prerequisites) lives in the file, never in code. The JSON
schema of the file is generated from these models (`standard_json_schema`) and
shipped as standards/standard.schema.json.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

FORMAT_VERSION = 2  # 2: coverage, vetoes, placement history (version 1 files read unchanged)


class ItemLevel(StrEnum):
    """Tier of an item: C 合格 (pass), B 良好 (good), A 优秀 (excellent)."""

    C = "C"
    B = "B"
    A = "A"

    @property
    def rank(self) -> int:
        return "CBA".index(self.value)


class MethodKind(StrEnum):
    """How an item is checked (评价方式方法)."""

    ONSITE = "onsite"  # 现场查看
    DOCUMENTS = "documents"  # 查阅资料
    INTERVIEW = "interview"  # 访谈
    OTHER = "other"  # 其他 (reports, drills, derived from other clauses …)


class ClauseKind(StrEnum):
    BASIC = "basic"  # 基本条款
    RECOMMENDED = "recommended"  # 推荐条款, marked ★


class StandardKind(StrEnum):
    GRADED = "graded"  # tiered C/B/A items, clause levels A–D
    CHECKLIST = "checklist"  # one norm per clause, compliance per post/section


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)


class DerivedRule(_Model):
    """Judged from other clauses' results, e.g. 依据 2.2.3.2 … 等6条标准评审结果评判,
    均达到C级及以上水平则此条款合格."""

    sources: tuple[str, ...] = Field(description="clause numbers whose levels decide")
    min_level: ItemLevel = Field(ItemLevel.C, description="every source must reach this")
    stated_count: int | None = Field(None, description="the 'N 条' the text names, if any")


class Veto(_Model):
    """否决项 / 一票否决: failing this item or prerequisite means no tier is reached, whatever the shares."""

    reason: str = Field(description="why it vetoes, as the edition states it, e.g. 发生重大医疗安全事故实行一票否决")


class Item(_Model):
    """A tiered requirement of a clause: 【C-1】, 【B-2】, 【A-1】 or a bare 【C】."""

    code: str = Field(description="'C-1', 'B-2', 'A-1' or a bare 'C'")
    level: ItemLevel
    requirement: str = Field(description="the requirement line after the code")
    explanation: str = ""
    method: str = Field("", description="评价方式方法 text as written")
    method_kinds: tuple[MethodKind, ...] = ()
    derived: DerivedRule | None = None
    veto: Veto | None = Field(None, description="否决项: not met → no tier is reached")
    source_line: int | None = Field(None, description="line in the imported text")


class Clause(_Model):
    """A numbered clause (条款) such as 2.2.3.1 居民健康档案管理."""

    number: str
    title: str
    intro: str = ""
    kind: ClauseKind = ClauseKind.BASIC
    items: tuple[Item, ...] = ()
    derived: DerivedRule | None = Field(None, description="whole clause judged from others")
    unplaced: bool = Field(False, description="importer could not place these items; renumber")
    source_line: int | None = None

    @property
    def is_recommended(self) -> bool:
        return self.kind is ClauseKind.RECOMMENDED


class Section(_Model):
    number: str
    title: str
    intro: str = ""
    clauses: tuple[Clause, ...] = ()
    source_line: int | None = None


class Chapter(_Model):
    number: str
    title: str
    sections: tuple[Section, ...] = ()
    source_line: int | None = None


class Prerequisite(_Model):
    """前置条件: checked before scoring; a failed one blocks every tier."""

    id: str
    text: str
    method: str = ""
    veto: Veto | None = Field(None, description="一票否决: named as a veto, with its reason, when it fails")


class TierRule(_Model):
    """Minimum share of applicable clauses of one kind at or above each level, in percent."""

    clause_kind: ClauseKind
    min_percent: dict[ItemLevel, float] = Field(description="e.g. {C: 95, B: 50, A: 20}")


class Tier(_Model):
    """An institution-level result such as 推荐标准 / 基本标准 / 合格标准."""

    id: str
    name: str
    name_en: str = ""
    note: str = ""
    small_institutions_only: bool = Field(
        False, description="only small institutions may reach it (合格标准: <10 medical staff, <10,000 residents)")
    rules: tuple[TierRule, ...]


class VerdictRules(_Model):
    note: str = Field(
        "Percentages count only applicable clauses (不适用 clauses are left out of numerator and denominator).",
    )
    tiers: tuple[Tier, ...] = Field(description="best first; the verdict is the first tier reached")


class Coverage(_Model):
    """How much of its edition a file holds (完整版 / 节选): the verdict is honest about an excerpt."""

    extent: Literal["complete", "excerpt"]
    clauses: int = Field(description="placed clauses this file holds")
    edition_clauses: int | None = Field(None, description="clauses of the whole edition, where known (township: 100)")
    levels: tuple[ItemLevel, ...] = Field(description="item levels the file holds, C before B before A")
    note: str = ""


class Placement(_Model):
    """One edit of the bureau's placement (归位) history: what moved where, kept in the file for review."""

    action: Literal["move_item", "set_title"]
    item: str = Field("", description="'0.0.1/C-2' as it was before the move")
    to: str = Field("", description="clause the item moved to, or the section/chapter whose title was set")
    title: str = ""
    created_clause: bool = False
    at: str = Field("", description="ISO time of the edit")
    by: str = ""


class Standard(_Model):
    format_version: int = FORMAT_VERSION
    id: str
    title: str
    edition: str = ""
    kind: StandardKind = StandardKind.GRADED
    source: str = Field("", description="where the text came from")
    coverage: Coverage | None = Field(None, description="complete or excerpt; None: not recorded (older files)")
    prerequisites: tuple[Prerequisite, ...] = ()
    verdict_rules: VerdictRules
    chapters: tuple[Chapter, ...] = ()
    placements: tuple[Placement, ...] = Field((), description="归位 history: items moved, titles set")

    def clauses(self) -> list[Clause]:
        return [c for ch in self.chapters for s in ch.sections for c in s.clauses]

    def clause(self, number: str) -> Clause:
        for clause in self.clauses():
            if clause.number == number:
                return clause
        raise KeyError(number)

    def item_count(self) -> int:
        return sum(len(c.items) for c in self.clauses())

    def levels_held(self) -> tuple[ItemLevel, ...]:
        """Item levels of the placed clauses (what the verdict can judge)."""
        held = {i.level for c in self.clauses() if not c.unplaced for i in c.items}
        return tuple(lv for lv in ItemLevel if lv in held)

    @property
    def is_excerpt(self) -> bool:
        return self.coverage is not None and self.coverage.extent == "excerpt"

    def assessable(self) -> "Standard":
        """The standard as inspectors rate it: unplaced clauses (items the importer met before any
        heading, 未归位) are the bureau's to place and are left out, with a chapter they leave empty."""
        if not any(c.unplaced for c in self.clauses()):
            return self
        chapters = []
        for ch in self.chapters:
            sections = tuple(s.model_copy(update={"clauses": tuple(c for c in s.clauses if not c.unplaced)})
                             for s in ch.sections)
            sections = tuple(s for s, old in zip(sections, ch.sections) if s.clauses or not old.clauses)
            if sections or not ch.sections:
                chapters.append(ch.model_copy(update={"sections": sections}))
        return self.model_copy(update={"chapters": tuple(chapters)})


ItemCode = str
Lang = Literal["zh", "en"]


def standard_json_schema() -> dict:
    return Standard.model_json_schema()
