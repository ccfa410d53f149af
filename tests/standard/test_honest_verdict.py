"""The verdict against the shipped township excerpt, unplaced items, `standard place`, and vetoes."""

from __future__ import annotations

import json

import pytest

from inspect_app.cli import main
from inspect_app.errors import UserError
from inspect_app.inspection import ItemResult
from inspect_app.paths import STANDARDS_DIR
from inspect_app.scoring import score_inspection
from inspect_app.standard.loader import load_standard, save_standard
from inspect_app.standard.model import Prerequisite, Veto
from inspect_app.standard.placement import place_item, set_title
from inspect_app.standard.validate import check_standard, errors
from tests.standard.helpers import clause, item, standard

TOWNSHIP = STANDARDS_DIR / "township-2018.json"


def all_met(std):
    return {c.number: {i.code: ItemResult.MET for i in c.items} for c in std.clauses()}


@pytest.fixture(scope="module")
def township():
    return load_standard(TOWNSHIP)


def test_every_item_met_on_the_excerpt_is_not_assessable_not_failed(township):
    score = score_inspection(township, all_met(township), {p.id: True for p in township.prerequisites})
    v = score.verdict
    assert v.tier is None and not v.assessable and v.excerpt
    assert v.name() == "以本文本无法评定" and v.label() == "以本文本无法评定（依据节选）"
    assert v.label("en") == "not assessable with this text (against an excerpt)"
    zh = [r.zh for r in v.reasons]
    # which tiers, which levels, why
    assert "基本标准：基本条款B级及以上、A级的比例以本文本无法评定（本标准文件不含B、A级条目）" in zh
    assert "推荐标准：基本条款B级及以上、A级的比例以本文本无法评定（本标准文件不含B、A级条目）" in zh
    # the C share that can be judged, against its threshold
    assert "基本标准：基本条款C级及以上 100% ≥ 95%，符合" in zh
    assert zh[-1] == "依据节选文本评定（节选：含本版 100 条条款中的 18 条，仅含 C 级条目）"
    assert not any("0% < 50%" in t for t in zh)


def test_a_c_share_below_its_threshold_on_the_excerpt_is_a_real_failure(township):
    ratings = all_met(township)
    ratings["2.2.3.1"] = {"C-1": ItemResult.NOT_MET}
    v = score_inspection(township, ratings, {p.id: True for p in township.prerequisites}).verdict
    assert v.tier is None and v.assessable and v.name() == "未达标"
    assert any(r.zh.startswith("未达基本标准：基本条款C级及以上 94.4% < 95%") for r in v.reasons)


def test_unplaced_items_are_not_rated_scored_or_counted(township):
    assert township.clause("0.0.1").unplaced
    score = score_inspection(township, all_met(township))
    assert "0.0.1" not in score.clauses and score.basic.total == 18
    assert score.total_items == 52  # 54 items less the two unplaced ones
    assert [ch.number for ch in township.assessable().chapters] == ["1", "2"]


def test_after_place_the_item_is_rated_and_counted(township):
    placed = place_item(township, "0.0.1/C-2", "1.1.1", title="功能任务", by="王科长", at="2026-12-01T10:00:00+00:00")
    placed = place_item(placed, "0.0.1/C-3", "1.1.1", at="2026-12-01T10:01:00+00:00")
    assert not errors(check_standard(placed))
    assert [c.number for c in placed.clauses()][:3] == ["1.1.1", "1.2.3", "1.2.4"] and not any(c.unplaced for c in placed.clauses())
    assert [i.code for i in placed.clause("1.1.1").items] == ["C-2", "C-3"]
    assert placed.coverage.clauses == 19
    assert [(p.item, p.to, p.created_clause, p.by) for p in placed.placements] == [
        ("0.0.1/C-2", "1.1.1/C-2", True, "王科长"), ("0.0.1/C-3", "1.1.1/C-3", False, "")]
    score = score_inspection(placed, all_met(placed))
    assert score.clauses["1.1.1"].level.value == "C" and score.basic.total == 19 and score.total_items == 54
    ratings = all_met(placed)
    ratings["2.2.3.2"] = {"C-1": ItemResult.NOT_MET}  # the derived C-2 of 1.1.1 follows its sources
    assert score_inspection(placed, ratings).clauses["1.1.1"].level.value == "D"


def test_place_refuses_what_it_cannot_do(township):
    with pytest.raises(UserError, match="--title"):
        place_item(township, "0.0.1/C-2", "1.1.1")
    with pytest.raises(UserError, match="已有条目 C-1"):
        place_item(township, "1.2.4/C-1", "2.1.3")
    with pytest.raises(UserError, match="没有条目 C-9"):
        place_item(township, "0.0.1/C-9", "1.1.1", title="x")
    with pytest.raises(UserError, match="无效"):
        place_item(township, "0.0.1/C-2", "0.0.2", title="x")


