"""评审结果汇总 Summary: the shares the verdict rules use (with a threshold chart), and clauses by
level per chapter and section, basic and recommended ★ clauses separately (with a bar chart).
Checklist standards get compliance per post instead."""

from __future__ import annotations

from fpdf import FontFace
from fpdf.enums import WrapMode, XPos, YPos

from inspect_app.report.content import ReportContent
from inspect_app.report.layout import (
    ACCENT, FONT, HEAD_FILL, INK, LEVEL_COLOURS, MARGIN, MUTED, ReportPDF,
)
from inspect_app.scoring import GroupSummary, LevelCounts, post_compliance
from inspect_app.standard.model import ClauseKind, ItemLevel, StandardKind

KIND_ZH = {ClauseKind.BASIC: "基本条款", ClauseKind.RECOMMENDED: "推荐条款★"}
LEVEL_ROWS = (("C", "C级及以上", ItemLevel.C), ("B", "B级及以上", ItemLevel.B), ("A", "A级", ItemLevel.A))
SEGMENTS = (("A", "A 优秀"), ("B", "B 良好"), ("C", "C 合格"), ("D", "未达C"), ("incomplete", "未完成"), ("na", "不适用"))


def draw_summary(pdf: ReportPDF, content: ReportContent) -> None:
    pdf.add_page()
    pdf.page_title("一、评审结果汇总")
    if content.standard.kind is StandardKind.CHECKLIST:
        _post_table(pdf, content)
        pdf.ln(5)
        _verdict_table(pdf, content)
        return
    _verdict_table(pdf, content)
    _threshold_chart(pdf, content)
    _chapter_chart(pdf, content)
    _group_table(pdf, content)


# ---------------------------------------------------------------- verdict shares


def _totals(content: ReportContent) -> dict[ClauseKind, LevelCounts]:
    return {ClauseKind.BASIC: content.score.basic, ClauseKind.RECOMMENDED: content.score.recommended}


def _verdict_table(pdf: ReportPDF, content: ReportContent) -> None:
    """Actual shares against each tier's thresholds, exactly as the verdict rules compare them."""
    pdf.heading("达标比例" if content.standard.kind is StandardKind.CHECKLIST else "1. 达标比例（按条款类别）", 11)
    tiers = content.score.verdict.checks
    totals = _totals(content)
    widths = [26, 22, 20, 22] + [22] * len(tiers)
    header = ["条款类别", "等级", "条款数", "实际比例"] + [f"{c.tier.name}要求" for c in tiers]
    with pdf.table_(widths[: len(header)], size=8.5, width=sum(widths[: len(header)]), align="LEFT") as table:
        table.row(header)
        checklist = content.standard.kind is StandardKind.CHECKLIST
        for kind in (ClauseKind.BASIC, ClauseKind.RECOMMENDED):
            counts = totals[kind]
            for key, label, level in LEVEL_ROWS:
                has_rule = any(_threshold(c.tier, kind, level) is not None for c in tiers)
                if checklist and not has_rule:
                    continue  # a checklist norm is met or not: only the compliance share matters
                if checklist:
                    label = "符合"
                row = ["全部规范" if checklist else KIND_ZH[kind], label, f"{counts.at_least(level)}/{counts.applicable}",
                       f"{counts.percent_at_least(level):.1f}%" if counts.applicable else "—"]
                for check in tiers:
                    need = _threshold(check.tier, kind, level)
                    if need is None:
                        row.append("—")
                    elif counts.applicable == 0:
                        row.append(f"≥{need:g}%（无适用条款，不计）")
                    else:
                        ok = counts.percent_at_least(level) + 1e-9 >= need
                        row.append(f"≥{need:g}% {'√' if ok else '×'}")
                table.row(row)
    with pdf.style(7.5, MUTED):
        pdf.multi_cell(0, 4, "比例 = 达到该等级及以上的条款数 ÷ 适用条款数；不适用条款不计入分子和分母，"
                             "未完成条款计为未达到。√ 达到要求，× 未达到。",
                       wrapmode=WrapMode.CHAR, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)


