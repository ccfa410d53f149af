"""Small builders for standard tests."""

from __future__ import annotations

from pathlib import Path

from inspect_app.paths import PROJECT_ROOT
from inspect_app.standard.defaults import default_verdict_rules
from inspect_app.standard.model import Chapter, Clause, Item, ItemLevel, Section, Standard, StandardKind

DATA = Path(__file__).parent / "data"
SEEDS = PROJECT_ROOT.parent / "shared" / "seeds"
TOWNSHIP_SEED = SEEDS / "004_8678df3bdeaa872d.txt"
OUTPATIENT_SEED = SEEDS / "000_0bb9a6f94e591a83.txt"


def item(code: str = "C-1", requirement: str = "有制度", **kw) -> Item:
    return Item(code=code, level=ItemLevel(code[0]), requirement=requirement, method=kw.pop("method", "现场查看"), **kw)


def clause(number: str, *items: Item, **kw) -> Clause:
    return Clause(number=number, title=kw.pop("title", f"条款{number}"), items=items or (item(),), **kw)


def standard(*clauses: Clause, **kw) -> Standard:
    """Clauses are grouped into sections/chapters by their numbers (2.2.3.1 → section 2.2.3, chapter 2)."""
    sections: dict[str, list[Clause]] = {}
    for c in clauses:
        sections.setdefault(c.number.rpartition(".")[0], []).append(c)
    chapters: dict[str, list[Section]] = {}
    for number, cs in sections.items():
        chapters.setdefault(number.split(".")[0], []).append(Section(number=number, title=f"节{number}", clauses=tuple(cs)))
    return Standard(
        id=kw.pop("id", "t"),
        title=kw.pop("title", "测试标准"),
        verdict_rules=kw.pop("verdict_rules", default_verdict_rules(StandardKind.GRADED)),
        chapters=tuple(Chapter(number=n, title=f"第{n}章", sections=tuple(s)) for n, s in chapters.items()),
        **kw,
    )


def render_guide_text(std: Standard) -> str:
    """A clean guide text for a standard, in the layout the importer reads."""
    out: list[str] = []
    for ch in std.chapters:
        out.append(f"第{ch.number}章 {ch.title}")
        for sec in ch.sections:
            out.append(f"{sec.number}{sec.title}")
            if sec.intro:
                out.append(sec.intro)
            for c in sec.clauses:
                out.append(f"{c.number}{'★' if c.is_recommended else ''}{c.title}")
                if c.intro:
                    out.append(c.intro)
                for i in c.items:
                    out.append(f"【{i.code}】{i.requirement}")
                    if i.explanation:
                        out.append(i.explanation)
                    if i.method:
                        out.append(f"评价方式方法：{i.method}")
    return "\n\n".join(out) + "\n"
