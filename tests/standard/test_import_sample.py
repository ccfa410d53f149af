"""The guide importer on a small guide written for the tests (tests/standard/data/sample_guide.txt):
two chapters, ★ clauses, C/B/A items, a derived clause, a broken heading, page furniture,
a foreign document and a run-together copy with duplicates."""

from __future__ import annotations

import pytest

from inspect_app.standard.importer import UNPLACED_TITLE, import_guide
from inspect_app.standard.model import ClauseKind, ItemLevel, MethodKind
from tests.standard.helpers import DATA


@pytest.fixture(scope="module")
def result():
    text = (DATA / "sample_guide.txt").read_text(encoding="utf-8")
    return import_guide(text, standard_id="sample", title="样例", source="sample_guide.txt",
                        titles={"2": "不该用到的标题"})


def test_tree_follows_the_numbers(result):
    std = result.standard
    assert [(ch.number, ch.title) for ch in std.chapters] == [
        ("0", "未归位条目"), ("1", "功能任务和资源配置"), ("2", "基本医疗和公共卫生服务")]
    assert [s.number for ch in std.chapters for s in ch.sections] == ["0.0", "1.1", "1.2", "1.3", "2.1", "2.1.1"]
    assert [c.number for c in std.clauses()] == ["0.0.1", "1.1.1", "1.1.2", "1.2.1", "2.1.2", "2.1.1.1", "2.1.1.2"]


def test_chapter_heading_in_the_text_wins_over_the_title_table(result):
    assert result.standard.chapters[2].title == "基本医疗和公共卫生服务"
    assert result.standard.chapters[2].source_line == 73


def test_items_keep_requirement_explanation_and_method(result):
    c = result.standard.clause("1.1.1")
    assert [i.code for i in c.items] == ["C-1", "C-2", "B-1", "A-1"]
    first = c.items[0]
    assert first.requirement == "提供常见病、多发病的诊疗服务。"
    assert first.explanation == "能够识别和诊治50种以上常见病、多发病。"
    assert first.method == "查阅门诊日志，现场查看诊室。"
    assert first.source_line == 17
    assert c.items[1].method_kinds == (MethodKind.ONSITE, MethodKind.INTERVIEW)
    assert c.items[3].explanation == ""


def test_bracket_variants_and_bare_codes(result):
    c = result.standard.clause("1.2.1")
    assert [(i.code, i.level) for i in c.items] == [("C", ItemLevel.C), ("B-1", ItemLevel.B), ("A-1", ItemLevel.A)]


def test_star_marks_recommended_clauses_and_is_not_in_the_title(result):
    std = result.standard
    assert std.clause("1.2.1").kind is ClauseKind.RECOMMENDED and std.clause("1.2.1").title == "全科医生配备"
    assert std.clause("2.1.2").kind is ClauseKind.RECOMMENDED
    assert std.clause("1.1.1").kind is ClauseKind.BASIC


def test_paragraph_cut_by_a_page_break_is_rejoined(result):
    assert result.standard.clause("1.2.1").intro == "每万名服务人口配备全科医生不少于2名，其中至少1名具有中级职称。"


def test_heading_broken_across_lines(result):
    c = result.standard.clause("2.1.1.2")
    assert c.title == "预防接种" and [i.code for i in c.items] == ["C-1", "B-1"]


def test_group_heading_becomes_the_section_of_its_clauses(result):
    section = result.standard.chapters[2].sections[1]
    assert (section.number, section.title) == ("2.1.1", "公共卫生项目")


def test_derived_clause_from_intro_and_item_from_method(result):
    std = result.standard
    clause_rule = std.clause("1.1.2").derived
    assert clause_rule.sources == ("2.1.1.1", "2.1.1.2") and clause_rule.stated_count == 2
    assert clause_rule.min_level is ItemLevel.C
    item_rule = std.clause("2.1.2").items[1].derived
    assert item_rule.sources == ("2.1.1.1", "2.1.1.2") and item_rule.min_level is ItemLevel.B
    assert item_rule.stated_count == 3
    assert std.clause("2.1.2").items[1].method_kinds == (MethodKind.OTHER,)
    mismatch = [n for n in result.report.notes if "3 条" in n.zh]
    assert mismatch and mismatch[0].line == 107


def test_item_before_any_heading_is_unplaced_and_reported(result):
    c = result.standard.clause("0.0.1")
    assert c.unplaced and c.title == UNPLACED_TITLE
    assert c.items[0].requirement == "机构名称与执业许可证登记名称一致。"
    assert [(u.code, u.line) for u in result.report.unplaced] == [("C-1", 5)]


def test_copy_of_the_text_merges_identical_items_and_reports_different_ones(result):
    r = result.report
    assert [(d.clause, d.code, d.first_line, d.line) for d in r.merged] == [("1.1.1", "C-1", 17, 123)]
    assert [(x.clause, x.code, x.first_line, x.line, x.kind) for x in r.conflicts] == [
        ("1.2.1", "B-1", 59, 123, "differs"), ("1.2.1", "A-1", 63, 123, "differs")]
    # the first occurrence is kept
    assert result.standard.clause("1.2.1").items[1].requirement == "全科医生中具有中级及以上职称者不少于1名。"


def test_every_marker_is_accounted_for(result):
    r = result.report
    assert r.marker_count == 18
    assert r.unaccounted_markers() == 0


def test_foreign_document_and_furniture_are_skipped_not_glued(result):
    blocks = {(b.first_line, b.last_line): b.reason for b in result.report.skipped}
    assert blocks[(115, 119)] == "与评价指南无关的文字"
    assert blocks[(1, 1)] == "页眉页脚等版面文字"
    assert blocks[(69, 71)] == "页眉页脚等版面文字"
    assert (3, 3) in blocks
    everything = " ".join(
        " ".join([c.intro] + [i.requirement + i.explanation + i.method for i in c.items])
        for c in result.standard.clauses()
    )
    assert "供电" not in everything and "第 3 页" not in everything


def test_missing_and_empty_parts_are_noted(result):
    notes = [n.zh for n in result.report.notes]
    assert any("小节 1.3 房屋建设 没有条款" in n for n in notes)
    assert not any("不该用到的标题" in n for n in notes)


def test_report_prints_in_chinese_and_english(result):
    zh = result.report.to_text()
    assert "条款 7（推荐条款 2，未归位 1）" in zh and "条目 15（C 8，B 4，A 3）" in zh
    assert "第 115–119 行 与评价指南无关的文字" in zh
    en = result.report.to_text("en")
    assert "7 clauses (2 recommended, 1 unplaced)" in en and "text unrelated to the guide" in en
