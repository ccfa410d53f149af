"""Layout rules seen on real builds: photo captions stay inside their photo's width (P-007's ran
into P-008's), a 37-character center name wraps inside its half of the seal block and never
under the 公章 circle, and the page header never runs into the report number."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

from inspect_app.report.builder import build_report
from inspect_app.report.content import ReportContent
from inspect_app.report.evidence_appendix import COLUMNS, GUTTER, caption_lines
from inspect_app.report.layout import MARGIN, ReportPDF
from tests.report.fixtures import synthetic_input
from tests.report.workflow import pdftotext

LONG_NAME = "贵州省贵阳市花溪区青石镇中心卫生院（青石镇社区卫生服务中心）分院贵州省贵阳"[:37]


def _pdf() -> ReportPDF:
    return ReportPDF(center_name=LONG_NAME, report_id="JCR-1", draft=False, created=datetime(2024, 1, 1))


def test_captions_fit_their_photo(tmp_path):
    data = synthetic_input(tmp_path)
    evidence = [e.model_copy(update={"caption": "二楼药房门口张贴的服务公约与投诉电话（需核实）以及值班表" * 3,
                                     "added_by": "欧阳诸葛慕容司马"}) for e in data.evidence]
    evidence[0] = evidence[0].model_copy(update={"captured_at": datetime(2020, 1, 1, tzinfo=timezone.utc)})
    content = ReportContent.of(replace(data, evidence=evidence))
    pdf = _pdf()
    pdf.add_page()
    width = (pdf.epw - GUTTER * (COLUMNS - 1)) / COLUMNS
    for photo in content.photos:
        lines = caption_lines(pdf, content, photo, width)
        assert lines and lines[0][0].startswith(photo.number)
        for text, size, _ in lines:
            assert pdf._measure(size)(text) <= width, (photo.number, text)
    assert any("【存疑】" in t for t, _, _ in caption_lines(pdf, content, content.photos[0], width))


def test_a_37_character_name_wraps_inside_its_seal_half(tmp_path):
    assert len(LONG_NAME) == 37
    pdf = _pdf()
    half = (pdf.epw - 6) / 2
    lines = pdf.fit_lines(LONG_NAME, half - 2 * pdf.c_margin, 9.5, 3)
    assert "".join(lines) == LONG_NAME and 1 < len(lines) <= 3  # wrapped, nothing cut
    assert all(pdf._measure(9.5)(line) <= half - 2 * pdf.c_margin for line in lines)
    header = pdf.fit_lines(LONG_NAME + "　草稿：评审未锁定，未签章", pdf.epw * 0.65 - 2, 7.5, 1)
    assert len(header) == 1 and pdf._measure(7.5)(header[0]) <= pdf.epw * 0.65 - 2 and header[0].endswith("…")

    data = synthetic_input(tmp_path)
    built = build_report(replace(data, center=data.center.model_copy(update={"name": LONG_NAME})))
    signatures_page = next(t for t in pdftotext(built.pdf).split("\f") if "五、签字盖章" in t and "（公章）" in t)
    flat = "".join(signatures_page.split())
    assert "被评机构（盖章）" in flat and "评审单位（盖章）" in flat
    # the name is printed whole above the circles (two lines), never through them
    assert flat.index("分院贵州省贵阳") < flat.index("（公章）")
    assert MARGIN > 0
