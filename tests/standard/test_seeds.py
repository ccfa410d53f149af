"""The two seed texts: nothing lost, nothing invented.

Seed 004 is the township evaluation guide with page furniture, broken headings, pasted
foreign documents and a run-together copy; seed 000 holds the outpatient conduct norms
among essays and random-character filler.
"""

from __future__ import annotations

import re

import pytest

from inspect_app.standard.checklist import DEFAULT_METHOD, import_checklist
from inspect_app.standard.defaults import known_titles
from inspect_app.standard.importer import import_guide
from inspect_app.standard.model import MethodKind
from inspect_app.standard.text import comparable
from tests.standard.helpers import OUTPATIENT_SEED, TOWNSHIP_SEED

pytestmark = pytest.mark.skipif(not TOWNSHIP_SEED.exists(), reason="seed texts not present (../shared/seeds)")

# Written independently of the importer's own patterns on purpose.
RAW_MARKER = re.compile(r"【[ABC](?:-\d+)?】")


@pytest.fixture(scope="module")
def township():
    text = TOWNSHIP_SEED.read_text(encoding="utf-8")
    return text, import_guide(text, standard_id="township-2018", title="t", source=TOWNSHIP_SEED.name,
                              titles=known_titles("township"))


@pytest.fixture(scope="module")
def outpatient():
    text = OUTPATIENT_SEED.read_text(encoding="utf-8")
    return text, import_checklist(text, standard_id="outpatient-conduct", title="t", source=OUTPATIENT_SEED.name)


# -- township guide -------------------------------------------------------------
def test_every_marker_in_the_raw_text_is_imported_merged_or_reported(township):
    text, result = township
    r = result.report
    assert len(RAW_MARKER.findall(text)) == r.marker_count == 62
    assert r.counts.items == 54 and len(r.merged) == 7 and len(r.conflicts) == 1
    assert r.marker_count == r.counts.items + len(r.merged) + len(r.conflicts)
    # the eight markers of the run-together copy on line 472 are exactly the merged and conflicting ones
    assert sum(RAW_MARKER.findall(line).__len__() for line in text.splitlines()[471:472]) == 8
    assert {d.line for d in r.merged} | {c.line for c in r.conflicts} == {472}


def test_every_item_at_a_line_start_is_present_with_full_text_and_method(township):
    text, result = township
    lines = text.splitlines()
    by_line = {i.source_line: i for c in result.standard.clauses() for i in c.items}
    checked = 0
    for n, line in enumerate(lines, 1):
        m = RAW_MARKER.match(line.strip())
        if not m or len(RAW_MARKER.findall(line)) > 1:
            continue
        item = by_line[n]
        assert item.code == m.group(0)[1:-1]
        assert item.requirement == line.strip()[m.end():]
        body, method = [], ""
        for later in lines[n:]:
            later = later.strip()
            if RAW_MARKER.match(later) or re.match(r"\d+\.\d+", later):
                break
            if later.startswith("评价方式方法"):
                method = later.split(":", 1)[1] if ":" in later else later.split("：", 1)[1]
                break
            if later:
                body.append(later)
        assert item.method == method, n
        if method:  # the explanation is every line up to the method, page breaks rejoined
            assert comparable(item.explanation) == comparable("".join(body)), n
        checked += 1
    assert checked == 54


def test_item_cut_off_before_a_foreign_document_keeps_only_its_own_text(township):
    _, result = township
    item = result.standard.clause("2.2.4.1").items[1]
    assert item.method == "" and item.explanation.endswith("进行避孕节育知识咨询和就诊指导。")
    assert "窗口行业" not in item.explanation


