"""`main.py round start|show|compare` through the real CLI on a real data folder."""

from __future__ import annotations

import subprocess
import sys

from inspect_app import paths, services
from inspect_app.rounds import SampleRule, draw_sample
from tests.services.test_review_chain import put_self_assessment
from tests.store.helpers import make_standard, new_workspace, rated_items


def run(data, *args):
    return subprocess.run([sys.executable, str(paths.PROJECT_ROOT / "main.py"), "--data", str(data), "round", *args],
                          capture_output=True, text=True, cwd=paths.PROJECT_ROOT, timeout=120)


def test_round_start_show_compare(tmp_path):
    ws = new_workspace(tmp_path)
    center = services.add_center(ws, "青山镇卫生院", actor="王芳")
    put_self_assessment(ws, center.id, not_met=())
    ws.close()
    data, standards = tmp_path / "data", tmp_path / "standards"
    # the standard given by its file (the CLI's workspace knows only the shipped ones by id)
    out = run(data, "start", "--center", "青山镇卫生院", "--standard", str(standards / "test-std.json"),
              "--stage", "city", "--year", "2026", "--inspector", "王芳", "--share", "0.3", "--seed", "42")
    assert out.returncode == 0, out.stdout + out.stderr
    expected = draw_sample(make_standard(), SampleRule(42, 0.3))
    assert f"抽样 {len(expected)} 个条款（seed=42;share=0.3;recommended=yes）：{'、'.join(expected)}" in out.stdout
    assert "盲评" in out.stdout
    iid = out.stdout.split("：", 1)[1].split("（", 1)[0]
    shown = run(data, "show", "--center", "青山镇卫生院", "--standard", "test-std", "--year", "2026")
    assert "机构自评" in shown.stdout and "市级复核" in shown.stdout and "抽样" in shown.stdout, shown.stdout
    ws = services.open_workspace(data, standards_dir=standards)
    try:
        for clause, code in rated_items(make_standard()):
            if clause in expected:
                services.rate_item(ws, iid, clause, code, "met")
    finally:
        ws.close()
    compared = run(data, "compare", iid)
    assert compared.returncode == 0, compared.stdout + compared.stderr
    assert f"比较条款 {len(expected)} 个（抽样）" in compared.stdout
    assert "条款等级一致率 100.0%" in compared.stdout and "κ 1.00" in compared.stdout
