"""Proof, through the real parts: the shipped township excerpt with every item and prerequisite met.
The report says which tiers are not assessable and why, and shows the C share against its
threshold; the unplaced items are not in it; after `standard place` they are rated and counted."""

from __future__ import annotations

import re

import pytest

from inspect_app import services
from inspect_app.errors import UserError
from inspect_app.paths import STANDARDS_DIR
from inspect_app.report.builder import build_report
from inspect_app.report.content import verdict_wording
from inspect_app.report.source import report_input
from inspect_app.standard.loader import load_standard, save_standard
from inspect_app.standard.placement import place_item
from tests.report.test_build import pdftotext


def _rate_everything(ws, insp, standard):
    for clause in standard.clauses():
        for item in clause.items:
            if item.derived is None:
                services.rate_item(ws, insp.id, clause.number, item.code, "met", actor="王")
    for p in standard.prerequisites:
        services.set_prerequisite(ws, insp.id, p.id, True, actor="王")


@pytest.fixture(scope="module")
def excerpt_report(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("excerpt")
    ws = services.open_workspace(tmp / "data")
    try:
        center = services.add_center(ws, "东风镇卫生院", actor="王", county="花溪区")
        insp = services.start_inspection(ws, center.id, "township-2018", ["王"], "王")
        standard = services.standard_for(ws, insp)
        _rate_everything(ws, insp, standard)
        with pytest.raises(UserError, match="没有条款 0.0.1"):  # unplaced: not rated
            services.rate_item(ws, insp.id, "0.0.1", "C-2", "met", actor="王")
        built = build_report(report_input(ws, insp.id))
    finally:
        ws.close()
    pdf = tmp / "r.pdf"
    pdf.write_bytes(built.pdf)
    return built, re.sub(r"\s+", "", pdftotext(pdf))


def test_the_report_says_the_excerpt_cannot_decide_and_shows_the_c_share_against_its_threshold(excerpt_report):
    built, text = excerpt_report
    assert verdict_wording(built.content.score) == "以本文本无法评定（依据节选）"
    assert "评审结论以本文本无法评定（依据节选）" in text
    assert "基本标准：基本条款B级及以上、A级的比例以本文本无法评定（本标准文件不含B、A级条目）" in text
    assert "基本标准：基本条款C级及以上100%≥95%，符合" in text
    assert "依据节选文本评定（节选：含本版100条条款中的18条，仅含C级条目）" in text
    assert "（本文本无B级条目，无法评定）" in text  # the summary table's B row
    assert "未达到基本标准" not in text and "未归位" not in text and "0.0.1" not in text


def test_after_standard_place_the_items_are_rated_and_counted(tmp_path):
    placed = place_item(load_standard(STANDARDS_DIR / "township-2018.json"), "0.0.1/C-2", "1.1.1", title="功能任务")
    placed = place_item(placed, "0.0.1/C-3", "1.1.1")
    folder = tmp_path / "standards"
    save_standard(placed, folder / "township-2018.json")
    ws = services.open_workspace(tmp_path / "data", folder)
    try:
        center = services.add_center(ws, "西岭镇卫生院", actor="王")
        insp = services.start_inspection(ws, center.id, "township-2018", ["王"], "王")
        standard = services.standard_for(ws, insp)
        assert standard.clause("1.1.1").items[0].code == "C-2"
        _rate_everything(ws, insp, standard)
        data = report_input(ws, insp.id)
    finally:
        ws.close()
    score = build_report(data).content.score
    assert score.clauses["1.1.1"].level.value == "C" and score.basic.total == 19 and score.total_items == 54
