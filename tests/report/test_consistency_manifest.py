"""The bureau's manifest (CSV and xlsx) carries each report's consistency figures against the
center's self-assessment (report/consistency.consistency_fields)."""

from __future__ import annotations

from io import BytesIO

from openpyxl import load_workbook

from inspect_app.report.export import manifest_row
from inspect_app.report.manifest import manifest_csv_bytes, manifest_xlsx_bytes
from tests.report.test_consistency_page import reviewed_report


def test_manifest_has_self_verdict_consistency_and_kappa(tmp_path):
    pdf = reviewed_report(tmp_path)
    row = manifest_row(pdf)
    assert (row.self_verdict, row.consistency, row.kappa, row.disagreements) == ("基本标准", "84.6%", "0.46", "2")  # κ = (13·11 − 121) / (169 − 121)
    csv_text = manifest_csv_bytes([row]).decode("utf-8-sig")
    assert "机构自评结论" in csv_text and "与自评等级一致率" in csv_text and "84.6%" in csv_text
    sheet = load_workbook(BytesIO(manifest_xlsx_bytes([row]))).active
    header = [c.value for c in sheet[1]]
    values = dict(zip(header, [c.value for c in sheet[2]]))
    assert values["机构自评结论"] == "基本标准" and values["与自评等级一致率"] == "84.6%"
