"""A full-size synthetic guide (4 chapters, 100 clauses, 12 ★, ~380 items of all levels, noise
between them) imports cleanly; timings are in bench/standard_import.py, not asserted here."""

from __future__ import annotations

from inspect_app.inspection import ItemResult
from inspect_app.scoring import score_inspection
from inspect_app.standard.importer import import_guide
from inspect_app.standard.loader import dumps_standard, loads_standard
from inspect_app.standard.validate import check_standard, errors
from inspect_app.standard.xlsx import read_standard_xlsx, standard_workbook
from tests.standard.synthetic_guide import synthetic_guide
from tests.standard.test_xlsx import xlsx_bytes


def test_the_full_size_guide_imports_every_item_with_nothing_unplaced_or_lost():
    guide = synthetic_guide()
    assert (guide.chapters, guide.sections, guide.clauses, guide.recommended) == (4, 20, 100, 12)
    assert 370 <= guide.items <= 390 and all(guide.items_by_level[lv] > 50 for lv in "CBA")
    result = import_guide(guide.text, standard_id="syn", title="合成", edition_clauses=100)
    c, report = result.report.counts, result.report
    assert (c.chapters, c.sections, c.clauses, c.recommended_clauses, c.unplaced_clauses) == (4, 20, 100, 12, 0)
    assert (c.items, c.items_by_level) == (guide.items, guide.items_by_level)
    assert report.unaccounted_markers() == 0 and not report.conflicts and not report.unplaced and not report.merged
    reasons = {b.reason for b in report.skipped}
    assert {"页眉页脚等版面文字", "随机字符填充", "与评价指南无关的文字"} <= reasons
    std = result.standard
    assert not errors(check_standard(std))
    assert std.coverage.extent == "complete" and [lv.value for lv in std.coverage.levels] == ["C", "B", "A"]
    assert std.clause(guide.derived_clause).items[0].derived.sources == ("1.1.1", "1.1.2")
    assert [ch.title for ch in std.chapters] == ["功能任务和资源配置", "基本医疗和公共卫生服务", "业务管理", "综合管理"]


def test_the_full_size_standard_round_trips_through_xlsx_and_reaches_the_recommended_tier():
    std = import_guide(synthetic_guide().text, standard_id="syn", title="合成", edition_clauses=100).standard
    assert dumps_standard(read_standard_xlsx(xlsx_bytes(standard_workbook(loads_standard(dumps_standard(std)))))) == dumps_standard(std)
    ratings = {cl.number: {i.code: ItemResult.MET for i in cl.items} for cl in std.clauses()}
    verdict = score_inspection(std, ratings, {p.id: True for p in std.prerequisites}).verdict
    assert verdict.tier.id == "recommended" and not verdict.excerpt
