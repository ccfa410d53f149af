"""Small hand-built standards for scoring tests."""

from __future__ import annotations

from inspect_app.standard.defaults import default_verdict_rules
from inspect_app.standard.model import (
    Chapter, Clause, ClauseKind, DerivedRule, Item, ItemLevel, Section, Standard, StandardKind, VerdictRules,
)

L = ItemLevel


def item(code: str, text: str = "", **kw) -> Item:
    return Item(code=code, level=L(code[0]), requirement=text or f"要求 {code}", **kw)


def clause(number: str, codes: str = "C-1 C-2 B-1 A-1", kind=ClauseKind.BASIC, **kw) -> Clause:
    return Clause(number=number, title=f"条款 {number}", kind=kind,
                  items=tuple(item(c) for c in codes.split()), **kw)


def tiers() -> VerdictRules:
    """The published tiers (推荐/基本/合格标准) as shipped in the package data."""
    return default_verdict_rules(StandardKind.GRADED)


def standard(*clauses: Clause, **kw) -> Standard:
    sections: dict[str, list[Clause]] = {}
    for c in clauses:
        sections.setdefault(".".join(c.number.split(".")[:2]), []).append(c)
    chapters: dict[str, list[Section]] = {}
    for number, members in sections.items():
        chapters.setdefault(number.split(".")[0], []).append(
            Section(number=number, title=f"节 {number}", clauses=tuple(members)))
    return Standard(id="t", title="测试标准", verdict_rules=kw.pop("verdict_rules", tiers()),
                    chapters=tuple(Chapter(number=n, title=f"第{n}章", sections=tuple(s))
                                   for n, s in chapters.items()), **kw)


def derived(*sources: str, level=L.C, count=None) -> DerivedRule:
    return DerivedRule(sources=sources, min_level=level, stated_count=count)
