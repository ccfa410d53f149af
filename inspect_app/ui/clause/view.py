"""Clause 条款: items grouped C → B → A, three big choices per item, notes, photos, the live level.

A derived clause/item shows its source clauses and their levels instead of choices.
Every change goes to one service call that returns the clause's read model (read_models.ClauseState:
level, reasons, gaps, progress); only the controls that changed are updated. The previous/next
bar (上一条 · 下一未评 · 下一条) sits in the bottom bar; a horizontal swipe anywhere moves too.
"""

from __future__ import annotations

import flet as ft

from inspect_app import read_models, services
from inspect_app.evidence_rules import expected, need_text
from inspect_app.inspection import ItemRating, ItemResult
from inspect_app.scoring import ClauseLevel, level_name
from inspect_app.standard.model import ItemLevel
from inspect_app.ui.components.choice import ChoiceRow
from inspect_app.ui.components.common import (LEVEL_COLORS, TARGET, app_bar, bind, level_badge, progress_line,
                                              status_banner)
from inspect_app.ui.components.nav import clause_nav_bar, inspection_actions, inspection_bottom_bar
from inspect_app.ui.components.photos import PhotoButton, photo_pickers, thumbnail
from inspect_app.ui.components.save_state import SaveState
from inspect_app.ui.data import load
from inspect_app.ui.i18n import colon, join_list, phrases
from inspect_app.ui.clause.self_rating import SelfRatings
from inspect_app.ui.sync.conflicts import conflict_panel
from inspect_app.ui_state import append_phrase, clause_route, neighbours

RESULT_COLORS = {ItemResult.MET.value: ft.Colors.GREEN_700, ItemResult.NOT_MET.value: ft.Colors.RED_700,
                 ItemResult.NA.value: ft.Colors.BLUE_GREY_600}
LEVEL_TITLES = {ItemLevel.C: ("C 级（合格）", "Level C (pass)"), ItemLevel.B: ("B 级（良好）", "Level B (good)"),
                ItemLevel.A: ("A 级（优秀）", "Level A (excellent)")}


def level_text(score, lang: str) -> tuple[str, str]:
    """(badge, reason) of a clause score in this language."""
    reason = score.explain(lang).split(":", 1)[-1].strip() if score.reasons else ""
    return level_name(score.level, lang), reason