def test_a_section_title_is_set_and_recorded(township):
    titled = set_title(township, "2.1", "基本医疗服务", at="t")
    assert next(s for ch in titled.chapters for s in ch.sections if s.number == "2.1").title == "基本医疗服务"
    assert titled.placements[-1].action == "set_title" and not any("小节 2.1" in p.where for p in check_standard(titled))


def test_standard_place_on_the_command_line_revalidates_and_keeps_history(tmp_path, capsys):
    path = tmp_path / "t.json"
    path.write_bytes(TOWNSHIP.read_bytes())
    assert main(["standard", "place", str(path), "--item", "0.0.1/C-2", "--to", "1.1.1"]) == 1
    assert "请用 --title" in capsys.readouterr().out and path.read_bytes() == TOWNSHIP.read_bytes()
    assert main(["standard", "place", str(path), "--item", "0.0.1/C-2", "--to", "1.1.1", "--title", "功能任务", "--by", "王"]) == 0
    assert main(["standard", "place", str(path), "--item", "0.0.1/C-3", "--to", "1.1.1"]) == 0
    assert main(["standard", "place", str(path), "--section", "2.1", "--title", "基本医疗服务"]) == 0
    data = json.loads(path.read_text(encoding="utf-8"))
    assert [p["action"] for p in data["placements"]] == ["move_item", "move_item", "set_title"]
    capsys.readouterr()
    assert main(["standard", "check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "未归位 0" in out and "归位记录 / placement history: 3" in out and "将 0.0.1/C-2 移至 1.1.1/C-2（新建条款：功能任务）" in out


def veto_standard():
    return standard(
        clause("1.1.1", item("C-1"), item("B-1"), item("A-1")),
        clause("1.1.2", item("C-1", "无重大医疗安全事故", veto=Veto(reason="发生重大医疗安全事故实行一票否决")), item("B-1"), item("A-1")),
        prerequisites=(Prerequisite(id="P1", text="执业许可证有效", veto=Veto(reason="无证执业一票否决")),
                       Prerequisite(id="P2", text="其他")),
    )


def test_a_failed_veto_item_means_not_reached_whatever_the_shares():
    std = veto_standard()
    ratings = all_met(std)
    ok = score_inspection(std, ratings, {"P1": True, "P2": True}).verdict
    assert ok.tier is not None and ok.tier.id == "recommended"
    ratings["1.1.2"] = {**ratings["1.1.2"], "C-1": ItemResult.NOT_MET}
    v = score_inspection(std, ratings, {"P1": True, "P2": True}).verdict
    assert v.tier is None and v.failed_vetoes == ("1.1.2/C-1",) and v.name() == "未达标"
    assert v.reasons[0].zh == "一票否决：条款 1.1.2 【C-1】 不符合（无重大医疗安全事故）：发生重大医疗安全事故实行一票否决"


def test_a_failed_veto_prerequisite_names_the_veto_and_its_reason():
    std = veto_standard()
    v = score_inspection(std, all_met(std), {"P1": False, "P2": True}).verdict
    assert v.tier is None and v.failed_vetoes == ("P1",) and v.failed_prerequisites == ("P1",)
    assert v.reasons[0].zh == "一票否决：前置条件 P1 不符合（执业许可证有效）：无证执业一票否决"


def test_check_validates_vetoes(tmp_path, capsys):
    std = standard(clause("1.1.1", item("C-1", veto=Veto(reason=" "))),
                   prerequisites=(Prerequisite(id="P1", text="x", veto=Veto(reason="")),))
    texts = [(p.where, p.zh) for p in errors(check_standard(std))]
    assert ("条款 1.1.1 【C-1】", "否决项缺少否决理由") in texts and ("前置条件 P1", "否决项缺少否决理由") in texts
    path = save_standard(veto_standard(), tmp_path / "v.json")
    assert main(["standard", "check", str(path)]) == 0 and "否决项 2" in capsys.readouterr().out


def test_the_text_importer_marks_an_item_that_says_it_vetoes():
    from inspect_app.standard.importer import import_guide

    text = ("1.1.1医疗安全\n\n【C-1】无重大医疗安全事故。\n\n发生负主要责任的重大医疗安全事故的，实行一票否决。\n\n"
            "评价方式方法:查阅资料。\n\n【C-2】有制度。\n\n评价方式方法:查阅资料。\n")
    result = import_guide(text, standard_id="v", title="v")
    c1, c2 = result.standard.clause("1.1.1").items
    assert c1.veto.reason == "发生负主要责任的重大医疗安全事故的，实行一票否决。" and c2.veto is None
    assert any("标为否决项" in n.zh for n in result.report.notes)
