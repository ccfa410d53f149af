"""封面 Cover: the institution's facts, the evaluation stage and the document it follows, the
reviewing body, dates, report number and revision, the verdict with its reasons, the two seal
areas (reviewing body beside the center), a verification block (content hash, standard copy)
and a QR code; then the team with work units and titles. No developer text: the edition only,
never a hash-suffixed version or a command line."""

from __future__ import annotations

import segno
from fpdf.enums import WrapMode, XPos, YPos

from inspect_app.inspection import TeamRole, center_type_name
from inspect_app.report.content import (
    ROLE_ZH, ReportContent, reviewing_body, stage_text, standard_document, verdict_wording,
)
from inspect_app.report.layout import (
    ACCENT, INK, LEVEL_COLOURS, MARGIN, MUTED, RULE, Grid, ReportPDF, fmt_date,
)

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


def team_members(content: ReportContent) -> list:
    """The team, leader first, without the center's director (who signs for the center)."""
    order = {TeamRole.LEADER: 0, TeamRole.EXPERT: 1, TeamRole.DIRECTOR: 2}
    return sorted((m for m in content.inspection.team if m.role is not TeamRole.DIRECTOR),
                  key=lambda m: order[m.role])


def _count(value: int | None, unit: str) -> str:
    return "—" if value is None else f"{value:,}{unit}".replace(",", ",")


def cover_rows(content: ReportContent) -> list[tuple[str, str]]:
    """The facts block of the cover, in the order a bureau's report form lists them."""
    center, standard, ins = content.center, content.standard, content.inspection
    return [
        ("被评机构", center.name),
        ("机构类型", center_type_name(center.type.value)),
        ("登记号", center.registration_code or center.code or "—"),
        ("机构地址", center.address or "—"),
        ("所在县（区）", center.county or "—"),
        ("服务人口", _count(center.population_served, " 人")),
        ("编制床位", _count(center.beds, " 张")),
        ("卫生技术人员", _count(center.medical_staff, " 人")),
        ("机构负责人", center.director or "—"),
        ("联系方式", center.contact or "—"),
        ("评价阶段", stage_text(ins)),
        ("评价依据", standard_document(standard)),
        ("评审单位", reviewing_body(ins, center)),
        ("评审日期", _inspection_dates(content)),
        ("报告编号", content.report_id),
        ("评审记录版本", f"第 {ins.revision} 版" + (f"（{ins.revision_reason}）" if ins.revision_reason else "")),
        *_earlier_revision_rows(content),
    ]


