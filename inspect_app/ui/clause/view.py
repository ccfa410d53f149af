"""Clause 条款: items grouped C → B → A, three big choices per item, notes, photos, the live level.

A derived clause/item shows its source clauses and their levels instead of choices.
Every change goes to services at once; only the controls that changed are updated.
"""

from __future__ import annotations

import flet as ft

from inspect_app import services
from inspect_app.evidence_rules import expected, missing_for_item, need_text, photo_counts
from inspect_app.inspection import ItemRating, ItemResult
from inspect_app.scoring import ClauseLevel, clause_level, level_name
from inspect_app.standard.model import ItemLevel
from inspect_app.ui.components.choice import ChoiceRow
from inspect_app.ui.components.common import TARGET, bind, app_bar, big_button, level_badge, progress_line
from inspect_app.ui.components.nav import inspection_actions, inspection_bottom_bar
from inspect_app.ui.components.photos import PhotoButton, thumbnail
from inspect_app.ui.components.save_state import SaveState
from inspect_app.ui.data import load
from inspect_app.ui.i18n import phrases
from inspect_app.ui.sync.conflicts import conflict_panel
from inspect_app.ui_state import append_phrase, clause_route, neighbours

RESULT_COLORS = {ItemResult.MET.value: ft.Colors.GREEN_700, ItemResult.NOT_MET.value: ft.Colors.RED_700,
                 ItemResult.NA.value: ft.Colors.BLUE_GREY_600}
LEVEL_TITLES = {ItemLevel.C: ("C 级（合格）", "Level C (pass)"), ItemLevel.B: ("B 级（良好）", "Level B (good)"),
                ItemLevel.A: ("A 级（优秀）", "Level A (excellent)")}


