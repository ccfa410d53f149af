"""One font rule: every character that can reach the screen or the report is drawn by a font we
ship, or refused where it is entered, with a message that names it.

Shipped fonts (assets/fonts/, SIL OFL 1.1, OFL.txt beside them; built by tools/make_font.py):
- NotoSansSC-Regular.ttf   main face: every GBK hanzi, ASCII/Latin-1, CJK punctuation, full-width
                           forms, the symbols the app and the standards use (★ ✓ ① …).
- NotoSansSC-GB2312.ttf    the same face cut to GB2312 + ASCII + punctuation: the app's first
                           paint, so the first screen does not wait for the 14 MB main face.
- JicengHanExt-Regular.ttf fallback for the CJK extensions: Extension A (6,582 of 6,592), and the
                           Extension B–G, compatibility and radical characters that Noto Sans
                           CJK or Hanazono Mincho draw (names such as 𠮷 䶮 㙟 𬌗 𫖮 …).
  The exact ranges are in docs/fonts.md (`python tools/make_font.py --coverage`).

What is drawable is the union of the main face's and the fallback's character maps, plus line
breaks and tabs. Everything else (emoji, private-use, unassigned code points, control and
zero-width characters, scripts we ship no font for) is refused by check_drawable.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path

from inspect_app import paths
from inspect_app.errors import UserError

FONT_DIR = paths.ASSETS_DIR / "fonts"
MAIN_FONT = paths.CJK_FONT
FIRST_PAINT_FONT = FONT_DIR / "NotoSansSC-GB2312.ttf"
FALLBACK_FONT = FONT_DIR / "JicengHanExt-Regular.ttf"

# Flet font families: the theme uses FAMILY; each text style lists FALLBACK_FAMILIES after it.
FAMILY = "NotoSansSC"
FIRST_PAINT_FAMILY = "NotoSansSCFirst"
FALLBACK_FAMILY = "JicengHanExt"

ALWAYS_ALLOWED = frozenset("\n\r\t")

# field key -> (zh, en) as the person saw it on the form
FIELD_NAMES: dict[str, tuple[str, str]] = {
    "center_name": ("机构名称", "center name"),
    "center_code": ("机构代码", "center code"),
    "center_county": ("所属区县", "county"),
    "center_facts": ("机构信息", "center details"),
    "note": ("备注", "note"),
    "clause_note": ("条款备注", "clause note"),
    "na_reason": ("不适用原因", "not-applicable reason"),
    "rectification": ("整改建议", "rectification advice"),
    "rectification_details": ("整改信息", "rectification details"),
    "team": ("评审组成员", "team member"),
    "inspector": ("评审人员姓名", "inspector name"),
    "signer": ("签名人姓名", "signer name"),
    "reason": ("原因", "reason"),
    "assessment": ("总体评价", "overall assessment"),
    "evaluation_facts": ("评审信息", "evaluation details"),
    "caption": ("照片说明", "photo caption"),
    "answer": ("整改反馈", "answer"),
}


class UndrawableCharacter(UserError):
    """A character no shipped font draws: refused at entry, never dropped later."""

    def __init__(self, char: str, field: str) -> None:
        zh_field, en_field = FIELD_NAMES.get(field, (field, field))
        code = f"U+{ord(char):04X}"
        name = unicodedata.name(char, "")
        shown = char if char.isprintable() and not char.isspace() else " "
        super().__init__(
            f"{zh_field}中有无法显示的字符「{shown}」({code})，请改用常用汉字或删去该字符。",
            f"The {en_field} contains a character that cannot be displayed: “{shown}” ({code}"
            f"{' ' + name if name else ''}). Use a common character instead, or remove it.")
        self.char = char
        self.field = field


def shipped_fonts() -> list[Path]:
    """The faces that draw text, main first; a missing fallback file is simply not used."""
    return [p for p in (MAIN_FONT, FALLBACK_FONT) if p.is_file()]


@lru_cache(maxsize=None)
def _cmap(path: str) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    font = TTFont(path, lazy=True)
    try:
        return frozenset(font.getBestCmap() or {})
    finally:
        font.close()


@lru_cache(maxsize=1)
def drawable_codepoints() -> frozenset[int]:
    points: set[int] = set()
    for path in shipped_fonts():
        points |= _cmap(str(path))
    return frozenset(points)


def is_drawable(char: str) -> bool:
    if char in ALWAYS_ALLOWED:
        return True
    if unicodedata.category(char) in ("Cc", "Cf", "Co", "Cn", "Cs"):
        return False  # control, format (zero-width, joiners), private use, unassigned
    return ord(char) in drawable_codepoints()


def undrawable(text: str) -> list[str]:
    """The characters of `text` that no shipped font draws, each once, in order."""
    seen: list[str] = []
    for ch in text or "":
        if ch not in seen and not is_drawable(ch):
            seen.append(ch)
    return seen


def check_drawable(text: str | None, field: str) -> str | None:
    """`text` unchanged when every character is drawn; else UserError naming the first one."""
    if not text:
        return text
    bad = undrawable(text)
    if bad:
        raise UndrawableCharacter(bad[0], field)
    return text


def check_all(field: str, *texts: str | None) -> None:
    for text in texts:
        check_drawable(text, field)


FULL_FAMILY = "NotoSansSCFull"


def first_paint_enabled() -> bool:
    """JICENG_UI_FONTS=full serves the 14 MB face first, as before (for bench/ui_first_paint.py)."""
    import os

    return FIRST_PAINT_FONT.is_file() and os.environ.get("JICENG_UI_FONTS", "") != "full"


def page_fonts(first_paint: bool | None = None) -> dict[str, str]:
    """Flet `page.fonts` (URLs under /fonts, the assets folder), in load order.

    First paint: the theme family is the 2.2 MB GB2312 face, and the full face and the extension
    face follow as fallback families (inspect_app/ui/typeface.py), loaded after it. Without it
    (JICENG_UI_FONTS=full) the theme family is the 14 MB main face, as before."""
    first_paint = first_paint_enabled() if first_paint is None else first_paint
    if first_paint:
        out = {FAMILY: "/fonts/" + FIRST_PAINT_FONT.name, FULL_FAMILY: "/fonts/" + MAIN_FONT.name}
    else:
        out = {FAMILY: "/fonts/" + MAIN_FONT.name}
    if FALLBACK_FONT.is_file():
        out[FALLBACK_FAMILY] = "/fonts/" + FALLBACK_FONT.name
    return out


def fallback_families(first_paint: bool | None = None) -> list[str]:
    """The families a text style falls back to, in order, for a glyph its family lacks."""
    first_paint = first_paint_enabled() if first_paint is None else first_paint
    return ([FULL_FAMILY] if first_paint else []) + ([FALLBACK_FAMILY] if FALLBACK_FONT.is_file() else [])


def first_paint_face(text: str) -> bytes:
    """The first-paint face (the full face where it is missing) cut to the characters of `text`:
    a few kB for a page that must draw before any font file has loaded (start-up screen, pairing
    page). The report cuts its own faces with HarfBuzz (report/fontcache.py)."""
    import io

    from fontTools import subset
    from fontTools.ttLib import TTFont

    source = FIRST_PAINT_FONT if FIRST_PAINT_FONT.is_file() else MAIN_FONT
    font = TTFont(str(source))
    options = subset.Options()
    options.layout_features = []
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(sorted(set(text))))
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()
