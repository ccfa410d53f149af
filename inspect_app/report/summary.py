"""二、评审结果汇总 Summary: the shares the verdict rules use against each tier's thresholds (table
and chart), clauses by level per chapter (chart), and per chapter and section the A/B/C/D counts
of basic and ★ clauses with their shares against the thresholds. ★ columns and rows appear only
when the standard has ★ clauses. Checklist standards get compliance per post (符合率) instead:
no levels, no badges.

Every share is printed with scoring.percent_text, the same text as the cover's reasons.
"""

from __future__ import annotations

from inspect_app.report.content import ReportContent, verdict_wording
from inspect_app.report.layout import (
    ACCENT, FONT, HEAD_FILL, INK, LEVEL_COLOURS, MARGIN, MUTED, Grid, ReportPDF,
)
from inspect_app.scoring import GroupSummary, LevelCounts, percent_text, post_compliance
from inspect_app.standard.coverage import missing_levels
from inspect_app.standard.model import ClauseKind, ItemLevel, StandardKind

KIND_ZH = {ClauseKind.BASIC: "基本条款", ClauseKind.RECOMMENDED: "推荐条款★"}
LEVEL_ROWS = (("C", "C级及以上", ItemLevel.C), ("B", "B级及以上", ItemLevel.B), ("A", "A级", ItemLevel.A))
SEGMENTS = (("A", "A 优秀"), ("B", "B 良好"), ("C", "C 合格"), ("D", "未达C"), ("incomplete", "未完成"), ("na", "不适用"))
BELOW = LEVEL_COLOURS["D"]


def share(counts: LevelCounts, level: ItemLevel) -> str:
    """A share as every page prints it ("—" when no clause applies)."""
    return f"{percent_text(counts.percent_at_least(level))}%" if counts.applicable else "—"


def kinds_present(content: ReportContent) -> list[ClauseKind]:
    """Basic always; ★ only when the standard has recommended clauses."""
    has_star = any(c.kind is ClauseKind.RECOMMENDED for c in content.standard.clauses())
    return [ClauseKind.BASIC] + ([ClauseKind.RECOMMENDED] if has_star else [])


def draw_summary(pdf: ReportPDF, content: ReportContent) -> None:
    pdf.add_page()
    pdf.page_title("二、评审结果汇总")
    if content.standard.kind is StandardKind.CHECKLIST:
        _post_table(pdf, content)
        return
    _verdict_table(pdf, content)
    _threshold_chart(pdf, content)
    _chapter_chart(pdf, content)
    _group_counts(pdf, content)
    _group_shares(pdf, content)


def _footnote(pdf: ReportPDF, text: str) -> None:
    """A note under a table, clear of its bottom rule."""
    pdf.ln(1.5)
    pdf.para(text, 7.5, MUTED, h=3.8)
    pdf.ln(3)


# ---------------------------------------------------------------- verdict shares


def _totals(content: ReportContent) -> dict[ClauseKind, LevelCounts]:
    return {ClauseKind.BASIC: content.score.basic, ClauseKind.RECOMMENDED: content.score.recommended}


def _threshold(tier, kind: ClauseKind, level: ItemLevel) -> float | None:
    for rule in tier.rules:
        if rule.clause_kind is kind and level in rule.min_percent:
            return rule.min_percent[level]
    return None


def _verdict_table(pdf: ReportPDF, content: ReportContent) -> None:
    """Actual shares against each tier's thresholds, exactly as the verdict rules compare them."""
    pdf.heading("1. 达标比例（按条款类别）", 11, level=1)
    pdf.para(f"评审结论：{verdict_wording(content.score)}", 9.5, ACCENT, h=5)
    pdf.ln(1)
    tiers = content.score.verdict.checks
    totals = _totals(content)
    fixed = [26, 22, 20, 20]
    rest = (pdf.epw - sum(fixed)) / max(1, len(tiers))
    table = Grid(pdf, fixed + [rest] * len(tiers),
                 ["条款类别", "等级", "条款数", "实际比例"] + [f"{c.tier.name}要求" for c in tiers],
                 size=8.5, aligns="LLCC" + "C" * len(tiers))
    for kind in kinds_present(content):
        counts = totals[kind]
        for _key, label, level in LEVEL_ROWS:
            row = [KIND_ZH[kind], label, f"{counts.at_least(level)}/{counts.applicable}", share(counts, level)]
            for check in tiers:
                need = _threshold(check.tier, kind, level)
                if need is None:
                    row.append("—")
                elif counts.applicable == 0:
                    row.append(f"≥{need:g}%（无适用条款，不计）")
                elif level in check.not_assessable:  # the file (an excerpt) holds no items of this level
                    row.append(f"≥{need:g}%（本文本无{level.value}级条目，无法评定）")
                else:
                    ok = counts.percent_at_least(level) + 1e-9 >= need
                    row.append((f"≥{need:g}% {'√' if ok else '×'}", INK if ok else BELOW))
            table.row(row)
    _footnote(pdf, "比例 = 达到该等级及以上的条款数 ÷ 适用条款数；不适用条款不计入分子和分母，"
                   "未完成条款计为未达到。√ 达到要求，× 未达到。")


