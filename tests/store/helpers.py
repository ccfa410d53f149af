"""A small graded standard and a ready workspace for store and service tests."""

from __future__ import annotations

from pathlib import Path

from inspect_app import services
from inspect_app.inspection import TeamMember, TeamRole
from inspect_app.standard.model import (
    Chapter, Clause, ClauseKind, DerivedRule, Item, ItemLevel, Prerequisite, Section, Standard,
    Tier, TierRule, VerdictRules,
)


def _items(prefix: str) -> tuple[Item, ...]:
    return tuple(
        Item(code=code, level=ItemLevel(code[0]), requirement=f"{prefix} 要求 {code}")
        for code in ("C-1", "C-2", "B-1", "A-1")
    )


def make_standard(clauses_per_section: int = 3) -> Standard:
    chapters = []
    for ch in (1, 2):
        sections = []
        for se in (1, 2):
            clauses = [
                Clause(number=f"{ch}.{se}.{n}", title=f"条款 {ch}.{se}.{n}", items=_items(f"{ch}.{se}.{n}"),
                       kind=ClauseKind.RECOMMENDED if n == 1 and ch == 2 else ClauseKind.BASIC)
                for n in range(1, clauses_per_section + 1)
            ]
            sections.append(Section(number=f"{ch}.{se}", title=f"第 {ch}.{se} 节", clauses=tuple(clauses)))
        chapters.append(Chapter(number=str(ch), title=f"第 {ch} 章", sections=tuple(sections)))
    derived = Clause(number="2.3.1", title="综合判定", derived=DerivedRule(sources=("2.1.1", "2.1.2")),
                     items=(Item(code="C", level=ItemLevel.C, requirement="依据 2.1.1、2.1.2 评判",
                                 derived=DerivedRule(sources=("2.1.1", "2.1.2"))),))
    chapters[1] = chapters[1].model_copy(update={"sections": chapters[1].sections + (
        Section(number="2.3", title="派生", clauses=(derived,)),)})
    return Standard(
        id="test-std", title="测试标准", edition="2024",
        prerequisites=(Prerequisite(id="P1", text="无重大医疗安全事故"),),
        verdict_rules=VerdictRules(tiers=(Tier(id="basic", name="基本标准", rules=(
            TierRule(clause_kind=ClauseKind.BASIC, min_percent={ItemLevel.C: 95}),)),)),
        chapters=tuple(chapters),
    )


def rated_items(standard: Standard) -> list[tuple[str, str]]:
    return [(c.number, i.code) for c in standard.clauses() if c.derived is None
            for i in c.items if i.derived is None]


def write_standard(folder: Path, standard: Standard | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "test-std.json"
    path.write_text((standard or make_standard()).model_dump_json(indent=1), encoding="utf-8")
    return path


def new_workspace(tmp_path: Path) -> services.Workspace:
    std_dir = tmp_path / "standards"
    if not std_dir.exists():
        write_standard(std_dir)
    return services.open_workspace(tmp_path / "data", standards_dir=std_dir)


def started(ws: services.Workspace, center_name: str = "青山镇卫生院") -> str:
    center = services.add_center(ws, center_name, actor="王芳")
    team = [TeamMember(name="王芳", role=TeamRole.LEADER), TeamMember(name="李明")]
    return services.start_inspection(ws, center.id, "test-std", team, inspector="王芳").id
