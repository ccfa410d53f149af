"""Signature pad 签名板: a canvas inside a GestureDetector. Pan events arrive here as points in pad
pixels; the strokes are drawn live on the canvas and rendered to PNG with Pillow on the Python side
(evidence.render_strokes_png), which is deterministic and testable, instead of capturing the canvas.
Used by the inspection's sign screen on the tablet and the clinic's self-assessment on the hub."""

from __future__ import annotations

import flet as ft
import flet.canvas as cv

PAD_W, PAD_H = 560, 200


class SignaturePad(ft.Container):
    def __init__(self, label: str, width: int = PAD_W, height: int = PAD_H) -> None:
        self.pad_w, self.pad_h = width, height
        self.strokes: list[list[tuple[float, float]]] = []
        self.paint = ft.Paint(stroke_width=3, color=ft.Colors.BLACK, stroke_cap=ft.StrokeCap.ROUND,
                              stroke_join=ft.StrokeJoin.ROUND, style=ft.PaintingStyle.STROKE)
        self.canvas = cv.Canvas(shapes=[], width=width, height=height)
        detector = ft.GestureDetector(content=self.canvas, on_pan_start=self._start, on_pan_update=self._move,
                                      drag_interval=16)
        super().__init__(content=ft.Stack([
            ft.Container(ft.Text(label, color=ft.Colors.GREY_500, size=14), alignment=ft.Alignment.BOTTOM_LEFT,
                         padding=8, width=width, height=height),
            detector]),
            width=width, height=height, bgcolor=ft.Colors.WHITE, border=ft.Border.all(1, ft.Colors.GREY_600),
            border_radius=8)

    @property
    def empty(self) -> bool:
        return not any(self.strokes)

    def _shape(self, stroke: list[tuple[float, float]]) -> cv.Points:
        return cv.Points(points=[ft.Offset(x, y) for x, y in stroke], point_mode=cv.PointMode.POLYGON,
                         paint=self.paint)

    def redraw(self) -> None:
        """Shapes again from the kept strokes (a page rebuilt around a half-signed pad)."""
        self.canvas.shapes = [self._shape(s) for s in self.strokes]

    def _start(self, e: ft.DragStartEvent) -> None:
        p = e.local_position
        self.strokes.append([(p.x, p.y)])
        self.canvas.shapes.append(self._shape(self.strokes[-1]))
        self.canvas.update()

    def _move(self, e: ft.DragUpdateEvent) -> None:
        if not self.strokes:
            return
        p = e.local_position
        self.strokes[-1].append((p.x, p.y))
        self.canvas.shapes[-1].points = [ft.Offset(x, y) for x, y in self.strokes[-1]]
        self.canvas.update()

    def clear(self) -> None:
        self.strokes.clear()  # in place: a page may hold the same list across its re-renders
        self.canvas.shapes = []
        self.canvas.update()
