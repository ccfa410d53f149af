"""The signature pad's strokes → a PNG (签名), rendered in Python so it is deterministic and testable."""

from __future__ import annotations

import io
from collections.abc import Sequence

from PIL import Image, ImageDraw

Point = tuple[float, float]
MAX_SIDE = 4000
_SUPERSAMPLE = 3  # Pillow's lines are not anti-aliased: draw 3× larger, then downscale


def render_strokes_png(
    strokes: Sequence[Sequence[Point]],
    width: int,
    height: int,
    *,
    stroke_width: float = 3.0,
    color: tuple[int, int, int] = (0, 0, 0),
    background: tuple[int, int, int, int] = (255, 255, 255, 0),
) -> bytes:
    """Draw pen strokes (lists of (x, y) in pad pixels) as smooth lines with round joins and caps.

    Same input → same bytes (no timestamps in the PNG). A transparent background by default so
    the signature can sit over a stamp in the report. A single-point stroke becomes a dot.
    """
    if not (1 <= width <= MAX_SIDE and 1 <= height <= MAX_SIDE):
        raise ValueError(f"signature size {width}×{height} outside 1…{MAX_SIDE}")
    scale = _SUPERSAMPLE
    canvas = Image.new("RGBA", (width * scale, height * scale), background)
    draw = ImageDraw.Draw(canvas)
    line_width = max(1, round(stroke_width * scale))
    radius = line_width / 2
    ink = (*color, 255)
    for stroke in strokes:
        points = [(round(float(x) * scale, 2), round(float(y) * scale, 2)) for x, y in stroke]
        if not points:
            continue
        if len(points) > 1:
            draw.line(points, fill=ink, width=line_width, joint="curve")
        for x, y in (points[0], points[-1]):  # round caps
            draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=ink)
    image = canvas.resize((width, height), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=False)
    return out.getvalue()
