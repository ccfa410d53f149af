"""附录 佐证照片 Evidence appendix: photos three by three with their captions (clause, item, time,
who) and the SHA-256 of the original beside each.

Photos are the stored JPEG derivatives (already oriented, GPS stripped), passed to fpdf2 by path
or bytes so they are embedded as they are, without re-encoding.
"""

from __future__ import annotations

from fpdf.enums import WrapMode

from inspect_app.report.content import Photo, ReportContent
from inspect_app.report.layout import FONT, INK, MARGIN, MUTED, RULE, ReportPDF, clip, fmt_time

COLUMNS = 3
GUTTER = 5.0
IMAGE_RATIO = 0.75  # 4:3 box; photos keep their own aspect ratio inside it
CAPTION_H = 20.0


def draw_evidence_appendix(pdf: ReportPDF, content: ReportContent) -> None:
    if not content.photos:
        return
    pdf.add_page()
    pdf.page_title("附录一、佐证照片")
    pdf.para(f"共 {len(content.photos)} 张照片，按条款顺序编号。SHA-256 为原始照片文件的校验值，"
             "可与评审系统中的原件核对。", 8, MUTED, h=4)
    pdf.ln(2)
    cell_w = (pdf.epw - GUTTER * (COLUMNS - 1)) / COLUMNS
    image_h = cell_w * IMAGE_RATIO
    cell_h = image_h + CAPTION_H + 4
    for index, photo in enumerate(content.photos):
        column = index % COLUMNS
        if column == 0:
            if pdf.get_y() + cell_h > pdf.page_break_trigger:
                pdf.add_page()
            row_y = pdf.get_y()
        x = MARGIN + column * (cell_w + GUTTER)
        _draw_photo(pdf, content, photo, x, row_y, cell_w, image_h)
        if column == COLUMNS - 1 or index == len(content.photos) - 1:
            pdf.set_y(row_y + cell_h)


def _draw_photo(pdf: ReportPDF, content: ReportContent, photo: Photo, x: float, y: float,
                w: float, h: float) -> None:
    record = photo.record
    source = content.image(record.sha256)
    with pdf.local_context():
        pdf.set_draw_color(*RULE)
        pdf.set_line_width(0.2)
        if source is None:
            pdf.set_fill_color(240, 240, 240)
            pdf.rect(x, y, w, h, style="DF")
            pdf.set_font(FONT, size=8)
            pdf.set_text_color(*MUTED)
            pdf.set_xy(x, y + h / 2 - 3)
            pdf.cell(w, 6, "照片文件不在本设备", align="C")
        else:
            pdf.rect(x, y, w, h)
            pdf.image(str(source) if not isinstance(source, bytes) else source,
                      x=x, y=y, w=w, h=h, keep_aspect_ratio=True)
        target = record.target
        where = target.clause_number or "评审总体"
        if target.item_code:
            where += f" / {target.item_code}"
        who = record.added_by or "—"
        pdf.set_xy(x, y + h + 1)
        pdf.set_font(FONT, size=7.5)
        pdf.set_text_color(*INK)
        pdf.cell(w, 3.6, clip(f"{photo.number}　{where}", 40))
        pdf.set_xy(x, y + h + 4.8)
        pdf.set_font(FONT, size=6.5)
        pdf.cell(w, 3.2, clip(f"{fmt_time(photo.when, content.zone)}　{who}", 44))
        if record.caption:
            pdf.set_xy(x, y + h + 8.2)
            pdf.cell(w, 3.2, clip(record.caption, 30))
        pdf.set_text_color(*MUTED)
        pdf.set_font(FONT, size=5.2)
        pdf.set_xy(x, y + h + 11.8)
        pdf.multi_cell(w, 2.6, f"SHA-256 {record.sha256}", wrapmode=WrapMode.CHAR)


__all__ = ["draw_evidence_appendix"]
