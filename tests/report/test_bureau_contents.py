"""What a 基层行 evaluation report carries for the bureau, read back from the PDF with pdftotext:
the cover facts, stage, document, reviewing body and two seal areas, no developer text; 前置条件;
overall assessment after the verdict; the 问题清单 columns; contents and bookmarks; one number on
cover and summary; no ★ rows for a standard without ★; checklist standards as compliance."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from pypdf import PdfReader

from inspect_app import paths
from inspect_app.inspection import Finding, InspectionStatus
from inspect_app.report.builder import build_report
from inspect_app.report.content import verdict_wording
from inspect_app.standard.model import ClauseKind
from tests.report.fixtures import ImageFolder, full_inspection, synthetic_input, synthetic_standard
from tests.report.workflow import pdftotext


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bureau")
    data = synthetic_input(tmp)
    findings = dict(data.findings)
    f = findings["2.2.2"]
    findings["2.2.2"] = f.model_copy(update={"rectification": {**f.rectification, "": "健康教育整体重新规划，每季度评估。"}})
    responses = {("2.2.2", "C-1"): {"plan": "已制定健康教育年度计划", "due": "2024-07-01", "revision": 1}}
    data = replace(data, findings=findings, responses=responses,
                   inspection=data.inspection.model_copy(update={"revision": 2, "revision_reason": "复查整改"}))
    built = build_report(data)
    pdf = tmp / "report.pdf"
    pdf.write_bytes(built.pdf)
    return built, pdf, pdftotext(pdf), pdftotext(pdf, 1, 1), pdftotext(pdf, raw=True)


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_cover_names_the_institution_stage_document_and_reviewing_body(report):
    _, _, _, cover, _ = report
    c = flat(cover)
    for expected in ("登记号PDY00012-252011211A1001", "机构地址贵阳市花溪区青石镇青石路18号", "服务人口32,500人",
                     "编制床位60张", "卫生技术人员48人", "联系方式刘珺0851-83851234", "评价阶段县级审核",
                     "评价依据《乡镇卫生院服务能力评价指南（测试）》（2018版）", "评审单位贵阳市花溪区卫生健康局",
                     "评审单位（盖章）", "被评机构（盖章）", "评审日期2024-05-20至2024-05-21", "县级审核评价报告"):
        assert expected in c, expected
    # no developer text: no command line, no hash-suffixed version next to the edition
    assert "python" not in cover and "main.py" not in cover and "（2018版+" not in c
    assert "核验信息" in cover  # the hashes live in the verification block


def test_team_prerequisites_and_assessment_after_the_verdict(report):
    _, _, text, _, _ = report
    t = flat(text)
    assert "王喆评审组长花溪区卫生健康局副主任医师" in t
    assert "P1执业许可证在有效期内符合符合，不影响评审结论" in t
    verdict_at = t.index("评审结论未达到基本标准")
    for part in ("主要成效基本公共卫生服务项目落实较好", "主要问题部分制度未上墙", "总体意见建议限期整改后申请复核"):
        assert t.index(part) > verdict_at, part


def test_problem_list_columns_and_clause_level_advice(report):
    _, _, _, _, raw = report
    t = flat(raw)
    for header in ("整改建议", "整改反馈", "时限", "科室"):  # 整改时限 and 责任科室 head two lines each
        assert header in t, header
    assert "2024-06-30" in t and "医务科" in t
    assert "健康教育整体重新规划，每季度评估。" in t  # clause-level advice (item code "") is printed
    assert "已制定健康教育年度计划" in t and "2024-07-01" in t  # the clinic's answer to revision 1


def test_contents_page_and_bookmarks(report):
    _, pdf, text, _, _ = report
    assert "目录" in flat(text)
    reader = PdfReader(pdf)

    def titles(outline):
        for entry in outline:
            if isinstance(entry, list):
                yield from titles(entry)
            else:
                yield entry.title
    marks = list(titles(reader.outline))
    for part in ("一、评审概况与结论", "二、评审结果汇总", "三、逐条评审结果", "四、问题清单及整改建议", "五、签字盖章",
                 "附录一、佐证照片", "前置条件", "总体评价"):
        assert part in marks, part
    toc = pdftotext(pdf, 2, 2)
    assert "四、问题清单及整改建议" in toc and re.search(r"五、签字盖章\s*[.·\s]*\d+", toc)


def test_cover_and_summary_print_the_same_numbers(report):
    built, _, text, cover, _ = report
    wording = verdict_wording(built.content.score)
    assert wording in flat(cover)
    summary = flat(text[text.index("二、评审结果汇总"):])
    assert f"评审结论：{wording}" in summary
    shares = re.findall(r"(\d+(?:\.\d)?)%<", flat(cover))
    assert shares, "the cover names the shares that missed"
    for share in shares:
        assert f"{share}%" in summary, share


def test_no_star_rows_without_star_clauses(tmp_path):
    standard = synthetic_standard()
    chapters = tuple(ch.model_copy(update={"sections": tuple(
        s.model_copy(update={"clauses": tuple(c.model_copy(update={"kind": ClauseKind.BASIC}) for c in s.clauses)})
        for s in ch.sections)}) for ch in standard.chapters)
    plain = standard.model_copy(update={"chapters": chapters})
    built = build_report(full_inspection(plain, ImageFolder(tmp_path / "i")))
    summary = pdftotext(built.pdf)
    summary = summary[summary.index("二、评审结果汇总"):summary.index("三、逐条评审结果", summary.index("二、评审结果汇总"))]
    assert "★" not in summary and "推荐条款" not in summary
    with_star = build_report(synthetic_input(tmp_path / "s")).pdf
    assert "推荐条款★" in pdftotext(with_star)


def test_checklist_standard_reads_as_compliance(tmp_path):
    from inspect_app.standard.loader import loads_standard

    shipped = paths.STANDARDS_DIR / "outpatient-conduct.json"
    if not shipped.is_file():
        pytest.skip("outpatient checklist not shipped")
    standard = loads_standard(shipped.read_text("utf-8"), name=shipped.name)
    data = full_inspection(standard, ImageFolder(tmp_path / "i"), photos_per_clause=0)
    built = build_report(data)
    text = pdftotext(built.pdf)
    assert "符合率" in text and "各岗位规范符合率" in text
    for wrong in ("无适用的B级条目", "未达到达标", "未达达标", "达到达标", "C级及以上", "A 优秀", "B 良好", "C 合格"):
        assert wrong not in text, wrong
    assert verdict_wording(built.content.score).startswith(("达标", "未达标"))
    assert built.content.inspection.status is InspectionStatus.LOCKED


def test_summary_table_keeps_closing_brackets_with_their_text(tmp_path):
    """A title ending in （试行） in the summary's narrow column never leaves "）" alone on a line."""
    from inspect_app.report.layout import ReportPDF, wrap_lines

    pdf = ReportPDF(center_name="x", report_id="x", draft=True, created=__import__("datetime").datetime(2024, 1, 1))
    measure = pdf._measure(7.5)
    for n in range(1, 40):
        title = "基" * n + "（试行）"
        for width in (30.0, 40.0, 47.0, 50.0):
            lines = wrap_lines(title, width - 2.6, measure)
            assert all(line.strip() not in ("）", "）。") for line in lines), (title, width, lines)
            assert all(not line.startswith(("）", "。", "，")) for line in lines), (title, width, lines)


def _unused(_: Path, __: Finding) -> None:  # keeps imports honest for type checkers
    pass
