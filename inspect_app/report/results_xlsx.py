"""评审结果导出为 Excel: one row per item, and one summary sheet per chapter.

    python main.py report xlsx INSPECTION_ID --out 结果.xlsx

Sheet 评审结果: 章, 条款号, 条款名称, 类别, 条目编号, 等级, 要求, 结果, 条款等级, 备注, 不适用理由, 评审人,
评审时间, 整改建议, 照片编号 (the numbers the report prints). Sheet 汇总: the verdict with its reasons.
One sheet per chapter (第1章 …): its sections' clause counts by level, then each clause with its level
and why. Built from the same domain objects as the PDF (ReportInput), so both say the same.
"""

from __future__ import annotations

import io
from pathlib import Path

from inspect_app.clock import local_time_text
from inspect_app.inspection import ItemRating, ItemResult
from inspect_app.report.content import ReportInput, photo_numbers
from inspect_app.scoring import GroupSummary, item_results, level_name, score_inspection
from inspect_app.standard.model import ClauseKind

RESULT_ZH = {ItemResult.MET: "符合", ItemResult.NOT_MET: "不符合", ItemResult.NA: "不适用", ItemResult.UNRATED: "未评"}
ITEM_COLUMNS = ("章", "条款号", "条款名称", "类别", "条目编号", "等级", "要求", "结果", "条款等级", "备注", "不适用理由",
                "评审人", "评审时间", "整改建议", "照片编号")
GROUP_KEYS = (("A", "A"), ("B", "B"), ("C", "C"), ("D", "未达C"), ("na", "不适用"), ("incomplete", "未完成"))


def results_workbook(data: ReportInput):
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    standard = data.standard.assessable()
    inspection = data.inspection
    zone = getattr(inspection, "time_zone", None)
    ratings = {n: f.items for n, f in data.findings.items()}
    score = score_inspection(standard, ratings, inspection.prerequisites,
                             small_institution=bool(getattr(data.center, "small_institution", False)))
    levels = {n: s.level for n, s in score.clauses.items()}
    numbers = photo_numbers(data.evidence)
    photos: dict[tuple[str, str], list[str]] = {}
    for record in data.evidence:
        if not record.deleted:
            photos.setdefault((record.target.clause_number, record.target.item_code), []).append(numbers[record.id])

    def head(ws, columns, widths=None):
        ws.append(list(columns))
        for cell in ws[ws.max_row]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="DDEBF7")
        ws.freeze_panes = f"A{ws.max_row + 1}"
        for index, width in (widths or {}).items():
            ws.column_dimensions[chr(ord("A") + index)].width = width

    wb = Workbook()
    ws = wb.active
    ws.title = "评审结果"
    head(ws, ITEM_COLUMNS, {0: 14, 2: 22, 6: 40, 9: 30, 10: 20, 13: 30, 14: 16})
    for chapter in standard.chapters:
        for section in chapter.sections:
            for clause in section.clauses:
                finding = data.findings.get(clause.number)
                results = item_results(clause, ratings.get(clause.number, {}), levels)
                clause_photos = photos.get((clause.number, ""), [])
                level = level_name(score.clauses[clause.number].level)
                for item in clause.items:
                    rating: ItemRating = (finding.items.get(item.code) if finding else None) or ItemRating()
                    result = RESULT_ZH[results[item.code]] + ("（依据其他条款）" if item.derived else "")
                    shown = photos.get((clause.number, item.code), []) + [f"条款 {n}" for n in clause_photos]
                    ws.append([f"{chapter.number} {chapter.title}".strip(), clause.number, clause.title,
                               "推荐★" if clause.kind is ClauseKind.RECOMMENDED else "基本", item.code, item.level.value,
                               item.requirement, result, level, rating.note, rating.na_reason, rating.rated_by,
                               local_time_text(rating.rated_at, zone),
                               (finding.rectification.get(item.code, "") if finding else ""), "、".join(shown)])
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")

    summary = wb.create_sheet("汇总")
    v = score.verdict
    summary.append(["评审结论", v.label("zh")])
    summary.append(["Verdict", v.label("en")])
    for reason in v.reasons:
        summary.append(["", reason.zh])
    summary.append([])
    summary.append(["条款类别", "适用条款", "C级及以上", "B级及以上", "A级"])
    for name, counts in (("基本条款", score.basic), ("推荐条款★", score.recommended)):
        summary.append([name, counts.applicable] + [f"{counts.at_least(lv)}（{counts.percent_at_least(lv):.1f}%）"
                                                    if counts.applicable else "—" for lv in _levels()])
    summary.column_dimensions["A"].width, summary.column_dimensions["B"].width = 14, 90

    sections = {s.number: s for s in score.sections}
    for group in score.chapters:
        sheet = wb.create_sheet(_sheet_name(group))
        head(sheet, ("编号", "章 / 节") + tuple(f"基本 {label}" for _, label in GROUP_KEYS)
             + tuple(f"推荐★ {label}" for _, label in GROUP_KEYS) + ("已评条目", "条目"), {1: 30})
        chapter = next(ch for ch in standard.chapters if ch.number == group.number)
        for g in [group] + [sections[s.number] for s in chapter.sections if s.number in sections]:
            sheet.append(_group_row(g))
        sheet.append([])
        sheet.append(["条款号", "条款名称", "类别", "条款等级", "理由"])
        for section in chapter.sections:
            for clause in section.clauses:
                s = score.clauses[clause.number]
                sheet.append([clause.number, clause.title, "推荐★" if clause.kind is ClauseKind.RECOMMENDED else "基本",
                              level_name(s.level), "；".join(r.zh for r in s.reasons)])
    return wb


def _levels():
    from inspect_app.standard.model import ItemLevel

    return (ItemLevel.C, ItemLevel.B, ItemLevel.A)


def _sheet_name(group: GroupSummary) -> str:
    # Excel sheet names: at most 31 characters, none of []:*?/\
    name = f"第{group.number}章 {group.title}".strip()
    for bad in "[]:*?/\\":
        name = name.replace(bad, " ")
    return name[:31]


def _group_row(g: GroupSummary) -> list:
    return ([g.number, g.title] + [getattr(g.basic, key) for key, _ in GROUP_KEYS]
            + [getattr(g.recommended, key) for key, _ in GROUP_KEYS] + [g.rated_items, g.total_items])


def results_xlsx_bytes(data: ReportInput) -> bytes:
    out = io.BytesIO()
    results_workbook(data).save(out)
    return out.getvalue()


def export_results_xlsx(ws, inspection_id: str, out: Path | str) -> Path:
    """Write one inspection's results as .xlsx (the CLI and the tablet's summary screen call this)."""
    from inspect_app.report.source import report_input
    from inspect_app.store.durable import atomic_write_bytes

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(out, results_xlsx_bytes(report_input(ws, inspection_id)))
    return out


def register_xlsx(actions, common, guard, workspace) -> None:
    """`report xlsx INSPECTION_ID --out F.xlsx`, added to the report command's actions."""
    p = actions.add_parser("xlsx", help="评审结果导出为 Excel / results as .xlsx (one row per item, a sheet per chapter)")
    p.add_argument("inspection", help="inspection id")
    p.add_argument("--out", required=True, help="结果.xlsx")
    common(p, signing=False)

    def run(args) -> int:
        ws = workspace(args)
        try:
            path = export_results_xlsx(ws, args.inspection, args.out)
        finally:
            ws.close()
        print(f"已写入 / written: {path}")
        return 0

    p.set_defaults(func=guard(run))


__all__ = ["export_results_xlsx", "register_xlsx", "results_workbook", "results_xlsx_bytes"]
