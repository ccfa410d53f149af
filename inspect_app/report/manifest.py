"""The bureau's manifest of exported reports: manifest.csv and manifest.xlsx with Chinese column
headers, the verdict worded as on each cover, the evaluation date and stage, basic and ★ shares
with percentages, and codes kept as text.

Codes as text: Excel reads a CSV cell such as 0012 or 52010200001 as a number and drops the
leading zeros or shows 5.20102E+10. In manifest.csv a code that looks like a number is written
as the formula ="0012", which Excel shows as the text 0012 (other readers see the formula text,
whose quotes name the value exactly). In manifest.xlsx every code cell is a string cell with the
text number format "@", so nothing is converted whichever way the file is opened.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from typing import Any

from inspect_app.clock import local_date_text
from inspect_app.scoring import percent_text

MANIFEST_XLSX = "manifest.xlsx"

# (attribute of export.ManifestRow, Chinese header, kind): kind "code" stays text, "int" a number
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("county", "县（区）", "text"),
    ("center", "机构名称", "text"),
    ("code", "机构代码", "code"),
    ("registration_code", "登记号", "code"),
    ("stage", "评价阶段", "text"),
    ("evaluation_date", "评审日期", "text"),
    ("report_id", "报告编号", "code"),
    ("revision", "修订版本", "int"),
    ("standard", "评价标准", "text"),
    ("edition", "标准版本", "text"),
    ("verdict", "评审结论", "text"),
    ("provisional", "是否暂定", "bool"),
    ("basic_c", "基本条款C级及以上比例", "text"),
    ("basic_b", "基本条款B级及以上比例", "text"),
    ("basic_a", "基本条款A级比例", "text"),
    ("recommended_c", "推荐条款C级及以上比例", "text"),
    ("recommended_b", "推荐条款B级及以上比例", "text"),
    ("recommended_a", "推荐条款A级比例", "text"),
    ("self_verdict", "机构自评结论", "text"),
    ("consistency", "与自评等级一致率", "text"),
    ("kappa", "一致性κ", "text"),
    ("item_agreement", "与自评条目一致率", "text"),
    ("disagreements", "等级不一致条款数", "text"),
    ("A", "A级条款数", "int"),
    ("B", "B级条款数", "int"),
    ("C", "C级条款数", "int"),
    ("D", "D级（不合格）条款数", "int"),
    ("incomplete", "未完成条款数", "int"),
    ("na", "不适用条款数", "int"),
    ("file", "报告文件", "text"),
    ("sha256", "文件SHA-256", "code"),
    ("content_sha256", "报告内容校验值", "code"),
    ("bytes", "文件大小（字节）", "int"),
    ("inspection_id", "评审记录编号", "code"),
)
HEADERS = tuple(h for _, h, _ in COLUMNS)
# What Excel turns into a number on opening (dropping leading zeros, or 5.2E+10 for long codes):
# digits with separators, optionally in scientific notation. A hex hash such as 0c72… is not.
_NUMERIC_LOOKING = re.compile(r"^\s*[+\-]?[0-9][0-9.,\s]*([eE][+\-]?[0-9]+)?\s*$")


def _when(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def bureau_fields(doc: dict) -> dict[str, str]:
    """The manifest's bureau columns from a report's embedded content (older contents without
    them get what can be derived: shares from the counts, dates in the default zone)."""
    inspection = doc.get("inspection", {})
    zone = inspection.get("time_zone") or None
    start = local_date_text(_when(inspection.get("started_on")), zone)
    end = local_date_text(_when(inspection.get("finished_on")), zone)
    shares = doc.get("shares") or {}

    def share(kind: str, level: str) -> str:
        if shares:
            value = (shares.get(kind) or {}).get(level)
            return f"{value}%" if value is not None else ""
        counts = doc.get("counts", {}).get(kind, {})
        applicable = sum(counts.get(k, 0) for k in ("A", "B", "C", "D", "incomplete"))
        if not applicable:
            return ""
        reached = {"C": counts.get("A", 0) + counts.get("B", 0) + counts.get("C", 0),
                   "B": counts.get("A", 0) + counts.get("B", 0), "A": counts.get("A", 0)}[level]
        return f"{percent_text(100.0 * reached / applicable)}%"

    return {
        "registration_code": str(doc.get("center", {}).get("registration_code", "") or ""),
        "stage": str(inspection.get("stage_zh", "") or ""),
        "evaluation_date": start if not end or end == start else f"{start} 至 {end}",
        "basic_c": share("basic", "C"), "basic_b": share("basic", "B"), "basic_a": share("basic", "A"),
        "recommended_c": share("recommended", "C"), "recommended_b": share("recommended", "B"),
        "recommended_a": share("recommended", "A"),
    }


def _cell(row: Any, attr: str, kind: str) -> Any:
    value = getattr(row, attr)
    if kind == "bool":
        return "是" if value else "否"
    return value


def csv_text(value: Any, kind: str) -> str:
    """A CSV cell; a code that Excel would turn into a number becomes ="…" (kept as text)."""
    text = "" if value is None else str(value)
    if kind == "code" and text and _NUMERIC_LOOKING.match(text):
        return '="' + text.replace('"', '""') + '"'
    return text


def manifest_csv_bytes(rows: list) -> bytes:
    """UTF-8 with BOM (Excel then reads the Chinese right), CRLF, Chinese headers."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADERS)
    for row in rows:
        writer.writerow([csv_text(_cell(row, attr, kind), kind) for attr, _, kind in COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def manifest_xlsx_bytes(rows: list) -> bytes:
    """One sheet 评审报告清单: header row frozen, codes as text cells (format "@")."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = "评审报告清单"
    sheet.append(list(HEADERS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="E5ECF4")
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for r, row in enumerate(rows, start=2):
        for c, (attr, _, kind) in enumerate(COLUMNS, start=1):
            value = _cell(row, attr, kind)
            cell = sheet.cell(row=r, column=c)
            if kind in ("code", "text", "bool"):
                cell.value = "" if value is None else str(value)
                cell.data_type = "s"
                cell.number_format = "@"
            else:
                cell.value = value
    for c, (attr, header, kind) in enumerate(COLUMNS, start=1):
        longest = max([len(header)] + [len(str(getattr(r, attr))) for r in rows])
        sheet.column_dimensions[get_column_letter(c)].width = min(60, max(8, longest * (1.0 if kind == "code" else 1.8)))
    sheet.freeze_panes = "A2"
    fixed = datetime(2000, 1, 1)
    book.properties.created = book.properties.modified = fixed
    out = io.BytesIO()
    book.save(out)
    return _fixed_times(out.getvalue())


def _fixed_times(xlsx: bytes) -> bytes:
    """The same rows give the same bytes: openpyxl stamps the zip members with the clock."""
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(xlsx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # modified is rewritten to now on save
                data = re.sub(rb"<dcterms:modified([^>]*)>[^<]*</dcterms:modified>",
                              rb"<dcterms:modified\1>2000-01-01T00:00:00Z</dcterms:modified>", data)
            fixed = zipfile.ZipInfo(info.filename, date_time=(2000, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, data)
    return out.getvalue()


__all__ = ["COLUMNS", "HEADERS", "MANIFEST_XLSX", "bureau_fields", "csv_text", "manifest_csv_bytes",
           "manifest_xlsx_bytes"]
