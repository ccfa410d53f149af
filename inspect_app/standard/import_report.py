"""导入报告 (import report): what an importer did with every part of the text.

Nothing is dropped silently: each 【…】 item marker in the text ends up in the
standard, merged as an identical duplicate, or listed here as a conflict; every
line not used is listed as a skipped block with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from inspect_app.standard.model import ItemLevel, Standard
from inspect_app.standard.text import preview


@dataclass
class SkippedBlock:
    first_line: int
    last_line: int
    preview: str
    reason: str  # Chinese, shown to the user
    reason_en: str = ""


@dataclass(frozen=True)
class Duplicate:
    """Same item seen again with the same text: merged, the first kept."""

    clause: str
    code: str
    first_line: int
    line: int


@dataclass(frozen=True)
class Conflict:
    """Same clause and item code with different text: the first is kept, both lines reported."""

    clause: str
    code: str
    first_line: int
    line: int
    kind: str  # "differs" | "truncated" (the later copy is cut off)


@dataclass(frozen=True)
class UnplacedItem:
    clause: str
    code: str
    line: int
    requirement: str


@dataclass(frozen=True)
class DerivedFound:
    clause: str
    code: str | None  # None: the whole clause is derived
    sources: tuple[str, ...]
    stated_count: int | None
    named_count: int
    line: int | None


@dataclass(frozen=True)
class Note:
    zh: str
    en: str
    line: int | None = None


@dataclass
class Counts:
    chapters: int = 0
    sections: int = 0
    clauses: int = 0
    recommended_clauses: int = 0
    unplaced_clauses: int = 0
    items: int = 0
    items_by_level: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, standard: Standard) -> Counts:
        clauses = standard.clauses()
        by_level = {level.value: 0 for level in ItemLevel}
        for clause in clauses:
            for item in clause.items:
                by_level[item.level.value] += 1
        return cls(
            chapters=len(standard.chapters),
            sections=sum(len(ch.sections) for ch in standard.chapters),
            clauses=len(clauses),
            recommended_clauses=sum(c.is_recommended for c in clauses),
            unplaced_clauses=sum(c.unplaced for c in clauses),
            items=standard.item_count(),
            items_by_level=by_level,
        )


@dataclass
class ImportReport:
    source: str = ""
    marker_count: int = 0  # 【…】 item markers in the raw text
    counts_markers: bool = True  # False for checklists: norms carry no 【…】 markers
    counts: Counts = field(default_factory=Counts)
    skipped: list[SkippedBlock] = field(default_factory=list)
    merged: list[Duplicate] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    unplaced: list[UnplacedItem] = field(default_factory=list)
    derived: list[DerivedFound] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)

    _open_skip: bool = field(default=False, repr=False)

    # -- building -----------------------------------------------------------
    def skip(self, line: int, text: str, reason: str, reason_en: str) -> None:
        """Record an unused line; consecutive lines skipped for the same reason form one block."""
        last = self.skipped[-1] if self.skipped else None
        if self._open_skip and last is not None and last.reason == reason:
            last.last_line = line
        else:
            self.skipped.append(SkippedBlock(line, line, preview(text), reason, reason_en))
        self._open_skip = True

    def used(self) -> None:
        """A line went into the standard: the next skipped line starts a new block."""
        self._open_skip = False

    def note(self, zh: str, en: str, line: int | None = None) -> None:
        self.notes.append(Note(zh, en, line))

    # -- reading ------------------------------------------------------------
    def unaccounted_markers(self) -> int:
        """Markers neither imported, merged nor reported as conflicts (0 when nothing was lost)."""
        if not self.counts_markers:
            return 0
        return self.marker_count - self.counts.items - len(self.merged) - len(self.conflicts)

    def to_text(self, lang: str = "zh") -> str:
        zh = lang != "en"
        c = self.counts
        lv = c.items_by_level
        out = []
        if zh:
            out.append(f"导入报告：{self.source}")
            out.append(
                f"章 {c.chapters}，节 {c.sections}，条款 {c.clauses}（推荐条款 {c.recommended_clauses}，"
                f"未归位 {c.unplaced_clauses}），条目 {c.items}（C {lv.get('C', 0)}，B {lv.get('B', 0)}，A {lv.get('A', 0)}）"
            )
            if self.counts_markers:
                out.append(
                f"原文条目标记 {self.marker_count} 个 = 导入 {c.items} + 合并的相同重复 {len(self.merged)}"
                f" + 冲突 {len(self.conflicts)}" + ("" if not self.unaccounted_markers() else f"（差 {self.unaccounted_markers()}！）")
            )
        else:
            out.append(f"Import report: {self.source}")
            out.append(
                f"{c.chapters} chapters, {c.sections} sections, {c.clauses} clauses ({c.recommended_clauses} recommended, "
                f"{c.unplaced_clauses} unplaced), {c.items} items (C {lv.get('C', 0)}, B {lv.get('B', 0)}, A {lv.get('A', 0)})"
            )
            if self.counts_markers:
                out.append(
                f"{self.marker_count} item markers in the text = {c.items} imported + {len(self.merged)} identical duplicates"
                f" + {len(self.conflicts)} conflicts"
            )

        def section(title_zh: str, title_en: str, rows: list[str]) -> None:
            out.append("")
            out.append(f"{title_zh if zh else title_en}（{len(rows)}）" if zh else f"{title_en} ({len(rows)})")
            out.extend(f"  - {row}" for row in rows or ["无" if zh else "none"])

        section("合并的相同重复条目", "Merged identical duplicates", [
            (f"{d.clause} 【{d.code}】 第 {d.line} 行与第 {d.first_line} 行相同" if zh
             else f"{d.clause} [{d.code}] line {d.line} same as line {d.first_line}") for d in self.merged
        ])
        section("冲突的重复条目（保留第一处）", "Conflicting duplicates (first kept)", [
            (f"{x.clause} 【{x.code}】 第 {x.first_line} 行 与 第 {x.line} 行"
             + ("：后者为截断的副本" if x.kind == "truncated" else "：内容不同") if zh
             else f"{x.clause} [{x.code}] line {x.first_line} vs line {x.line}: "
             + ("later copy is cut off" if x.kind == "truncated" else "text differs")) for x in self.conflicts
        ])
        section("未归位条目（出现在任何条款编号之前，请重新编号）", "Unplaced items (before any clause number; renumber them)", [
            f"{u.clause} 【{u.code}】 第 {u.line} 行：{preview(u.requirement)}" for u in self.unplaced
        ])
        section("依据其他条款评判的规则", "Derived rules", [
            f"{d.clause}" + (f" 【{d.code}】" if d.code else "") + f" ← {', '.join(d.sources)}"
            + (f"（原文称 {d.stated_count} 条，实际列出 {d.named_count} 条）" if zh and d.stated_count not in (None, d.named_count)
               else f" (text says {d.stated_count}, names {d.named_count})" if d.stated_count not in (None, d.named_count) else "")
            for d in self.derived
        ])
        section("跳过的文字", "Skipped text", [
            (f"第 {b.first_line}" + (f"–{b.last_line}" if b.last_line != b.first_line else "") + f" 行 {b.reason}：{b.preview}"
             if zh else f"lines {b.first_line}-{b.last_line} {b.reason_en or b.reason}: {b.preview}") for b in self.skipped
        ])
        section("提示", "Notes", [
            (f"第 {n.line} 行：" if n.line and zh else f"line {n.line}: " if n.line else "") + (n.zh if zh else n.en)
            for n in self.notes
        ])
        return "\n".join(out) + "\n"
