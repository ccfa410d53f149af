"""Build real reports and read them back: every page renders, text stays text, it is deterministic."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from inspect_app.inspection import InspectionStatus
from inspect_app.report.builder import build_report
from inspect_app.report.content import CONTENT_ATTACHMENT, ReportContent, canonical_json, content_document
from inspect_app.report.cover import qr_payload
from inspect_app.report.layout import wrap_lines
from inspect_app.scoring import ClauseLevel
from inspect_app.standard.model import ClauseKind
from tests.report.fixtures import CENTER_NAME, ImageFolder, full_inspection, synthetic_input
from tests.support.system import ensure_pdftoppm


def pdftotext(pdf: Path) -> str:
    ensure_pdftoppm()  # pdftotext ships in the same Debian package (poppler-utils)
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout


def render_pages(pdf: Path, out: Path) -> list[Path]:
    """Every page through poppler: a page that does not render fails here."""
    pdftoppm = ensure_pdftoppm()
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run([pdftoppm, "-r", "40", "-png", str(pdf), str(out / "page")], check=True, capture_output=True)
    return sorted(out.glob("page-*.png"))


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("synthetic")
    data = synthetic_input(tmp)
    built = build_report(data)
    pdf = tmp / "report.pdf"
    pdf.write_bytes(built.pdf)
    return data, built, pdf, tmp


def test_every_level_appears_in_the_synthetic_inspection(synthetic):
    _, built, _, _ = synthetic
    levels = {s.level for s in built.content.score.clauses.values()}
    assert {ClauseLevel.A, ClauseLevel.B, ClauseLevel.C, ClauseLevel.D, ClauseLevel.NOT_APPLICABLE} <= levels
    assert built.content.score.clauses["2.2.3"].level is ClauseLevel.D  # derived from 2.2.2 (D)
    assert any(c.kind is ClauseKind.RECOMMENDED for c in built.content.standard.clauses())


def test_every_page_renders_and_pages_are_a4(synthetic):
    _, built, pdf, tmp = synthetic
    reader = PdfReader(pdf)
    pages = render_pages(pdf, tmp / "png")
    assert len(pages) == len(reader.pages) >= 6
    for page in reader.pages:
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)


def test_text_is_extractable_with_pypdf_and_pdftotext(synthetic):
    data, built, pdf, _ = synthetic
    reader = PdfReader(pdf)
    pypdf_text = "\n".join(p.extract_text() for p in reader.pages)
    poppler_text = pdftotext(pdf)
    for text in (pypdf_text, poppler_text):
        assert CENTER_NAME in text
        for title in ("设置与功能定位", "急诊急救服务", "居民健康档案管理", "公共卫生服务综合评价"):
            assert title in text
        for phrase in ("评审结果汇总", "逐条评审结果", "问题清单及整改建议", "佐证照片", "评审组长",
                       "被评机构负责人", "未达到基本标准", built.report_id, "王喆", "陈昇", "赵珺"):
            assert phrase in text, phrase
        assert "第1页共" in text.replace(" ", "")
    assert "\x00" not in pypdf_text


def test_header_and_footer_on_every_page(synthetic):
    _, built, pdf, _ = synthetic
    reader = PdfReader(pdf)
    total = len(reader.pages)
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert CENTER_NAME in text and built.report_id in text
        assert f"第{number}页共{total}页" in text.replace(" ", "")


def test_deficiencies_basic_below_c_first_with_rectification(synthetic):
    _, built, pdf, _ = synthetic
    order = [(d.chapter_number, d.clause_number, d.item_code) for d in built.content.deficiencies]
    # chapter 1: 1.2.2 is recommended (★), so its D does not jump the queue; chapter 2: 2.2.2 (basic, D) first
    chapter2 = [o for o in order if o[0] == "2"]
    assert chapter2[0][1] == "2.2.2"
    # within a clause, C items before B before A (not alphabetical A-1 < C-1)
    assert [o[2] for o in order if o[1] == "1.2.2"] == ["C-1", "B-1", "A-1"]
    text = pdftotext(pdf)
    assert "一个月内完善制度并上墙" in text
    assert "缺少制度文件照片" in text  # evidence gap list


def test_cover_states_edition_revision_and_hash(synthetic):
    data, built, pdf, _ = synthetic
    text = pdftotext(pdf)
    assert data.standard.edition in text and data.inspection.standard_version in text
    assert "第 1 版" in text
    assert built.content_sha256 in text.replace("\n", "")


def test_content_hash_is_defined_by_the_embedded_canonical_json(synthetic):
    _, built, pdf, _ = synthetic
    reader = PdfReader(pdf)
    embedded = reader.attachments[CONTENT_ATTACHMENT][0]
    import hashlib
    import json

    assert hashlib.sha256(embedded).hexdigest() == built.content_sha256
    document = json.loads(embedded)
    assert canonical_json(document) == embedded  # canonical: re-serialising changes nothing
    assert document["report_id"] == built.report_id
    assert qr_payload(built.report_id, built.content_sha256).endswith(built.content_sha256)


def test_rebuild_is_byte_identical_and_order_independent(synthetic, tmp_path):
    data, built, _, _ = synthetic
    again = build_report(data)
    assert again.pdf == built.pdf
    shuffled = type(data)(**{**data.__dict__, "evidence": list(reversed(data.evidence)),
                             "signatures": list(reversed(data.signatures)),
                             "findings": dict(reversed(list(data.findings.items())))})
    assert build_report(shuffled).pdf == built.pdf


def test_a_changed_rating_changes_the_content_hash(synthetic):
    data, built, _, _ = synthetic
    finding = data.findings["1.1.1"]
    changed = finding.model_copy(update={"note": finding.note + "补充说明"})
    other = type(data)(**{**data.__dict__, "findings": {**data.findings, "1.1.1": changed}})
    assert ReportContent.of(other).sha256 != built.content_sha256


def test_draft_header_when_not_locked(tmp_path):
    data = synthetic_input(tmp_path, status=InspectionStatus.SUBMITTED)
    built = build_report(data)
    pdf = tmp_path / "draft.pdf"
    pdf.write_bytes(built.pdf)
    assert "草稿" in PdfReader(pdf).pages[2].extract_text()


def test_photos_are_embedded_without_re_encoding(synthetic):
    data, built, pdf, _ = synthetic
    reader = PdfReader(pdf)
    photo_bytes = {p.read_bytes() for p in Path(data.images.root).glob("*.jpg")}
    found = set()
    for page in reader.pages:
        xobjects = page["/Resources"].get("/XObject", {})
        for ref in xobjects.values():
            obj = ref.get_object()
            if obj.get("/Filter") == "/DCTDecode":
                found.add(obj._data)
    assert photo_bytes <= found


def test_long_notes_and_rare_name_characters(tmp_path):
    """A note longer than a page continues on the next page (fpdf2's table would raise) and
    names with characters outside GB2312 render as text."""
    data = synthetic_input(tmp_path)
    finding = data.findings["1.1.2"]
    long_note = "现场查看发现：" + "病历书写不规范，部分处方无医师签名；" * 200
    items = dict(finding.items)
    items["A-1"] = items["A-1"].model_copy(update={"note": long_note})
    center = data.center.model_copy(update={"name": "堃喆昇彧珺社区卫生服务中心"})
    data = type(data)(**{**data.__dict__, "center": center,
                         "findings": {**data.findings, "1.1.2": finding.model_copy(update={"items": items})}})
    pdf = tmp_path / "long.pdf"
    pdf.write_bytes(build_report(data).pdf)
    text = pdftotext(pdf)
    assert "堃喆昇彧珺社区卫生服务中心" in text
    # the whole note is there, continued across pages
    assert text.replace(" ", "").replace("\n", "").count("部分处方无医师签名") >= 200


def test_chinese_line_breaking_rules():
    measure = lambda t: float(len(t))  # noqa: E731 - one unit per character
    lines = wrap_lines("相关指标优于全县平均水平。下一句", 12, measure)
    assert all(not line.startswith(("。", "，")) for line in lines)
    assert "".join(lines) == "相关指标优于全县平均水平。下一句"
    # a code that fits on a line is never split
    assert any("SHA-256" in line for line in wrap_lines("校验值为 SHA-256 如下", 9, measure))


@pytest.mark.parametrize("name", ["township-2018.json", "outpatient-conduct.json"])
def test_full_inspection_of_a_shipped_standard(tmp_path, name):
    """Every clause of a shipped standard (graded township, checklist outpatient norms); the
    synthetic one while the file does not exist yet."""
    from inspect_app import paths

    shipped = paths.STANDARDS_DIR / name
    if shipped.is_file():
        from inspect_app.standard.loader import loads_standard  # the importer engineer's loader

        standard = loads_standard(shipped.read_text("utf-8"), name=shipped.name)
    else:
        from tests.report.fixtures import synthetic_standard
        standard = synthetic_standard()
    data = full_inspection(standard, ImageFolder(tmp_path / "images"))
    built = build_report(data)
    pdf = tmp_path / "shipped.pdf"
    pdf.write_bytes(built.pdf)
    assert len(render_pages(pdf, tmp_path / "png")) == len(PdfReader(pdf).pages)
    text = pdftotext(pdf)
    clauses = standard.assessable().clauses()  # unplaced items (未归位) are never printed
    for clause in (clauses[0], clauses[len(clauses) // 2], clauses[-1]):
        head = clause.title[:8]
        assert head in text.replace("\n", "") or head in text, clause.number
    document = content_document(built.content)
    assert len(document["clauses"]) == len(clauses)