def draw_cover(pdf: ReportPDF, content: ReportContent) -> None:
    pdf.add_page()
    pdf.start_section("封面", level=0)
    center, ins = content.center, content.inspection
    pdf.set_y(26)
    with pdf.style(12, MUTED):
        pdf.cell(0, 7, "优质服务基层行活动", align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    with pdf.style(22, ACCENT):
        pdf.cell(0, 12, f"{stage_text(ins)}评价报告", align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    with pdf.style(16, INK):
        for line in pdf.fit_lines(center.name, pdf.epw, 16, 3):
            pdf.cell(0, 8, line, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)

    top = pdf.get_y()
    label_w = 27.0
    value_w = pdf.epw - label_w - QR_SIZE - 6
    for label, value in cover_rows(content):
        with pdf.style(9, MUTED):
            y = pdf.get_y()
            pdf.set_x(MARGIN)
            pdf.cell(label_w, 5.4, label)
        pdf.set_y(y)
        pdf.lines(value, value_w, 9, INK, 5.4, x=MARGIN + label_w)
        pdf.set_draw_color(*RULE)
        pdf.set_line_width(0.1)
        pdf.line(MARGIN, pdf.get_y(), MARGIN + label_w + value_w, pdf.get_y())
    bottom = pdf.get_y()

    # QR code, right of the facts, with what it means underneath.
    qx = pdf.w - MARGIN - QR_SIZE
    draw_qr(pdf, qr_payload(content.report_id, content.sha256), qx, top, QR_SIZE)
    with pdf.style(6.5, MUTED):
        pdf.set_xy(qx, top + QR_SIZE + 1)
        for line in ("扫码核对报告编号", "与报告内容校验值"):
            pdf.cell(QR_SIZE, 3, line, align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_y(max(bottom, pdf.get_y()) + 4)

    draw_verdict_box(pdf, content)
    _cover_seals(pdf, content)
    _verification_block(pdf, content)


def _cover_seals(pdf: ReportPDF, content: ReportContent) -> None:
    """Two seal areas side by side: the reviewing body's and the center's."""
    pdf.keep_space(42)
    draw_seal_pair(pdf, content, pdf.get_y(), radius=15)


def draw_seal_pair(pdf: ReportPDF, content: ReportContent, y: float, radius: float) -> float:
    """评审单位（盖章） beside 被评机构（盖章）: each a name wrapped inside its half, a dashed circle
    below the name (never under it), and a date line. Returns the y below the pair."""
    half = (pdf.epw - 6) / 2
    parties = (("评审单位（盖章）", reviewing_body(content.inspection, content.center)),
               ("被评机构（盖章）", content.center.name))
    names = [pdf.fit_lines(name, half - 2 * pdf.c_margin, 9.5, 3) for _, name in parties]
    circle_top = y + 5 + 5 * max(len(n) for n in names) + 1  # both circles on one line, below the longer name
    low = y
    for index, ((label, _), lines) in enumerate(zip(parties, names)):
        x = MARGIN + index * (half + 6)
        with pdf.style(8.5, MUTED):
            pdf.set_xy(x, y)
            pdf.cell(half, 5, label)
        with pdf.style(9.5, INK):
            for i, line in enumerate(lines):
                pdf.draw_line(x + pdf.c_margin, y + 5 + 5 * i, 5, line)
        cy = circle_top + radius
        cx = x + half / 2
        with pdf.local_context():
            pdf.set_draw_color(*RULE)
            pdf.set_line_width(0.3)
            pdf.set_dash_pattern(dash=1.5, gap=1.5)
            pdf.circle(cx, cy, radius)
            pdf.set_dash_pattern()
        with pdf.style(7.5, MUTED):
            pdf.set_xy(cx - radius, cy - 2.5)
            pdf.cell(2 * radius, 5, "（公章）", align="C")
            pdf.set_xy(x, cy + radius + 1.5)
            pdf.cell(half, 5, "日期：　　　　年　　月　　日", align="C")
        low = max(low, cy + radius + 7)
    pdf.set_y(low)
    return low


def _verification_block(pdf: ReportPDF, content: ReportContent) -> None:
    """核验信息: the content hash and the standard copy's identity, for whoever checks the file."""
    frozen = content.inspection.frozen
    with pdf.style(6.8, MUTED):
        pdf.keep_space(22)
        pdf.set_y(max(pdf.get_y() + 2, pdf.page_break_trigger - 20))
        pdf.set_draw_color(*RULE)
        pdf.line(MARGIN, pdf.get_y(), pdf.w - MARGIN, pdf.get_y())
        pdf.ln(1)
        pdf.multi_cell(0, 3.4, "核验信息　本报告经数字签章；报告内容校验值（SHA-256，对随文件附带的评审结果数据计算）：",
                       wrapmode=WrapMode.CHAR, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        with pdf.style(7.5, INK):
            pdf.multi_cell(0, 3.8, content.sha256, wrapmode=WrapMode.CHAR, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        std = f"评价标准副本：{content.standard.id} {content.inspection.standard_version}"
        if frozen is not None and frozen.standard_sha256:
            std += f"，文件校验值 {frozen.standard_sha256[:16]}…"
        pdf.multi_cell(0, 3.4, std + "。纸质件可扫描二维码，与电子文件的校验值比对。",
                       wrapmode=WrapMode.CHAR, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def draw_team(pdf: ReportPDF, content: ReportContent) -> None:
    """评审组成员: name, role, work unit and title."""
    pdf.heading("评审组成员", 11, level=1)
    members = team_members(content)
    table = Grid(pdf, [10, 26, 24, 78, 42], ["序号", "姓名", "评审职责", "工作单位", "职称 / 职务"], size=8.5)
    for i, m in enumerate(members, start=1):
        table.row([str(i), m.name, ROLE_ZH[m.role], m.unit or "—", m.title or "—"])
    if not members:
        pdf.para("（未登记评审组成员）", 9)
    pdf.ln(4)


def verdict_lines(content: ReportContent) -> tuple[str, list[str]]:
    """The verdict as worded on the cover (verdict_wording) and its reasons."""
    return verdict_wording(content.score), [r.zh for r in content.score.verdict.reasons]


def draw_verdict_box(pdf: ReportPDF, content: ReportContent) -> None:
    verdict = content.score.verdict
    colour = LEVEL_COLOURS["A"] if verdict.tier is not None else (
        LEVEL_COLOURS["D"] if verdict.assessable else LEVEL_COLOURS["incomplete"])  # not assessable is no failure
    name, reasons = verdict_lines(content)
    pdf.keep_space(30)
    y = pdf.get_y()
    with pdf.local_context():
        pdf.set_draw_color(*colour)
        pdf.set_line_width(0.6)
        pdf.set_x(MARGIN)
        with pdf.style(9.5, MUTED):
            pdf.cell(0, 6, "  评审结论", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        with pdf.style(17, colour):
            pdf.set_x(MARGIN + 3)
            pdf.cell(0, 10, name, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        for reason in reasons:
            pdf.lines("· " + reason, pdf.epw - 6, 8.5, INK, 4.4, x=MARGIN + 3)
        pdf.ln(2)
        pdf.rect(MARGIN, y, pdf.epw, pdf.get_y() - y)
    pdf.ln(3)


__all__ = ["cover_rows", "draw_cover", "draw_qr", "draw_seal_pair", "draw_verdict_box", "qr_payload",
           "draw_team", "team_members", "verdict_lines"]
