"""Real JPEG bytes of a chosen size (noise compresses badly, so size follows pixels)."""

from __future__ import annotations

import io
import os

from PIL import Image


def jpeg_bytes(kb: int = 400, seed: int = 0) -> bytes:
    side = 64
    while True:
        noise = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3) if seed is None else
                                bytes((i * 7919 + seed * 104729 + (i >> 5) * 31) % 251 for i in range(side * side * 3)))
        buf = io.BytesIO()
        noise.save(buf, "JPEG", quality=92)
        if buf.tell() >= kb * 1024 or side > 2000:
            return buf.getvalue()
        side = int(side * 1.25)


def random_jpeg(kb: int = 400) -> bytes:
    """Unique bytes every call (a different photo each time)."""
    side = 64
    while True:
        img = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=90)
        if buf.tell() >= kb * 1024:
            return buf.getvalue()
        side = int(side * 1.05) + 1


def png_bytes() -> bytes:
    img = Image.new("RGB", (120, 40), "white")
    img.putpixel((10, 10), (0, 0, 0))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()