class ClauseScreen:
    def __init__(self, app, inspection_id: str, number: str) -> None:
        self.app = app
        self.id = inspection_id
        self.number = number
        self.data = data = load(app, inspection_id)
        self.clause = clause = data.standard.clause(number)
        self.finding = data.snap.findings.get(number)
        self.ratings: dict[str, ItemRating] = dict(self.finding.items) if self.finding else {}
        self.evidence = [e for e in data.snap.live_evidence if e.target.clause_number == number]
        self.source_levels = {n: s.level for n, s in data.score.clauses.items()}
        self.rated_total = data.score.rated_items
        self.total_items = data.score.total_items
        self.save_state = SaveState(app.lang)
        self.editable = data.editable
        self.prev_no, self.next_no = neighbours(data.standard, number)

        # One picker per photo target, registered before any control is built (see PhotoButton).
        self.pickers = {code: ft.FilePicker() for code in
                        [i.code for i in clause.items if i.derived is None] + [""]} if self.editable else {}
        self.progress = ft.Container(progress_line(app, self.rated_total, self.total_items))
        self.level_box = ft.Container()
        self.gaps_text = ft.Text("", size=13, color=ft.Colors.ORANGE_900)
        self.item_parts: dict[str, dict] = {}

        # Swipe left/right on the clause header for next/previous. Only the header: a gesture
        # detector merges the semantics of everything inside it into one node.
        body: list[ft.Control] = [ft.GestureDetector(content=self._header(), on_horizontal_drag_end=self._swiped)]
        body.append(conflict_panel(app, inspection_id, number, self.editable))  # 冲突 from sync, if any
        if clause.derived is not None and not clause.items:
            body.append(self._derived_sources(clause.derived))
        for level in (ItemLevel.C, ItemLevel.B, ItemLevel.A):
            items = [i for i in clause.items if i.level is level]
            if not items:
                continue
            zh, en = LEVEL_TITLES[level]
            body.append(ft.Text(en if app.lang == "en" else zh, size=16, weight=ft.FontWeight.BOLD,
                                color=ft.Colors.TEAL_900))
            body.extend(self._item(i) for i in items)
        body.append(self._clause_note())
        body.append(self._nav_buttons())
        self._refresh_level(update=False)

        center = data.center.name if data.center else ""
        self.view = ft.View(
            route=clause_route(inspection_id, number), bgcolor=ft.Colors.GREY_50, scroll=ft.ScrollMode.AUTO,
            padding=ft.Padding.all(10 if app.narrow else 16),
            appbar=app_bar(app, f"{number} · {center}" if not app.narrow else number, back=f"/i/{inspection_id}",
                           actions=inspection_actions(app, inspection_id, "clause", self.save_state)),
            bottom_appbar=inspection_bottom_bar(app, inspection_id, "clause"),
            controls=[ft.Column(body, spacing=12)],
        )
        if self.editable:
            app.page.run_task(self._bookmark)

    async def _bookmark(self) -> None:
        # Resume lands here after a reload or restart (a bookmark, not content).
        await self.app.call(services.set_current_clause, self.id, self.number)

    # ------------------------------------------------------------ header and level
    def _header(self) -> ft.Control:
        t, c = self.app.t, self.clause
        kind = ft.Container(ft.Text(t("recommended") if c.is_recommended else t("basic"), size=12,
                                    color=ft.Colors.WHITE),
                            bgcolor=ft.Colors.AMBER_800 if c.is_recommended else ft.Colors.BLUE_GREY_400,
                            border_radius=6, padding=ft.Padding.symmetric(horizontal=8, vertical=2))
        parts: list[ft.Control] = [
            self.progress,
            ft.Row([ft.Text(f"{c.number} {c.title}", size=20, weight=ft.FontWeight.BOLD, expand=True), kind],
                   vertical_alignment=ft.CrossAxisAlignment.START),
        ]
        if c.intro:
            parts.append(ft.Text(c.intro, size=13, color=ft.Colors.GREY_800))
        parts += [self.level_box, self.gaps_text]
        return ft.Column(parts, spacing=6)

    def _refresh_level(self, update: bool = True) -> None:
        t, lang = self.app.t, self.app.lang
        score = clause_level(self.clause, self.ratings, self.source_levels)
        label = level_name(score.level, lang)
        reason = score.explain(lang).split(":", 1)[-1].strip() if score.reasons else ""
        self.level_box.content = ft.Row([
            ft.Text(t("level_now"), size=14, weight=ft.FontWeight.W_600),
            level_badge(score.level.value, label, size=15),
            ft.Text(reason, size=13, expand=True, color=ft.Colors.GREY_800),
        ], wrap=False, vertical_alignment=ft.CrossAxisAlignment.CENTER)
        # Evidence still missing for this clause (rated items only).
        counts = photo_counts(self.evidence, self.number)
        gaps = []
        for item in self.clause.items:
            missing = missing_for_item(item, self.ratings.get(item.code), counts.get((self.number, item.code), 0))
            if missing:
                gaps.append(f"{item.code}: " + "、".join(need_text(n, lang) for n in missing))
        self.gaps_text.value = (f"{t('missing_evidence')} — " + "；".join(gaps)) if gaps else ""
        self.gaps_text.visible = bool(gaps)
        for code, parts in self.item_parts.items():
            item_missing = [g for g in gaps if g.startswith(code + ":")]
            parts["missing"].value = item_missing[0].split(":", 1)[1].strip() if item_missing else ""
            parts["missing"].visible = bool(item_missing)
        if update:
            self.level_box.update()
            self.gaps_text.update()
            for parts in self.item_parts.values():
                parts["missing"].update()

    def _refresh_progress(self, before: int) -> None:
        after = sum(1 for r in self.ratings.values() if r.result is not ItemResult.UNRATED)
        self.rated_total += after - before
        self.progress.content = progress_line(self.app, self.rated_total, self.total_items)
        self.progress.update()

    # ------------------------------------------------------------ derived
    def _derived_sources(self, rule) -> ft.Control:
        t, lang = self.app.t, self.app.lang
        rows = [ft.Text(t("derived_from") + f"（≥{rule.min_level.value}）", weight=ft.FontWeight.W_600)]
        for n in rule.sources:
            lv = self.source_levels.get(n, ClauseLevel.INCOMPLETE)
            rows.append(ft.Container(
                ft.Row([ft.Text(n, width=80, weight=ft.FontWeight.BOLD),
                        ft.Text(self._title(n), expand=True, max_lines=2),
                        level_badge(lv.value, level_name(lv, lang), size=13)]),
                on_click=lambda e, n=n: self.app.go(clause_route(self.id, n)), ink=True, height=TARGET,
                padding=ft.Padding.symmetric(horizontal=8)))
        return ft.Container(ft.Column(rows, spacing=4), bgcolor=ft.Colors.BLUE_GREY_50, border_radius=8,
                            padding=10)

    def _title(self, number: str) -> str:
        try:
            return self.data.standard.clause(number).title
        except KeyError:
            return ""

    # ------------------------------------------------------------ items
    def _item(self, item) -> ft.Control:
        app, t, lang = self.app, self.app.t, self.app.lang
        rating = self.ratings.get(item.code, ItemRating())
        head = ft.Row([
            ft.Container(ft.Text(item.code, color=ft.Colors.WHITE, weight=ft.FontWeight.BOLD),
                         bgcolor=ft.Colors.TEAL_700, border_radius=6, padding=ft.Padding.symmetric(horizontal=8, vertical=2)),
            ft.Text(item.requirement, size=15, expand=True, weight=ft.FontWeight.W_500),
        ], vertical_alignment=ft.CrossAxisAlignment.START)
        parts: list[ft.Control] = [head]
        if item.explanation:
            parts.append(ft.Text(item.explanation, size=13, color=ft.Colors.GREY_700))
        if item.method:
            parts.append(ft.Text(f"{t('method')}：{item.method}", size=13, color=ft.Colors.BLUE_GREY_800))
        hints = expected(item)
        if hints:
            # No emoji: the bundled font has none, and a box would show instead.
            parts.append(ft.Row([ft.Icon(ft.Icons.PHOTO_CAMERA_OUTLINED, size=16, color=ft.Colors.GREY_700),
                                 ft.Text("、".join(need_text(n, lang) for n in hints), size=12,
                                         color=ft.Colors.GREY_700)], spacing=4))
        missing = ft.Text("", size=13, color=ft.Colors.ORANGE_900, weight=ft.FontWeight.W_600, visible=False)
        self.item_parts[item.code] = {"missing": missing}
        if item.derived is not None:
            parts.append(self._derived_sources(item.derived))
            return self._item_card(item, parts)

        na_reason = ft.TextField(label=t("na_reason"), value=rating.na_reason, visible=rating.result is ItemResult.NA,
                                 on_blur=bind(self._na_reason_done, item), disabled=not self.editable)
        na_phrases = ft.Row([ft.TextButton(p, height=TARGET, on_click=bind(self._na_phrase, item, p),
                                           disabled=not self.editable) for p in phrases("na", lang)],
                            wrap=True, visible=rating.result is ItemResult.NA)
        choice = ChoiceRow([(ItemResult.MET.value, t("met")), (ItemResult.NOT_MET.value, t("not_met")),
                            (ItemResult.NA.value, t("na"))],
                           rating.result.value if rating.result is not ItemResult.UNRATED else None,
                           lambda v, i=item: self._choose(i, v), colors=RESULT_COLORS, expand_buttons=True)
        choice.disabled = not self.editable
        note = ft.TextField(label=t("item_note"), value=rating.note, multiline=True, min_lines=1, max_lines=4,
                            on_blur=bind(self._note_done, item), on_change=self._typing,
                            disabled=not self.editable)
        quick = ft.Row([ft.TextButton(p, height=TARGET, on_click=bind(self._note_phrase, item, p),
                                      disabled=not self.editable) for p in phrases("item", lang)], wrap=True,
                       spacing=0)
        thumbs = ft.Row(wrap=True, spacing=6)
        self.item_parts[item.code].update(choice=choice, na_reason=na_reason, na_phrases=na_phrases, note=note,
                                          thumbs=thumbs)
        self._render_thumbs(item.code)
        row = [thumbs]
        if self.editable:
            row.insert(0, PhotoButton(app, self.pickers[item.code], self.id, self.number, item.code,
                                      lambda rec, c=item.code: self._photo_added(c, rec)))
        parts += [choice, na_reason, na_phrases, missing, note, quick, ft.Row(row, wrap=True)]
        return self._item_card(item, parts)

    def _item_card(self, item, parts) -> ft.Control:
        return ft.Container(ft.Column(parts, spacing=8, horizontal_alignment=ft.CrossAxisAlignment.STRETCH), padding=12, border_radius=10, bgcolor=ft.Colors.WHITE,
                            border=ft.Border.all(1, ft.Colors.GREY_300), key=f"item-{item.code}")

    def _render_thumbs(self, code: str) -> None:
        parts = self.item_parts[code]
        parts["thumbs"].controls = [thumbnail(self.app, r, self._photo_removed)
                                    for r in self.evidence if r.target.item_code == code]

    # ------------------------------------------------------------ changes
    async def _save_rating(self, item, result: ItemResult, reason: str = "") -> None:
        before = sum(1 for r in self.ratings.values() if r.result is not ItemResult.UNRATED)
        finding = await self.app.call(services.rate_item, self.id, self.number, item.code, result.value,
                                      na_reason=reason, actor=self.app.me or None)
        if finding is None:
            return
        self.ratings = dict(finding.items)
        self._refresh_level()
        self._refresh_progress(before)

    async def _choose(self, item, value: str) -> None:
        parts = self.item_parts[item.code]
        is_na = value == ItemResult.NA.value
        parts["na_reason"].visible = is_na
        parts["na_phrases"].visible = is_na
        parts["na_reason"].update()
        parts["na_phrases"].update()
        if is_na:
            reason = (parts["na_reason"].value or "").strip()
            if reason:
                await self._save_rating(item, ItemResult.NA, reason)
            return  # saved once a reason is given
        await self._save_rating(item, ItemResult(value))

    async def _na_reason_done(self, item) -> None:
        parts = self.item_parts[item.code]
        reason = (parts["na_reason"].value or "").strip()
        if reason and parts["choice"].value == ItemResult.NA.value:
            await self._save_rating(item, ItemResult.NA, reason)

    async def _na_phrase(self, item, phrase: str) -> None:
        parts = self.item_parts[item.code]
        parts["na_reason"].value = phrase
        parts["na_reason"].update()
        await self._na_reason_done(item)

    def _typing(self, e) -> None:
        self.save_state.set("unsaved")

    async def _note_done(self, item) -> None:
        text = self.item_parts[item.code]["note"].value or ""
        if text == self.ratings.get(item.code, ItemRating()).note:
            if self.save_state.state == "unsaved":
                self.save_state.set("saved")
            return
        finding = await self.app.call(services.set_item_note, self.id, self.number, item.code, text,
                                      actor=self.app.me or None)
        if finding is not None:
            self.ratings = dict(finding.items)
            self._refresh_level()

    async def _note_phrase(self, item, phrase: str) -> None:
        note = self.item_parts[item.code]["note"]
        note.value = append_phrase(note.value or "", phrase)
        note.update()
        await self._note_done(item)

    def _photo_added(self, code: str, record) -> None:
        self.evidence.append(record)
        self._photos_changed(code)

    def _photo_removed(self, record) -> None:
        self.evidence = [r for r in self.evidence if r.id != record.id]
        self._photos_changed(record.target.item_code)

    def _photos_changed(self, code: str) -> None:
        """Redraw only the thumbnails that changed (an item's, else the clause's) and the level."""
        if code in self.item_parts and "thumbs" in self.item_parts[code]:
            self._render_thumbs(code)
            self.item_parts[code]["thumbs"].update()
        else:
            self._render_clause_thumbs()
            self.clause_thumbs.update()
        self._refresh_level()

    # ------------------------------------------------------------ clause note and photos
    def _clause_note(self) -> ft.Control:
        app, t = self.app, self.app.t
        self.clause_note = ft.TextField(label=t("clause_note"), value=self.finding.note if self.finding else "",
                                        multiline=True, min_lines=2, max_lines=6, on_blur=self._clause_note_done,
                                        on_change=self._typing, disabled=not self.editable)
        quick = ft.Row([ft.TextButton(p, height=TARGET, on_click=bind(self._clause_phrase, p),
                                      disabled=not self.editable) for p in phrases("item", app.lang)],
                       wrap=True, spacing=0)
        self.clause_thumbs = ft.Row(wrap=True, spacing=6)
        self._render_clause_thumbs()
        row = [self.clause_thumbs]
        if self.editable:
            row.insert(0, PhotoButton(app, self.pickers[""], self.id, self.number, "",
                                      lambda rec: self._photo_added("", rec)))
        return ft.Container(ft.Column([self.clause_note, quick, ft.Row(row, wrap=True)],
                                      spacing=8, horizontal_alignment=ft.CrossAxisAlignment.STRETCH),
                            padding=12, border_radius=10, bgcolor=ft.Colors.WHITE,
                            border=ft.Border.all(1, ft.Colors.GREY_300))

    def _render_clause_thumbs(self) -> None:
        self.clause_thumbs.controls = [thumbnail(self.app, r, self._photo_removed)
                                       for r in self.evidence if not r.target.item_code]

    async def _clause_note_done(self, e=None) -> None:
        text = self.clause_note.value or ""
        current = self.finding.note if self.finding else ""
        if text == current:
            if self.save_state.state == "unsaved":
                self.save_state.set("saved")
            return
        finding = await self.app.call(services.set_clause_note, self.id, self.number, text,
                                      actor=self.app.me or None)
        if finding is not None:
            self.finding = finding

    async def _clause_phrase(self, phrase: str) -> None:
        self.clause_note.value = append_phrase(self.clause_note.value or "", phrase)
        self.clause_note.update()
        await self._clause_note_done()

    # ------------------------------------------------------------ navigation
    def _nav_buttons(self) -> ft.Control:
        t = self.app.t
        return ft.Row([
            big_button(f"‹ {t('prev')}" + (f" {self.prev_no}" if self.prev_no else ""), self._prev,
                       filled=False, expand=True, disabled=self.prev_no is None),
            big_button(f"{t('next')} {self.next_no or ''} ›", self._next, expand=True,
                       disabled=self.next_no is None),
        ], spacing=12)

    def _prev(self, e=None) -> None:
        if self.prev_no:
            self.app.go(clause_route(self.id, self.prev_no))

    def _next(self, e=None) -> None:
        if self.next_no:
            self.app.go(clause_route(self.id, self.next_no))

    def _swiped(self, e) -> None:
        v = e.primary_velocity if e.primary_velocity is not None else (e.velocity.x if e.velocity else 0)
        if v < -400:
            self._next()
        elif v > 400:
            self._prev()
