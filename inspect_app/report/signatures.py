"""签字页 Signature page: the handwritten signatures captured on the tablet with names, roles and
times, then the signature-and-seal block of a Chinese evaluation report (评审组长, 评审专家,
被评机构负责人, dates, and room for the seal 公章)."""

from __future__ import annotations

from dataclasses import dataclass

from inspect_app.inspection import EvaluationStage, Signature, TeamRole
from inspect_app.report.content import ROLE_ZH, ReportContent
from inspect_app.report.cover import draw_seal_pair
from inspect_app.report.layout import (
    INK, MARGIN, MUTED, RULE, ReportPDF, fmt_time,
)

SIG_W, SIG_H = 42.0, 16.0


def _draw_signature_image(pdf: ReportPDF, content: ReportContent, sig: Signature | None,
                          x: float, y: float) -> None:
    source = content.image(sig.image_sha256) if sig else None
    if source is not None:
        pdf.image(str(source) if not isinstance(source, bytes) else source,
                  x=x, y=y, w=SIG_W, h=SIG_H, keep_aspect_ratio=True)
    elif sig is not None:
        with pdf.style(7, MUTED):
            pdf.set_xy(x, y + SIG_H / 2 - 2)
            pdf.cell(SIG_W, 4, "（签名图像不在本设备）", align="C")


def draw_signatures(pdf: ReportPDF, content: ReportContent) -> None:
    pdf.add_page()
    pdf.page_title("五、签字盖章")
    ins = content.inspection
    current = [s for s in content.signatures if s.revision == ins.revision]
    where = "县级中心网页上（机构自评）" if ins.stage is EvaluationStage.SELF else "平板电脑上手写"
    pdf.para(f"以下签名于{where}采集，对应评审记录第 {ins.revision} 版；时间为签名时间。", 8.5, MUTED, h=4.4)
    if not current:
        pdf.para("尚无手写签名。", 9)
    pdf.ln(2)
    _seal_block(pdf, content, current)
    reserve_stamp(pdf)


def _seal_block(pdf: ReportPDF, content: ReportContent, sigs: list[Signature]) -> None:
    """The formal block: one line per signer with date, the director's line with the seal area."""
    ins = content.inspection
    by_role: dict[TeamRole, list[Signature]] = {}
    for s in sigs:
        by_role.setdefault(s.role, []).append(s)
    experts = [m.name for m in ins.team if m.role is TeamRole.EXPERT]
    leaders = [m.name for m in ins.team if m.role is TeamRole.LEADER]
    directors = [m.name for m in ins.team if m.role is TeamRole.DIRECTOR] or (
        [content.center.director] if content.center.director else [])
    lines = [(TeamRole.LEADER, leaders or [""]), (TeamRole.EXPERT, experts or ["", ""]),
             (TeamRole.DIRECTOR, directors or [""])]
    if ins.stage is EvaluationStage.SELF:  # 机构自评: the center signs for itself, no review team
        lines = [(TeamRole.DIRECTOR, directors or [""])]
    block_h = 14 * sum(len(n) for _, n in lines) + 60
    pdf.keep_space(min(block_h, pdf.page_break_trigger - 30))
    pdf.heading("签字确认", 11, level=1)
    pdf.para("被评机构负责人对以上自评结果负责。" if ins.stage is EvaluationStage.SELF else
             "评审组对以上评审结果负责；被评机构负责人签字确认已知悉评审结果及问题清单。", 8.5, MUTED, h=4.4)
    pdf.ln(3)
    for role, names in lines:
        signed = {s.signer: s for s in by_role.get(role, [])}
        for name in names:
            sig = signed.get(name)
            if pdf.get_y() + 16 > pdf.page_break_trigger:
                pdf.add_page()
            y = pdf.get_y()
            with pdf.style(10, INK):
                pdf.set_xy(MARGIN, y + 6)
                pdf.cell(32, 6, f"{ROLE_ZH[role]}：")
                pdf.set_xy(MARGIN + 32, y + 6)
                pdf.cell(26, 6, name)
            _draw_signature_image(pdf, content, sig, MARGIN + 58, y - 1)
            pdf.set_draw_color(*INK)
            pdf.set_line_width(0.2)
            pdf.line(MARGIN + 32, y + 12.5, MARGIN + 104, y + 12.5)
            with pdf.style(10, INK):
                pdf.set_xy(MARGIN + 110, y + 6)
                pdf.cell(14, 6, "时间：")
                pdf.set_xy(MARGIN + 124, y + 6)
                pdf.cell(40, 6, fmt_time(sig.signed_at, content.zone) if sig else "")
            pdf.line(MARGIN + 124, y + 12.5, MARGIN + 160, y + 12.5)
            pdf.set_y(y + 16)

    # Room for the seals: the reviewing body's beside the center's, names wrapped inside each half.
    pdf.ln(4)
    pdf.keep_space(52)
    draw_seal_pair(pdf, content, pdf.get_y(), radius=16)
    pdf.ln(2)


# 电子签章: the box the digital signature's visible stamp fills (report/signing.py puts a signature
# field there when it signs; a draft shows the empty, labelled box). Owned by the trust work (issue 10).
STAMP_W, STAMP_H = 110.0, 30.0


@dataclass(frozen=True)
class StampBox:
    page: int  # 0-based page index
    box: tuple[float, float, float, float]  # PDF points, origin bottom left: x1, y1, x2, y2


def reserve_stamp(pdf: ReportPDF) -> StampBox:
    """Reserve the stamp's box below the seal block and record it as `pdf.signature_stamp`."""
    pdf.keep_space(STAMP_H + 10)
    with pdf.style(9, MUTED):
        pdf.set_xy(MARGIN, pdf.get_y() + 2)
        pdf.cell(60, 5, "电子签章（数字签名）：")
    y = pdf.get_y() + 6
    with pdf.local_context():
        pdf.set_draw_color(*RULE)
        pdf.set_line_width(0.2)
        pdf.rect(MARGIN, y, STAMP_W, STAMP_H)
    k, h = pdf.k, pdf.h
    stamp = StampBox(page=pdf.page_no() - 1,
                     box=(MARGIN * k, (h - y - STAMP_H) * k, (MARGIN + STAMP_W) * k, (h - y) * k))
    pdf.signature_stamp = stamp
    pdf.set_y(y + STAMP_H + 4)
    return stamp

__all__ = ["STAMP_H", "STAMP_W", "StampBox", "draw_signatures", "reserve_stamp"]
