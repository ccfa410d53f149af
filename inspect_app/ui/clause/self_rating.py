"""The center's self-assessment beside the inspector's rating on the clause screen (机构自评对照).

Blind by default: an item's self-rating appears only once the inspector has rated that item
(review_chain.self_clause decides; a round may show them from the start). Then the center's
rating, note and photos stand beside the inspector's, and where the clause levels differ the
screen asks for a short reason (差异说明), else the report flags the disagreement.
The screen (view.py) hooks this in: `clause_box`, `item_box(code)`, `refresh(ratings)`.
"""

from __future__ import annotations

import flet as ft

from inspect_app import review_chain
from inspect_app.inspection import ItemRating, ItemResult
from inspect_app.scoring import level_name
from inspect_app.ui.components.common import bind, level_badge
from inspect_app.ui.components.photos import thumbnail

TEXT = {
    "zh": {"self": "机构自评", "blind": "机构自评：评分后显示（盲评）", "note": "自评说明", "na": "不适用原因",
           "met": "符合", "not_met": "不符合", "na_r": "不适用", "unrated": "未自评",
           "levels": "机构自评等级", "mine": "本次评审", "reason": "差异说明（与机构自评等级不一致的原因）",
           "ask": "与机构自评相差 {n} 级：请写明原因，否则报告中将标注此差异。",
           "photos": "自评照片"},
    "en": {"self": "Self-assessment", "blind": "Self-assessment: shown once you have rated (blind)",
           "note": "Center's note", "na": "Not applicable because", "met": "met", "not_met": "not met",
           "na_r": "not applicable", "unrated": "not self-rated", "levels": "Self-assessed level",
           "mine": "this review", "reason": "Why the level differs from the self-assessment",
           "ask": "{n} level(s) apart from the self-assessment: give the reason, or the report flags it.",
           "photos": "Center's photos"},
}
RESULT_KEY = {ItemResult.MET: "met", ItemResult.NOT_MET: "not_met", ItemResult.NA: "na_r",
              ItemResult.UNRATED: "unrated"}
RESULT_COLOR = {ItemResult.MET: ft.Colors.GREEN_800, ItemResult.NOT_MET: ft.Colors.RED_800,
                ItemResult.NA: ft.Colors.BLUE_GREY_700, ItemResult.UNRATED: ft.Colors.GREY_700}


class SelfRatings:
    """Controls for one clause; empty and invisible when no self-assessment is on this tablet."""

    def __init__(self, app, inspection_id: str, number: str, clause, ratings: dict[str, ItemRating],
                 editable: bool) -> None:
        self.app, self.id, self.number, self.clause, self.editable = app, inspection_id, number, clause, editable
        self.t = TEXT["en" if app.lang == "en" else "zh"]
        try:
            self.state = review_chain.self_clause(app.ctx.workspace, inspection_id, number, own=ratings)
        except Exception:  # noqa: BLE001 - a comparison that cannot be read must not stop rating
            self.state = None
        self.items: dict[str, ft.Container] = {}
        self.levels = ft.Row(wrap=True, spacing=8, vertical_alignment=ft.CrossAxisAlignment.CENTER)
        self.ask = ft.Text("", size=13, color=ft.Colors.DEEP_ORANGE_900, weight=ft.FontWeight.W_600)
        self.reason = ft.TextField(label=self.t["reason"], value=self.state.reason if self.state else "",
                                   multiline=True, min_lines=1, max_lines=4, disabled=not editable,
                                   width=None if app.narrow else 560, on_blur=bind(self._reason_done))
        self.clause_box = ft.Container(ft.Column([self.levels, self.ask, self.reason], spacing=6),
                                       padding=10, border_radius=8, bgcolor=ft.Colors.AMBER_50,
                                       visible=False)
        self._paint(update=False)

    def item_box(self, code: str) -> ft.Control:
        box = ft.Container(padding=10, border_radius=8, bgcolor=ft.Colors.INDIGO_50, visible=False)
        self.items[code] = box
        self._paint_item(code)
        return box

    def refresh(self, ratings: dict[str, ItemRating]) -> None:
        if self.state is None:
            return
        self.state = self.state.with_ratings(self.clause, ratings)
        self._paint(update=True)
        for code, box in self.items.items():
            self._paint_item(code)
            box.update()

    # ------------------------------------------------------------------ drawing
    def _paint_item(self, code: str) -> None:
        box = self.items[code]
        shown = self.state.items.get(code) if self.state else None
        if shown is None:
            box.visible = False
            return
        box.visible = True
        t = self.t
        if not shown.visible:
            box.content = ft.Text(t["blind"], size=13, color=ft.Colors.GREY_700)
            return
        lines: list[ft.Control] = [ft.Row([
            ft.Text(f"{t['self']}：", size=13, weight=ft.FontWeight.W_600),
            ft.Text(t[RESULT_KEY[shown.result]], size=14, weight=ft.FontWeight.BOLD, color=RESULT_COLOR[shown.result]),
        ], spacing=4, wrap=True)]
        if shown.na_reason:
            lines.append(ft.Text(f"{t['na']}：{shown.na_reason}", size=13))
        if shown.note:
            lines.append(ft.Text(f"{t['note']}：{shown.note}", size=13))
        if shown.photos:
            lines.append(ft.Text(f"{t['photos']}（{len(shown.photos)}）", size=12, color=ft.Colors.GREY_800))
            lines.append(ft.Row([thumbnail(self.app, r, None) for r in shown.photos],
                                wrap=True, spacing=6))
        box.content = ft.Column(lines, spacing=4)

    def _paint(self, update: bool) -> None:
        s = self.state
        if s is None or not s.level_visible:
            self.clause_box.visible = False
        else:
            lang = self.app.lang
            self.clause_box.visible = True
            self.levels.controls = [
                ft.Text(f"{self.t['levels']}：", size=14, weight=ft.FontWeight.W_600),
                level_badge(s.self_level.value, level_name(s.self_level, lang), size=13),
                ft.Text(f"{self.t['mine']}：", size=14, weight=ft.FontWeight.W_600),
                level_badge(s.own_level.value, level_name(s.own_level, lang), size=13),
            ]
            asks = s.asks_reason
            steps = abs(s.self_level.rank - s.own_level.rank) if asks else 0
            self.ask.value = self.t["ask"].format(n=steps) if asks else ""
            self.ask.visible = asks and not (self.reason.value or "").strip()
            self.reason.visible = asks or bool((self.reason.value or "").strip())
        if update:
            self.clause_box.update()

    async def _reason_done(self) -> None:
        text = (self.reason.value or "").strip()
        if self.state is None or text == self.state.reason.strip():
            return
        finding = await self.app.call(review_chain.set_disagreement_reason, self.id, self.number, text,
                                      actor=self.app.me or None)
        if finding is not None:
            from dataclasses import replace

            self.state = replace(self.state, reason=finding.disagreement_reason)
            self._paint(update=True)
