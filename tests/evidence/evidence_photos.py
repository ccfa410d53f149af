"""Photos made in the test: real encoders, chosen EXIF, and hand-built hostile headers."""

from __future__ import annotations

import functools
import io
import struct
import zlib
from fractions import Fraction

from PIL import Image, ImageCms, ImageDraw

GPS_IFD = 0x8825
EXIF_IFD = 0x8769

RED = (220, 30, 30)
BLUE = (30, 30, 220)


@functools.cache
def srgb_icc() -> bytes:
    """One profile per run: lcms stamps the creation second into the header, so two
    calls a second apart differ in bytes while meaning the same profile."""
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def gps_block() -> dict:
    """Tianjin-ish, as rationals like a phone writes them."""
    return {
        0: b"\x02\x02\x00\x00",
        1: "N",
        2: (Fraction(39), Fraction(7), Fraction(1234, 100)),
        3: "E",
        4: (Fraction(117), Fraction(12), Fraction(5678, 100)),
    }


def exif_bytes(
    *,
    orientation: int | None = None,
    gps: bool = False,
    taken: str | None = "2024:05:06 10:11:12",
    offset: str | None = None,
    make: str = "Apple",
    model: str = "iPad (9th generation)",
) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = make
    exif[0x0110] = model
    if orientation is not None:
        exif[0x0112] = orientation
    if taken:
        sub = exif.get_ifd(EXIF_IFD)
        sub[0x9003] = taken
        if offset:
            sub[0x9011] = offset
    if gps:
        exif.get_ifd(GPS_IFD).update(gps_block())
    return exif.tobytes()


def split_picture(width: int, height: int) -> Image.Image:
    """Left half red, right half blue: tells where the left edge went after rotation."""
    image = Image.new("RGB", (width, height), BLUE)
    ImageDraw.Draw(image).rectangle((0, 0, width // 2 - 1, height - 1), fill=RED)
    return image


def jpeg(
    width: int = 800,
    height: int = 600,
    *,
    picture: Image.Image | None = None,
    icc: bool = True,
    quality: int = 90,
    **exif_options,
) -> bytes:
    image = picture or split_picture(width, height)
    out = io.BytesIO()
    options: dict = {"quality": quality, "exif": exif_bytes(**exif_options)}
    if icc:
        options["icc_profile"] = srgb_icc()
    image.save(out, "JPEG", **options)
    return out.getvalue()


def noisy_jpeg(width: int = 800, height: int = 600) -> bytes:
    """Entropy-heavy so that cutting the file really loses scan data."""
    image = Image.effect_noise((width, height), 64).convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92)
    return out.getvalue()


def png(width: int = 64, height: int = 48, mode: str = "RGBA") -> bytes:
    out = io.BytesIO()
    Image.new(mode, (width, height), (10, 200, 10, 128) if mode == "RGBA" else (10, 200, 10)).save(out, "PNG")
    return out.getvalue()


def other_format(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), RED).save(out, fmt)
    return out.getvalue()


def heic(width: int = 640, height: int = 480, **exif_options) -> bytes:
    import pillow_heif

    pillow_heif.register_heif_opener()
    out = io.BytesIO()
    split_picture(width, height).save(out, "HEIF", quality=60, exif=exif_bytes(**exif_options))
    return out.getvalue()


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def png_claiming(width: int, height: int) -> bytes:
    """A ~60-byte PNG whose header claims width × height pixels (a decompression bomb's calling card)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", ihdr)
        + _chunk(b"IDAT", zlib.compress(b"\x00" * 16))
        + _chunk(b"IEND", b"")
    )


def jpeg_claiming(width: int, height: int) -> bytes:
    """A small real JPEG whose frame header (SOF0) was edited to claim width × height."""
    data = bytearray(jpeg(64, 48, icc=False))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def files_under(root) -> list[str]:
    """Every file below root (temp files included), as relative paths."""
    from pathlib import Path

    root = Path(root)
    if not root.exists():
        return []
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