def _threshold_chart(pdf: ReportPDF, content: ReportContent) -> None:
    """Horizontal bars of the actual shares with a tick per tier threshold: is it reached, at a glance."""
    tiers = [c.tier for c in content.score.verdict.checks]
    totals = _totals(content)
    rows = [(kind, key, label, level) for kind in kinds_present(content)
            for key, label, level in LEVEL_ROWS if totals[kind].applicable]
    if not rows:
        return
    bar_h, gap, label_w = 5.0, 2.0, 42.0
    height = len(rows) * (bar_h + gap) + 16
    pdf.heading("2. 达标比例图", 11, level=1, keep=height + 8)
    x0 = MARGIN + label_w
    width = pdf.epw - label_w - 14
    y = pdf.get_y() + 2
    tick_styles = [(0, 0, 0), (90, 90, 90), (160, 160, 160)]
    with pdf.local_context():
        pdf.set_font(FONT, size=7.5)
        for kind, key, label, level in rows:
            counts = totals[kind]
            value = counts.percent_at_least(level)
            pdf.set_text_color(*INK)
            pdf.set_xy(MARGIN, y)
            pdf.cell(label_w - 2, bar_h, f"{KIND_ZH[kind]} {label}", align="R")
            pdf.set_fill_color(238, 238, 238)
            pdf.rect(x0, y, width, bar_h, style="F")
            pdf.set_fill_color(*LEVEL_COLOURS[key])
            if value > 0:
                pdf.rect(x0, y, width * value / 100, bar_h, style="F")
            pdf.set_xy(x0 + width + 1, y)
            pdf.cell(13, bar_h, share(counts, level))
            for index, tier in enumerate(tiers):
                need = _threshold(tier, kind, level)
                if need is None:
                    continue
                tx = x0 + width * need / 100
                pdf.set_draw_color(*tick_styles[min(index, 2)])
                pdf.set_line_width(0.6)
                pdf.line(tx, y - 0.8, tx, y + bar_h + 0.8)
            y += bar_h + gap
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
    pdf.heading("3. 各章条款等级分布", 11, level=1, keep=height + 8)
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


def _groups(content: ReportContent) -> list[tuple[GroupSummary, bool]]:
    """Chapters (True) each followed by its sections, then the total."""
    by_chapter: dict[str, list[GroupSummary]] = {}
    for s in content.score.sections:
        by_chapter.setdefault(s.number.split(".")[0], []).append(s)
    out: list[tuple[GroupSummary, bool]] = []
    for chapter in content.score.chapters:
        out.append((chapter, True))
        out.extend((s, False) for s in by_chapter.get(chapter.number, []))
    score = content.score
    out.append((GroupSummary("", "合计", score.basic, score.recommended, score.rated_items, score.total_items), True))
    return out


def _group_counts(pdf: ReportPDF, content: ReportContent) -> None:
    """A/B/C/D counts per chapter and section, basic and (when present) ★ clauses."""
    pdf.heading("4. 各章节条款等级统计", 11, level=1)
    kinds = kinds_present(content)
    show_incomplete = bool(content.score.basic.incomplete or content.score.recommended.incomplete)
    keys = ["A", "B", "C", "D", "na"] + (["incomplete"] if show_incomplete else [])
    names = {"A": "A", "B": "B", "C": "C", "D": "D", "na": "不适用", "incomplete": "未完成"}
    prefix = {ClauseKind.BASIC: "基本", ClauseKind.RECOMMENDED: "★"}
    n = len(keys) * len(kinds)
    title_w = 62.0 if len(kinds) == 1 else 50.0
    col = (pdf.epw - 12 - title_w) / n
    headers = ["编号", "章 / 节"] + [f"{prefix[k]}\n{names[key]}" for k in kinds for key in keys]
    table = Grid(pdf, [12, title_w] + [col] * n, headers, size=7.5, aligns="LL" + "C" * n)
    for group, strong in _groups(content):
        cells = [group.number, group.title]
        for kind in kinds:
            counts = group.basic if kind is ClauseKind.BASIC else group.recommended
            cells.extend(str(getattr(counts, key)) if getattr(counts, key) else "·" for key in keys)
        table.row([(c, ACCENT) for c in cells] if strong else cells, fill=HEAD_FILL if strong else None)
    _footnote(pdf, "A 优秀、B 良好、C 合格、D 不合格（未达C级）；“·”为 0。" +
              ("★ 为推荐条款。" if len(kinds) > 1 else "本标准无推荐条款（★）。"))


