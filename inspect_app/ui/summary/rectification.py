"""整改时限 and 责任科室 beside each 整改建议 of the summary's 问题清单
(services.set_rectification_details). Each saves when it loses focus; a date that is not a date
is refused under its field, before anything is stored."""

from __future__ import annotations

import re
from datetime import date

import flet as ft

from inspect_app import services
from inspect_app.ui.components.common import bind

TEXT = {
    "due": ("整改时限（年-月-日）", "Rectify by (YYYY-MM-DD)"),
    "dept": ("责任科室", "Responsible department"),
    "bad_date": ("请按 年-月-日 填写日期，如 2026-03-31。", "Enter a date as YYYY-MM-DD, e.g. 2026-03-31."),
}
_DATE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")


def parse_due(text: str) -> str | None:
    """"2026-3-31", "2026/03/31", "2026年3月31日" → "2026-03-31"; "" → ""; not a date → None."""
    text = (text or "").strip().translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    if not text:
        return ""
    m = _DATE.match(text)
    if not m:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
    except ValueError:
        return None


def _t(app, key: str) -> str:
    zh, en = TEXT[key]
    return en if app.lang == "en" else zh


def details_row(screen, clause_number: str, item_code: str, finding) -> ft.Control:
    """The two fields of one problem; `screen` is the summary (app, id, data, save_state, typing)."""
    app = screen.app
    controls: list[ft.Control] = []
    for part, attr in (("due", "rectification_due"), ("dept", "rectification_dept")):
        current = getattr(finding, attr, {}).get(item_code, "") if finding else ""
        error = ft.Text("", size=13, color=ft.Colors.RED_700, visible=False)
        field = ft.TextField(label=_t(app, part), value=current, disabled=not screen.data.editable,
                             keyboard_type=ft.KeyboardType.DATETIME if part == "due" else None,
                             on_change=screen._typing, on_blur=bind(_save, screen, clause_number, item_code, part,
                                                                    [current], error),
                             content_padding=ft.Padding.symmetric(horizontal=12, vertical=14))
        controls.append(ft.Column([field, error], spacing=2, col={"xs": 12, "md": 6},
                                  horizontal_alignment=ft.CrossAxisAlignment.STRETCH))
    return ft.ResponsiveRow(controls, spacing=8, run_spacing=4)


async def _save(screen, clause_number: str, item_code: str, part: str, old: list[str], error: ft.Text, e) -> None:
    text = (e.control.value or "").strip()
    screen.typing = False
    if part == "due":
        parsed = parse_due(text)
        if parsed is None:
            error.value, error.visible = _t(screen.app, "bad_date"), True
            error.update()
            return
        if parsed != text:
            e.control.value = text = parsed
            e.control.update()
    if text == old[0].strip():
        if screen.save_state.state == "unsaved":
            screen.save_state.set("saved")
        if error.visible:
            error.visible = False
            error.update()
        return
    done = await screen.app.call(services.set_rectification_details, screen.id, clause_number, item_code,
                                 **{"due" if part == "due" else "department": text},
                                 actor=screen.app.me or None, error_at=error)
    if done is not None:
        old[0] = text


__all__ = ["details_row", "parse_due"]
