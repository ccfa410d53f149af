"""Edition mappings (版本对照): hand-written or imported, validated, and used to compare rounds."""

from __future__ import annotations

import json

import pytest

from inspect_app.cli import main
from inspect_app.errors import UserError
from inspect_app.standard.editions import (
    check_mapping, compare_levels, identity_mapping, import_mapping_table, load_mapping, round_change, save_mapping,
)
from inspect_app.standard.loader import save_standard
from inspect_app.standard.validate import errors
from tests.standard.helpers import clause, standard

OLD = standard(clause("1.1.1"), clause("1.1.2"), clause("1.2.1"), id="t-2018")
NEW = standard(clause("1.1.1"), clause("1.1.3"), clause("1.1.4"), clause("1.2.2"), id="t-2022")


def test_identity_mapping_pairs_equal_numbers_and_marks_the_rest():
    m = identity_mapping(OLD, NEW)
    assert [(p.old, p.new, p.note) for p in m.clauses] == [
        ("1.1.1", ("1.1.1",), ""), ("1.1.2", (), "删除"), ("1.2.1", (), "删除"),
        (None, ("1.1.3",), "新增"), (None, ("1.1.4",), "新增"), (None, ("1.2.2",), "新增")]
    assert not errors(check_mapping(m, OLD, NEW))


def test_a_hand_written_mapping_is_validated_against_both_editions(tmp_path):
    path = tmp_path / "t.mapping.json"
    path.write_text(json.dumps({"format": "edition-mapping", "version": 1, "from": {"id": "t-2018"}, "to": {"id": "t-2022"},
                                "clauses": [{"from": "1.1.1", "to": ["1.1.1"]},
                                            {"from": "1.1.2", "to": ["1.1.3", "1.1.4"], "note": "拆分"},
                                            {"from": "1.2.1", "to": ["1.2.9"]},
                                            {"from": "9.9.9", "to": []},
                                            {"from": "1.1.1", "to": ["1.2.2"]}]}), encoding="utf-8")
    m = load_mapping(path)
    problems = {(p.where, p.zh) for p in errors(check_mapping(m, OLD, NEW))}
    assert ("对照第 3 项（1.2.1）", "新版本中没有条款 1.2.9") in problems
    assert ("对照第 4 项（9.9.9）", "旧版本中没有条款 9.9.9") in problems
    assert ("对照第 5 项（1.1.1）", "旧条款 1.1.1 出现多次") in problems
    assert m.targets("1.1.2") == ("1.1.3", "1.1.4")
    save_mapping(m, tmp_path / "again.mapping.json")
    assert load_mapping(tmp_path / "again.mapping.json") == m


def test_a_mapping_that_is_not_one_is_refused(tmp_path):
    path = tmp_path / "x.json"
    path.write_text('{"clauses": []}', encoding="utf-8")
    with pytest.raises(UserError, match="不是版本对照文件"):
        load_mapping(path)


def test_import_from_a_csv_table_and_the_command_line(tmp_path, capsys):
    table = tmp_path / "对照.csv"
    table.write_text("旧条款号,新条款号,说明\n1.1.1,1.1.1,\n1.1.2,1.1.3、1.1.4,拆分\n1.2.1,1.2.2,改号\n,4.1.1,\n", encoding="utf-8")
    m = import_mapping_table(table, OLD, NEW)
    assert m.targets("1.1.2") == ("1.1.3", "1.1.4") and m.targets("1.2.1") == ("1.2.2",)
    assert "新版本中没有条款 4.1.1" in [p.zh for p in errors(check_mapping(m, OLD, NEW))]
    old, new = save_standard(OLD, tmp_path / "old.json"), save_standard(NEW, tmp_path / "new.json")
    table.write_text("旧条款号,新条款号,说明\n1.1.1,1.1.1,\n1.1.2,1.1.3、1.1.4,拆分\n1.2.1,1.2.2,改号\n", encoding="utf-8")
    out = tmp_path / "t.mapping.json"
    assert main(["standard", "mapping", "import", str(table), str(old), str(new), "--out", str(out)]) == 0
    assert main(["standard", "mapping", "check", str(out), str(old), str(new)]) == 0
    assert "对照表通过校验" in capsys.readouterr().out


def test_rounds_compare_clause_by_clause_through_the_mapping():
    m = import_mapping_table_from_pairs()
    before = {"1.1.1": "C", "1.1.2": "D", "1.2.1": "B"}
    after = {"1.1.1": "B", "1.1.3": "C", "1.1.4": "D", "1.2.2": "B"}
    changes = {(c.old, c.new): c.delta for c in compare_levels(before, after, m)}
    assert changes == {("1.1.1", "1.1.1"): 1, ("1.1.2", "1.1.3"): 1, ("1.1.2", "1.1.4"): 0, ("1.2.1", "1.2.2"): 0}
    rc = round_change(before, "未达标", after, "基本标准", same_edition=False, mapping=m)
    assert rc.text() == "未达标 → 基本标准；4 条可比：升 2、降 0、持平 2"
    assert round_change(before, "未达标", after, "未达标", same_edition=False).text() == "结论不变（版本不同且无对照表，未逐条比较）"
    same = round_change({"1.1.1": "D", "1.1.2": "incomplete"}, "x", {"1.1.1": "C", "1.1.2": "C"}, "y", same_edition=True)
    assert (same.improved, same.compared) == (1, 1)


def import_mapping_table_from_pairs():
    from inspect_app.standard.editions import ClausePair, EditionMapping, EditionRef

    return EditionMapping(old=EditionRef(id="t-2018"), new=EditionRef(id="t-2022"), clauses=(
        ClausePair(old="1.1.1", new=("1.1.1",)), ClausePair(old="1.1.2", new=("1.1.3", "1.1.4")),
        ClausePair(old="1.2.1", new=("1.2.2",))))


def test_the_previous_round_is_the_centers_latest_review_in_an_earlier_round():
    from inspect_app.hub.ledger import InspectionEntry
    from inspect_app.hub.rounds import previous_round

    def e(iid, center, seq, stage="county", round_id=""):
        return InspectionEntry(iid, center, (), "", seq, (), 1, "locked", "township-2018", stage, round_id)

    entries = [e("a", "c1", 10, round_id="2023"), e("b", "c1", 20, round_id="2024"), e("s", "c1", 25, "self", "2025"),
               e("c", "c1", 30, "city", round_id="2024"), e("d", "c1", 40, round_id="2025"), e("x", "c2", 35)]
    assert previous_round(entries, entries[4]).id == "c"  # 2024's last review (the city re-check)
    assert previous_round(entries, entries[3]).id == "a"  # same round's county review is not a previous round
    assert previous_round(entries, entries[0]) is None and previous_round(entries, None) is None
