"""问题清单及整改建议 Deficiency list: every item not met, by chapter, basic clauses below C first,
with the team's rectification advice (整改建议); then the evidence still missing (佐证缺失)."""

from __future__ import annotations


from inspect_app.report.content import ReportContent
from inspect_app.report.layout import INK, LEVEL_COLOURS, MUTED, Grid, ReportPDF, clip
from inspect_app.scoring import ClauseLevel
from inspect_app.standard.model import ClauseKind

URGENT = LEVEL_COLOURS["D"]
NOTE_CHARS = 160  # the list stays a list: long notes are printed in full with the clause


def rectification_text(content: ReportContent, clause_number: str, item_code: str, requirement: str) -> str:
    """The team's advice for the item, else a plain instruction to meet the requirement."""
    finding = content.finding(clause_number)
    advice = (finding.rectification.get(item_code, "") if finding else "").strip()
    return advice or f"对照标准要求整改，达到：{requirement}"


def draw_deficiencies(pdf: ReportPDF, content: ReportContent) -> None:
    pdf.add_page()
    pdf.page_title("三、问题清单及整改建议")
    found = content.deficiencies
    if not found:
        pdf.para("本次评审未发现不符合项。", 10)
    else:
        urgent = sum(1 for d in found if d.clause_kind is ClauseKind.BASIC and d.clause_level is ClauseLevel.D)
        pdf.para(f"共 {len(found)} 项不符合，其中基本条款未达C级的 {urgent} 项（红色标出，优先整改）。"
                 "按章排列，每章内基本条款未达C级者在前。", 8.5, MUTED, h=4.4)
        pdf.ln(2)
        titles = {ch.number: ch.title for ch in content.standard.chapters}
        notes = {}
        for d in found:
            finding = content.finding(d.clause_number)
            rating = finding.items.get(d.item_code) if finding else None
            notes[(d.clause_number, d.item_code)] = rating.note if rating else ""
        chapters: dict[str, list] = {}
        for d in found:
            chapters.setdefault(d.chapter_number, []).append(d)
        index = 0
        for number, items in chapters.items():
            pdf.heading(f"第{number}章　{titles.get(number, '')}", 11, keep=30)
            table = Grid(pdf, [10, 22, 12, 70, 66], ["序号", "条款", "条目", "存在问题", "整改建议"], size=8)
            for d in items:
                index += 1
                basic_below_c = d.clause_kind is ClauseKind.BASIC and d.clause_level is ClauseLevel.D
                colour = URGENT if basic_below_c else INK
                star = "★" if d.clause_kind is ClauseKind.RECOMMENDED else ""
                problem = f"未达到：{d.requirement}"
                note = notes[(d.clause_number, d.item_code)]
                if note:
                    problem += f"\n现场情况：{clip(note, NOTE_CHARS, '…（全文见逐条评审结果）')}"
                advice = rectification_text(content, d.clause_number, d.item_code, d.requirement)
                table.row([str(index), (f"{d.clause_number}{star}\n{d.clause_title}", colour),
                           (d.item_code, colour), problem, advice])
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
