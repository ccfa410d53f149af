"""附录 佐证照片 Evidence appendix: photos three by three with their captions (clause, item, time,
who) and the SHA-256 of the original beside each.

Photos are the stored JPEG derivatives (already oriented, GPS stripped), passed to fpdf2 by path
or bytes so they are embedded as they are, without re-encoding.
"""

from __future__ import annotations

from inspect_app.report.content import SUSPECT_DAYS, Photo, ReportContent
from inspect_app.report.layout import FONT, INK, MARGIN, MUTED, RULE, ReportPDF, fmt_time

COLUMNS = 3
GUTTER = 5.0
IMAGE_RATIO = 0.75  # 4:3 box; photos keep their own aspect ratio inside it
LINE = 3.1  # caption line height (mm)
CAPTION_LINES = 8  # number/where, time/who, caption ×2, suspect ×2, SHA-256 ×2 (smaller)
CAPTION_H = CAPTION_LINES * LINE + 1.5
SUSPECT = (200, 55, 45)


def draw_evidence_appendix(pdf: ReportPDF, content: ReportContent) -> None:
    if not content.photos:
        return
    pdf.add_page()
    pdf.page_title("附录一、佐证照片")
    suspect = [p.number for p in content.photos if p.suspect]
    pdf.para(f"共 {len(content.photos)} 张照片，按照片编号排列；编号在拍摄（添加）时给定，不会改变。"
             "SHA-256 为原始照片文件的校验值，可与评审系统中的原件核对。", 8, MUTED, h=4)
    if suspect:
        pdf.para(f"【存疑】{len(suspect)} 张照片的拍摄时间与评审日期相差超过 {SUSPECT_DAYS} 天"
                 f"（{'、'.join(suspect[:20])}{'…' if len(suspect) > 20 else ''}），请核实是否为本次现场所拍。",
                 8, SUSPECT, h=4)
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


def caption_lines(pdf: ReportPDF, content: ReportContent, photo: Photo, w: float) -> list[tuple[str, float, tuple]]:
    """(text, size, colour) per caption line, each fitted to the photo's width (never wider)."""
    record = photo.record
    target = record.target
    where = target.clause_number or "评审总体"
    if target.item_code:
        where += f" / {target.item_code}"
    out: list[tuple[str, float, tuple]] = []
    out += [(t, 7.5, INK) for t in pdf.fit_lines(f"{photo.number}　{where}", w, 7.5, 1)]
    out += [(t, 6.5, INK) for t in pdf.fit_lines(f"{fmt_time(photo.when, content.zone)}　{record.added_by or '—'}",
                                                 w, 6.5, 1)]
    if record.caption:
        out += [(t, 6.5, INK) for t in pdf.fit_lines(record.caption, w, 6.5, 2)]
    if photo.suspect:
        out += [(t, 6.5, SUSPECT) for t in pdf.fit_lines("【存疑】" + photo.suspect, w, 6.5, 2)]
    out += [(t, 5.2, MUTED) for t in pdf.fit_lines(f"SHA-256 {record.sha256}", w, 5.2, 2)]
    return out[:CAPTION_LINES]


def _draw_photo(pdf: ReportPDF, content: ReportContent, photo: Photo, x: float, y: float,
                w: float, h: float) -> None:
    record = photo.record
    source = content.image(record.sha256)
    with pdf.local_context():
        pdf.set_draw_color(*(SUSPECT if photo.suspect else RULE))
        pdf.set_line_width(0.5 if photo.suspect else 0.2)
        if source is None:
            pdf.set_fill_color(240, 240, 240)
            pdf.rect(x, y, w, h, style="DF")
            pdf.set_font(FONT, size=8)
            pdf.set_text_color(*MUTED)
            pdf.set_xy(x, y + h / 2 - 3)
            pdf.cell(w, 6, "照片文件不在本设备", align="C")
        else:
            pdf.image(str(source) if not isinstance(source, bytes) else source,
                      x=x, y=y, w=w, h=h, keep_aspect_ratio=True)
            pdf.rect(x, y, w, h)  # after the image, so a suspect photo's red frame shows
        line_y = y + h + 1
        for text, size, colour in caption_lines(pdf, content, photo, w):
            pdf.set_font(FONT, size=size)
            pdf.set_text_color(*colour)
            step = LINE if size > 6 else 2.6
            pdf.draw_line(x, line_y, step, text)
            line_y += step


__all__ = ["caption_lines", "draw_evidence_appendix"]
