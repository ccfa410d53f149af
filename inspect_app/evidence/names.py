"""File names as people gave them: shown, never used as a path."""

from __future__ import annotations

import re
import unicodedata

MAX_NAME_CHARS = 120
FALLBACK_NAME = "照片"

# Control characters and the bidi/zero-width marks that make "photo\u202egpj.exe" read as "photoexe.jpg".
_INVISIBLE = re.compile("[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def display_name(name: str | None) -> str:
    """A safe label for an uploaded file name: the last path part, printable, bounded.

    `../../etc/passwd.jpg` → `passwd.jpg`, `C:\\照片\\IMG_0001.HEIC` → `IMG_0001.HEIC`.
    The stored files are named by content hash; this string is only ever displayed.
    """
    text = unicodedata.normalize("NFC", name or "")
    text = _INVISIBLE.sub("", text)
    text = re.split(r"[\\/]", text)[-1]
    text = " ".join(text.split())  # tabs, newlines, runs of spaces
    text = text.lstrip(". ")  # "..", ".hidden", " leading"
    if len(text) > MAX_NAME_CHARS:
        stem, dot, ext = text.rpartition(".")
        if dot and 0 < len(ext) <= 10 and stem:
            text = stem[: MAX_NAME_CHARS - len(ext) - 2] + "…." + ext
        else:
            text = text[: MAX_NAME_CHARS - 1] + "…"
    return text or FALLBACK_NAME
