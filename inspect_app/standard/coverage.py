"""覆盖范围 (coverage): does a standard file hold its whole edition or an excerpt (节选)?

The importers record it from what they saw; `standard check` prints it; the verdict uses the
levels held to say which tier rules cannot be judged with this text instead of failing them.
"""

from __future__ import annotations

from inspect_app.standard.model import Coverage, ItemLevel, Standard


def required_levels(standard: Standard) -> tuple[ItemLevel, ...]:
    """Levels the verdict rules ask a share of (a 0 % threshold asks nothing)."""
    need = {lv for t in standard.verdict_rules.tiers for r in t.rules for lv, p in r.min_percent.items() if p > 0}
    return tuple(lv for lv in ItemLevel if lv in need)


def coverage_of(standard: Standard, *, edition_clauses: int | None = None, extent: str | None = None) -> Coverage:
    """What the file holds. Without a stated extent: an excerpt when it holds fewer clauses than its
    edition (where known) or lacks a level the verdict rules need; otherwise complete."""
    placed = [c for c in standard.clauses() if not c.unplaced]
    levels = standard.levels_held()
    if extent is None:
        if edition_clauses is not None:
            extent = "excerpt" if len(placed) < edition_clauses else "complete"
        else:
            extent = "excerpt" if set(required_levels(standard)) - set(levels) else "complete"
    return Coverage(extent=extent, clauses=len(placed), edition_clauses=edition_clauses, levels=levels)


def refresh_coverage(standard: Standard) -> Standard:
    """After an edit (placing items, new clauses): recount, keeping the recorded extent and edition size."""
    old = standard.coverage
    if old is None:
        return standard
    new = coverage_of(standard, edition_clauses=old.edition_clauses, extent=old.extent)
    if old.edition_clauses is not None and old.extent == "excerpt" and new.clauses >= old.edition_clauses:
        new = coverage_of(standard, edition_clauses=old.edition_clauses)
    return standard.model_copy(update={"coverage": new.model_copy(update={"note": old.note})})


def missing_levels(standard: Standard) -> tuple[ItemLevel, ...]:
    """Levels the rules need that the file does not hold: those shares cannot be judged with it."""
    held = set(standard.coverage.levels if standard.coverage else standard.levels_held())
    return tuple(lv for lv in required_levels(standard) if lv not in held)


def coverage_text(standard: Standard, lang: str = "zh") -> str:
    """节选：含本版 100 条条款中的 18 条，仅含 C 级条目 / excerpt: 18 of the edition's 100 clauses, C items only."""
    cov = standard.coverage or coverage_of(standard, extent="complete")
    levels = "、".join(lv.value for lv in cov.levels) or "无"
    levels_en = ", ".join(lv.value for lv in cov.levels) or "no"
    only = len(cov.levels) < len(ItemLevel)
    if lang == "en":
        held = (f"{cov.clauses} of the edition's {cov.edition_clauses} clauses" if cov.edition_clauses
                else f"{cov.clauses} clauses")
        return f"{'excerpt' if cov.extent == 'excerpt' else 'complete edition'}: {held}, {levels_en} items{' only' if only else ''}"
    held = f"含本版 {cov.edition_clauses} 条条款中的 {cov.clauses} 条" if cov.edition_clauses else f"含 {cov.clauses} 条条款"
    return f"{'节选' if cov.extent == 'excerpt' else '完整版'}：{held}，{'仅' if only else ''}含 {levels} 级条目"


def load_complete_hint(lang: str = "zh") -> str:
    """How to get a complete edition, in an inspector's words (home card): no command line on a
    screen; the bureau imports the edition (docs/standard-format.md) and the hub distributes it."""
    if lang == "en":
        return ("For a complete edition, ask the county bureau to import it (text or Excel) on the hub; "
                "it reaches this tablet with the next sync.")
    return "如需完整版，请县卫健局在县级中心导入（文本或 Excel），下次同步后本机即可选用。"
