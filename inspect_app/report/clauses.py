"""逐条评审结果 Clause-by-clause results: each clause with its level and why, each item with
符合 / 不符合 / 不适用 and its reason, the inspector's notes, and the evidence photo numbers."""

from __future__ import annotations

from fpdf.enums import WrapMode, XPos, YPos

from inspect_app.inspection import ItemResult
from inspect_app.report.content import RESULT_ZH, ReportContent
from inspect_app.report.layout import (
    FONT, INK, LEVEL_COLOURS, MARGIN, MUTED, Grid, ReportPDF,
)
from inspect_app.scoring import ClauseLevel, level_name
from inspect_app.standard.model import Clause, StandardKind

RESULT_COLOURS = {ItemResult.MET: LEVEL_COLOURS["A"], ItemResult.NOT_MET: LEVEL_COLOURS["D"],
                  ItemResult.NA: MUTED, ItemResult.UNRATED: MUTED}


CHECKLIST_BADGE = {ClauseLevel.D: "不符合", ClauseLevel.INCOMPLETE: "未评", ClauseLevel.NOT_APPLICABLE: "不适用"}


def badge_text(content: ReportContent, level: ClauseLevel) -> str:
    """A clause's badge: its level (A 优秀 …), or for a checklist norm 符合 / 不符合 / 不适用 / 未评."""
    if content.standard.kind is StandardKind.CHECKLIST:
        return CHECKLIST_BADGE.get(level, "符合")
    return level_name(level, "zh")


def draw_clauses(pdf: ReportPDF, content: ReportContent) -> None:
    pdf.add_page()
    checklist = content.standard.kind is StandardKind.CHECKLIST
    pdf.page_title("三、逐项检查结果" if checklist else "三、逐条评审结果")
    legend = ("每条规范的检查结果：符合 / 不符合 / 不适用（附理由）。照片编号见附录“佐证照片”。" if checklist else
              "等级：A 优秀、B 良好、C 合格、D 不合格（未达C）；★ 为推荐条款。"
              "条目结果：符合 / 不符合 / 不适用（附理由）。照片编号见附录“佐证照片”。")
    with pdf.style(7.5, MUTED):
        pdf.multi_cell(0, 4, legend, wrapmode=WrapMode.CHAR, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    for ci, chapter in enumerate(content.standard.chapters):
        if ci:
            pdf.keep_space(60)
        pdf.heading(f"第{chapter.number}章　{chapter.title}", 13, level=1, keep=40)
        for section in chapter.sections:
            pdf.heading(f"{section.number}　{section.title}", 10.5, level=2, keep=35)
            for clause in section.clauses:
                _draw_clause(pdf, content, clause)


def _draw_clause(pdf: ReportPDF, content: ReportContent, clause: Clause) -> None:
    score = content.clause_score(clause)
    finding = content.finding(clause.number)
    results = content.results[clause.number]
    ratings = finding.items if finding else {}
    photos = content.photos_by_clause.get(clause.number, [])
    pdf.keep_space(28)
    y = pdf.get_y()

    # Title line with the level badge on the right.
    badge_w = 24
    star = "★ " if clause.is_recommended else ""
    pdf.lines(f"{clause.number}　{star}{clause.title}", pdf.epw - badge_w - 2, 10, INK, 5.2)
    after_title = pdf.get_y()
    colour = LEVEL_COLOURS.get(score.level.value, MUTED)
    with pdf.local_context():
        pdf.set_fill_color(*colour)
        pdf.set_text_color(*((255, 255, 255) if score.level in (ClauseLevel.A, ClauseLevel.D) else INK))
        pdf.set_font(FONT, size=8.5)
        pdf.set_xy(pdf.w - MARGIN - badge_w, y + 0.3)
        pdf.cell(badge_w, 4.8, badge_text(content, score.level), align="C", fill=True)
    pdf.set_y(after_title)
    if score.reasons and content.standard.kind is not StandardKind.CHECKLIST:
        pdf.para("评定理由：" + "；".join(r.zh for r in score.reasons), 8, MUTED, h=4)

    if clause.items:
        item_photos: dict[str, list[str]] = {}
        for p in photos:
            item_photos.setdefault(p.record.target.item_code, []).append(p.number)
        checklist = content.standard.kind is StandardKind.CHECKLIST
        if checklist:  # a norm is its own single item: no item code column
            table = Grid(pdf, [92, 15, 73], ["规范要求", "结果", "说明 / 佐证"], size=8)
        else:
            table = Grid(pdf, [13, 79, 15, 73], ["条目", "评价要求", "结果", "说明 / 佐证"], size=8)
        for item in clause.items:
            result = results.get(item.code, ItemResult.UNRATED)
            rating = ratings.get(item.code)
            parts = []
            if item.derived is not None:
                parts.append("依据 " + "、".join(item.derived.sources) + " 评审结果评定")
            if rating and result is ItemResult.NA and rating.na_reason:
                parts.append("不适用理由：" + rating.na_reason)
            if rating and rating.note:
                parts.append(rating.note.strip())
            if rating and rating.rated_by:
                parts.append("评审人：" + rating.rated_by)
            if item.code in item_photos:
                parts.append("照片 " + "、".join(item_photos[item.code]))
            cells = [item.requirement, (RESULT_ZH[result], RESULT_COLOURS[result]), "\n".join(parts)]
            table.row(cells if checklist else [item.code, *cells])
    elif clause.derived is not None:
        pdf.para("本条款依据 " + "、".join(clause.derived.sources) + " 的评审结果评定。", 8.5)

    pdf.ln(1)
    if finding and finding.note:
        pdf.para("评审意见：" + finding.note, 8.5, INK, h=4.4)
    advice = (finding.rectification.get("", "") if finding else "").strip()
    if advice:
        pdf.para("整改建议（本条款）：" + advice, 8.5, INK, h=4.4)
    clause_level_photos = [p.number for p in photos if not p.record.target.item_code]
    if clause_level_photos:
        pdf.para("本条款照片：" + "、".join(clause_level_photos), 8, MUTED, h=4)
    pdf.ln(3)


__all__ = ["draw_clauses"]
