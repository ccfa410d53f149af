"""总体评价: written by the team leader in the app (services.set_overall_assessment, the summary
screen's card) and printed after the verdict."""

from __future__ import annotations

from types import SimpleNamespace

import flet as ft
import pytest

from inspect_app import services
from inspect_app.errors import UserError
from inspect_app.report.builder import build_report
from inspect_app.report.source import report_input
from inspect_app.ui.summary.assessment import assessment_card
from tests.report.fixtures import synthetic_standard
from tests.report.workflow import TEAM, pdftotext


@pytest.fixture
def draft(tmp_path):
    ws = services.open_workspace(tmp_path / "data")
    center = services.add_center(ws, "青石镇中心卫生院", actor="王喆", county="花溪区")
    ins = services.start_inspection(ws, center.id, synthetic_standard(), TEAM, "李彧")
    yield ws, ins.id
    ws.close()


def test_leader_writes_it_and_the_report_prints_it_after_the_verdict(draft):
    ws, iid = draft
    services.set_overall_assessment(ws, iid, achievements="档案管理规范。", actor="王喆")
    ins = services.set_overall_assessment(ws, iid, opinion="限期整改后复核。", actor="王喆")
    assert ins.assessment.achievements == "档案管理规范。" and ins.assessment.opinion == "限期整改后复核。"
    assert ins.assessment.by == "王喆"
    assert any(a.action == "set_overall_assessment" for a in services.audit_log(ws, iid))
    text = "".join(pdftotext(build_report(report_input(ws, iid)).pdf).split())
    assert text.index("档案管理规范。") > text.index("评审结论") and "限期整改后复核。" in text


def test_only_the_leader_and_only_in_a_draft(draft):
    ws, iid = draft
    with pytest.raises(UserError) as err:
        services.set_overall_assessment(ws, iid, problems="x", actor="李彧")
    assert "评审组长" in err.value.zh and "team leader" in err.value.en
    with pytest.raises(UserError):
        services.set_overall_assessment(ws, iid, problems="字" * (services.ASSESSMENT_LIMIT + 1), actor="王喆")


def test_the_summary_card_shows_three_fields_editable_by_the_leader_only(draft):
    ws, iid = draft
    services.set_overall_assessment(ws, iid, problems="制度未上墙。", actor="王喆")
    inspection = services.get_inspection(ws, iid)

    def fields(me: str) -> list[ft.TextField]:
        screen = SimpleNamespace(app=SimpleNamespace(lang="zh", me=me), data=SimpleNamespace(
            inspection=inspection, editable=True), id=iid)
        card = assessment_card(screen)
        found: list[ft.TextField] = []

        def walk(control):
            if isinstance(control, ft.TextField):
                found.append(control)
            for attr in ("content", "controls"):
                child = getattr(control, attr, None)
                for c in (child if isinstance(child, list) else [child] if child is not None else []):
                    if isinstance(c, ft.Control):
                        walk(c)
        walk(card)
        return found

    leader = fields("王喆")
    assert [f.label for f in leader] == ["主要成效", "主要问题", "总体意见"]
    assert leader[1].value == "制度未上墙。" and not any(f.disabled for f in leader)
    assert all(f.disabled for f in fields("李彧"))
