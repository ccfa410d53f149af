"""Coverage (完整版 / 节选): recorded by the importer, checked, printed by `standard check`."""

from __future__ import annotations

from inspect_app.cli import main
from inspect_app.paths import STANDARDS_DIR
from inspect_app.standard.coverage import coverage_of, coverage_text, missing_levels
from inspect_app.standard.loader import load_standard
from inspect_app.standard.model import ItemLevel
from inspect_app.standard.validate import check_standard
from tests.standard.helpers import clause, item, standard


def test_the_shipped_township_text_is_recorded_as_an_excerpt_of_100_clauses_with_c_items_only():
    std = load_standard(STANDARDS_DIR / "township-2018.json")
    cov = std.coverage
    assert (cov.extent, cov.clauses, cov.edition_clauses, cov.levels) == ("excerpt", 18, 100, (ItemLevel.C,))
    assert missing_levels(std) == (ItemLevel.B, ItemLevel.A)
    assert coverage_text(std) == "节选：含本版 100 条条款中的 18 条，仅含 C 级条目"
    assert load_standard(STANDARDS_DIR / "outpatient-conduct.json").coverage.extent == "complete"


def test_without_an_edition_size_a_file_lacking_levels_the_rules_need_is_an_excerpt():
    only_c = standard(clause("1.1.1", item("C-1")))
    assert coverage_of(only_c).extent == "excerpt"
    full = standard(clause("1.1.1", item("C-1"), item("B-1"), item("A-1")))
    assert coverage_of(full).extent == "complete" and coverage_of(full, edition_clauses=2).extent == "excerpt"


def test_check_reports_coverage_that_does_not_match_the_file():
    std = standard(clause("1.1.1", item("C-1"), item("B-1")))
    wrong = std.model_copy(update={"coverage": coverage_of(std).model_copy(update={"clauses": 5, "levels": (ItemLevel.C,)})})
    texts = [p.zh for p in check_standard(wrong) if p.severity == "error"]
    assert any("记录的条款数 5" in t for t in texts) and any("记录的条目级别 C" in t for t in texts)
    assert not [p for p in check_standard(std.model_copy(update={"coverage": coverage_of(std)})) if p.severity == "error"]


def test_standard_check_prints_the_coverage(capsys):
    assert main(["standard", "check", str(STANDARDS_DIR / "township-2018.json")]) == 0
    out = capsys.readouterr().out
    assert "覆盖范围 / coverage: 节选：含本版 100 条条款中的 18 条" in out and "excerpt: 18 of the edition's 100 clauses" in out
    assert "评定规则需要 B、A 级条目，本文件没有" in out
