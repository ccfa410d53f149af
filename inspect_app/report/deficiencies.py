"""问题清单及整改建议 Deficiency list: every item not met, by chapter, basic clauses below C first,
with the team's rectification advice (整改建议, also the clause-wide advice of item code ""),
整改时限, 责任科室 and 整改反馈 (the clinic's answer to an earlier revision); then the evidence
still missing (佐证缺失)."""

from __future__ import annotations


from inspect_app.report.content import ReportContent
from inspect_app.report.layout import INK, LEVEL_COLOURS, MUTED, Grid, ReportPDF, clip
from inspect_app.scoring import ClauseLevel
from inspect_app.standard.model import ClauseKind, StandardKind

URGENT = LEVEL_COLOURS["D"]
NOTE_CHARS = 160  # the list stays a list: long notes are printed in full with the clause


def rectification_text(content: ReportContent, clause_number: str, item_code: str, requirement: str) -> str:
    """The team's advice for the item, else a plain instruction to meet the requirement."""
    finding = content.finding(clause_number)
    advice = (finding.rectification.get(item_code, "") if finding else "").strip()
    return advice or f"对照标准要求整改，达到：{requirement}"


def plan_cells(content: ReportContent, clause_number: str, item_code: str) -> tuple[str, str, str]:
    """整改时限, 责任科室 and 整改反馈 (the clinic's answer to an earlier revision) of one problem."""
    finding = content.finding(clause_number)
    due = (finding.rectification_due.get(item_code, "") if finding else "") or "—"
    dept = (finding.rectification_dept.get(item_code, "") if finding else "") or "—"
    answer = content.input.responses.get((clause_number, item_code or "-")) or content.input.responses.get(
        (clause_number, item_code))
    feedback = "—"
    if answer:
        plan = str(answer.get("plan", "")).strip()
        when = str(answer.get("due", "")).strip()
        rev = answer.get("revision")
        feedback = (f"第 {rev} 版回复：" if rev else "") + (plan or "已回复") + (f"（计划 {when} 完成）" if when else "")
    return due, dept, feedback


WIDTHS = [9, 17, 48, 44, 19, 17, 26]
HEADERS = ["序号", "条款\n条目", "存在问题", "整改建议", "整改\n时限", "责任\n科室", "整改反馈"]


def draw_deficiencies(pdf: ReportPDF, content: ReportContent) -> None:
    pdf.add_page()
    pdf.page_title("四、问题清单及整改建议")
    found = content.deficiencies
    checklist = content.standard.kind is StandardKind.CHECKLIST
    clause_advice = {n: f.rectification[""] for n, f in content.input.findings.items()
                     if f.rectification.get("", "").strip()}
    if not found and not clause_advice:
        pdf.para("本次评审未发现不符合项。", 10)
    else:
        urgent = sum(1 for d in found if d.clause_kind is ClauseKind.BASIC and d.clause_level is ClauseLevel.D)
        if checklist:
            pdf.para(f"共 {len(found)} 条规范不符合，按岗位排列。整改反馈为被评机构对上一版问题清单的回复。",
                     8.5, MUTED, h=4.4)
        else:
            pdf.para(f"共 {len(found)} 项不符合，其中基本条款未达C级的 {urgent} 项（红色标出，优先整改）。"
                     "按章排列，每章内基本条款未达C级者在前；条款整体的整改建议列在该条款各项之后。"
                     "整改反馈为被评机构对上一版问题清单的回复。", 8.5, MUTED, h=4.4)
        pdf.ln(2)
        titles = {ch.number: ch.title for ch in content.standard.chapters}
        chapter_of = {c.number: ch.number for ch in content.standard.chapters for s in ch.sections for c in s.clauses}
        clause_titles = {c.number: c.title for c in content.standard.clauses()}
        notes = {}
        for d in found:
            finding = content.finding(d.clause_number)
            rating = finding.items.get(d.item_code) if finding else None
            notes[(d.clause_number, d.item_code)] = rating.note if rating else ""
        chapters: dict[str, list] = {}
        for d in found:
            chapters.setdefault(d.chapter_number, []).append(d)
        for number in clause_advice:  # a clause with advice but no item below it still gets a row
            chapters.setdefault(chapter_of.get(number, number.split(".")[0]), [])
        order = {ch.number: i for i, ch in enumerate(content.standard.chapters)}
        index = 0
        for number in sorted(chapters, key=lambda n: order.get(n, 99)):
            items = chapters[number]
            pdf.heading(f"第{number}章　{titles.get(number, '')}", 11, level=1, keep=30)
            table = Grid(pdf, WIDTHS, ["序号", "规范", *HEADERS[2:]] if checklist else HEADERS, size=7.5)
            done: set[str] = set()
            rows_by_clause: dict[str, list] = {}
            for d in items:
                rows_by_clause.setdefault(d.clause_number, []).append(d)
            clause_order = list(rows_by_clause) + [n for n in clause_advice
                                                   if chapter_of.get(n) == number and n not in rows_by_clause]
            for clause_number in clause_order:
                for d in rows_by_clause.get(clause_number, []):
                    index += 1
                    basic_below_c = d.clause_kind is ClauseKind.BASIC and d.clause_level is ClauseLevel.D
                    colour = URGENT if basic_below_c else INK
                    star = "★" if d.clause_kind is ClauseKind.RECOMMENDED else ""
                    problem = f"未达到：{d.requirement}"
                    note = notes[(d.clause_number, d.item_code)]
                    if note:
                        problem += f"\n现场情况：{clip(note, NOTE_CHARS, '…（全文见逐条评审结果）')}"
                    advice = rectification_text(content, d.clause_number, d.item_code, d.requirement)
                    due, dept, feedback = plan_cells(content, d.clause_number, d.item_code)
                    where = d.clause_number if checklist else f"{d.clause_number}{star}\n{d.item_code}"
                    table.row([str(index), (where, colour),
                               f"{d.clause_title}：{problem}" if d.item_code else problem, advice, due, dept, feedback])
                if clause_number in clause_advice and clause_number not in done:
                    done.add(clause_number)
                    index += 1
                    due, dept, feedback = plan_cells(content, clause_number, "")
                    table.row([str(index), f"{clause_number}\n（条款）",
                               f"{clause_titles.get(clause_number, '')}：条款整体", clause_advice[clause_number].strip(),
                               due, dept, feedback])
            pdf.ln(3)
    _draw_evidence_gaps(pdf, content)


def _draw_evidence_gaps(pdf: ReportPDF, content: ReportContent) -> None:
    gaps = content.input.evidence_gaps
    if not gaps:
        return
    pdf.heading("佐证材料缺失清单", 11, level=1, keep=30)
    pdf.para("评审组签字时以下佐证材料尚未提供，评审结论以现场评审记录为准：", 8.5, MUTED, h=4.4)
    pdf.ln(1)
    table = Grid(pdf, [10, 24, 16, 130], ["序号", "条款", "条目", "缺失内容"], size=8)
    for i, gap in enumerate(gaps, start=1):
        table.row([str(i), gap.clause_number or "—", gap.item_code or "—", gap.text or "缺少佐证照片"])

__all__ = ["draw_deficiencies", "rectification_text"]
