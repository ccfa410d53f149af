"""Build the bundled CJK font: a TrueType-outline subset of Noto Sans CJK SC.

Why this shape:
- Noto Sans CJK SC (SIL OFL 1.1) covers Simplified Chinese; index 2 of Debian's
  NotoSansCJK-*.ttc is the SC face (index 0 draws Japanese glyph shapes).
- The subset keeps every GBK hanzi (21k, so rare name characters like 堃 喆 昇 彧 珺
  render), ASCII/Latin-1, CJK punctuation, full-width forms and the symbols the
  app and the standards use (★ ✓ ✗ ① …).
- CFF outlines are converted to quadratic TrueType outlines: pypdf garbles text
  extracted from CFF fonts, TrueType text extracts cleanly.

Only the Regular face ships (14 MB): headings use size and colour, not a bold face,
which would double the download a tablet makes on first load.

Run once by a maintainer (needs Debian's fonts-noto-cjk and fontTools); the result
is committed in assets/fonts so nothing is downloaded at run time:
    python tools/make_font.py /usr/share/fonts/opentype/noto assets/fonts
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, TTFont, newTable

SC_INDEX = 2  # Simplified Chinese face inside NotoSansCJK-*.ttc


def gbk_characters() -> set[str]:
    chars: set[str] = set()
    for lead in range(0x81, 0xFF):
        for trail in range(0x40, 0xFF):
            try:
                chars.add(bytes([lead, trail]).decode("gbk"))
            except UnicodeDecodeError:
                pass
    return chars


def wanted_characters() -> str:
    chars = gbk_characters()
    chars.update(chr(c) for c in range(0x20, 0x7F))
    chars.update(chr(c) for c in range(0xA0, 0x180))
    for lo, hi in [(0x2000, 0x206F), (0x2100, 0x215F), (0x2190, 0x21FF), (0x2460, 0x24FF),
                   (0x2500, 0x25FF), (0x2600, 0x26FF), (0x2700, 0x27BF), (0x3000, 0x303F),
                   (0x3200, 0x32FF), (0xFF00, 0xFFEF)]:
        chars.update(chr(c) for c in range(lo, hi + 1))
    return "".join(sorted(chars))


def to_truetype(font: TTFont) -> None:
    """Replace CFF outlines by quadratic glyf outlines (fontTools' otf2ttf recipe)."""
    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    font["loca"] = newTable("loca")
    font["glyf"] = glyf
    for tag in ("CFF ", "VORG"):
        if tag in font:
            del font[tag]
    glyf.compile(font)
    hmtx = font["hmtx"]
    for name, glyph in glyf.glyphs.items():
        width, _ = hmtx.metrics[name]
        hmtx.metrics[name] = (width, getattr(glyph, "xMin", 0))
    maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for attr in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs",
                 "maxInstructionDefs", "maxStackElements", "maxSizeOfInstructions",
                 "maxComponentElements"):
        setattr(maxp, attr, 0)
    maxp.maxZones = 1
    font["maxp"] = maxp
    post = font["post"]
    post.formatType = 2.0
    post.extraNames = []
    post.mapping = {}
    post.glyphOrder = order
    font.sfntVersion = "\x00\x01\x00\x00"


def build(ttc_path: Path, out_path: Path) -> None:
    font = TTCollection(str(ttc_path)).fonts[SC_INDEX]
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=wanted_characters())
    subsetter.subset(font)
    to_truetype(font)
    font.save(str(out_path))
    print(f"{out_path}: {out_path.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    src, dst = Path(sys.argv[1]), Path(sys.argv[2])
    build(src / "NotoSansCJK-Regular.ttc", dst / "NotoSansSC-Regular.ttf")
