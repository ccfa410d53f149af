"""目录 Table of contents: the report's parts and chapters with their page numbers, each a link;
the same headings are the PDF's bookmarks (fpdf2's outline, every level)."""

from __future__ import annotations

from fpdf.enums import XPos, YPos

from inspect_app.report.content import ReportContent
from inspect_app.report.layout import ACCENT, FONT, INK, MARGIN, MUTED

LINE_H = 6.2
TOC_LEVEL = 1  # parts (一、二 …) and their chapters; sections stay in the bookmarks only


def toc_pages(content: ReportContent) -> int:
    """Pages to reserve: about one line per part and chapter heading."""
    chapters = len(content.standard.chapters)
    entries = 10 + 2 * chapters + (1 if content.input.evidence_gaps else 0) + 4
    per_page = int((297 - 40 - 20) / LINE_H)
    return 1 if entries <= per_page else 2


def render_toc(pdf, outline) -> None:
    entries = [s for s in outline if s.level <= TOC_LEVEL and s.name != "封面"]
    capacity = int((pdf.page_break_trigger - pdf.get_y() - 16) / LINE_H) * 1
    if len(entries) > capacity:  # never spill past the reserved pages: parts only
        entries = [s for s in entries if s.level == 0]
    with pdf.local_context():
        pdf.set_font(FONT, size=15)
        pdf.set_text_color(*ACCENT)
        pdf.set_x(MARGIN)  # fpdf2 hands over the page with x wherever the header left it
        pdf.cell(pdf.epw, 9, "目　录", align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(4)
        for section in entries:
            size = 10.5 if section.level == 0 else 9
            indent = 0 if section.level == 0 else 8
            pdf.set_font(FONT, size=size)
            pdf.set_text_color(*(INK if section.level == 0 else MUTED))
            name = section.name
            number = str(section.page_number)
            link = pdf.add_link(page=section.page_number)
            name_w = pdf.get_string_width(name)
            num_w = pdf.get_string_width(number)
            y = pdf.get_y()
            pdf.set_xy(MARGIN + indent, y)
            pdf.cell(name_w + 1, LINE_H, name, link=link)
            dots_from = MARGIN + indent + name_w + 3
            dots_to = pdf.w - MARGIN - num_w - 3
            pdf.set_draw_color(*MUTED)
            pdf.set_line_width(0.15)
            pdf.set_dash_pattern(dash=0.4, gap=1.2)
            if dots_to > dots_from:
                pdf.line(dots_from, y + LINE_H * 0.7, dots_to, y + LINE_H * 0.7)
            pdf.set_dash_pattern()
            pdf.set_xy(pdf.w - MARGIN - num_w - 1, y)
            pdf.cell(num_w + 1, LINE_H, number, align="R", link=link)
            pdf.set_y(y + LINE_H)


__all__ = ["render_toc", "toc_pages"]
