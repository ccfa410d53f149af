"""The bureau's manifest: Chinese headers, the verdict as on the cover, date and stage, shares with
percentages, and codes kept as text in the CSV (="0012") and the workbook (string cells, "@")."""

from __future__ import annotations

import csv

from openpyxl import load_workbook

from inspect_app import services
from inspect_app.report.export import export_reports
from inspect_app.report.manifest import HEADERS, csv_text
from tests.report.workflow import pdftotext, walk


def test_csv_and_xlsx_for_the_bureau(tmp_path):
    ws = services.open_workspace(tmp_path / "data")
    try:
        iid = walk(ws)
        result = export_reports(ws, tmp_path / "bureau", [iid])
    finally:
        ws.close()
    row = result.rows[0]
    cover = pdftotext(result.files[0], 1, 1)
    assert row.verdict == "未达到基本标准" and row.verdict in cover.replace(" ", "")
    assert row.stage == "县级审核" and row.code == "0012"
    assert row.basic_c.endswith("%") and row.recommended_c.endswith("%")

    lines = list(csv.reader((tmp_path / "bureau" / "manifest.csv").read_text("utf-8-sig").splitlines()))
    assert tuple(lines[0]) == HEADERS and "机构代码" in lines[0] and "评审结论" in lines[0]
    cells = dict(zip(lines[0], lines[1]))
    assert cells["机构代码"] == '="0012"'  # Excel shows 0012, as text
    assert cells["评审结论"] == "未达到基本标准" and cells["评价阶段"] == "县级审核"
    assert cells["基本条款C级及以上比例"] == row.basic_c and cells["评审日期"] == row.evaluation_date
    assert cells["是否暂定"] == "否"

    book = load_workbook(result.manifest_xlsx)
    sheet = book.active
    header = [c.value for c in sheet[1]]
    assert tuple(header) == HEADERS
    code = sheet.cell(row=2, column=header.index("机构代码") + 1)
    assert code.value == "0012" and code.data_type == "s" and code.number_format == "@"
    content = sheet.cell(row=2, column=header.index("报告内容校验值") + 1)
    assert content.data_type == "s" and content.value == row.content_sha256
    assert sheet.cell(row=2, column=header.index("A级条款数") + 1).value == row.A  # counts stay numbers


def test_code_cells_only_when_excel_would_convert():
    assert csv_text("0012", "code") == '="0012"'
    assert csv_text("52010200001", "code") == '="52010200001"'  # would read as 5.20102E+10
    assert csv_text("12e45", "code") == '="12e45"'
    assert csv_text("JCR-20261202-ABCDEF-R1", "code") == "JCR-20261202-ABCDEF-R1"
    assert csv_text("0012", "text") == "0012"
    assert csv_text("", "code") == ""
