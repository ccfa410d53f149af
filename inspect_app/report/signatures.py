"""签字页 Signature page: the handwritten signatures captured on the tablet with names, roles and
times, then the signature-and-seal block of a Chinese evaluation report (评审组长, 评审专家,
被评机构负责人, dates, and room for the seal 公章)."""

from __future__ import annotations


from inspect_app.inspection import Signature, TeamRole
from inspect_app.report.content import ROLE_ZH, ReportContent
from inspect_app.report.layout import (
    FONT, INK, MARGIN, MUTED, RULE, ReportPDF, fmt_date, fmt_time,
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
    pdf.page_title("四、评审组及被评机构签字")
    ins = content.inspection
    current = [s for s in content.signatures if s.revision == ins.revision]
    pdf.para(f"以下签名于平板电脑上手写采集，对应评审记录第 {ins.revision} 版。", 8.5, MUTED, h=4.4)
    pdf.ln(2)
    if current:
        _signature_table(pdf, content, current)
    else:
        pdf.para("尚无手写签名。", 9)
    pdf.ln(6)
    _seal_block(pdf, content, current)


def _signature_table(pdf: ReportPDF, content: ReportContent, sigs: list[Signature]) -> None:
    row_h = SIG_H + 4
    cols = (("角色", 34), ("姓名", 34), ("签名", SIG_W + 8), ("签名时间", pdf.epw - 68 - SIG_W - 8))
    with pdf.local_context():
        pdf.set_font(FONT, size=8.5)
        pdf.set_fill_color(229, 236, 244)
        pdf.set_draw_color(*RULE)
        x = MARGIN
        for title, w in cols:
            pdf.set_xy(x, pdf.get_y())
            pdf.cell(w, 6, title, border=1, fill=True, align="C")
            x += w
        pdf.ln(6)
        for sig in sigs:
            if pdf.get_y() + row_h > pdf.page_break_trigger:
                pdf.add_page()
            y = pdf.get_y()
            x = MARGIN
            values = (ROLE_ZH[sig.role], sig.signer, None, fmt_time(sig.signed_at, content.zone))
            for (title, w), value in zip(cols, values):
                pdf.rect(x, y, w, row_h)
                if value is None:
                    _draw_signature_image(pdf, content, sig, x + 4, y + 2)
                else:
                    pdf.set_xy(x, y)
                    pdf.set_text_color(*INK)
                    pdf.cell(w, row_h, value, align="C")
                x += w
            pdf.set_y(y + row_h)


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
    block_h = 14 * sum(len(n) for _, n in lines) + 60
    pdf.keep_space(min(block_h, pdf.page_break_trigger - 30))
    pdf.heading("签字盖章", 11)
    pdf.para("评审组对以上评审结果负责；被评机构负责人签字确认已知悉评审结果及问题清单。", 8.5, MUTED, h=4.4)
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
                pdf.cell(14, 6, "日期：")
                pdf.set_xy(MARGIN + 124, y + 6)
                pdf.cell(40, 6, fmt_date(sig.signed_at, content.zone) if sig else "")
            pdf.line(MARGIN + 124, y + 12.5, MARGIN + 160, y + 12.5)
            pdf.set_y(y + 16)

    # Room for the seal: a dashed circle where the center stamps its 公章.
    pdf.ln(4)
    pdf.keep_space(50)
    y = pdf.get_y()
    cx, r = pdf.w - MARGIN - 32, 21
    with pdf.local_context():
        pdf.set_draw_color(*RULE)
        pdf.set_line_width(0.3)
        pdf.set_dash_pattern(dash=1.5, gap=1.5)
        pdf.circle(cx, y + r + 2, r)
        pdf.set_dash_pattern()
    with pdf.style(9, MUTED):
        pdf.set_xy(cx - r, y + r)
        pdf.cell(2 * r, 5, "（被评机构公章）", align="C")
    with pdf.style(10, INK):
        pdf.set_xy(MARGIN, y + 10)
        pdf.cell(80, 6, f"被评机构：{content.center.name}")
        pdf.set_xy(MARGIN, y + 20)
        pdf.cell(80, 6, "盖章日期：　　　　年　　月　　日")
    pdf.set_y(y + 2 * r + 8)


__all__ = ["draw_signatures"]
