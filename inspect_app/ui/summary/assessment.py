"""总体评价 on the summary screen: the team leader writes 主要成效 / 主要问题 / 总体意见, which the
report prints right after the verdict (services.set_overall_assessment; leader only, drafts only).
Each part saves when the field loses focus; a refusal is shown under the field."""

from __future__ import annotations

import flet as ft

from inspect_app import services
from inspect_app.inspection import TeamRole
from inspect_app.ui.components.common import bind, card

PARTS = (
    ("achievements", "主要成效", "Main achievements"),
    ("problems", "主要问题", "Main problems"),
    ("opinion", "总体意见", "Overall opinion"),
)
TITLE = ("总体评价（由评审组长填写，打印在评审结论之后）", "Overall assessment (written by the team leader; printed after the verdict)")
NOT_LEADER = ("只有评审组长可以填写总体评价。", "Only the team leader writes the overall assessment.")


def assessment_card(screen) -> ft.Control:
    """The card; `screen` is the summary InspectionScreen (app, id, data, save_state, typing)."""
    app, data = screen.app, screen.data
    zh = app.lang != "en"
    inspection = data.inspection
    leaders = [m.name for m in inspection.team if m.role is TeamRole.LEADER]
    is_leader = not leaders or (app.me or inspection.inspector) in leaders
    editable = bool(data.editable) and is_leader
    rows: list[ft.Control] = [ft.Text(TITLE[0] if zh else TITLE[1], size=16, weight=ft.FontWeight.W_600)]
    if not is_leader:
        rows.append(ft.Text(NOT_LEADER[0] if zh else NOT_LEADER[1], size=13, color=ft.Colors.GREY_700))
    for key, label_zh, label_en in PARTS:
        current = getattr(inspection.assessment, key)
        error = ft.Text("", size=13, color=ft.Colors.RED_700, visible=False)
        field = ft.TextField(label=label_zh if zh else label_en, value=current, multiline=True, min_lines=2,
                             max_lines=None, max_length=services.ASSESSMENT_LIMIT, disabled=not editable,
                             on_change=lambda e: _typing(screen), on_blur=bind(_save, screen, key, [current], error))
        rows.extend([field, error])
    box = card(*rows)
    box.content.horizontal_alignment = ft.CrossAxisAlignment.STRETCH  # the fields take the card's width
    return box


def _typing(screen) -> None:
    screen.typing = True
    if screen.save_state.state != "unsaved":
        screen.save_state.set("unsaved")


async def _save(screen, key: str, old: list[str], error: ft.Text, e) -> None:
    text = e.control.value or ""
    screen.typing = False
    if text.strip() == old[0].strip():
        if screen.save_state.state == "unsaved":
            screen.save_state.set("saved")
        return
    done = await screen.app.call(services.set_overall_assessment, screen.id, **{key: text},
                                 actor=screen.app.me or None, error_at=error)
    if done is not None:
        old[0] = text
        error.visible = False
        error.update()


__all__ = ["assessment_card"]
