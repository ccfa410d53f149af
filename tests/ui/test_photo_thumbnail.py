"""The photo thumbnail with its number badge builds with Flet 1.0.5's real colors (a name that
does not exist, e.g. ft.Colors.BLACK54, raised AttributeError and broke the photo screens)."""

from __future__ import annotations

from types import SimpleNamespace

import flet as ft

from inspect_app.inspection import EvidenceRecord, EvidenceTarget
from inspect_app.ui.components.photos import thumbnail
from inspect_app.ui.i18n import t as tr


def _app(lang: str = "zh"):
    return SimpleNamespace(lang=lang, t=lambda key, **kw: tr(key, lang, **kw), screen=None)


def _record(number: str = "") -> EvidenceRecord:
    return EvidenceRecord(id="e1", inspection_id="i1", target=EvidenceTarget(clause_number="1.1.1", item_code="1"),
                          sha256="ab" * 32, number=number)


def _texts(control) -> list[str]:
    found = []
    stack = [control]
    while stack:
        c = stack.pop()
        if isinstance(c, ft.Text):
            found.append(c.value)
        stack.extend(getattr(c, "controls", None) or [])
        content = getattr(c, "content", None)
        if isinstance(content, ft.Control):
            stack.append(content)
    return found


def test_thumbnail_with_a_number_shows_the_badge():
    tile = thumbnail(_app(), _record(), number=3)
    assert isinstance(tile, ft.Stack)
    badge = tile.controls[1]
    assert badge.bgcolor == ft.Colors.BLACK_54
    assert "3" in _texts(badge)


def test_thumbnail_prefers_the_stable_photo_number_and_captions():
    col = thumbnail(_app("en"), _record("P-004"), number=2, show_caption=True)
    texts = _texts(col)
    assert "P-004" in texts
    assert any(t.startswith("P-004 · ") for t in texts)


def test_thumbnail_without_a_number_has_no_badge():
    assert isinstance(thumbnail(_app(), _record()), ft.Container)
