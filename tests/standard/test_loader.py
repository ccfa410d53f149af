"""Standard file: deterministic JSON, versioning, errors with places, hash, registry."""

from __future__ import annotations

import json

import pytest

from inspect_app.errors import UserError
from inspect_app.paths import STANDARDS_DIR
from inspect_app.standard.loader import (
    content_hash,
    dumps_standard,
    list_standards,
    load_standard,
    loads_standard,
    save_standard,
    schema_text,
)
from inspect_app.standard.model import FORMAT_VERSION, ItemLevel, StandardKind, TierRule, ClauseKind
from tests.standard.helpers import clause, item, standard


def test_save_then_load_gives_the_same_standard_and_the_same_bytes(tmp_path):
    std = standard(clause("1.1.1", item("C-1", "有制度"), item("B-1", "执行良好")), edition="2018年版")
    path = save_standard(std, tmp_path / "s.json")
    first = path.read_bytes()
    assert load_standard(path) == std
    save_standard(load_standard(path), path)
    assert path.read_bytes() == first


def test_file_is_pretty_utf8_with_chinese_kept_readable(tmp_path):
    text = save_standard(standard(clause("1.1.1")), tmp_path / "s.json").read_text(encoding="utf-8")
    assert "测试标准" in text and "\\u" not in text
    assert text.startswith(f'{{\n  "format_version": {FORMAT_VERSION},') and text.endswith("}\n")


def test_min_percent_is_written_in_level_order_whatever_order_it_was_built_in():
    rule = TierRule(clause_kind=ClauseKind.BASIC, min_percent={ItemLevel.A: 5, ItemLevel.C: 80, ItemLevel.B: 20})
    std = standard(clause("1.1.1"))
    tiers = std.verdict_rules.tiers
    reordered = std.model_copy(update={"verdict_rules": std.verdict_rules.model_copy(
        update={"tiers": (tiers[0].model_copy(update={"rules": (rule,)}),)})})
    data = json.loads(dumps_standard(reordered))
    assert list(data["verdict_rules"]["tiers"][0]["rules"][0]["min_percent"]) == ["C", "B", "A"]


def test_newer_format_version_is_refused_in_both_languages():
    data = json.loads(dumps_standard(standard(clause("1.1.1"))))
    data["format_version"] = FORMAT_VERSION + 1
    with pytest.raises(UserError) as err:
        loads_standard(json.dumps(data), name="new.json")
    assert f"格式版本为 {FORMAT_VERSION + 1}" in err.value.zh and "升级" in err.value.zh
    assert f"format version {FORMAT_VERSION + 1}" in err.value.en


def test_a_version_1_file_still_loads_without_coverage_vetoes_or_history():
    data = json.loads(dumps_standard(standard(clause("1.1.1"))))
    data["format_version"] = 1
    for key in ("coverage", "placements"):
        del data[key]
    std = loads_standard(json.dumps(data), name="old.json")
    assert std.coverage is None and std.placements == () and not std.is_excerpt


def test_missing_format_version_is_refused():
    data = json.loads(dumps_standard(standard(clause("1.1.1"))))
    del data["format_version"]
    with pytest.raises(UserError, match="format_version"):
        loads_standard(json.dumps(data))


def test_malformed_json_names_line_and_column():
    with pytest.raises(UserError) as err:
        loads_standard('{\n  "id": "x",\n  "title": \n}', name="bad.json")
    assert "第 4 行第 1 列" in err.value.zh and "line 4 column 1" in err.value.en


def test_schema_error_names_the_clause_and_item():
    data = json.loads(dumps_standard(standard(clause("2.2.3.1", item("C-1"), item("B-1")))))
    data["chapters"][0]["sections"][0]["clauses"][0]["items"][1]["level"] = "D"
    with pytest.raises(UserError) as err:
        loads_standard(json.dumps(data), name="x.json")
    assert "2.2.3.1" in err.value.zh and "【B-1】" in err.value.zh and ".level" in err.value.zh


def test_unknown_level_in_a_tier_rule_is_refused_with_its_place():
    data = json.loads(dumps_standard(standard(clause("1.1.1"))))
    data["verdict_rules"]["tiers"][1]["rules"][0]["min_percent"]["D"] = 10
    with pytest.raises(UserError) as err:
        loads_standard(json.dumps(data))
    assert "tiers[1] (basic)" in err.value.zh and "min_percent.D" in err.value.zh


def test_content_hash_is_stable_and_follows_content():
    a = standard(clause("1.1.1", item("C-1", "有制度")))
    b = standard(clause("1.1.1", item("C-1", "有制度并执行")))
    assert content_hash(a) == content_hash(loads_standard(dumps_standard(a)))
    assert content_hash(a) != content_hash(b)
    assert len(content_hash(a)) == 64


def test_list_standards_reports_counts_and_leaves_out_broken_files(tmp_path):
    save_standard(standard(clause("1.1.1", item("C-1"), item("B-1")), clause("1.1.2"), id="b-std"), tmp_path / "b.json")
    save_standard(standard(clause("1.1.1"), id="a-std", kind=StandardKind.CHECKLIST), tmp_path / "a.json")
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    (tmp_path / "standard.schema.json").write_text(schema_text(), encoding="utf-8")
    problems: list = []
    rows = list_standards(tmp_path, problems)
    assert [(r.id, r.kind, r.clause_count, r.item_count) for r in rows] == [
        ("a-std", StandardKind.CHECKLIST, 1, 1),
        ("b-std", StandardKind.GRADED, 2, 3),
    ]
    assert [p.name for p, _ in problems] == ["broken.json"]


def test_shipped_schema_is_current():
    assert (STANDARDS_DIR / "standard.schema.json").read_text(encoding="utf-8") == schema_text()


def test_shipped_standards_are_listed():
    ids = {r.id for r in list_standards(STANDARDS_DIR)}
    assert {"township-2018", "outpatient-conduct"} <= ids