def _group_shares(pdf: ReportPDF, content: ReportContent) -> None:
    """Per chapter and section the shares at C/B/A, against the thresholds of each tier (listed
    first); a share below the lowest tier's threshold is red."""
    tiers = [c.tier for c in content.score.verdict.checks]
    kinds = kinds_present(content)
    pdf.heading("5. 各章节达标比例", 11, level=1)
    prefix = {ClauseKind.BASIC: "基本", ClauseKind.RECOMMENDED: "★"}
    levels = [(ItemLevel.C, "≥C"), (ItemLevel.B, "≥B"), (ItemLevel.A, "A")]
    n = len(levels) * len(kinds)
    title_w = 62.0 if len(kinds) == 1 else 50.0
    col = (pdf.epw - 12 - title_w) / n
    headers = ["编号", "章 / 节"] + [f"{prefix[k]}\n{lab}" for k in kinds for _, lab in levels]
    table = Grid(pdf, [12, title_w] + [col] * n, headers, size=7.5, aligns="LL" + "C" * n)
    floor = tiers[-1] if tiers else None
    for tier in tiers:
        cells = ["", f"{tier.name}要求"]
        for kind in kinds:
            for level, _ in levels:
                need = _threshold(tier, kind, level)
                cells.append("—" if need is None else f"≥{need:g}%")
        table.row([(c, MUTED) for c in cells])
    for group, strong in _groups(content):
        cells: list = [group.number, group.title]
        for kind in kinds:
            counts = group.basic if kind is ClauseKind.BASIC else group.recommended
            for level, _ in levels:
                text = share(counts, level)
                need = _threshold(floor, kind, level) if floor is not None else None
                low = counts.applicable and need is not None and counts.percent_at_least(level) + 1e-9 < need
                if level in missing_levels(content.standard):  # an excerpt without this level: no shortfall
                    cells.append(("无此级条目", MUTED))
                    continue
                cells.append((text, BELOW) if low else text)
        if strong:
            cells = [c if isinstance(c, tuple) else (c, ACCENT) for c in cells]
        table.row(cells, fill=HEAD_FILL if strong else None)
    floor_name = floor.name if floor is not None else ""
    _footnote(pdf, "比例只计适用条款。" + (f"红色：低于{floor_name}的要求（达标等级按全部条款合计评定，"
                                        "各章节比例供整改时参考）。" if floor_name else ""))


# ---------------------------------------------------------------- checklist standards


def _post_table(pdf: ReportPDF, content: ReportContent) -> None:
    """Compliance per post (符合率) and the overall compliance against the standard's threshold."""
    posts = post_compliance(content.standard, content.score.clauses)
    counts = content.score.basic
    tiers = content.score.verdict.checks
    pdf.heading("1. 规范符合情况", 11, level=1)
    pdf.para(f"评审结论：{verdict_wording(content.score)}", 9.5, ACCENT, h=5)
    total = f"{percent_text(counts.percent_at_least(ItemLevel.C))}%" if counts.applicable else "—"
    needs = [f"{c.tier.name}要求符合率 ≥{_threshold(c.tier, ClauseKind.BASIC, ItemLevel.C):g}%"
             for c in tiers if _threshold(c.tier, ClauseKind.BASIC, ItemLevel.C) is not None]
    pdf.para(f"全部适用规范 {counts.applicable} 条，符合 {counts.at_least(ItemLevel.C)} 条，符合率 {total}"
             + (f"（{'；'.join(needs)}）" if needs else "") + "。", 9, INK, h=4.8)
    pdf.ln(2)
    pdf.heading("2. 各岗位规范符合率", 11, level=1)
    table = Grid(pdf, [14, 66, 20, 20, 20, 20, 20], ["编号", "岗位", "符合", "不符合", "不适用", "未评", "符合率"],
                 size=8.5, aligns="LLCCCCC")
    for p in posts:
        decided = p.met + p.not_met
        rate = f"{percent_text(p.percent)}%" if decided else "—"
        table.row([p.number, p.title, str(p.met), str(p.not_met), str(p.not_applicable), str(p.unrated),
                   (rate, BELOW if p.not_met else INK)])
    _footnote(pdf, "符合率 = 符合的规范数 ÷（符合 + 不符合）；不适用与未评的规范不计入。")


__all__ = ["draw_summary", "kinds_present", "share"]
