"""附录二、与机构自评的一致性分析: this review against the center's self-assessment (机构自评).

Drawn only when the report's input carries a comparison (report/source.py asks
review_chain.consistency_with_self). Shows both verdicts, the shares (item agreement, clause
levels exact and within one level, Cohen's κ) overall and per chapter, and every clause whose
levels differ, with the reviewer's reason (差异说明) or a flag where none was written.
The figures are computed in inspect_app/consistency.py; docs/review-chain.md gives the formulas.
"""

from __future__ import annotations

from typing import Any

from inspect_app.consistency import Consistency, Figures, kappa_text, percent
from inspect_app.report.layout import INK, LEVEL_COLOURS, MUTED, Grid, ReportPDF

FLAG = LEVEL_COLOURS["D"]


def _figures_doc(f: Figures) -> dict[str, Any]:
    return {"items_compared": f.items_compared, "items_agreeing": f.items_agreeing,
            "clauses_compared": f.clauses_compared, "clauses_exact": f.clauses_exact,
            "clauses_within_one": f.clauses_within_one,
            "kappa": None if f.kappa is None else round(f.kappa, 6)}


def consistency_document(c: Consistency | None) -> dict[str, Any] | None:
    """The comparison as plain JSON for the report's content (and so its hash)."""
    if c is None:
        return None
    return {
        "against": c.first_label, "this": c.second_label,
        "verdicts": {"self": c.first_verdict.name("zh"), "review": c.second_verdict.name("zh")},
        "scope": list(c.scope), "sampled": c.sampled,
        "overall": _figures_doc(c.overall),
        "chapters": [{"number": ch.number, **_figures_doc(ch.figures)} for ch in c.chapters],
        "disagreements": [{"clause": d.clause_number, "first": d.first.value, "second": d.second.value,
                           "items": list(d.items), "reason": d.reason} for d in c.disagreements],
    }


def draw_consistency(pdf: ReportPDF, content) -> None:
    c: Consistency | None = getattr(content.input, "consistency", None)
    if c is None:
        return
    pdf.add_page()
    pdf.page_title("附录二、与机构自评的一致性分析")
    scope = (f"本次为抽样复核，比较其抽取的 {len(c.scope)} 个条款。" if c.sampled
             else f"比较全部 {len(c.scope)} 个条款。")
    pdf.para(f"将本次评审（{c.second_label}）与被评机构提交的机构自评（{c.first_label}）逐项比较。{scope}"
             "条目一致率 = 两次结果相同的条目 ÷ 两次均有结果的条目；条款等级一致率 = 等级相同的条款 ÷ "
             "两次均评定等级的条款；相差不超过一级同理；κ 为条款等级的 Cohen's κ。", 8.5, MUTED, h=4.4)
    pdf.ln(2)
    o = c.overall
    table = Grid(pdf, [60, 60, 60], ["机构自评结论", "本次评审结论", "条目一致率"], size=9)
    table.row([c.first_verdict.name("zh") + ("（暂定）" if c.first_verdict.provisional else ""),
               c.second_verdict.name("zh") + ("（暂定）" if c.second_verdict.provisional else ""),
               f"{percent(o.item_agreement)}（{o.items_agreeing}/{o.items_compared}）"])
    pdf.ln(2)
    table = Grid(pdf, [60, 60, 60], ["条款等级一致率", "相差不超过一级", "Cohen's κ（条款等级）"], size=9)
    table.row([f"{percent(o.exact)}（{o.clauses_exact}/{o.clauses_compared}）",
               f"{percent(o.within_one)}（{o.clauses_within_one}/{o.clauses_compared}）", kappa_text(o.kappa)])
    pdf.ln(3)
    pdf.heading("各章一致性", 11, level=1, keep=30)
    table = Grid(pdf, [62, 30, 30, 30, 28], ["章", "条目一致率", "等级一致率", "相差≤一级", "κ"], size=8)
    for ch in c.chapters:
        f = ch.figures
        table.row([f"第{ch.number}章　{ch.title}", percent(f.item_agreement), percent(f.exact),
                   percent(f.within_one), kappa_text(f.kappa)])
    pdf.ln(3)
    unexplained = c.unexplained()
    pdf.heading(f"等级不一致的条款（{len(c.disagreements)} 条，其中未说明原因 {len(unexplained)} 条）", 11,
                level=1, keep=30)
    if not c.disagreements:
        pdf.para("两次评定的条款等级完全一致。", 9)
        return
    table = Grid(pdf, [40, 52, 28, 60], ["条款与等级", "条款名称", "不一致条目", "差异说明"], size=8)
    for d in c.disagreements:
        flagged = not d.reason.strip()
        table.row([d.text(), d.clause_title, "、".join(d.items) or "—",
                   ("未说明原因（已标注）", FLAG) if flagged else (d.reason, INK)])


__all__ = ["consistency_document", "consistency_fields", "draw_consistency"]


def consistency_fields(doc: dict) -> dict[str, str]:
    """The bureau manifest's consistency columns (manifest.csv / .xlsx) from a report's content:
    the self-assessed verdict, clause-level agreement, κ, item agreement and disagreements.
    Empty for a report with no self-assessment to compare."""
    c = doc.get("consistency") or {}
    if not c:
        return {"self_verdict": "", "consistency": "", "kappa": "", "item_agreement": "", "disagreements": ""}
    o = c.get("overall", {})

    def share(num: str, den: str) -> str:
        return percent(o[num] / o[den]) if o.get(den) else "—"

    return {"self_verdict": c.get("verdicts", {}).get("self", ""),
            "consistency": share("clauses_exact", "clauses_compared"),
            "kappa": kappa_text(o.get("kappa")), "item_agreement": share("items_agreeing", "items_compared"),
            "disagreements": str(len(c.get("disagreements", [])))}