class ClauseScreen:
    def __init__(self, app, inspection_id: str, number: str) -> None:
        self.app = app
        self.id = inspection_id
        self.number = number
        self.data = data = load(app, inspection_id)
        self.clause = clause = data.standard.clause(number)
        self.state = read_models.clause_state(app.ctx.workspace, inspection_id, number)
        self.ratings: dict[str, ItemRating] = dict(self.state.finding.items) if self.state.finding else {}
        self.evidence = list(self.state.evidence)
        self.save_state = SaveState(app.lang)
        self.editable = data.editable
        self.prev_no, self.next_no = neighbours(data.standard, number)
        self.typing: set[str] = set()  # note fields with unsaved text ("" = the clause note)

        # One picker per photo target, registered before any control is built (see PhotoButton),
        # taken from the session's pool (photo_pickers): a new picker costs a page update.
        codes = [i.code for i in clause.items if i.derived is None] + [""]
        self.pickers = dict(zip(codes, photo_pickers(app, len(codes)))) if self.editable else {}
        self.progress = progress_line(app, self.state.rated_items, self.state.total_items)
        self.level_badge = level_badge("", "", size=15)  # repainted in place by _show_state
        self.level_reason = ft.Text("", size=13, color=ft.Colors.GREY_800, expand=True)
        self.level_box = ft.Row([ft.Text(app.t("level_now"), size=14, weight=ft.FontWeight.W_600),
                                 self.level_badge, self.level_reason],
                                vertical_alignment=ft.CrossAxisAlignment.CENTER, wrap=False)
        self.gaps_text = ft.Text("", size=13, color=ft.Colors.ORANGE_900)
        self.item_parts: dict[str, dict] = {}
        self.beside = SelfRatings(app, inspection_id, number, clause, self.ratings, self.editable)  # 机构自评对照

        body: list[ft.Control] = [status_banner(app, data.inspection.status), self._header()]
        body.append(conflict_panel(app, inspection_id, number, self.editable))  # 冲突 from sync, if any
        if clause.derived is not None and not clause.items:
            body.append(self._derived_sources(clause.derived))
        for level in (ItemLevel.C, ItemLevel.B, ItemLevel.A):
            items = [i for i in clause.items if i.level is level]
            if not items:
                continue
            if not data.checklist:
                zh, en = LEVEL_TITLES[level]
                body.append(ft.Text(en if app.lang == "en" else zh, size=16, weight=ft.FontWeight.BOLD,
                                    color=ft.Colors.TEAL_900))
            body.extend(self._item(i) for i in items)
        body.append(self._clause_note())
        self._show_state(update=False)

        center = data.center.name if data.center else ""
        # Swipe left/right anywhere for next/previous: a horizontal drag does not fight the
        # page's vertical scroll.
        content = ft.GestureDetector(content=ft.Column(body, spacing=12), on_horizontal_drag_end=self._swiped,
                                     exclude_from_semantics=True)
        self.nav = self._nav_bar()
        self.view = ft.View(
            route=clause_route(inspection_id, number), bgcolor=ft.Colors.GREY_50, scroll=ft.ScrollMode.AUTO,
            padding=ft.Padding.all(10 if app.narrow else 16),
            appbar=app_bar(app, f"{number} · {center}" if not app.narrow else number, back=f"/i/{inspection_id}",
                           actions=inspection_actions(app, inspection_id, "clause", self.save_state)),
            bottom_appbar=inspection_bottom_bar(app, inspection_id, "clause", above=self.nav),
            controls=[content],
        )
        if self.editable:
            app.page.run_task(self._bookmark)

    async def _bookmark(self) -> None:
        # Resume lands here after a reload or restart (a bookmark, not content: no save state).
        import asyncio

        try:
            await asyncio.to_thread(services.set_current_clause, self.app.ctx.workspace, self.id, self.number)
        except Exception:  # noqa: BLE001 - a bookmark that did not stick is not worth a message
            pass

    # ------------------------------------------------------------ header and level
    def _header(self) -> ft.Control:
        t, c = self.app.t, self.clause
        parts: list[ft.Control] = [self.progress]
        title = ft.Text(f"{c.number} {c.title}", size=20, weight=ft.FontWeight.BOLD, expand=True)
        if self.data.checklist:
            post = self._post_title()
            parts.append(ft.Text(post, size=13, color=ft.Colors.GREY_700))
            parts.append(ft.Row([title]))
        else:
            kind = ft.Container(ft.Text(t("recommended") if c.is_recommended else t("basic"), size=12,
                                        color=ft.Colors.WHITE),
                                bgcolor=ft.Colors.AMBER_800 if c.is_recommended else ft.Colors.BLUE_GREY_400,
                                border_radius=6, padding=ft.Padding.symmetric(horizontal=8, vertical=2))
            parts.append(ft.Row([title, kind], vertical_alignment=ft.CrossAxisAlignment.START))
        if c.intro:
            parts.append(ft.Text(c.intro, size=13, color=ft.Colors.GREY_800))
        parts += [self.level_box, self.beside.clause_box, self.gaps_text]
        return ft.Column(parts, spacing=6)

    def _post_title(self) -> str:
        for ch in self.data.standard.chapters:
            for s in ch.sections:
                if any(c.number == self.number for c in s.clauses):
                    return f"{s.number} {s.title}"
        return ""

    def _show_state(self, update: bool = True) -> None:
        """Level, reasons, evidence gaps and progress from the read model (no scoring here)."""
        t, lang, state = self.app.t, self.app.lang, self.state
        label, reason = level_text(state.score, lang)
        if self.data.checklist and state.score.level.is_decided:
            label = t("met") if state.score.level is not ClauseLevel.D else t("not_met")
            reason = ""
        badge_level = state.score.level.value
        if self.data.checklist and state.score.level.is_decided:
            badge_level = "D" if state.score.level is ClauseLevel.D else "A"
        # Only what changed is set and sent, in one page.update (a tap changes the badge, the
        # reason and the progress, rarely more): no control is rebuilt.
        changed: list[ft.Control] = []

        def put(control: ft.Control, **values) -> None:
            if any(getattr(control, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(control, k, v)
                changed.append(control)

        put(self.level_badge, bgcolor=LEVEL_COLORS.get(badge_level, ft.Colors.GREY_500))
        put(self.level_badge.content, value=label)
        put(self.level_reason, value=reason)
        gaps = {g.item_code: join_list([need_text(n, lang) for n in g.needs], lang) for g in state.gaps}
        lines = [f"{code}{colon(lang)}{text}" for code, text in gaps.items()]
        put(self.gaps_text, value=f"{t('missing_evidence')} — " + join_list(lines, lang, semi=True) if lines else "",
            visible=bool(lines))
        for code, parts in self.item_parts.items():
            put(parts["missing"], value=gaps.get(code, ""), visible=code in gaps)
        fresh = progress_line(self.app, state.rated_items, state.total_items)
        for mine, new in zip(self.progress.controls, fresh.controls):
            put(mine, value=new.value)
        if update:
            if changed:
                self.app.page.update(*changed)
            self._update_nav()

    # ------------------------------------------------------------ derived
    def _derived_sources(self, rule) -> ft.Control:
        t, lang = self.app.t, self.app.lang
        paren = ("(", ")") if lang == "en" else ("（", "）")
        rows = [ft.Text(t("derived_from") + f"{paren[0]}≥{rule.min_level.value}{paren[1]}", weight=ft.FontWeight.W_600)]
        for n in rule.sources:
            lv = self.state.source_levels.get(n, ClauseLevel.INCOMPLETE)
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
                         bgcolor=ft.Colors.TEAL_700, border_radius=6,
                         padding=ft.Padding.symmetric(horizontal=8, vertical=2),
                         visible=not self.data.checklist),
            ft.Text(item.requirement, size=15, expand=True, weight=ft.FontWeight.W_500),
        ], vertical_alignment=ft.CrossAxisAlignment.START)
        parts: list[ft.Control] = [head]
        if item.explanation:
            parts.append(ft.Text(item.explanation, size=13, color=ft.Colors.GREY_700))
        if item.method:
            parts.append(ft.Text(f"{t('method')}{colon(lang)}{item.method}", size=13, color=ft.Colors.BLUE_GREY_800))
        hints = expected(item)
        if hints and not self.data.checklist:
            # No emoji: the bundled font has none, and a box would show instead.
            parts.append(ft.Row([ft.Icon(ft.Icons.PHOTO_CAMERA_OUTLINED, size=16, color=ft.Colors.GREY_700),
                                 ft.Text(join_list([need_text(n, lang) for n in hints], lang), size=12,
                                         color=ft.Colors.GREY_700, expand=True)],  # wraps at 390 px
                                spacing=4, vertical_alignment=ft.CrossAxisAlignment.START))
        missing = ft.Text("", size=13, color=ft.Colors.ORANGE_900, weight=ft.FontWeight.W_600, visible=False)
        self.item_parts[item.code] = {"missing": missing}
        if item.derived is not None:
            parts.append(self._derived_sources(item.derived))
            return self._item_card(item, parts)

        locked = not self.editable
        na_reason = ft.TextField(label=t("na_reason"), value=rating.na_reason, visible=rating.result is ItemResult.NA,
                                 on_blur=bind(self._na_reason_done, item), disabled=locked,
                                 on_change=lambda e: None)
        na_phrases = ft.Row([ft.TextButton(p, height=TARGET, on_click=bind(self._na_phrase, item, p),
                                           disabled=locked) for p in phrases("na", lang)],
                            wrap=True, visible=rating.result is ItemResult.NA and not locked)
        choice = ChoiceRow([(ItemResult.MET.value, t("met")), (ItemResult.NOT_MET.value, t("not_met")),
                            (ItemResult.NA.value, t("na"))],
                           rating.result.value if rating.result is not ItemResult.UNRATED else None,
                           lambda v, i=item: self._choose(i, v), colors=RESULT_COLORS, expand_buttons=True,
                           locked=locked)
        clear = ft.TextButton(content=ft.Text(t("clear_rating")), icon=ft.Icons.UNDO, height=TARGET,
                              on_click=bind(self._clear, item),
                              visible=self.editable and rating.result is not ItemResult.UNRATED)
        refusal = ft.Text("", size=13, color=ft.Colors.RED_700, visible=False)
        note = self._note_field(t("item_note"), rating.note, item.code, min_lines=1)
        quick = ft.Row([ft.TextButton(p, height=TARGET, on_click=bind(self._note_phrase, item, p))
                        for p in phrases("checklist" if self.data.checklist else "item", lang)],
                       wrap=True, spacing=0, visible=not locked)
        thumbs = ft.Row(wrap=True, spacing=6)
        self.item_parts[item.code].update(choice=choice, clear=clear, na_reason=na_reason, na_phrases=na_phrases,
                                          note=note, thumbs=thumbs, refusal=refusal)
        self._render_thumbs(item.code)
        row = [thumbs]
        if self.editable:
            row.insert(0, PhotoButton(app, self.pickers[item.code], self.id, self.number, item.code,
                                      lambda rec, c=item.code: self._photo_added(c, rec)))
        parts += [choice, self.beside.item_box(item.code), ft.Row([clear], alignment=ft.MainAxisAlignment.END),
                  refusal, na_reason, na_phrases,
                  missing, note, quick, ft.Row(row, wrap=True)]
        return self._item_card(item, parts)

    def _note_field(self, label: str, value: str, code: str, min_lines: int) -> ft.TextField:
        """A note that grows with its text (no inner scroll, so the wheel always scrolls the page),
        with its length counter and the limit stated (services.NOTE_LIMIT)."""
        return ft.TextField(
            label=label, value=value, multiline=True, min_lines=min_lines, max_lines=None,
            max_length=services.NOTE_LIMIT, helper=self.app.t("note_limit", n=services.NOTE_LIMIT),
            on_blur=bind(self._note_done, code), on_change=bind(self._typing, code), disabled=not self.editable)

    def _item_card(self, item, parts) -> ft.Control:
        return ft.Container(ft.Column(parts, spacing=8, horizontal_alignment=ft.CrossAxisAlignment.STRETCH),
                            padding=12, border_radius=10, bgcolor=ft.Colors.WHITE,
                            border=ft.Border.all(1, ft.Colors.GREY_300))

    def _render_thumbs(self, code: str) -> None:
        parts = self.item_parts[code]
        mine = [r for r in self.evidence if r.target.item_code == code]
        parts["thumbs"].controls = [thumbnail(self.app, r, self._photo_removed, number=n)
                                    for n, r in enumerate(mine, start=1)]

    # ------------------------------------------------------------ changes
    async def _save(self, fn, *args, item=None, **kwargs) -> bool:
        """One service call returning the clause's read model; the screen shows that state."""
        refusal = self.item_parts[item.code]["refusal"] if item is not None else None
        state = await self.app.call(fn, self.id, self.number, *args, actor=self.app.me or None,
                                    error_at=refusal, **kwargs)
        if state is None:
            return False
        self._apply(state)
        return True

    def _apply(self, state) -> None:
        self.state = state
        self.ratings = dict(state.finding.items) if state.finding else {}
        self._show_state()
        self.beside.refresh(self.ratings)
        for code, parts in self.item_parts.items():
            if "choice" not in parts:
                continue
            rating = self.ratings.get(code, ItemRating())
            rated = rating.result is not ItemResult.UNRATED
            parts["choice"].show(rating.result.value if rated else None)
            if parts["clear"].visible != (rated and self.editable):
                parts["clear"].visible = rated and self.editable
                parts["clear"].update()

    async def _choose(self, item, value: str) -> None:
        parts = self.item_parts[item.code]
        is_na = value == ItemResult.NA.value
        for key in ("na_reason", "na_phrases"):
            if parts[key].visible != is_na:
                parts[key].visible = is_na
                parts[key].update()
        if is_na:
            reason = (parts["na_reason"].value or "").strip()
            if reason:
                await self._rate(item, ItemResult.NA, reason)
            else:  # chosen on screen, not saved until a reason is given: say so
                self.save_state.set("unsaved")
                self._say(item, self.app.t("na_needs_reason"))
            return
        await self._rate(item, ItemResult(value))

    async def _rate(self, item, result: ItemResult, reason: str = "") -> None:
        saved = self.ratings.get(item.code, ItemRating()).result
        self._say(item, "")
        if not await self._save(read_models.rate, item.code, result.value, na_reason=reason, item=item):
            # Refused or failed: the buttons show what is stored, not the tap.
            self.item_parts[item.code]["choice"].show(saved.value if saved is not ItemResult.UNRATED else None)

    async def _clear(self, item) -> None:
        parts = self.item_parts[item.code]
        if await self._save(read_models.clear, item.code, item=item):
            for key in ("na_reason", "na_phrases"):
                parts[key].visible = False
                parts[key].update()

    def _say(self, item, message: str) -> None:
        refusal = self.item_parts[item.code]["refusal"]
        if refusal.value != message or refusal.visible != bool(message):
            refusal.value, refusal.visible = message, bool(message)
            refusal.update()

    async def _na_reason_done(self, item) -> None:
        parts = self.item_parts[item.code]
        reason = (parts["na_reason"].value or "").strip()
        if reason and parts["choice"].value == ItemResult.NA.value:
            await self._rate(item, ItemResult.NA, reason)

    async def _na_phrase(self, item, phrase: str) -> None:
        parts = self.item_parts[item.code]
        parts["na_reason"].value = phrase
        parts["na_reason"].update()
        await self._na_reason_done(item)

    def _typing(self, code: str, e=None) -> None:
        self.typing.add(code)
        if self.save_state.state != "unsaved":
            self.save_state.set("unsaved")

    def _note_control(self, code: str) -> ft.TextField:
        return self.clause_note if code == "" else self.item_parts[code]["note"]

    def _stored_note(self, code: str) -> str:
        if code == "":
            return self.state.finding.note if self.state.finding else ""
        return self.ratings.get(code, ItemRating()).note

    async def _note_done(self, code: str) -> None:
        text = self._note_control(code).value or ""
        if text == self._stored_note(code):
            self.typing.discard(code)
            if self.save_state.state == "unsaved" and not self.typing:
                self.save_state.set("saved")
            return
        if code == "":
            ok = await self._save(read_models.clause_note, text)
        else:
            ok = await self._save(read_models.item_note, code, text,
                                  item=next(i for i in self.clause.items if i.code == code))
        if ok:
            self.typing.discard(code)

    async def _note_phrase(self, item, phrase: str) -> None:
        note = self.item_parts[item.code]["note"]
        note.value = append_phrase(note.value or "", phrase)
        note.update()
        await self._note_done(item.code)

    def _photo_added(self, code: str, record) -> None:
        self.evidence.append(record)
        self._photos_changed(code)

    def _photo_removed(self, record) -> None:
        self.evidence = [r for r in self.evidence if r.id != record.id]
        self._photos_changed(record.target.item_code)

    def _photos_changed(self, code: str) -> None:
        """Redraw only the thumbnails that changed (an item's, else the clause's) and the gaps."""
        if code in self.item_parts and "thumbs" in self.item_parts[code]:
            self._render_thumbs(code)
            self.item_parts[code]["thumbs"].update()
        else:
            self._render_clause_thumbs()
            self.clause_thumbs.update()
        self.app.page.run_task(self._reload_state)

    async def _reload_state(self) -> None:
        import asyncio

        state = await asyncio.to_thread(read_models.clause_state, self.app.ctx.workspace, self.id, self.number)
        self._apply(state)

    # ------------------------------------------------------------ live: a teammate's ratings
    async def on_sync_status(self, status=None) -> None:
        """Polled every 2 s: when the inspection file changed (sync brought a teammate's ratings,
        another tablet on this app rated), show the new state in place; text being typed stays."""
        import asyncio

        view = await asyncio.to_thread(read_models.inspection_view, self.app.ctx.workspace, self.id)
        if view.version == self.data.version:
            return
        self.data = view
        state = await asyncio.to_thread(read_models.clause_state, self.app.ctx.workspace, self.id, self.number)
        if state.status is not self.state.status:
            self.app.show(self.app.page.route)  # submitted/locked elsewhere: controls change
            return
        self._apply(state)
        for code, parts in self.item_parts.items():
            if "note" in parts and code not in self.typing:
                stored = self.ratings.get(code, ItemRating()).note
                if parts["note"].value != stored:
                    parts["note"].value = stored
                    parts["note"].update()
        if "" not in self.typing and state.finding and self.clause_note.value != state.finding.note:
            self.clause_note.value = state.finding.note
            self.clause_note.update()
        ids = {r.id for r in state.evidence}
        if ids != {r.id for r in self.evidence}:
            self.evidence = list(state.evidence)
            for code, parts in self.item_parts.items():
                if "thumbs" in parts:
                    self._render_thumbs(code)
                    parts["thumbs"].update()
            self._render_clause_thumbs()
            self.clause_thumbs.update()

    # ------------------------------------------------------------ clause note and photos
    def _clause_note(self) -> ft.Control:
        app, t = self.app, self.app.t
        self.clause_note = self._note_field(t("clause_note"), self.state.finding.note if self.state.finding else "",
                                            "", min_lines=2)
        quick = ft.Row([ft.TextButton(p, height=TARGET, on_click=bind(self._clause_phrase, p))
                        for p in phrases("checklist" if self.data.checklist else "item", app.lang)],
                       wrap=True, spacing=0, visible=self.editable)
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
        mine = [r for r in self.evidence if not r.target.item_code]
        self.clause_thumbs.controls = [thumbnail(self.app, r, self._photo_removed, number=n)
                                       for n, r in enumerate(mine, start=1)]

    async def _clause_phrase(self, phrase: str) -> None:
        self.clause_note.value = append_phrase(self.clause_note.value or "", phrase)
        self.clause_note.update()
        await self._note_done("")

    # ------------------------------------------------------------ navigation
    def _nav_bar(self) -> ft.Control:
        unrated = self.state.next_unrated
        self.nav_row = clause_nav_bar(
            self.app,
            prev_label=self._nav_label("prev", self.prev_no),
            next_label=self._nav_label("next", self.next_no),
            unrated_label=self._unrated_label(unrated),
            on_prev=self._prev, on_next=self._next, on_unrated=self._next_unrated)
        return self.nav_row

    def _nav_label(self, key: str, number: str | None) -> str | None:
        """Tablet: 上一条 1.2.4; phone: the number alone next to its arrow (the words do not fit)."""
        if number is None:
            return None
        return number if self.app.narrow else f"{self.app.t(key)} {number}"

    def _unrated_label(self, unrated: str | None) -> str | None:
        if unrated is None:
            return None
        return self.app.t("next_unrated_short") if self.app.narrow else f"{self.app.t('next_unrated')} {unrated}"

    def _update_nav(self) -> None:
        """下一未评 follows the ratings (the clause just finished is no longer 'next unrated')."""
        t = self.app.t
        unrated = self.state.next_unrated
        button = self.nav_row.controls[1]
        label = self._unrated_label(unrated) or t("all_rated")
        if button.content.value != label:
            button.content.value = label
            button.disabled = unrated is None
            button.on_click = self._next_unrated if unrated else None
            button.update()

    def _prev(self, e=None) -> None:
        if self.prev_no:
            self.app.go(clause_route(self.id, self.prev_no))

    def _next(self, e=None) -> None:
        if self.next_no:
            self.app.go(clause_route(self.id, self.next_no))

    def _next_unrated(self, e=None) -> None:
        if self.state.next_unrated:
            self.app.go(clause_route(self.id, self.state.next_unrated))

    def _swiped(self, e) -> None:
        v = e.primary_velocity if e.primary_velocity is not None else (e.velocity.x if e.velocity else 0)
        if v < -400:
            self._next()
        elif v > 400:
            self._prev()
