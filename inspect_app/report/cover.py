"""封面 Cover: the center, the standard edition and inspection revision, the team, the verdict
with its reasons, and a QR code carrying the report id and the content SHA-256."""

from __future__ import annotations

import segno
from fpdf.enums import WrapMode, XPos, YPos

from inspect_app.inspection import TeamRole
from inspect_app.report.content import ROLE_ZH, ReportContent
from inspect_app.report.layout import (
    ACCENT, INK, LEVEL_COLOURS, MARGIN, MUTED, RULE, ReportPDF, fmt_date,
)

CENTER_TYPE_ZH = {"township": "乡镇卫生院", "community": "社区卫生服务中心", "other": "其他医疗卫生机构"}
QR_SIZE = 38.0


def qr_payload(report_id: str, sha256: str) -> str:
    """What the cover's QR code says: `JCR1;<report id>;SHA256:<content hash>`.

    `report verify FILE --hash <hex>` (or the payload itself) checks a printed copy against the file.
    """
    return f"JCR1;{report_id};SHA256:{sha256}"


def draw_qr(pdf: ReportPDF, payload: str, x: float, y: float, size: float) -> None:
    """Vector QR code: one filled rectangle per run of dark modules (crisp in print, deterministic)."""
    qr = segno.make(payload, error="m", micro=False)
    matrix = [list(row) for row in qr.matrix]
    quiet = 2
    n = len(matrix) + 2 * quiet
    module = size / n
    with pdf.local_context():
        pdf.set_fill_color(255, 255, 255)
        pdf.rect(x, y, size, size, style="F")
        pdf.set_fill_color(0, 0, 0)
        for r, row in enumerate(matrix):
            c = 0
            while c < len(row):
                if row[c]:
                    start = c
                    while c < len(row) and row[c]:
                        c += 1
                    pdf.rect(x + (start + quiet) * module, y + (r + quiet) * module,
                             (c - start) * module, module, style="F")
                else:
                    c += 1


def _inspection_dates(content: ReportContent) -> str:
    ins = content.inspection
    start, end = fmt_date(ins.started_on, content.zone), fmt_date(ins.finished_on, content.zone)
    return start if not end or end == start else f"{start} 至 {end}"


def _earlier_revision_rows(content: ReportContent) -> list[tuple[str, str]]:
    """修订记录: each earlier signed revision with the reason the following one was opened."""
    rows = []
    for note in content.input.earlier_revisions:
        signed = f"，{fmt_date(note.finished_on, content.zone)} 签署" if note.finished_on else ""
        reason = f"（{note.reason}）" if note.reason else "（初次评审）"
        rows.append(("修订记录", f"第 {note.revision} 版{reason}{signed}，已由本版取代"))
    return rows


def _team(content: ReportContent) -> str:
    order = {TeamRole.LEADER: 0, TeamRole.EXPERT: 1, TeamRole.DIRECTOR: 2}
    members = sorted((m for m in content.inspection.team if m.role is not TeamRole.DIRECTOR),
                     key=lambda m: order[m.role])
    return "、".join(f"{m.name}（{ROLE_ZH[m.role]}）" for m in members) or "—"


