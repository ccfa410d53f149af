"""Report fonts cut to the characters one report uses, so a build does not parse the 14 MB face.

fpdf2's add_font parses the whole font with fontTools (the character map, every glyph's width
and the glyph table): ~1–1.6 s per build on this machine, for a report that draws perhaps 1,500
distinct characters. Here HarfBuzz (uharfbuzz, already an fpdf2 dependency) cuts the shipped
face to the report's character set in ~0.1 s, without touching the original, and fpdf2 parses
that small file instead; cuts are kept in-process (LRU) so rebuilding the same report reuses one.

The set is: every character of the report's canonical content and of its standard, every
non-ASCII character in the source of the modules that print labels, and printable ASCII. After
a build the builder asks `missed` which characters fpdf2 could not draw with the cut (or drew
with the fallback face although the main face has them); if any, it builds once more with them
added, so a character is never lost to the cut. Output is deterministic: the same set gives the
same bytes.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path
from threading import Lock

_ASCII = frozenset(range(0x20, 0x7F))
_SOURCES = ("report", "scoring.py", "inspection.py", "evidence_rules.py", "clock.py")
_LOCK = Lock()
_CUTS: "OrderedDict[tuple[str, str], Path]" = OrderedDict()
_KEEP = 16
_DIR: Path | None = None


@lru_cache(maxsize=8)
def _face(path: str):
    import uharfbuzz as hb

    return hb.Face(hb.Blob.from_file_path(path))


@lru_cache(maxsize=8)
def covered(path: str) -> frozenset[int]:
    """Code points the font file maps."""
    return frozenset(_face(path).unicodes)


@lru_cache(maxsize=1)
def static_chars() -> frozenset[int]:
    """Non-ASCII characters in the source of the modules whose labels reach the report."""
    root = Path(__file__).resolve().parent.parent
    chars: set[int] = set()
    for name in _SOURCES:
        target = root / name
        files = sorted(target.glob("*.py")) if target.is_dir() else [target]
        for file in files:
            if file.is_file():
                chars.update(ord(c) for c in file.read_text("utf-8") if ord(c) > 0x7E)
    return frozenset(chars)


def charset(*texts: str | bytes) -> frozenset[int]:
    out = set(_ASCII) | static_chars()
    for text in texts:
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        out.update(ord(c) for c in text)
    return frozenset(out)


def _folder() -> Path:
    global _DIR
    if _DIR is None or not _DIR.is_dir():
        _DIR = Path(tempfile.mkdtemp(prefix="jiceng-report-fonts-"))
    return _DIR


def cut(path: Path | str, wanted: frozenset[int]) -> Path:
    """A TTF with only the `wanted` characters this font maps (and .notdef), cached by set."""
    import uharfbuzz as hb

    path = str(path)
    keep = sorted(wanted & covered(path))
    key = (path, hashlib.sha256(",".join(map(str, keep)).encode()).hexdigest()[:32])
    with _LOCK:
        hit = _CUTS.get(key)
        if hit is not None and hit.is_file():
            _CUTS.move_to_end(key)
            return hit
    subset_input = hb.SubsetInput()
    for cp in keep:
        subset_input.unicode_set.add(cp)
    data = hb.subset(_face(path), subset_input).blob.data
    out = _folder() / f"{Path(path).stem}-{key[1]}.ttf"
    tmp = out.with_suffix(".tmp")
    tmp.write_bytes(data)
    tmp.replace(out)
    with _LOCK:
        _CUTS[key] = out
        while len(_CUTS) > _KEEP:
            _, old = _CUTS.popitem(last=False)
            old.unlink(missing_ok=True)
    return out


def missed(pdf, cut_path: Path | str, main_path: Path | str | None = None,
           fallback_family: str | None = None) -> frozenset[int]:
    """Characters the main face maps that this document could not draw with its cut
    `cut_path`: missing glyphs, or drawn by the fallback face instead."""
    from inspect_app import fonts, paths

    full = covered(str(main_path or paths.CJK_FONT))
    have = covered(str(cut_path))
    fallback = (fallback_family or fonts.FALLBACK_FAMILY).lower()
    used: set[int] = set()
    for key, font in pdf.fonts.items():
        used.update(cp for cp in (getattr(font, "missing_glyphs", []) or []) if isinstance(cp, int))
        if key == fallback and getattr(font, "subset", None) is not None:
            for glyph, _ in font.subset.items():
                code = getattr(glyph, "unicode", None) if glyph is not None else None
                used.update(code if isinstance(code, tuple) else (code,) if isinstance(code, int) else ())
    return frozenset(cp for cp in used if cp in full and cp not in have)


__all__ = ["charset", "covered", "cut", "missed", "static_chars"]
