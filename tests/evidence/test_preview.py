"""The quick thumbnail shown while a photo is stored (decode.preview_thumbnail)."""

from __future__ import annotations

import io

from PIL import Image

from inspect_app.evidence import decode


def _jpeg(width: int, height: int, orientation: int = 1) -> bytes:
    picture = Image.new("RGB", (width, height), (200, 30, 30))
    picture.paste((30, 30, 200), (0, 0, width // 2, height))  # left half blue
    exif = Image.Exif()
    if orientation != 1:
        exif[0x0112] = orientation
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()


def test_preview_is_a_small_upright_jpeg_like_the_stored_thumbnail():
    data = _jpeg(4000, 3000, orientation=6)  # camera held upright: stored rotated 90°
    preview = Image.open(io.BytesIO(decode.preview_thumbnail(data)))
    stored = decode.decode_photo(data).thumb
    assert preview.format == "JPEG"
    assert preview.size == stored.size == (240, 320)
    # Same orientation as the real thumbnail: the blue half ends up on top after the rotation.
    assert preview.getpixel((120, 40))[2] > 150 and preview.getpixel((120, 280))[0] > 150
    assert stored.getpixel((120, 40))[2] > 150


def test_no_preview_for_other_formats_or_unreadable_bytes():
    out = io.BytesIO()
    Image.new("RGB", (800, 600)).save(out, "PNG")
    assert decode.preview_thumbnail(out.getvalue()) is None
    assert decode.preview_thumbnail(b"not a picture") is None
    assert decode.preview_thumbnail(b"") is None
