"""Excel both ways: standards from/to .xlsx (round trip, errors by sheet/row/column, merged cells,
missing columns), the template, and an inspection's results exported to .xlsx."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook
from PIL import Image

from inspect_app import services
from inspect_app.cli import main
from inspect_app.errors import UserError
from inspect_app.paths import STANDARDS_DIR
from inspect_app.report.results_xlsx import ITEM_COLUMNS, export_results_xlsx
from inspect_app.standard.importer import import_guide
from inspect_app.standard.loader import dumps_standard, load_standard, loads_standard
from inspect_app.standard.model import Veto
from inspect_app.standard.xlsx import REQUIRED, read_standard_xlsx, standard_workbook
from tests.standard.helpers import DATA, TOWNSHIP_SEED


def xlsx_bytes(wb) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_text_json_xlsx_and_back_to_json_give_the_same_standard():
    text_import = import_guide((DATA / "sample_guide.txt").read_text(encoding="utf-8"), standard_id="sample", title="样例")
    json_text = dumps_standard(text_import.standard)
    from_json = loads_standard(json_text)
    back = read_standard_xlsx(xlsx_bytes(standard_workbook(from_json)))
    assert dumps_standard(back) == json_text


@pytest.mark.skipif(not TOWNSHIP_SEED.exists(), reason="seed texts not present")
def test_the_shipped_township_standard_round_trips_through_xlsx_byte_for_byte():
    shipped = (STANDARDS_DIR / "township-2018.json").read_text(encoding="utf-8")
    std = loads_standard(shipped)
    std = std.model_copy(update={"prerequisites": (std.prerequisites[0].model_copy(update={"veto": Veto(reason="无证执业一票否决")}),
                                                   *std.prerequisites[1:])})
    assert dumps_standard(read_standard_xlsx(xlsx_bytes(standard_workbook(std)))) == dumps_standard(std)


def test_the_template_imports_cleanly_from_the_command_line(tmp_path, capsys):
    template = tmp_path / "模板.xlsx"
    assert main(["standard", "template", "--out", str(template)]) == 0
    out = tmp_path / "mine.json"
    assert main(["standard", "import", str(template), "--out", str(out)]) == 0
    std = load_standard(out)
    assert [i.code for i in std.clause("1.2.3").items] == ["C-1", "B-1", "A-1"]
    assert std.clause("1.2.5").is_recommended and std.verdict_rules.tiers[0].name == "推荐标准"
    assert main(["standard", "check", str(out)]) == 0


def _sheet_with(rows, header=REQUIRED):
    wb = Workbook()
    ws = wb.active
    ws.title = "条款"
    ws.append(list(header))
    for r in rows:
        ws.append(r)
    return wb


GOOD = ["1 功能任务和资源配置", "1.2 科室设置", "1.2.3", "公共卫生科", "基本", "C", "C-1", "有预防接种室", "", "现场查看"]


def test_errors_name_the_sheet_row_and_column():
    rows = [GOOD,
            ["", "", "", "", "", "D", "D-1", "x", "", ""],            # row 3: level
            ["", "", "1.2.x", "坏编号", "基本", "C", "C-1", "x", "", ""],  # row 4: clause number
            ["", "", "1.2.3", "", "", "B", "C-2", "x", "", ""],         # row 5: code vs level
            ["", "", "1.2.3", "", "", "C", "C-1", "重复", "", ""],       # row 6: duplicate
            ["", "", "1.2.3", "", "", "A", "A-1", "", "", ""],          # row 7: no requirement
            ["", "", "1.2.4", "计划生育科", "普通", "C", "C-1", "x", "", ""]]  # row 8: kind
    with pytest.raises(UserError) as err:
        read_standard_xlsx(xlsx_bytes(_sheet_with(rows)), standard_id="x")
    zh = err.value.zh
    assert "工作表“条款”第 3 行 F 列（等级）：“D”应为 C、B 或 A" in zh
    assert "工作表“条款”第 4 行 C 列（条款号）：“1.2.x”不是条款号" in zh
    assert "工作表“条款”第 5 行 G 列（条目编号）：“C-2”与等级 B 不符" in zh
    assert "工作表“条款”第 6 行 G 列（条目编号）：条款 1.2.3 中条目 C-1 重复（另见第 2 行）" in zh
    assert "工作表“条款”第 7 行 H 列（要求）：缺少要求" in zh
    assert "工作表“条款”第 8 行 E 列（类别）：“普通”应为 基本 或 推荐★" in zh
    assert "sheet '条款' row 3 column F (等级)" in err.value.en


def test_a_missing_column_is_a_clear_message():
    header = [h for h in REQUIRED if h != "评价方式方法"]
    with pytest.raises(UserError) as err:
        read_standard_xlsx(xlsx_bytes(_sheet_with([GOOD[:-1]], header)))
    assert "工作表“条款”第 1 行：缺少列：评价方式方法" in err.value.zh


def test_a_merged_cell_is_a_clear_message():
    wb = _sheet_with([GOOD, ["", "", "1.2.3", "公共卫生科", "基本", "C", "C-2", "y", "", "现场查看"]])
    wb.active.merge_cells("A2:A3")
    with pytest.raises(UserError) as err:
        read_standard_xlsx(xlsx_bytes(wb))
    assert "工作表“条款”第 2 行：有合并单元格（A2:A3）：请取消合并" in err.value.zh


def test_bad_tier_and_prerequisite_sheets_are_reported_by_row_and_column():
    wb = _sheet_with([GOOD])
    tiers = wb.create_sheet("评定规则")
    tiers.append(["编号", "名称", "条款类别", "C", "B"])
    tiers.append(["basic", "基本标准", "基本", "九十五", "50"])
    pre = wb.create_sheet("前置条件")
    pre.append(["编号", "内容"])
    pre.append(["P1", ""])
    with pytest.raises(UserError) as err:
        read_standard_xlsx(xlsx_bytes(wb))
    assert "工作表“评定规则”第 2 行 D 列（C）：“九十五”不是数字" in err.value.zh
    assert "工作表“前置条件”第 2 行 B 列（内容）：缺少内容" in err.value.zh


def test_not_a_workbook_and_no_main_sheet_are_sentences(tmp_path):
    bad = tmp_path / "x.xlsx"
    bad.write_bytes(b"not a zip")
    with pytest.raises(UserError, match="不是有效的 .xlsx 文件"):
        read_standard_xlsx(bad)
    wb = Workbook()
    wb.active.title = "Sheet1"
    with pytest.raises(UserError, match="缺少工作表“条款”"):
        read_standard_xlsx(xlsx_bytes(wb))


def test_continuation_rows_repeat_the_clause_and_method_derived_rules_are_read():
    rows = [GOOD, ["", "", "", "", "", "B", "B-1", "布局合理", "", "现场查看"],
            ["", "", "1.2.4", "综合", "推荐★", "C", "C", "依据结果", "",
             "依据1.2.3等1条标准评审结果评判，均达到C级及以上水平则此条款合格"]]
    std = read_standard_xlsx(xlsx_bytes(_sheet_with(rows)), standard_id="t")
    assert [i.code for i in std.clause("1.2.3").items] == ["C-1", "B-1"]
    assert std.clause("1.2.4").is_recommended and std.clause("1.2.4").items[0].derived.sources == ("1.2.3",)
    assert std.chapters[0].title == "功能任务和资源配置" and std.chapters[0].sections[0].title == "科室设置"


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 160, 200)).save(out, "JPEG")
    return out.getvalue()


def test_an_inspections_results_export_one_row_per_item_and_a_sheet_per_chapter(tmp_path, capsys):
    ws = services.open_workspace(tmp_path / "data")
    try:
        center = services.add_center(ws, "东风镇卫生院", actor="王")
        insp = services.start_inspection(ws, center.id, "township-2018", ["王"], "王")
        services.rate_item(ws, insp.id, "1.2.4", "C-1", "met", actor="王")
        services.rate_item(ws, insp.id, "1.2.4", "C-2", "not_met", actor="王")
        services.set_item_note(ws, insp.id, "1.2.4", "C-2", "无药具展示柜", actor="王")
        services.set_rectification(ws, insp.id, "1.2.4", "C-2", "一个月内配置药具展示柜", actor="王")
        services.rate_item(ws, insp.id, "1.2.3", "C", "na", na_reason="本院不设该科", actor="王")
        photo = services.ingest_photo(ws, insp.id, _jpeg(), "a.jpg")
        services.attach_evidence(ws, insp.id, photo, clause_number="1.2.4", item_code="C-2", actor="王")
        out = export_results_xlsx(ws, insp.id, tmp_path / "结果.xlsx")
    finally:
        ws.close()
    cli_out = tmp_path / "cli.xlsx"
    assert main(["--data", str(tmp_path / "data"), "report", "xlsx", insp.id, "--out", str(cli_out)]) == 0
    assert load_workbook(cli_out).sheetnames == load_workbook(out).sheetnames
    wb = load_workbook(out)
    rows = list(wb["评审结果"].iter_rows(values_only=True))
    assert rows[0] == ITEM_COLUMNS
    assert len(rows) - 1 == 52  # every placed item; the two unplaced ones are not rated
    by_item = {(r[1], r[4]): dict(zip(ITEM_COLUMNS, r)) for r in rows[1:]}
    c2 = by_item[("1.2.4", "C-2")]
    assert (c2["结果"], c2["备注"], c2["评审人"], c2["整改建议"], c2["条款等级"]) == (
        "不符合", "无药具展示柜", "王", "一个月内配置药具展示柜", "D 不合格")
    assert c2["照片编号"].startswith("P-") and c2["评审时间"]
    assert (by_item[("1.2.3", "C")]["结果"], by_item[("1.2.3", "C")]["不适用理由"]) == ("不适用", "本院不设该科")
    assert by_item[("2.1.3", "C-1")]["结果"] == "未评"
    assert [n for n in wb.sheetnames if n.startswith("第")] == ["第1章 功能任务和资源配置", "第2章 基本医疗和公共卫生服务"]
    assert wb["汇总"]["B1"].value.endswith("（依据节选，暂定）")
