"""标准校验 (standard check): everything wrong with a standard file, each with its place.

Errors make a file unusable for scoring (exit code 1 in `standard check`); warnings
are worth a look but do not block (an unplaced clause, an item without a method).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from inspect_app.errors import UserError
from inspect_app.standard.loader import load_standard
from inspect_app.standard.model import Clause, DerivedRule, ItemLevel, Standard

_CODE = re.compile(r"^(?P<level>[ABC])(?:-(?P<n>[1-9]\d*))?$")


@dataclass(frozen=True)
class Problem:
    where: str  # "条款 2.2.3.1 【C-2】"
    zh: str
    en: str
    line: int | None = None  # source line in the imported text, when known
    severity: str = "error"  # error | warning

    def text(self) -> str:
        line = f"（原文第 {self.line} 行）" if self.line else ""
        tag = "错误" if self.severity == "error" else "提示"
        return f"[{tag}] {self.where}{line}：{self.zh} / {self.en}"


def check_standard(standard: Standard) -> list[Problem]:
    """All problems of a loaded standard, in reading order, errors and warnings together."""
    problems: list[Problem] = []
    add = problems.append
    clauses = standard.clauses()
    numbers = [c.number for c in clauses]
    known = set(numbers)

    seen: dict[str, Clause] = {}
    for chapter in standard.chapters:
        if not chapter.title.strip() and not _all_unplaced(chapter.sections):
            add(Problem(f"章 {chapter.number}", f"缺少章标题：请用 standard place 文件 --section {chapter.number} --title … 补充",
                        f"chapter title missing: set it with standard place FILE --section {chapter.number} --title ...",
                        chapter.source_line, "warning"))
        for section in chapter.sections:
            if not section.title.strip() and not _all_unplaced((section,)):
                add(Problem(f"小节 {section.number}", f"缺少小节标题：请用 standard place 文件 --section {section.number} --title … 补充",
                            f"section title missing: set it with standard place FILE --section {section.number} --title ...",
                            section.source_line, "warning"))
            if not _under(section.number, chapter.number):
                add(Problem(f"小节 {section.number}", f"编号不在所属章 {chapter.number} 之下",
                            f"number is not under its chapter {chapter.number}", section.source_line))
            for clause in section.clauses:
                where = f"条款 {clause.number}"
                if clause.number in seen:
                    first_line = seen[clause.number].source_line
                    add(Problem(where, "条款编号重复" + (f"（另见原文第 {first_line} 行）" if first_line else ""),
                                "duplicate clause number", clause.source_line))
                seen.setdefault(clause.number, clause)
                if not _under(clause.number, section.number):
                    add(Problem(where, f"编号不在所属小节 {section.number} 之下",
                                f"number is not under its section {section.number}", clause.source_line))
                if clause.unplaced:
                    codes = "、".join(i.code for i in clause.items)
                    add(Problem(where, f"未归位条款（条目 {codes}）：不参与评审和计分，请用 standard place 文件 --item "
                                f"{clause.number}/{clause.items[0].code if clause.items else 'C-1'} --to 条款号 归位",
                                "unplaced clause: not rated or scored until placed with standard place FILE --item "
                                f"{clause.number}/CODE --to CLAUSE", clause.source_line, "warning"))
                if not clause.items and clause.derived is None:
                    add(Problem(where, "条款没有条目", "clause has no items", clause.source_line, "warning"))
                _check_items(clause, add)
                for rule, at in _rules_of(clause):
                    for source in rule.sources:
                        if source not in known:
                            add(Problem(f"{where}{at}", f"依据的条款 {source} 不存在", f"derived source {source} does not exist",
                                        clause.source_line))
    for cycle in _derived_cycles(clauses):
        add(Problem(f"条款 {cycle[0]}", "依据关系成环：" + " → ".join(cycle), "derived rules form a cycle: " + " -> ".join(cycle)))
    _check_tiers(standard, add)
    _check_vetoes(standard, add)
    _check_coverage(standard, add)
    return problems


def _all_unplaced(sections) -> bool:
    clauses = [c for s in sections for c in s.clauses]
    return bool(clauses) and all(c.unplaced for c in clauses)


def _check_vetoes(standard: Standard, add) -> None:
    """A veto (否决项) must say why; one on an unplaced item cannot act until the item is placed."""
    for p in standard.prerequisites:
        if p.veto is not None and not p.veto.reason.strip():
            add(Problem(f"前置条件 {p.id}", "否决项缺少否决理由", "veto without a reason"))
    for clause in standard.clauses():
        for item in clause.items:
            if item.veto is None:
                continue
            where = f"条款 {clause.number} 【{item.code}】"
            if not item.veto.reason.strip():
                add(Problem(where, "否决项缺少否决理由", "veto without a reason", item.source_line))
            if clause.unplaced:
                add(Problem(where, "否决项在未归位条款中，归位前不起作用", "veto on an unplaced item has no effect until placed",
                            item.source_line, "warning"))


def _check_coverage(standard: Standard, add) -> None:
    """The recorded coverage must match what the file holds, or the verdict's honesty is a lie."""
    cov = standard.coverage
    if cov is None:
        add(Problem("覆盖范围", "文件未记录覆盖范围（完整版/节选），按完整版处理；请重新导入或补充 coverage",
                    "coverage not recorded (complete/excerpt): read as complete; re-import or add coverage",
                    None, "warning"))
        return
    placed = sum(1 for c in standard.clauses() if not c.unplaced)
    if cov.clauses != placed:
        add(Problem("覆盖范围", f"记录的条款数 {cov.clauses} 与文件实际的已归位条款数 {placed} 不符",
                    f"coverage says {cov.clauses} clauses, the file holds {placed} placed clauses"))
    if tuple(cov.levels) != standard.levels_held():
        held = "、".join(lv.value for lv in standard.levels_held()) or "无"
        add(Problem("覆盖范围", f"记录的条目级别 {'、'.join(lv.value for lv in cov.levels) or '无'} 与文件实际的 {held} 不符",
                    f"coverage levels {[lv.value for lv in cov.levels]} differ from the file's {held}"))
    if cov.edition_clauses is not None:
        if cov.clauses > cov.edition_clauses:
            add(Problem("覆盖范围", f"条款数 {cov.clauses} 多于本版总数 {cov.edition_clauses}",
                        f"{cov.clauses} clauses is more than the edition's {cov.edition_clauses}"))
        elif cov.extent == "complete" and cov.clauses < cov.edition_clauses:
            add(Problem("覆盖范围", f"标为完整版，但只含本版 {cov.edition_clauses} 条中的 {cov.clauses} 条",
                        f"marked complete but holds {cov.clauses} of {cov.edition_clauses} clauses"))