def _threshold(tier, kind: ClauseKind, level: ItemLevel) -> float | None:
    for rule in tier.rules:
        if rule.clause_kind is kind and level in rule.min_percent:
            return rule.min_percent[level]
    return None


def _threshold_chart(pdf: ReportPDF, content: ReportContent) -> None:
    """Horizontal bars of the actual shares with a tick per tier threshold: is it reached, at a glance."""
    tiers = [c.tier for c in content.score.verdict.checks]
    totals = _totals(content)
    rows = [(kind, key, label, level) for kind in (ClauseKind.BASIC, ClauseKind.RECOMMENDED)
            for key, label, level in LEVEL_ROWS if totals[kind].applicable]
    if not rows:
        return
    bar_h, gap, label_w = 5.0, 2.0, 42.0
    height = len(rows) * (bar_h + gap) + 16
    pdf.keep_space(height + 8)
    pdf.heading("2. 达标比例图", 11, keep=height)
    x0 = MARGIN + label_w
    width = pdf.epw - label_w - 12
    y = pdf.get_y() + 2
    tick_styles = [(0, 0, 0), (90, 90, 90), (160, 160, 160)]
    with pdf.local_context():
        pdf.set_font(FONT, size=7.5)
        for kind, key, label, level in rows:
            counts = totals[kind]
            share = counts.percent_at_least(level)
            pdf.set_text_color(*INK)
            pdf.set_xy(MARGIN, y)
            pdf.cell(label_w - 2, bar_h, f"{KIND_ZH[kind]} {label}", align="R")
            pdf.set_fill_color(238, 238, 238)
            pdf.rect(x0, y, width, bar_h, style="F")
            pdf.set_fill_color(*LEVEL_COLOURS[key])
            if share > 0:
                pdf.rect(x0, y, width * share / 100, bar_h, style="F")
            pdf.set_xy(x0 + width + 1, y)
            pdf.cell(12, bar_h, f"{share:.0f}%")
            for index, tier in enumerate(tiers):
                need = _threshold(tier, kind, level)
                if need is None:
                    continue
                tx = x0 + width * need / 100
                pdf.set_draw_color(*tick_styles[min(index, 2)])
                pdf.set_line_width(0.6)
                pdf.line(tx, y - 0.8, tx, y + bar_h + 0.8)
            y += bar_h + gap
        # legend of the ticks
        pdf.set_xy(x0, y)
        for index, tier in enumerate(tiers):
            lx = pdf.get_x()
            pdf.set_draw_color(*tick_styles[min(index, 2)])
            pdf.set_line_width(0.6)
            pdf.line(lx + 1, y + 0.5, lx + 1, y + 3.5)
            pdf.set_x(lx + 2.5)
            pdf.set_text_color(*MUTED)
            pdf.cell(30, 4, f"{tier.name}要求")
        pdf.set_xy(MARGIN, y + 7)
    pdf.ln(2)


# ---------------------------------------------------------------- per chapter


