"""一、评审概况与结论 Overview: the team with work units and titles, the 前置条件 table (met or
not, and what a failed one means for the verdict), the verdict with its reasons, and the team
leader's overall assessment (主要成效 / 主要问题 / 总体意见) printed right after the verdict."""

from __future__ import annotations

from inspect_app.report.content import ReportContent, prerequisite_rows
from inspect_app.report.cover import draw_team, draw_verdict_box
from inspect_app.report.layout import INK, LEVEL_COLOURS, MUTED, Grid, ReportPDF

ASSESSMENT_PARTS = (("achievements", "主要成效"), ("problems", "主要问题"), ("opinion", "总体意见"))


def draw_overview(pdf: ReportPDF, content: ReportContent) -> None:
    pdf.add_page()
    pdf.page_title("一、评审概况与结论")
    draw_team(pdf, content)
    _prerequisites(pdf, content)
    pdf.heading("评审结论", 11, level=1, keep=40)
    draw_verdict_box(pdf, content)
    _assessment(pdf, content)


def _prerequisites(pdf: ReportPDF, content: ReportContent) -> None:
    rows = prerequisite_rows(content.standard, content.inspection.prerequisites)
    if not rows:
        return
    pdf.heading("前置条件", 11, level=1)
    pdf.para("前置条件在评分前核查；任何一项不符合，无论条款达标比例如何，均不能达到任何达标等级。",
             8, MUTED, h=4)
    pdf.ln(1)
    table = Grid(pdf, [12, 78, 20, 70], ["序号", "前置条件", "核查结果", "对评审结论的影响"], size=8)
    marks = {True: ("符合", LEVEL_COLOURS["A"]), False: ("不符合", LEVEL_COLOURS["D"]), None: ("未核查", MUTED)}
    for row in rows:
        text = row.text + (f"\n核查方法：{row.method}" if row.method else "")
        mark, colour = marks[row.met]
        table.row([row.id, text, (mark, colour), (row.meaning, colour if row.met is False else INK)])
    pdf.ln(3)


def _assessment(pdf: ReportPDF, content: ReportContent) -> None:
    assessment = content.inspection.assessment
    pdf.heading("总体评价", 11, level=1, keep=30)
    if assessment.empty:
        pdf.para("（评审组长尚未填写总体评价）", 9, MUTED)
        return
    for key, label in ASSESSMENT_PARTS:
        text = getattr(assessment, key).strip()
        pdf.keep_space(14)
        with pdf.style(9.5, INK):
            pdf.para(f"{label}", 9.5, INK, h=5)
        pdf.para(text or "—", 9, INK, h=4.8)
        pdf.ln(1.5)
    if assessment.by:
        pdf.para(f"评审组长：{assessment.by}", 8, MUTED, h=4)


__all__ = ["ASSESSMENT_PARTS", "draw_overview"]