def _check_items(clause: Clause, add) -> None:
    codes: dict[str, int | None] = {}
    highest = -1
    for item in clause.items:
        where = f"条款 {clause.number} 【{item.code}】"
        if item.code in codes:
            add(Problem(where, "同一条款内条目编号重复", "duplicate item code in the clause", item.source_line))
        codes.setdefault(item.code, item.source_line)
        m = _CODE.match(item.code)
        if not m or m["level"] != item.level.value:
            add(Problem(where, f"条目编号与级别 {item.level.value} 不符（应为 {item.level.value} 或 {item.level.value}-n）",
                        f"item code does not match its level {item.level.value}", item.source_line))
        if not item.requirement.strip():
            add(Problem(where, "要求为空", "empty requirement", item.source_line))
        if item.level.rank < highest:
            add(Problem(where, "条目顺序应为 C、B、A（此条排在更高级别之后）", "items out of level order (C before B before A)",
                        item.source_line))
        highest = max(highest, item.level.rank)
        if not item.method.strip() and item.derived is None:
            add(Problem(where, "没有评价方式方法", "no method", item.source_line, "warning"))


def _rules_of(clause: Clause) -> list[tuple[DerivedRule, str]]:
    rules = [(clause.derived, "")] if clause.derived else []
    rules += [(i.derived, f" 【{i.code}】") for i in clause.items if i.derived]
    return rules


def _derived_cycles(clauses: list[Clause]) -> list[list[str]]:
    """Cycles in 'is judged from' (a clause judged from itself included), each reported once."""
    graph = {c.number: [s for rule, _ in _rules_of(c) for s in rule.sources] for c in clauses}
    cycles, reported = [], set()
    state: dict[str, int] = {}  # 1 on the path, 2 done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        path.append(node)
        for nxt in graph.get(node, ()):
            if state.get(nxt) == 1:
                cycle = path[path.index(nxt):] + [nxt]
                key = frozenset(cycle)
                if key not in reported:
                    reported.add(key)
                    cycles.append(cycle)
            elif nxt in graph and state.get(nxt) is None:
                visit(nxt, path)
        path.pop()
        state[node] = 2

    for number in graph:
        if state.get(number) is None:
            visit(number, [])
    return cycles


def _check_tiers(standard: Standard, add) -> None:
    kinds_present = {c.kind for c in standard.clauses()}
    for tier in standard.verdict_rules.tiers:
        for rule in tier.rules:
            where = f"评定等级 {tier.name}（{rule.clause_kind.value}）"
            for level, percent in rule.min_percent.items():
                if not isinstance(level, ItemLevel):
                    add(Problem(where, f"未知级别 {level}", f"unknown level {level}"))
                if not 0 <= percent <= 100:
                    add(Problem(where, f"{level} 的比例 {percent} 不在 0–100 之间", f"percent {percent} for {level} outside 0..100"))
            if rule.clause_kind not in kinds_present:
                add(Problem(where, "标准中没有此类条款，此规则只能按“无适用条款”处理",
                            f"no {rule.clause_kind.value} clauses in the standard", None, "warning"))


def _under(child: str, parent: str) -> bool:
    return child.startswith(parent + ".")


def check_file(path: Path | str) -> tuple[Standard | None, list[Problem]]:
    """Load and check; a file that does not load gives one error with the loader's message."""
    try:
        standard = load_standard(path)
    except UserError as err:
        return None, [Problem(str(path), err.zh, err.en)]
    return standard, check_standard(standard)


def errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]
