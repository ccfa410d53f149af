"""`python main.py standard import` and `standard list`, run as a user would."""

from __future__ import annotations

import subprocess
import sys

from inspect_app.cli import main
from inspect_app.paths import PROJECT_ROOT
from inspect_app.standard.loader import load_standard
from tests.standard.helpers import DATA


def test_import_writes_the_standard_and_prints_the_report(tmp_path, capsys):
    out = tmp_path / "sample.json"
    code = main(["standard", "import", str(DATA / "sample_guide.txt"), "--out", str(out),
                 "--title", "样例指南", "--edition", "2024年版", "--titles", "community"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "导入报告：sample_guide.txt" in printed and "合并的相同重复条目（1）" in printed
    assert "未归位条款" in printed  # the check runs on the result
    std = load_standard(out)
    assert (std.id, std.title, std.edition, std.source) == ("sample", "样例指南", "2024年版", "sample_guide.txt")
    assert std.verdict_rules.tiers[0].name == "推荐标准"


def test_import_checklist_and_list(tmp_path, capsys):
    text = tmp_path / "norms.txt"
    text.write_text("收费处服务规范\n\n1、基本要求\n\n1.1准时开窗。\n\n1.2耐心解答询问。\n", encoding="gb18030")
    out = tmp_path / "norms.json"
    assert main(["standard", "import", str(text), "--out", str(out), "--checklist", "--id", "fee"]) == 0
    std = load_standard(out)
    assert std.kind.value == "checklist" and [c.items[0].requirement for c in std.clauses()] == ["准时开窗。", "耐心解答询问。"]
    capsys.readouterr()
    assert main(["standard", "list", str(tmp_path)]) == 0
    assert "fee\tfee\t\tchecklist\t条款 2\t条目 2" in capsys.readouterr().out


def test_import_of_a_missing_file_is_a_user_error(tmp_path, capsys):
    assert main(["standard", "import", str(tmp_path / "nope.txt"), "--out", str(tmp_path / "x.json")]) == 1
    assert "找不到文本文件" in capsys.readouterr().out


def test_main_py_runs_standard_check_in_a_fresh_process():
    done = subprocess.run([sys.executable, "main.py", "standard", "check", "standards/outpatient-conduct.json"],
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "通过校验" in done.stdout