def _chapter_chart(pdf: ReportPDF, content: ReportContent) -> None:
    """One stacked bar per chapter: how its clauses split over A/B/C/below C/N/A."""
    chapters = content.score.chapters
    if not chapters:
        return
    bar_h, gap, label_w = 6.0, 2.5, 58.0
    height = len(chapters) * (bar_h + gap) + 14
    pdf.keep_space(height + 8)
    pdf.heading("3. 各章条款等级分布", 11, keep=height)
    x0 = MARGIN + label_w
    width = pdf.epw - label_w - 2
    y = pdf.get_y() + 1
    with pdf.local_context():
        pdf.set_font(FONT, size=7.5)
        for group in chapters:
            counts = group.all
            pdf.set_text_color(*INK)
            pdf.set_xy(MARGIN, y)
            title = f"{group.number} {group.title}"
            pdf.cell(label_w - 2, bar_h, title if len(title) <= 16 else title[:15] + "…", align="R")
            x = x0
            total = counts.total or 1
            for key, _ in SEGMENTS:
                n = getattr(counts, key)
                if not n:
                    continue
                w = width * n / total
                pdf.set_fill_color(*LEVEL_COLOURS[key])
                pdf.rect(x, y, w, bar_h, style="F")
                if w >= 5:
                    pdf.set_text_color(*((255, 255, 255) if key in ("A", "D") else INK))
                    pdf.set_xy(x, y)
                    pdf.cell(w, bar_h, str(n), align="C")
                x += w
            y += bar_h + gap
        x = x0
        for key, label in SEGMENTS:
            pdf.set_fill_color(*LEVEL_COLOURS[key])
            pdf.rect(x, y + 0.8, 3, 3, style="F")
            pdf.set_text_color(*MUTED)
            pdf.set_xy(x + 3.5, y)
            pdf.cell(18, 4.6, label)
            x += 22
        pdf.set_xy(MARGIN, y + 8)
    pdf.ln(1)


def _group_table(pdf: ReportPDF, content: ReportContent) -> None:
    pdf.heading("4. 各章节条款等级统计", 11)
    chapters = {c.number: c for c in content.score.chapters}
    sections = content.score.sections
    show_incomplete = bool(content.score.basic.incomplete or content.score.recommended.incomplete)
    keys = ["A", "B", "C", "D", "na"] + (["incomplete"] if show_incomplete else [])
    names = {"A": "A", "B": "B", "C": "C", "D": "未达C", "na": "不适用", "incomplete": "未完成"}
    n = len(keys)
    widths = [13, 47] + [(pdf.epw - 60) / (2 * n)] * (2 * n)
    with pdf.table_(widths, size=7.5, num_heading_rows=2, text_align="CENTER") as table:
        head = table.row()
        head.cell("编号", rowspan=2)
        head.cell("章 / 节", rowspan=2)
        head.cell("基本条款", colspan=n)
        head.cell("推荐条款★", colspan=n)
        sub = table.row()
        for _ in range(2):
            for key in keys:
                sub.cell(names[key])
        by_chapter: dict[str, list[GroupSummary]] = {}
        for s in sections:
            by_chapter.setdefault(s.number.split(".")[0], []).append(s)
        for number, chapter in chapters.items():
            _group_row(pdf, table, chapter, keys, strong=True)
            for section in by_chapter.get(number, []):
                _group_row(pdf, table, section, keys, strong=False)
        total = GroupSummary("", "合计", content.score.basic, content.score.recommended,
                             content.score.rated_items, content.score.total_items)
        _group_row(pdf, table, total, keys, strong=True)


def _group_row(pdf: ReportPDF, table, group: GroupSummary, keys: list[str], strong: bool) -> None:
    style = FontFace(emphasis=None, color=ACCENT, fill_color=HEAD_FILL) if strong else None
    row = table.row(style=style)
    row.cell(group.number, align="LEFT")
    row.cell(pdf.cell_text(group.title, 47, 7.5), align="LEFT")
    for counts in (group.basic, group.recommended):
        for key in keys:
            value = getattr(counts, key)
            row.cell(str(value) if value else "·")


# ---------------------------------------------------------------- checklist standards


def _post_table(pdf: ReportPDF, content: ReportContent) -> None:
    posts = post_compliance(content.standard, content.score.clauses)
    pdf.heading("各岗位规范符合情况", 11)
    with pdf.table_([16, 70, 18, 18, 18, 18, 32], size=8.5) as table:
        table.row(["编号", "岗位", "符合", "不符合", "不适用", "未评", "符合率"])
        for p in posts:
            table.row([p.number, p.title, str(p.met), str(p.not_met), str(p.not_applicable), str(p.unrated),
                       f"{p.percent:.0f}%" if p.met + p.not_met else "—"])


__all__ = ["draw_summary"]