def draw_cover(pdf: ReportPDF, content: ReportContent) -> None:
    pdf.add_page()
    pdf.start_section("封面", level=0)
    center, standard, ins = content.center, content.standard, content.inspection
    pdf.set_y(34)
    with pdf.style(12, MUTED):
        pdf.cell(0, 7, "优质服务基层行活动", align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    with pdf.style(22, ACCENT):
        pdf.cell(0, 13, "现场评审报告", align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    with pdf.style(17, INK):
        pdf.multi_cell(0, 9, center.name, align="C", wrapmode=WrapMode.CHAR, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(6)

    edition = standard.edition or "—"
    rows = [
        ("被评机构", center.name),
        ("机构代码", center.code or "—"),
        ("机构类型", CENTER_TYPE_ZH.get(center.type.value, center.type.value)),
        ("所在县（区）", center.county or "—"),
        ("机构负责人", center.director or "—"),
        ("评价标准", standard.title),
        ("标准版本", f"{edition}（{ins.standard_version}）" if ins.standard_version else edition),
        ("评审日期", _inspection_dates(content)),
        ("评审组", _team(content)),
        ("评审记录版本", f"第 {ins.revision} 版" + (f"（{ins.revision_reason}）" if ins.revision_reason else "")),
        *_earlier_revision_rows(content),
        ("报告编号", content.report_id),
    ]
    top = pdf.get_y()
    label_w, value_w = 30.0, pdf.epw - 30.0 - QR_SIZE - 6
    with pdf.style(10):
        for label, value in rows:
            y = pdf.get_y()
            pdf.set_x(MARGIN)
            with pdf.style(10, MUTED):
                pdf.cell(label_w, 6.5, label)
            pdf.multi_cell(value_w, 6.5, value, wrapmode=WrapMode.CHAR, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.set_draw_color(*RULE)
            pdf.set_line_width(0.1)
            pdf.line(MARGIN, pdf.get_y(), MARGIN + label_w + value_w, pdf.get_y())
            assert pdf.get_y() >= y
    bottom = pdf.get_y()

    # QR code, right of the facts, with what it means underneath.
    qx = pdf.w - MARGIN - QR_SIZE
    draw_qr(pdf, qr_payload(content.report_id, content.sha256), qx, top, QR_SIZE)
    with pdf.style(6.5, MUTED):
        pdf.set_xy(qx, top + QR_SIZE + 1)
        pdf.multi_cell(QR_SIZE, 3, "扫码核对：报告编号与报告内容校验值（SHA-256）", align="C",
                       wrapmode=WrapMode.CHAR)
    pdf.set_y(max(bottom, pdf.get_y()) + 6)

    _draw_verdict(pdf, content)

    with pdf.style(7, MUTED):
        pdf.set_y(max(pdf.get_y() + 4, pdf.h - 50))
        pdf.multi_cell(0, 3.6,
                       "报告内容校验值（SHA-256，对评审结果的规范化 JSON 计算，随文件附带为 report-content.json）：",
                       wrapmode=WrapMode.CHAR, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        with pdf.style(8, INK):
            pdf.multi_cell(0, 4.2, content.sha256, wrapmode=WrapMode.CHAR, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.multi_cell(0, 3.6,
                       "本报告经数字签名（PAdES）。核验：python main.py report verify 报告.pdf [--hash 校验值]；"
                       "纸质件可扫描二维码，与电子文件的校验值比对。",
                       wrapmode=WrapMode.CHAR, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _draw_verdict(pdf: ReportPDF, content: ReportContent) -> None:
    verdict = content.score.verdict
    reached = verdict.tier is not None
    colour = LEVEL_COLOURS["A"] if reached else LEVEL_COLOURS["D"]
    if reached:
        name = verdict.name("zh")
    elif verdict.checks:  # the lowest tier this center could reach, e.g. 未达到基本标准
        name = f"未达到{verdict.checks[-1].tier.name}"
    else:
        name = "未评定（标准未规定达标规则）"
    if verdict.provisional:
        name += "（暂定）"
    pdf.keep_space(40)
    y = pdf.get_y()
    with pdf.local_context():
        pdf.set_draw_color(*colour)
        pdf.set_line_width(0.6)
        pdf.set_x(MARGIN)
        with pdf.style(10, MUTED):
            pdf.cell(0, 7, "  评审结论", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        with pdf.style(18, colour):
            pdf.set_x(MARGIN + 3)
            pdf.cell(0, 11, name, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        with pdf.style(8.5, INK):
            for reason in verdict.reasons:
                pdf.set_x(MARGIN + 3)
                pdf.multi_cell(pdf.epw - 6, 4.6, "· " + reason.zh, wrapmode=WrapMode.CHAR,
                               new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(2)
        pdf.rect(MARGIN, y, pdf.epw, pdf.get_y() - y)
    pdf.ln(2)


__all__ = ["draw_cover", "draw_qr", "qr_payload"]