def test_township_structure(township):
    _, result = township
    std = result.standard
    assert [(ch.number, ch.title) for ch in std.chapters] == [
        ("0", "未归位条目"), ("1", "功能任务和资源配置"), ("2", "基本医疗和公共卫生服务")]
    assert [(s.number, s.title) for ch in std.chapters for s in ch.sections] == [
        ("0.0", "未归位条目（请重新编号）"), ("1.2", "科室设置"), ("2.1", ""),  # a lost title is left empty, never a placeholder
        ("2.2.3", "公共卫生服务"), ("2.2.4", "计划生育技术服务")]
    assert len(std.clauses()) == 19
    assert [c.number for c in std.chapters[2].sections[1].clauses] == [f"2.2.3.{n}" for n in range(1, 15)]
    assert std.clause("2.2.3.8").title == "2型糖尿病患者健康管理"
    assert std.clause("2.2.3.2").intro.count("生活习惯") == 1  # page break inside a word, rejoined
    notes = " ".join(n.zh for n in result.report.notes)
    assert "小节 2.1 的标题，标题留空" in notes and "采用已知标题表：科室设置" in notes


def test_unplaced_items_and_their_derived_rules(township):
    _, result = township
    c = result.standard.clause("0.0.1")
    assert c.unplaced and [(i.code, i.source_line) for i in c.items] == [("C-2", 6), ("C-3", 12)]
    c2, c3 = c.items
    assert c2.derived.sources == ("2.2.3.2", "2.2.3.3", "2.2.3.12", "2.2.3.13") and c2.derived.stated_count == 6
    assert c3.derived.sources == tuple(f"2.2.3.{n}" for n in range(4, 11)) and c3.derived.stated_count == 7
    assert c2.method_kinds == (MethodKind.OTHER,)
    assert any("原文称依据 6 条标准，但只列出 4 条" in n.zh for n in result.report.notes)


def test_skipped_blocks(township):
    text, result = township
    last = len(text.splitlines())
    assert [(b.first_line, b.last_line, b.reason) for b in result.report.skipped] == [
        (1, 4, "页眉页脚等版面文字"),
        (438, 468, "与评价指南无关的文字"),
        (470, 470, "页眉页脚等版面文字"),
        (474, last, "与评价指南无关的文字"),
    ]
    assert [(c.clause, c.code, c.first_line, c.line, c.kind) for c in result.report.conflicts] == [
        ("2.1.3", "C-3", 60, 472, "truncated")]


# -- outpatient conduct checklist ---------------------------------------------
def test_outpatient_posts_and_norms(outpatient):
    _, result = outpatient
    std = result.standard
    assert std.kind.value == "checklist" and len(std.chapters) == 1
    assert std.chapters[0].title == "门诊优质服务行为规范"
    assert [(s.title, len(s.clauses)) for s in std.chapters[0].sections] == [
        ("导医服务台", 3), ("门诊护士", 8), ("门诊专家", 6), ("计价收费处", 7),
        ("中西药房", 5), ("注射室、静脉输液室", 9), ("手术室护士", 6)]
    for c in std.clauses():
        (item,) = c.items
        assert item.code == "C" and item.method == DEFAULT_METHOD
        assert item.method_kinds == (MethodKind.ONSITE, MethodKind.INTERVIEW)
    assert std.clause("1.2.1").items[0].requirement == "提前上班做诊前或治疗前准备,精神饱满、面带微笑、着装规范、淡妆上岗、仪表言仪符合要求。"
    assert std.clause("1.6.9").items[0].requirement == "留观区参照病房要求。"


def test_noise_and_essays_are_not_norms(outpatient):
    _, result = outpatient
    texts = [c.items[0].requirement for c in result.standard.clauses()]
    assert not any(re.search(r"[\u4e00-\u9fff]{60,}", t) for t in texts)
    for foreign in ("公济茄抹鲸", "米卢", "供气", "机关工作人员", "首问责任人"):
        assert not any(foreign in t for t in texts), foreign
    reasons = {b.first_line: b.reason for b in result.report.skipped}
    assert reasons[97] == reasons[241] == reasons[257] == "随机字符填充"
    assert reasons[109] == reasons[253] == "正文后接随机字符，整段跳过"
    assert reasons[15] == "不属于门诊服务规范的文字（文章、其他文件）"
    assert reasons[376].startswith("不属于门诊服务规范")


def test_outpatient_report_lists_empty_subheadings(outpatient):
    _, result = outpatient
    empty = [n.line for n in result.report.notes if "下原文没有规范条目" in n.zh]
    assert empty == [125, 147, 165, 185, 201, 239]
