"""`standard check`: each kind of mistake is found and named by its place."""

from __future__ import annotations

import json

from inspect_app.cli import main
from inspect_app.standard.loader import dumps_standard, save_standard
from inspect_app.standard.model import ClauseKind, DerivedRule, ItemLevel, Tier, TierRule, VerdictRules
from inspect_app.standard.validate import check_standard, errors
from tests.standard.helpers import clause, item, standard


def messages(std) -> list[str]:
    return [p.text() for p in errors(check_standard(std))]


def test_a_clean_standard_has_no_errors():
    std = standard(clause("1.1.1", item("C-1"), item("C-2"), item("B-1"), item("A-1")), clause("1.1.2"))
    assert messages(std) == []


def test_duplicate_clause_numbers():
    std = standard(clause("1.1.1", source_line=3), clause("1.1.1", source_line=9))
    (msg,) = messages(std)
    assert "条款 1.1.1" in msg and "条款编号重复" in msg and "duplicate clause number" in msg and "第 9 行" in msg


def test_duplicate_item_codes_in_a_clause():
    (msg,) = messages(standard(clause("1.1.1", item("C-1"), item("C-1", source_line=12))))
    assert "条款 1.1.1 【C-1】（原文第 12 行）" in msg and "重复" in msg


def test_unknown_derived_source_and_cycles_including_self():
    std = standard(
        clause("1.1.1", derived=DerivedRule(sources=("1.1.9",))),
        clause("1.1.2", item("C-1", derived=DerivedRule(sources=("1.1.3",)))),
        clause("1.1.3", derived=DerivedRule(sources=("1.1.2",))),
        clause("1.1.4", derived=DerivedRule(sources=("1.1.4",))),
    )
    found = messages(std)
    assert any("依据的条款 1.1.9 不存在" in m for m in found)
    assert any("依据关系成环：1.1.2 → 1.1.3 → 1.1.2" in m for m in found)
    assert any("依据关系成环：1.1.4 → 1.1.4" in m for m in found)
    assert len(found) == 3


def test_empty_requirement_order_and_code_level_mismatch():
    std = standard(clause("1.1.1", item("C-1", " "), item("B-1"), item("C-2"),
                          item("A-1").model_copy(update={"level": ItemLevel.B})))
    found = messages(std)
    assert any("【C-1】" in m and "要求为空" in m for m in found)
    assert any("【C-2】" in m and "C、B、A" in m for m in found)
    assert any("【A-1】" in m and "与级别 B 不符" in m for m in found)


def test_clause_number_must_be_under_its_section_and_chapter():
    std = standard(clause("1.1.1"))
    ch = std.chapters[0]
    moved = ch.sections[0].model_copy(update={"clauses": (clause("1.2.1"),), "number": "2.1"})
    std = std.model_copy(update={"chapters": (ch.model_copy(update={"sections": (moved,)}),)})
    found = messages(std)
    assert any("小节 2.1" in m and "所属章 1" in m for m in found)
    assert any("条款 1.2.1" in m and "所属小节 2.1" in m for m in found)


def test_tier_percent_outside_0_to_100():
    rules = VerdictRules(tiers=(Tier(id="x", name="某标准", rules=(
        TierRule(clause_kind=ClauseKind.BASIC, min_percent={ItemLevel.C: 120, ItemLevel.A: -1}),)),))
    found = messages(standard(clause("1.1.1"), verdict_rules=rules))
    assert len(found) == 2 and all("评定等级 某标准" in m and "0–100" in m for m in found)


def test_warnings_do_not_count_as_errors():
    std = standard(clause("0.0.1", item("C-1", method=""), unplaced=True))
    problems = check_standard(std)
    assert not errors(problems)
    assert {p.severity for p in problems} == {"warning"}


# -- the command ------------------------------------------------------------
def test_check_command_on_a_valid_file_prints_a_summary(tmp_path, capsys):
    path = save_standard(standard(clause("1.1.1", item("C-1"), item("B-1"))), tmp_path / "ok.json")
    assert main(["standard", "check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "通过校验 / valid" in out and "条款 1" in out and "条目 2（C 1，B 1，A 0）" in out


def test_check_command_lists_every_error_and_exits_1(tmp_path, capsys):
    std = standard(clause("1.1.1", item("C-1"), item("C-1")), clause("1.1.1"))
    path = save_standard(std, tmp_path / "bad.json")
    assert main(["standard", "check", str(path)]) == 1
    out = capsys.readouterr().out
    assert out.count("[错误]") == 2 and "2 个错误 / 2 error(s)" in out
    assert "None" not in out


def test_check_command_on_broken_json_and_newer_version(tmp_path, capsys):
    broken = tmp_path / "broken.json"
    broken.write_text('{"format_version": 1,', encoding="utf-8")
    assert main(["standard", "check", str(broken)]) == 1
    assert "不是有效的 JSON" in capsys.readouterr().out
    newer = tmp_path / "newer.json"
    data = json.loads(dumps_standard(standard(clause("1.1.1"))))
    data["format_version"] = 99
    newer.write_text(json.dumps(data), encoding="utf-8")
    assert main(["standard", "check", str(newer), "--lang", "en"]) == 1
    assert "format version 99" in capsys.readouterr().out
