"""A caption burned into a COPY of the stored photo, for the report (center, clause, time).

The stored evidence is never touched: the copy is returned as JPEG bytes (fpdf2 takes a BytesIO)
and carries the stored JPEG's EXIF and ICC profile, which are already upright and GPS-free.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from inspect_app import paths
from inspect_app.evidence.decode import CHINA_TZ, STORED_QUALITY, encode_jpeg
from inspect_app.evidence.store import PhotoStore


def caption_text(center: str = "", clause: str = "", when: datetime | None = None, note: str = "") -> str:
    """"某某卫生院 · 条款 2.2.3.1 · 2024-05-06 10:11" (time shown in China time)."""
    parts = [center.strip(), f"条款 {clause.strip()}" if clause.strip() else ""]
    if when is not None:
        local = when.astimezone(CHINA_TZ) if when.tzinfo else when
        parts.append(local.strftime("%Y-%m-%d %H:%M"))
    parts.append(note.strip())
    return " · ".join(p for p in parts if p)


def captioned_copy(
    store: PhotoStore,
    sha256: str,
    text: str,
    *,
    keep_gps: bool = False,
    font_path: str | None = None,
) -> bytes:
    """The stored photo with `text` on a dark band along the bottom, as new JPEG bytes."""
    with Image.open(store.stored_path(sha256, keep_gps=keep_gps), formats=["JPEG"]) as source:
        exif = source.info.get("exif", b"")
        icc = source.info.get("icc_profile")
        picture = source.convert("RGB")
    width, height = picture.size
    size = max(12, round(width / 42))
    font = _font(font_path or str(paths.CJK_FONT), size)
    measure = ImageDraw.Draw(picture)
    lines = _wrap(measure, " ".join(text.split()), font, width - 2 * size)[:3]
    if not lines:
        lines = [""]
    line_height = round(size * 1.4)
    band = line_height * len(lines) + size
    overlay = Image.new("RGBA", picture.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    draw.rectangle((0, height - band, width, height), fill=(0, 0, 0, 150))
    y = height - band + size // 2
    for line in lines:
        draw.text((size, y), line, font=font, fill=(255, 255, 255, 255))
        y += line_height
    result = Image.alpha_composite(picture.convert("RGBA"), overlay).convert("RGB")
    return encode_jpeg(result, quality=STORED_QUALITY, exif=exif, icc_profile=icc)


@lru_cache(maxsize=8)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, max_width: int) -> list[str]:
    """Break by character (Chinese has no spaces to break at)."""
    lines: list[str] = []
    current = ""
    for ch in text:
        if current and draw.textlength(current + ch, font=font) > max_width:
            lines.append(current.rstrip())
            current = ch.lstrip()
        else:
            current += ch
    if current:
        lines.append(current)
    return lines
