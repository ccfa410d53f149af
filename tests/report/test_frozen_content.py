"""A signed revision keeps its own copy of what its report prints (center facts, team, standard copy,
photo numbers, report number): editing the center afterwards changes nothing in a locked revision's
report, and `report build --rebuild` gives the same content hash or refuses."""

from __future__ import annotations

import json

import pytest

from inspect_app import services
from inspect_app.cli import main
from inspect_app.errors import UserError
from inspect_app.report.export import report_content, signed_report
from inspect_app.report.source import report_input
from tests.report.workflow import pdftotext, walk


@pytest.fixture
def locked(tmp_path):
    data = tmp_path / "data"
    ws = services.open_workspace(data)
    iid = walk(ws)
    yield ws, data, iid
    ws.close()


def test_signing_freezes_what_the_report_prints(locked):
    ws, _, iid = locked
    ins = services.get_inspection(ws, iid)
    frozen = ins.frozen
    assert frozen is not None
    assert frozen.center.director == "陈昇" and frozen.center.population_served == 32500
    assert [m.name for m in frozen.team] == [m.name for m in ins.team]
    assert [m.unit for m in frozen.team][:1] == ["花溪区卫生健康局"]
    assert frozen.standard_version == ins.standard_version and len(frozen.standard_sha256) == 64
    assert frozen.report_id.startswith("JCR-")
    live = [e for e in services.snapshot(ws, iid).evidence if not e.deleted]
    assert frozen.photo_numbers == {e.id: e.number for e in live}


def test_edit_center_then_rebuild_gives_the_same_content(locked, capsys):
    """The issue's example: edit_center + report build --rebuild."""
    ws, data, iid = locked
    first = signed_report(ws, iid)
    _, first_sha = report_content(first.path)
    center_id = services.get_inspection(ws, iid).center_id
    services.edit_center(ws, center_id, actor="王喆", director="张新任", name="青石镇卫生院（更名）",
                         population_served=1)
    ws.close()

    assert main(["--data", str(data), "report", "build", iid, "--rebuild"]) == 0
    capsys.readouterr()
    ws2 = services.open_workspace(data)
    try:
        again = signed_report(ws2, iid)
        doc, sha = report_content(again.path)
        assert sha == first_sha and again.report_id == first.report_id
        assert doc["center"]["director"] == "陈昇" and doc["center"]["population_served"] == 32500
        text = pdftotext(again.path)
        assert "张新任" not in text and "更名" not in text and "陈昇" in text
        # a draft of the same center's next visit does see the edit (the live record is used)
        assert report_input(ws2, iid).center.director == "陈昇"
    finally:
        ws2.close()


def test_rebuild_refuses_when_the_content_would_change(locked):
    ws, _, iid = locked
    signed_report(ws, iid)
    # a revision frozen before this change (no frozen copy) reads the live center: refuse, keep the file
    with ws.store.write(iid) as tx:
        tx.put_inspection(tx.inspection().model_copy(update={"frozen": None}))
    before = signed_report(ws, iid).path.read_bytes()
    services.edit_center(ws, services.get_inspection(ws, iid).center_id, actor="王喆", director="张新任")
    with pytest.raises(UserError) as err:
        signed_report(ws, iid, rebuild=True)
    assert "拒绝覆盖" in err.value.zh
    assert signed_report(ws, iid).path.read_bytes() == before


def test_a_changed_standard_copy_refuses_the_rebuild(locked):
    ws, _, iid = locked
    signed_report(ws, iid)
    ins = services.get_inspection(ws, iid)
    copy = services.standard_copy_path(ws, ins.standard_id, ins.standard_version)
    doc = json.loads(copy.read_text("utf-8"))
    doc["title"] = doc["title"] + "（改）"
    copy.write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    ws._standards.clear()
    with pytest.raises(UserError) as err:
        signed_report(ws, iid, rebuild=True)
    assert "评价标准副本" in err.value.zh


def test_a_new_revision_starts_unfrozen_and_freezes_again(locked):
    ws, _, iid = locked
    services.new_revision(ws, iid, "补充佐证", actor="王喆")
    ins = services.get_inspection(ws, iid)
    assert ins.frozen is None and ins.revision == 2
    services.edit_center(ws, ins.center_id, actor="王喆", director="张新任")
    assert report_input(ws, iid).center.director == "张新任"
