"""Page furniture shared by every page kind: A4, the CJK font, header, footer, headings, tables.

Only a Regular face of Noto Sans SC ships (no bold): emphasis is size and colour, and table
headings use `FontFace(emphasis=None)` (fpdf2 would otherwise ask for a bold face and raise).
Chinese wraps with `wrapmode="CHAR"` (WORD only breaks at spaces).
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import datetime

from fpdf import FPDF, FontFace
from fpdf.enums import TableCellFillMode, WrapMode, XPos, YPos

from inspect_app import paths
from inspect_app.clock import local_date_text, local_time_text

FONT = "NotoSansSC"
MARGIN = 15.0
BODY_SIZE = 9.5
SMALL_SIZE = 7.5

INK = (33, 33, 33)
MUTED = (110, 110, 110)
RULE = (190, 190, 190)
ACCENT = (24, 84, 140)
HEAD_FILL = (229, 236, 244)
ZEBRA = (247, 248, 250)

# Level colours for charts and badges; chosen to stay distinct in greyscale print.
LEVEL_COLOURS = {
    "A": (36, 122, 63),
    "B": (96, 170, 96),
    "C": (176, 206, 120),
    "D": (200, 55, 45),
    "incomplete": (150, 150, 150),
    "na": (215, 215, 215),
}

HEADINGS = FontFace(emphasis=None, color=INK, fill_color=HEAD_FILL)

CELL_PAD_X = 1.2

# 禁则 (line-breaking rules): these never start a line, and these never end one.
NO_LINE_START = set("。，、；：？！）」』】》〉”’…—％%·,.;:?!)]}")
NO_LINE_END = set("（「『【《〈“‘([{")
# Runs of Latin letters, digits and codes (C-1, 2.2.3.1, 2024-05-20, SHA-256) stay whole.
_TOKEN = re.compile(r"[A-Za-z0-9_./:+\-]+|\s|.", re.S)


def wrap_lines(text: str, width: float, measure) -> list[str]:
    """Break `text` into lines no wider than `width` (as `measure` says), at any character
    between Chinese characters but never inside a Latin/number run that fits on a line, and
    without starting a line with closing punctuation or ending one with opening punctuation."""
    lines: list[str] = []
    for paragraph in (text or "").split("\n"):
        tokens: list[str] = []
        for tok in _TOKEN.findall(paragraph):
            if len(tok) > 1 and measure(tok) > width:
                tokens.extend(tok)  # longer than a line: break it anywhere
            else:
                tokens.append(tok)
        line: list[str] = []
        used = 0.0
        for tok in tokens:
            w = measure(tok)
            if line and used + w > width:
                carry: list[str] = []
                # pull characters down so the new line does not start with 。，） …
                if tok[0] in NO_LINE_START:
                    while line and len(carry) < 2 and (not carry or carry[0][0] in NO_LINE_START):
                        carry.insert(0, line.pop())
                # and do not leave （ “ 《 hanging at the end of the line
                while line and line[-1] and line[-1][-1] in NO_LINE_END:
                    carry.insert(0, line.pop())
                if not line:  # nothing sensible to break at: keep it as it came
                    line, carry = carry, []
                text_line = "".join(line).rstrip()
                lines.append(text_line)
                line = carry
                used = sum(measure(t) for t in line)
                if tok.isspace() and not line:
                    continue
            line.append(tok)
            used += w
        lines.append("".join(line).rstrip())
    return lines


# A table row taller than a page raises in fpdf2: cells are capped and the rest goes below.
MAX_CELL_CHARS = 220


def _add_fallback_fonts(pdf: FPDF, charset: frozenset[int] | None = None) -> None:
    from inspect_app import fonts
    from inspect_app.report import fontcache

    if fonts.FALLBACK_FONT.is_file():
        path = fonts.FALLBACK_FONT
        if charset is not None:  # only what the main face lacks can reach the fallback
            own = fontcache.covered(str(path)) - fontcache.covered(str(paths.CJK_FONT))
            wanted = (charset & own) or frozenset([min(own)] if own else [])  # a cut needs one mapped character
            path = fontcache.cut(path, wanted)
        pdf.add_font(fonts.FALLBACK_FAMILY, "", str(path))
        pdf.set_fallback_fonts([fonts.FALLBACK_FAMILY], exact_match=False)


class ReportPDF(FPDF):
    """A4 portrait with the header (center, report id) and footer (第 x 页 共 y 页) on every page."""

    def __init__(self, *, center_name: str, report_id: str, draft: bool, created: datetime,
                 charset: frozenset[int] | None = None) -> None:
        """`charset`: the characters this report draws; the fonts are then cut to them
        (report/fontcache.py: no 14 MB parse per build). None: the whole font."""
        super().__init__(orientation="P", unit="mm", format="A4")
        self.center_name = center_name
        self.report_id = report_id
        self.draft = draft
        self.main_font_path = paths.CJK_FONT
        if charset is not None:
            from inspect_app.report import fontcache

            self.main_font_path = fontcache.cut(paths.CJK_FONT, charset)
        self.add_font(FONT, "", str(self.main_font_path))
        _add_fallback_fonts(self, charset)  # CJK extensions (𠮷 䶮 …): drawn, never dropped (inspect_app/fonts.py)
        self.set_font(FONT, size=BODY_SIZE)
        self.set_text_color(*INK)
        self.set_margins(MARGIN, MARGIN + 6, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN + 4)
        self.set_creation_date(created)
        self.set_producer("Jiceng Inspect")
        self.set_creator("Jiceng Inspect 基层行现场评审")
        self.set_lang("zh-CN")
        self.alias_nb_pages("{nb}")
        self._width_cache: dict[float, dict[str, float]] = {}

    def add_page(self, *args, **kwargs) -> None:
        """A new page, except right after the table of contents' placeholder, which already
        broke to a fresh page (fpdf2's insert_toc_placeholder)."""
        if getattr(self, "_page_is_fresh", False):
            self._page_is_fresh = False
            return
        super().add_page(*args, **kwargs)

    def reserve_toc(self, render, pages: int) -> None:
        self.insert_toc_placeholder(render, pages=pages)
        self._page_is_fresh = True

    # -------------------------------------------------------------- furniture

    def header(self) -> None:
        with self.local_context():
            self.set_font(FONT, size=SMALL_SIZE)
            self.set_text_color(*MUTED)
            self.set_xy(MARGIN, 8)
            left = self.center_name + ("　草稿：评审未锁定，未签章" if self.draft else "")
            self.cell(self.epw * 0.65, 5, self.fit_lines(left, self.epw * 0.65 - 2, SMALL_SIZE, 1)[0], align="L")
            self.set_xy(MARGIN + self.epw * 0.65, 8)
            self.cell(self.epw * 0.35, 5, f"报告编号 {self.report_id}", align="R")
            self.set_draw_color(*RULE)
            self.set_line_width(0.2)
            self.line(MARGIN, 13.5, self.w - MARGIN, 13.5)
        self.set_xy(MARGIN, MARGIN + 6)

    def footer(self) -> None:
        with self.local_context():
            self.set_font(FONT, size=SMALL_SIZE)
            self.set_text_color(*MUTED)
            self.set_draw_color(*RULE)
            self.set_line_width(0.2)
            self.line(MARGIN, self.h - 13, self.w - MARGIN, self.h - 13)
            self.set_xy(MARGIN, self.h - 12)
            self.cell(self.epw, 5, f"第 {self.page_no()} 页 共 {{nb}} 页", align="C")

    # -------------------------------------------------------------- text

    @contextmanager
    def style(self, size: float = BODY_SIZE, colour: tuple[int, int, int] = INK):
        with self.local_context():
            self.set_font(FONT, size=size)
            self.set_text_color(*colour)
            yield

    def page_title(self, text: str, bookmark: bool = True) -> None:
        if bookmark:
            self.start_section(text, level=0)
        with self.style(15, ACCENT):
            self.multi_cell(0, 8, text, wrapmode=WrapMode.CHAR, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.set_draw_color(*ACCENT)
            self.set_line_width(0.5)
            self.line(MARGIN, self.get_y() + 1, self.w - MARGIN, self.get_y() + 1)
        self.ln(4)

    def heading(self, text: str, size: float = 12, level: int | None = None, keep: float = 30) -> None:
        """A heading kept with at least `keep` mm of what follows it."""
        self.keep_space(keep)
        if level is not None:
            self.start_section(text, level=level)
        with self.style(size, ACCENT):
            self.multi_cell(0, size * 0.55, text, wrapmode=WrapMode.CHAR, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)

    def para(self, text: str, size: float = BODY_SIZE, colour=INK, h: float | None = None) -> None:
        """A paragraph across the text width (see `lines`)."""
        self.lines(text, self.epw, size, colour, h, x=self.l_margin)

    def lines(self, text: str, width: float, size: float = BODY_SIZE, colour=INK, h: float | None = None,
              x: float | None = None) -> None:
        """`text` wrapped the Chinese way to `width` mm at `x`, line by line from the current y,
        breaking pages as it goes; ends with y below the last line.

        Why not multi_cell: it breaks every line again (fpdf2's line breaker) although the text is
        already wrapped; on a 250-clause report that was a fifth of the build."""
        if not text:
            return
        h = h or size * 0.5
        x = self.l_margin if x is None else x
        with self.style(size, colour):
            for line in wrap_lines(text, width - 0.4, self._measure(size)):
                if self.get_y() + h > self.page_break_trigger:
                    self.add_page()
                self.draw_line(x, self.get_y(), h, line)
                self.set_y(self.get_y() + h)

    def _plain_text(self, x: float, baseline: float, text: str) -> None:
        """fpdf2's text() for a TrueType line without underline or quad points, minus its
        decorators and checks: the report draws ~17,000 such lines."""
        if self.page <= 0:
            self.text(x, baseline, text)  # let fpdf2 say what is wrong
            return
        if not self.current_font_is_set_on_page:
            self._out(self._set_font_for_page(self.current_font, self.font_size_pt))
        op = f"BT {x * self.k:.2f} {(self.h - baseline) * self.k:.2f} Td {self.current_font.encode_text(text)} ET"
        if self.fill_color != self.text_color:
            op = f"q {self.text_color.serialize().lower()} {op} Q"
        self._out(op)

    def draw_line(self, x: float, top: float, h: float, text: str) -> None:
        """One line of text, already wrapped, in a band `h` mm high from `top`, in the current font.
        A line holding a character the main face lacks goes through cell(), which draws it with the
        fallback face (text() would drop it)."""
        if not text:
            return
        font = self.current_font
        if all(ord(c) in font.cmap for c in text):
            size = self.font_size  # mm
            self._plain_text(x, top + (h - size) / 2 + size * 0.88, text)
        else:
            keep_x, keep_y = self.get_x(), self.get_y()
            self.set_xy(x, top)
            self.cell(self.get_string_width(text) + 0.5, h, text)
            self.set_xy(keep_x, keep_y)

    def wrap(self, text: str, width: float, size: float | None = None) -> str:
        """`text` with line breaks placed the Chinese way (see `wrap_lines`) for `width` mm."""
        size = self.font_size_pt if size is None else size
        # a hair narrower than the box so fpdf2 never breaks a line we measured as fitting
        return "\n".join(wrap_lines(text, width - 0.4, self._measure(size)))

    def _measure(self, size: float):
        """Width in mm of a token at `size` pt, cached: reports repeat the same few thousand
        characters, and fpdf2's get_string_width costs ~50 µs a call."""
        cache = self._width_cache.setdefault(size, {})
        font = self.fonts[FONT.lower()]

        def measure(token: str) -> float:
            width = cache.get(token)
            if width is None:
                width = cache[token] = font.get_text_width(token, size, None)[1] / self.k
            return width

        return measure

    def fit_lines(self, text: str, width: float, size: float, lines: int) -> list[str]:
        """At most `lines` lines of `text` wrapped to `width` mm; the last ends with … when cut.
        For fixed boxes (photo captions) that must never run into their neighbour."""
        measure = self._measure(size)
        wrapped = wrap_lines(" ".join((text or "").split()), width - 0.4, measure)
        if len(wrapped) <= lines:
            return wrapped
        kept = wrapped[:lines]
        last = kept[-1]
        while last and measure(last + "…") > width - 0.4:
            last = last[:-1]
        kept[-1] = last + "…"
        return kept

    def cell_text(self, text: str, col_width: float, size: float) -> str:
        """Text for a table cell of `col_width` mm in house style (padding 1.2 mm each side)."""
        return self.wrap(text, col_width - 2 * CELL_PAD_X, size)

    def keep_space(self, height: float) -> None:
        """Start a new page unless `height` mm still fit above the bottom margin."""
        if self.get_y() + height > self.page_break_trigger:
            self.add_page()

    def table_(self, col_widths, size: float = 8.5, **kw):
        """A table in house style: CHAR wrap, regular headings repeated on each page, zebra rows."""
        self.set_font(FONT, size=size)
        options = dict(
            col_widths=col_widths, width=self.epw, wrapmode=WrapMode.CHAR, headings_style=HEADINGS,
            repeat_headings=1, line_height=size * 0.5, text_align="LEFT", v_align="TOP",
            cell_fill_mode=TableCellFillMode.ROWS, cell_fill_color=ZEBRA, padding=(1, CELL_PAD_X),
        )
        options.update(kw)
        self.set_draw_color(*RULE)
        self.set_line_width(0.2)
        return self.table(**options)


def clip(text: str, limit: int = MAX_CELL_CHARS, more: str = "…") -> str:
    """At most about `limit` characters on one line, with `more` saying where the rest is."""
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + more


def fmt_date(when: datetime | None, zone: str | None = None) -> str:
    """A date as people read it: in the inspection's zone (clock.py; Asia/Shanghai by default)."""
    return local_date_text(when, zone)


def fmt_time(when: datetime | None, zone: str | None = None) -> str:
    return local_time_text(when, zone)


Cell = "str | tuple[str, tuple[int, int, int]]"


class Grid:
    """A ruled table for long Chinese text, drawn line by line from pre-wrapped text.

    Why not fpdf2's `table()`: on a 250-clause report it spent ~85 % of the build laying out
    cells twice through `multi_cell`, and it raises on a row taller than a page. Here each
    cell is wrapped once (cached glyph widths, 禁则 rules), the header repeats on every page,
    and a row taller than the space left continues on the next page instead of raising.
    """

    def __init__(self, pdf: "ReportPDF", widths: list[float], headers: list[str], size: float = 8,
                 line_h: float | None = None, pad_y: float = 1.0, aligns: str = "") -> None:
        self.pdf = pdf
        self.widths = widths
        self.aligns = aligns.ljust(len(widths), "L")  # per column: L left, C centred
        self.headers = headers
        self.size = size
        self.line_h = line_h or size * 0.5
        self.pad_y = pad_y
        self.zebra = False
        self._measure = pdf._measure(size)
        self._header()

    def _wrap(self, text: str, width: float) -> list[str]:
        return wrap_lines(text or "", width - 2 * CELL_PAD_X - 0.2, self._measure) or [""]

    def _header(self) -> None:
        lines = [h.split("\n") for h in self.headers]  # a header may name two lines ("基本\nA")
        self._draw(lines, [None] * len(self.headers), HEAD_FILL, start=0, count=max(len(cl) for cl in lines))

    def _draw(self, lines: list[list[str]], colours, fill, start: int, count: int) -> None:
        """Draw `count` lines of each cell, from line `start`, as one band of the row."""
        pdf = self.pdf
        height = count * self.line_h + 2 * self.pad_y
        x, y = MARGIN, pdf.get_y()
        pdf.set_font(FONT, size=self.size)
        pdf.set_draw_color(*RULE)
        pdf.set_line_width(0.2)
        if fill is not None:
            pdf.set_fill_color(*fill)
            pdf.rect(x, y, sum(self.widths), height, style="F")
        for column, (w, cell_lines, colour) in enumerate(zip(self.widths, lines, colours)):
            pdf.set_text_color(*(colour or INK))
            shown = cell_lines[start:start + count]
            if start > 0 and column == 0:  # a row continued from the previous page says so
                shown = [cell_lines[0], "（续）"][:count]
            for i, line in enumerate(shown):
                if line:
                    left = x + CELL_PAD_X
                    if self.aligns[column] == "C":
                        left = x + max(CELL_PAD_X, (w - self._measure(line)) / 2)
                    pdf.draw_line(left, y + self.pad_y + i * self.line_h, self.line_h, line)
            pdf.rect(x, y, w, height)
            x += w
        pdf.set_text_color(*INK)
        pdf.set_y(y + height)

    def row(self, cells: list, fill: tuple[int, int, int] | None = None) -> None:
        texts = [c[0] if isinstance(c, tuple) else c for c in cells]
        colours = [c[1] if isinstance(c, tuple) else None for c in cells]
        lines = [self._wrap(t, w) for t, w in zip(texts, self.widths)]
        total = max(len(cl) for cl in lines)
        self.zebra = not self.zebra
        band_fill = fill or (ZEBRA if not self.zebra else None)
        start = 0
        pdf = self.pdf
        body = pdf.page_break_trigger - pdf.t_margin - 10  # a page's room under the header row
        fresh = False
        while start < total:
            room = int((pdf.page_break_trigger - pdf.get_y() - 2 * self.pad_y) // self.line_h)
            need = total - start
            if need <= room:
                self._draw(lines, colours, band_fill, start, need)
                return
            # keep rows that fit on a page whole; split only taller ones (fpdf2's table raises)
            if not fresh and (need * self.line_h <= body or room < 2):
                pdf.add_page()
                self._header()
                fresh = True
                continue
            count = max(1, room)
            self._draw(lines, colours, band_fill, start, count)
            start += count
            fresh = False
