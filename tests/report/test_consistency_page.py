"""The review's report holds the consistency section against the center's self-assessment
(report/consistency.py), from the real store through report_input and the builder."""

from __future__ import annotations

import json

from pypdf import PdfReader

from inspect_app import review_chain, services
from inspect_app.report.builder import build_report
from inspect_app.report.content import CONTENT_ATTACHMENT
from inspect_app.report.source import report_input
from inspect_app.inspection import TeamMember, TeamRole
from tests.report.test_build import pdftotext
from tests.services.test_review_chain import put_self_assessment
from tests.store.helpers import make_standard, new_workspace, rated_items


def reviewed_report(tmp_path):
    """A county review of a center whose self-assessment says everything is met: two clauses
    differ, one with a reason. Returns the built (unsigned) PDF's path."""
    ws = new_workspace(tmp_path)
    try:
        center = services.add_center(ws, "青山镇卫生院", actor="王芳")
        put_self_assessment(ws, center.id, not_met=())  # the center says: everything met
        county = review_chain.start_stage(ws, center.id, "test-std", [TeamMember(name="王芳", role=TeamRole.LEADER)],
                                          "王芳", year=2026)
        for clause, code in rated_items(make_standard()):
            bad = (clause, code) in {("1.1.1", "C-1"), ("1.2.2", "A-1")}
            services.rate_item(ws, county.id, clause, code, "not_met" if bad else "met")
        review_chain.set_disagreement_reason(ws, county.id, "1.1.1", "制度未上墙")
        built = build_report(report_input(ws, county.id))
    finally:
        ws.close()
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(built.pdf)
    return pdf


def test_report_has_the_consistency_section_with_shares_kappa_and_disagreements(tmp_path):
    pdf = reviewed_report(tmp_path)
    text = pdftotext(pdf)
    assert "附录二、与机构自评的一致性分析" in text
    assert "1.1.1 自评 A / 审核 D" in text and "制度未上墙" in text
    assert "1.2.2 自评 A / 审核 B" in text and "未说明原因（已标注）" in text
    assert "84.6%（11/13）" in text  # exact clause-level agreement
    doc = json.loads(PdfReader(str(pdf)).attachments[CONTENT_ATTACHMENT][0])
    c = doc["consistency"]
    assert c["overall"]["clauses_exact"] == 11 and c["verdicts"]["self"] == "基本标准"
    assert [d["clause"] for d in c["disagreements"]] == ["1.1.1", "1.2.2"]



def test_a_sampled_recheck_report_compares_only_its_sample(tmp_path):
    from inspect_app.rounds import SampleRule

    ws = new_workspace(tmp_path)
    try:
        center = services.add_center(ws, "青山镇卫生院", actor="王芳")
        put_self_assessment(ws, center.id, not_met=())
        city = review_chain.start_stage(ws, center.id, "test-std", [TeamMember(name="王芳", role=TeamRole.LEADER)],
                                        "王芳", stage="city", year=2026, sample=SampleRule(seed=3, share=0.3))
        sample = services.get_inspection(ws, city.id).sample
        for clause, code in rated_items(make_standard()):
            if clause in sample:
                services.rate_item(ws, city.id, clause, code, "met")
        built = build_report(report_input(ws, city.id))
    finally:
        ws.close()
    pdf = tmp_path / "city.pdf"
    pdf.write_bytes(built.pdf)
    assert f"本次为抽样复核，比较其抽取的 {len(sample)} 个条款" in pdftotext(pdf)
    doc = json.loads(PdfReader(str(pdf)).attachments[CONTENT_ATTACHMENT][0])
    assert doc["consistency"]["scope"] == sample and doc["consistency"]["sampled"] is True
    assert doc["consistency"]["overall"]["clauses_exact"] == doc["consistency"]["overall"]["clauses_compared"]
