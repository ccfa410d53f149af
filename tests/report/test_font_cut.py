"""Reports draw with the font cut to their characters (report/fontcache.py) instead of parsing the
14 MB face per build, and a character the cut lacks is noticed and drawn in a second pass."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from inspect_app import paths
from inspect_app.report import fontcache
from inspect_app.report.builder import build_report
from inspect_app.report.layout import FONT, ReportPDF
from tests.report.fixtures import synthetic_input
from tests.report.workflow import pdftotext


def test_a_cut_is_small_cached_and_keeps_only_what_was_asked():
    wanted = fontcache.charset("评审报告 王喆 堃")
    first = fontcache.cut(paths.CJK_FONT, wanted)
    assert fontcache.cut(paths.CJK_FONT, wanted) == first  # the same set: the same file, not cut again
    assert first.stat().st_size < paths.CJK_FONT.stat().st_size / 4
    have = fontcache.covered(str(first))
    assert {ord(c) for c in "评审报告王喆堃"} <= have and ord("龘") not in have


def test_a_character_missing_from_the_cut_is_reported():
    pdf = ReportPDF(center_name="x", report_id="x", draft=True, created=datetime(2024, 1, 1),
                    charset=frozenset(range(0x20, 0x7F)))
    pdf.add_page()
    pdf.set_font(FONT, size=10)
    pdf.cell(0, 10, "ABC 评审")
    missed = fontcache.missed(pdf, pdf.main_font_path)
    assert {ord("评"), ord("审"), ord("草")} <= missed  # the body and the page header's 草稿
    assert not missed & set(range(0x20, 0x7F))


def test_rare_name_characters_reach_the_pdf_through_the_cut(tmp_path):
    data = synthetic_input(tmp_path)
    data = replace(data, center=data.center.model_copy(update={"name": "堃喆昇彧珺镇卫生院"}))
    text = pdftotext(build_report(data).pdf)
    assert "堃喆昇彧珺镇卫生院" in text.replace(" ", "")
