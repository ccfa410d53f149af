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

Two more files are cut from the same face (inspect_app/fonts.py says how they are used):
- NotoSansSC-GB2312.ttf: GB2312 hanzi + ASCII + punctuation + the app's symbols (~2 MB), the
  app's first paint, so the first screen does not wait for the 14 MB file;
- JicengHanExt-Regular.ttf: every ideograph the SC face draws outside GBK: CJK Extension A
  (6,582 of 6,592), the Extension B-G characters Noto Sans CJK has (2,310: the rare characters of
  names and places, 𠮷 𬌗 𫖮 …), compatibility ideographs, radicals. It is the fallback face
  of the report (fpdf2 set_fallback_fonts) and of the UI.

Run once by a maintainer (needs Debian's fonts-noto-cjk and fontTools); the result
is committed in assets/fonts so nothing is downloaded at run time:
    python tools/make_font.py /usr/share/fonts/opentype/noto assets/fonts
    python tools/make_font.py --coverage assets/fonts     (the ranges, for docs/fonts.md)
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


# Ideograph blocks the fallback face takes from the SC face (only code points outside GBK).
EXTENSION_BLOCKS = [
    ("CJK Radicals Supplement / Kangxi Radicals", 0x2E80, 0x2FDF),
    ("CJK Unified Ideographs Extension A", 0x3400, 0x4DBF),
    ("CJK Unified Ideographs", 0x4E00, 0x9FFF),  # the fallback takes only those beyond GBK
    ("CJK Compatibility Ideographs", 0xF900, 0xFAFF),
    ("CJK Unified Ideographs Extension B", 0x20000, 0x2A6DF),
    ("CJK Unified Ideographs Extension C", 0x2A700, 0x2B73F),
    ("CJK Unified Ideographs Extension D", 0x2B740, 0x2B81F),
    ("CJK Unified Ideographs Extension E", 0x2B820, 0x2CEAF),
    ("CJK Unified Ideographs Extension F", 0x2CEB0, 0x2EBEF),
    ("CJK Compatibility Ideographs Supplement", 0x2F800, 0x2FA1F),
    ("CJK Unified Ideographs Extension G", 0x30000, 0x3134F),
]


def gb2312_characters() -> set[str]:
    chars: set[str] = set()
    for lead in range(0xA1, 0xF8):
        for trail in range(0xA1, 0xFF):
            try:
                chars.add(bytes([lead, trail]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return chars


def first_paint_characters(main_text: str) -> str:
    """The main face's set minus the GBK hanzi that are not in GB2312."""
    gb = gb2312_characters()
    gbk_only = {c for c in gbk_characters() if c not in gb and "\u4e00" <= c <= "\u9fff"}
    return "".join(c for c in main_text if c not in gbk_only)


def extension_characters(font: TTFont) -> str:
    cmap = font.getBestCmap()
    gbk = gbk_characters()
    out = [chr(cp) for cp in sorted(cmap) if any(lo <= cp <= hi for _, lo, hi in EXTENSION_BLOCKS)
           and chr(cp) not in gbk]
    return "".join(out)


def _subset(font: TTFont, text: str, features: list[str] | None = None) -> TTFont:
    """`features` None keeps every OpenType feature; [] keeps none (the feature closure pulls in
    vertical, Japanese and Korean variants: twice the glyphs for the same characters)."""
    options = subset.Options()
    options.layout_features = ["*"] if features is None else features
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    return font


def _rename(font: TTFont, family: str) -> None:
    for record in font["name"].names:
        if record.nameID in (1, 3, 4, 6, 16):
            value = family if record.nameID != 6 else family.replace(" ", "")
            record.string = value


def build(ttc_path: Path, out_path: Path) -> None:
    font = _subset(TTCollection(str(ttc_path)).fonts[SC_INDEX], wanted_characters())
    to_truetype(font)
    font.save(str(out_path))
    print(f"{out_path}: {out_path.stat().st_size / 1e6:.1f} MB")


def build_first_paint(main_ttf: Path, out_path: Path) -> None:
    """Cut from the committed main face (already TrueType outlines)."""
    font = TTFont(str(main_ttf))
    text = first_paint_characters("".join(chr(c) for c in font.getBestCmap()))
    _subset(font, text, features=[])
    font.save(str(out_path))
    print(f"{out_path}: {out_path.stat().st_size / 1e6:.1f} MB, {len(text)} characters")


def build_extensions(ttc_path: Path, out_path: Path) -> None:
    font = TTCollection(str(ttc_path)).fonts[SC_INDEX]
    text = extension_characters(font)
    _subset(font, text, features=[])
    to_truetype(font)
    _rename(font, "Jiceng Han Ext")
    font.save(str(out_path))
    print(f"{out_path}: {out_path.stat().st_size / 1e6:.1f} MB, {len(text)} characters")


def coverage(folder: Path) -> str:
    """A Markdown table: per block, how many code points each shipped face draws."""
    faces = [("NotoSansSC-GB2312.ttf", "首屏 first paint"), ("NotoSansSC-Regular.ttf", "主字体 main"),
             ("JicengHanExt-Regular.ttf", "扩展 fallback")]
    cmaps = {name: set(TTFont(str(folder / name), lazy=True).getBestCmap()) for name, _ in faces}
    blocks = [("Basic Latin + Latin-1 + Latin Ext-A", 0x20, 0x17F), ("General punctuation, symbols", 0x2000, 0x27BF),
              ("CJK symbols and punctuation", 0x3000, 0x303F), ("Enclosed CJK", 0x3200, 0x32FF),
              *EXTENSION_BLOCKS, ("Half/full-width forms", 0xFF00, 0xFFEF)]
    lines = ["| block | range | " + " | ".join(label for _, label in faces) + " |",
             "| --- | --- | " + " | ".join("---" for _ in faces) + " |"]
    for name, lo, hi in blocks:
        r = set(range(lo, hi + 1))
        lines.append(f"| {name} | U+{lo:04X}–U+{hi:04X} | "
                     + " | ".join(str(len(cmaps[f] & r)) for f, _ in faces) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    if sys.argv[1] == "--coverage":
        print(coverage(Path(sys.argv[2])))
        sys.exit(0)
    src, dst = Path(sys.argv[1]), Path(sys.argv[2])
    ttc = src / "NotoSansCJK-Regular.ttc"
    if "--keep-main" not in sys.argv:
        build(ttc, dst / "NotoSansSC-Regular.ttf")
    build_first_paint(dst / "NotoSansSC-Regular.ttf", dst / "NotoSansSC-GB2312.ttf")
    build_extensions(ttc, dst / "JicengHanExt-Regular.ttf")
