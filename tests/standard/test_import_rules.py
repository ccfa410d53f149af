"""Single rules of the guide importer, each on the smallest text that shows it."""

from __future__ import annotations

import pytest

from inspect_app.standard.derived import expand_range, parse_derived
from inspect_app.standard.importer import import_guide, method_kinds
from inspect_app.standard.model import ItemLevel, MethodKind


def run(text: str, **kw):
    return import_guide(text, standard_id="t", title="t", **kw)


@pytest.mark.parametrize("marker,code", [
    ("【C-1】", "C-1"), ("【C】", "C"), ("[B-2]", "B-2"), ("［Ａ－１］", "A-1"), ("【 C - 3 】", "C-3"), ("【A—1】", "A-1"),
])
def test_marker_variants(marker, code):
    r = run(f"1.1.1条款\n{marker}要求。\n评价方式方法:现场查看。\n")
    assert [i.code for i in r.standard.clause("1.1.1").items] == [code]


@pytest.mark.parametrize("method,kinds", [
    ("现场查看。", (MethodKind.ONSITE,)),
    ("查阅资料", (MethodKind.DOCUMENTS,)),
    ("现场查看设施设备;人员名单及相关培训资料。", (MethodKind.ONSITE, MethodKind.DOCUMENTS)),
    ("访谈医务人员", (MethodKind.INTERVIEW,)),
    ("询问患者", (MethodKind.INTERVIEW,)),
    ("查看台账，询问负责人", (MethodKind.ONSITE, MethodKind.DOCUMENTS, MethodKind.INTERVIEW)),
    ("依据2.2.3.2等标准评审结果评判", (MethodKind.OTHER,)),
    ("", ()),
])
def test_method_kinds(method, kinds):
    assert method_kinds(method) == kinds


def test_full_width_and_half_width_colon():
    r = run("1.1.1条款\n【C-1】甲。\n评价方式方法：现场查看。\n【C-2】乙。\n评价方式方法:查阅资料。\n")
    assert [i.method for i in r.standard.clause("1.1.1").items] == ["现场查看。", "查阅资料。"]


def test_number_glued_to_title_and_number_with_space_before_a_digit_title():
    r = run("2.2.3.8 2型糖尿病患者健康管理\n【C-1】甲。\n2.2.3.9严重精神障碍患者管理\n【C-1】乙。\n")
    assert [(c.number, c.title) for c in r.standard.clauses()] == [
        ("2.2.3.8", "2型糖尿病患者健康管理"), ("2.2.3.9", "严重精神障碍患者管理")]


def test_heading_broken_over_blank_lines_and_a_page_header():
    r = run("页眉\n\n1.1.1甲\n\n【C】甲。\n\n2.2.\n\n页眉\n\n3.1居民健康档案管理\n\n【C-1】乙。\n")
    assert [c.number for c in r.standard.clauses()] == ["1.1.1", "2.2.3.1"]


def test_numbered_list_line_inside_a_chapter_is_not_a_chapter_heading():
    text = "1.1.1甲\n【C-1】要求如下。\n1、人员配备\n评价方式方法：现场查看。\n1.1.2乙\n【C-1】乙。\n"
    r = run(text)
    assert [ch.number for ch in r.standard.chapters] == ["1"]
    assert r.standard.clause("1.1.1").items[0].explanation == "1、人员配备"


def test_item_without_a_method_before_a_foreign_document_is_not_glued_to_it():
    text = ("1.1.1甲\n\n【C-1】要求。\n\n说明。\n\n某公司服务规范\n\n某公司服务规范 为规范服务 特制定本规范。 一、热情服务。\n\n"
            "【C-2】后来的条目。\n评价方式方法：现场查看。\n")
    r = run(text)
    c1 = r.standard.clause("1.1.1").items[0]
    assert c1.explanation == "说明。" and c1.method == ""
    # after a foreign block the clause is unknown: the next item is unplaced, not glued to 1.1.1
    assert r.standard.clause("0.0.1").items[0].requirement == "后来的条目。"
    assert any(b.first_line == 7 and b.last_line == 9 for b in r.report.skipped)
    assert any("没有评价方式方法" in n.zh for n in r.report.notes)


def test_random_character_filler_is_skipped():
    filler = "郎一大乓钓瞥阳垢响颖靖烧菩忌辆谆贪氮坑续疾靡富悄范融虱桩辖藤谦筹崭冕萎曳柞也为净憎沟堂芍二绩训敬摧曲婿丧韭摄豁库杖宿因抵撒蔫央犁禽超那摸怀伊网宦融登赔椒模紧框缸阵窜凸"
    r = run(f"1.1.1甲\n【C-1】要求。\n{filler}\n")
    assert r.standard.clause("1.1.1").items[0].explanation == ""
    assert r.report.skipped[0].reason == "随机字符填充"


def test_clause_derived_from_intro():
    r = run("2.1.1乙\n依据2.2.3.4-2.2.3.6公共卫生服务项目等3条标准评审结果评判,均达到C级及以上水平则此条款合格。\n")
    rule = r.standard.clause("2.1.1").derived
    assert rule.sources == ("2.2.3.4", "2.2.3.5", "2.2.3.6") and rule.stated_count == 3
    assert not [n for n in r.report.notes if "只列出" in n.zh]


def test_derived_parsing():
    parsed = parse_derived("依据2.2.3.2健康教育、2.2.3.3预防接种、2.2.3.12传染病、2.2.3.13卫生计生监督协管等6条标准评审结果评判,"
                           "6条标准均达到C级及以上水平则此条款合格。")
    assert parsed.rule.sources == ("2.2.3.2", "2.2.3.3", "2.2.3.12", "2.2.3.13")
    assert parsed.rule.stated_count == 6 and parsed.named_count == 4 and parsed.count_differs
    assert parse_derived("现场查看2.2.3.2的资料。") is None
    assert parse_derived("依据评审结果评判") is None
    assert parse_derived("依据2.1.1-2.1.2等标准评审结果评判,均达到B级").rule.min_level is ItemLevel.B
    assert expand_range("2.2.3.4", "2.2.3.10") == [f"2.2.3.{n}" for n in range(4, 11)]
    assert expand_range("2.2.3.4", "2.2.4.1") is None


def test_unplaced_items_are_numbered_and_never_dropped():
    r = run("【C-1】甲。\n评价方式方法：现场查看。\n【C-2】乙。\n")
    c = r.standard.clause("0.0.1")
    assert c.unplaced and [i.code for i in c.items] == ["C-1", "C-2"]
    assert r.report.unaccounted_markers() == 0


def test_empty_text_gives_an_empty_standard():
    r = run("")
    assert r.standard.chapters == () and r.report.marker_count == 0
