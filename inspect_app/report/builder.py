"""Build the unsigned report PDF from a `ReportInput`, one page kind after another: cover, table of
contents (with the PDF's bookmarks), overview and verdict, summary, clauses, problem list,
signatures and seals, evidence appendix.

Deterministic: the creation date comes from the inspection, every list is sorted, the file id is
derived from the bytes; building the same revision twice gives byte-identical PDFs.
"""

from __future__ import annotations

from dataclasses import dataclass

from inspect_app.report import fontcache
from inspect_app.report.clauses import draw_clauses
from inspect_app.report.consistency import draw_consistency
from inspect_app.report.content import CONTENT_ATTACHMENT, ReportContent, ReportInput
from inspect_app.report.cover import draw_cover, qr_payload
from inspect_app.report.deficiencies import draw_deficiencies
from inspect_app.report.evidence_appendix import draw_evidence_appendix
from inspect_app.report.layout import ReportPDF
from inspect_app.report.overview import draw_overview
from inspect_app.report.toc import render_toc, toc_pages
from inspect_app.report.signatures import draw_signatures
from inspect_app.report.summary import draw_summary

# Keywords entry that carries the content hash in the document info (read back by `report verify`).
HASH_KEYWORD = "content-sha256:"


@dataclass(frozen=True)
class BuiltReport:
    pdf: bytes
    content: ReportContent
    stamp: object = None  # signatures.StampBox: where the signature's visible stamp goes

    @property
    def report_id(self) -> str:
        return self.content.report_id

    @property
    def content_sha256(self) -> str:
        return self.content.sha256


def build_report(data: ReportInput | ReportContent) -> BuiltReport:
    """The finished, unsigned PDF (Chinese throughout, A4)."""
    content = data if isinstance(data, ReportContent) else ReportContent.of(data)
    chars = fontcache.charset(content.json_bytes, content.standard.model_dump_json())
    pdf, raw = _draw(content, chars)
    extra = fontcache.missed(pdf, pdf.main_font_path)
    if extra:  # a character the cut lacked (a label built at run time): draw again with it
        pdf, raw = _draw(content, chars | extra)
    return BuiltReport(pdf=raw, content=content, stamp=getattr(pdf, "signature_stamp", None))


def _draw(content: ReportContent, chars: frozenset[int] | None) -> tuple[ReportPDF, bytes]:
    pdf = ReportPDF(center_name=content.center.name, report_id=content.report_id,
                    draft=not content.locked, created=content.created, charset=chars)
    pdf.set_title(f"{content.center.name} 优质服务基层行现场评审报告")
    pdf.set_subject(f"{content.standard.title} {content.standard.edition} · 评审记录第 {content.inspection.revision} 版")
    pdf.set_author([m.name for m in content.inspection.team] or "评审组")
    pdf.set_keywords([f"report-id:{content.report_id}", f"{HASH_KEYWORD}{content.sha256}",
                      qr_payload(content.report_id, content.sha256)])
    pdf.embed_file(bytes=content.json_bytes, basename=CONTENT_ATTACHMENT, mime_type="application/json",
                   modification_date=content.created, creation_date=content.created,
                   desc="报告内容（规范化 JSON），其 SHA-256 即封面所印校验值", compress=True)

    draw_cover(pdf, content)
    pdf.add_page()
    pdf.reserve_toc(render_toc, pages=toc_pages(content))
    draw_overview(pdf, content)
    draw_summary(pdf, content)
    draw_clauses(pdf, content)
    draw_deficiencies(pdf, content)
    draw_signatures(pdf, content)
    draw_evidence_appendix(pdf, content)
    draw_consistency(pdf, content)  # 附录二, only with a self-assessment to compare (review chain)
    return pdf, bytes(pdf.output())


__all__ = ["BuiltReport", "HASH_KEYWORD", "build_report"]
