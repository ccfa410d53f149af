"""Clause 条款: items grouped C → B → A, three big choices per item, notes, photos, the live level.

A derived clause/item shows its source clauses and their levels instead of choices.
Every change goes to one service call that returns the clause's read model (read_models.ClauseState:
level, reasons, gaps, progress); only the controls that changed are updated. The previous/next
bar (上一条 · 下一未评 · 下一条) sits in the bottom bar; a horizontal swipe anywhere moves too.

Moving to another clause of the same inspection (下一条, 下一未评, a swipe, a link) keeps this
screen and its controls: routes.build_screen asks for a ClauseScreen, and `__new__` hands back
the one on show, which then only paints the new clause's values into its item cards (a pool,
grown when a clause has more items) — a few changed properties are sent, not ~250 new controls.
A change of language, width, status, or a clause judged from others builds the screen anew.
"""

from __future__ import annotations

import asyncio

import flet as ft

from inspect_app import read_models
from inspect_app.evidence_rules import expected, need_text
from inspect_app.inspection import ItemRating
from inspect_app.scoring import ClauseLevel, level_name
from inspect_app.standard.model import ItemLevel
from inspect_app.ui.clause.self_rating import SelfRatings
from inspect_app.ui.components.common import (LEVEL_COLORS, TARGET, app_bar, bind, level_badge, progress_line,
                                              status_banner)
from inspect_app.ui.components.nav import clause_nav_bar, inspection_actions, inspection_bottom_bar
from inspect_app.ui.components.photos import PhotoButton, photo_pickers, preview_tile, thumbnail
from inspect_app.ui.components.rating_row import RESULT_COLORS, PhraseRow, RatingRow, _put, note_field
from inspect_app.ui.components.save_state import SaveState
from inspect_app.ui.data import load
from inspect_app.ui.i18n import colon, join_list
from inspect_app.ui.sync.conflicts import conflict_panel
from inspect_app.ui_state import append_phrase, clause_route, neighbours

__all__ = ["ClauseScreen", "level_text", "RESULT_COLORS", "LEVEL_TITLES"]

LEVEL_TITLES = {ItemLevel.C: ("C 级（合格）", "Level C (pass)"), ItemLevel.B: ("B 级（良好）", "Level B (good)"),
                ItemLevel.A: ("A 级（优秀）", "Level A (excellent)")}


def level_text(score, lang: str) -> tuple[str, str]:
    """(badge, reason) of a clause score in this language."""
    reason = score.explain(lang).split(":", 1)[-1].strip() if score.reasons else ""
    return level_name(score.level, lang), reason


def _plain(clause) -> bool:
    """Rated item by item (no clause or item judged from others): the shape the cards are reused for."""
    return clause.derived is None and bool(clause.items) and all(i.derived is None for i in clause.items)


class ItemCard:
    """One item's card; re-bound to another item when the screen moves to another clause."""

    def __init__(self, screen: "ClauseScreen") -> None:
        self.screen = screen
        app = screen.app
        self.item = None
        self.code_text = ft.Text("", color=ft.Colors.WHITE, weight=ft.FontWeight.BOLD)
        code_box = ft.Container(self.code_text, bgcolor=ft.Colors.TEAL_700, border_radius=6,
                                padding=ft.Padding.symmetric(horizontal=8, vertical=2),
                                visible=not screen.checklist)
        self.requirement = ft.Text("", size=15, expand=True, weight=ft.FontWeight.W_500)
        self.explanation = ft.Text("", size=13, color=ft.Colors.GREY_700, visible=False)
        self.method = ft.Text("", size=13, color=ft.Colors.BLUE_GREY_800, visible=False)
        # No emoji: the bundled font has none, and a box would show instead.
        self.hints_text = ft.Text("", size=12, color=ft.Colors.GREY_700, expand=True)  # wraps at 390 px
        self.hints = ft.Row([ft.Icon(ft.Icons.PHOTO_CAMERA_OUTLINED, size=16, color=ft.Colors.GREY_700),
                             self.hints_text], spacing=4, vertical_alignment=ft.CrossAxisAlignment.START,
                            visible=False)
        self.missing = ft.Text("", size=13, color=ft.Colors.ORANGE_900, weight=ft.FontWeight.W_600, visible=False)
        self.sources = ft.Container(visible=False)  # a derived item: its source clauses
        self.row = RatingRow(app, screen._row_save, editable=screen.editable,
                             phrase_kind="checklist" if screen.checklist else "item",
                             on_typing=screen._typing, on_settled=screen._settled)
        self.thumbs = ft.Row(wrap=True, spacing=6)
        self.photo: PhotoButton | None = None
        self.photo_row = ft.Row([self.thumbs], wrap=True)
        self.rating_box = ft.Column(self.row.controls(under_choice=[ft.Container(visible=False)],
                                                      before_note=[self.missing]) + [self.photo_row],
                                    spacing=8, horizontal_alignment=ft.CrossAxisAlignment.STRETCH)
        head = ft.Row([code_box, self.requirement], vertical_alignment=ft.CrossAxisAlignment.START)
        self.control = ft.Container(
            ft.Column([head, self.explanation, self.method, self.hints, self.sources, self.rating_box], spacing=8,
                      horizontal_alignment=ft.CrossAxisAlignment.STRETCH),
            padding=12, border_radius=10, bgcolor=ft.Colors.WHITE, border=ft.Border.all(1, ft.Colors.GREY_300))

    def bind(self, item, rating: ItemRating, beside: ft.Control) -> None:
        """Show `item` of the screen's clause; values only, nothing sent (the page update does)."""
        s, lang = self.screen, self.screen.app.lang
        self.item = item
        _put(None, self.code_text, value=item.code)
        _put(None, self.requirement, value=item.requirement)
        _put(None, self.explanation, value=item.explanation or "", visible=bool(item.explanation))
        _put(None, self.method, value=f"{s.app.t('method')}{colon(lang)}{item.method}" if item.method else "",
             visible=bool(item.method))
        hints = expected(item) if not s.checklist else ()
        _put(None, self.hints_text, value=join_list([need_text(n, lang) for n in hints], lang))
        _put(None, self.hints, visible=bool(hints))
        derived = item.derived is not None
        if derived:
            self.sources.content = s._derived_sources(item.derived)
        _put(None, self.sources, visible=derived)
        _put(None, self.rating_box, visible=not derived)
        if derived:
            return
        self.rating_box.controls[1] = beside  # 机构自评 under the choices
        self.row.bind(s.number, item.code, rating)
        self.photo = s._photo_button(self.photo, item.code)
        self.photo_row.controls = [self.photo, self.thumbs] if self.photo else [self.thumbs]
        s._render_thumbs(self.thumbs, item.code)


class ClauseScreen:
    def __new__(cls, app, inspection_id: str, number: str):
        current = getattr(app, "screen", None)
        if type(current) is cls and current._can_move(inspection_id, number):
            return current  # __init__ below moves it to `number`
        return super().__new__(cls)

    def __init__(self, app, inspection_id: str, number: str) -> None:
        if self.__dict__.get("view") is not None:
            self._move(number)
            return
        self.app = app
        self.id = inspection_id
        self.lang, self.narrow = app.lang, app.narrow
        data = load(app, inspection_id)
        self.editable = data.editable
        self.status = data.inspection.status
        self.checklist = data.checklist
        self.save_state = SaveState(app.lang)
        self.cards: list[ItemCard] = []
        self.active: list[ItemCard] = []
        self.clause_typing = False  # the clause note has unsaved text
        self.previews: dict[str, tuple[str, str, bytes]] = {}  # photos being stored: token -> (clause, item, jpeg)
        self.number = number
        self.clause = data.standard.clause(number)

        # One picker per photo target, registered before any control is built (see PhotoButton),
        # taken from the session's pool (photo_pickers): a new picker costs a page update.
        codes = [i.code for i in self.clause.items if i.derived is None] + [""]
        self._pickers = photo_pickers(app, len(codes)) if self.editable else []

        self.progress = progress_line(app, 0, 0)
        self.level_badge = level_badge("", "", size=15)  # repainted in place by _show_state
        self.level_reason = ft.Text("", size=13, color=ft.Colors.GREY_800, expand=True)
        self.level_box = ft.Row([ft.Text(app.t("level_now"), size=14, weight=ft.FontWeight.W_600),
                                 self.level_badge, self.level_reason],
                                vertical_alignment=ft.CrossAxisAlignment.CENTER, wrap=False)
        self.gaps_text = ft.Text("", size=13, color=ft.Colors.ORANGE_900)
        self.level_titles = {level: ft.Text(en if app.lang == "en" else zh, size=16, weight=ft.FontWeight.BOLD,
                                            color=ft.Colors.TEAL_900)
                             for level, (zh, en) in LEVEL_TITLES.items()}
        self.header = self._header()
        self.conflicts = ft.Container(visible=False)  # 冲突 from sync, if any (swapped per clause)
        self.derived_box = ft.Container(visible=False)
        self.note_card = self._clause_note()
        self.body = ft.Column([], spacing=12)
        # Swipe left/right anywhere for next/previous: a horizontal drag does not fight the
        # page's vertical scroll.
        content = ft.GestureDetector(content=self.body, on_horizontal_drag_end=self._swiped,
                                     exclude_from_semantics=True)
        self.nav_row = clause_nav_bar(app, prev_label=None, next_label=None, unrated_label=None,
                                      on_prev=self._prev, on_next=self._next, on_unrated=self._next_unrated)
        self.appbar = app_bar(app, "", back=f"/i/{inspection_id}",
                              actions=inspection_actions(app, inspection_id, "clause", self.save_state))
        self.bar_actions = list(self.appbar.actions)  # app.show adds the sync badge to a copy
        self.banner = status_banner(app, data.inspection.status)
        self._fill(number, data)
        self.view = ft.View(
            route=clause_route(inspection_id, number), bgcolor=ft.Colors.GREY_50, scroll=ft.ScrollMode.AUTO,
            padding=ft.Padding.all(10 if app.narrow else 16), appbar=self.appbar,
            bottom_appbar=inspection_bottom_bar(app, inspection_id, "clause", above=self.nav_row),
            controls=[content],
        )

    # ------------------------------------------------------------ moving in place
    def _can_move(self, inspection_id: str, number: str) -> bool:
        if inspection_id != self.id or number == self.number or self.app.lang != self.lang \
                or self.app.narrow != self.narrow:
            return False  # the same route again (a language switch, a resize, a status change): anew
        try:
            data = load(self.app, inspection_id)
            clause = data.standard.clause(number)
        except Exception:  # noqa: BLE001 - the constructor says what is wrong
            return False
        return (data.editable == self.editable and data.inspection.status is self.status
                and _plain(clause) and _plain(self.clause))

    def _move(self, number: str) -> None:
        data = load(self.app, self.id)
        self.clause = data.standard.clause(number)
        self.view.route = clause_route(self.id, number)
        self.appbar.actions = list(self.bar_actions)
        self._fill(number, data)

    def _fill(self, number: str, data) -> None:
        """Paint clause `number` into the screen's controls (values, not new controls)."""
        app, clause = self.app, self.clause
        self.number, self.data = number, data
        self.state = read_models.clause_state(app.ctx.workspace, self.id, number)
        self.ratings: dict[str, ItemRating] = dict(self.state.finding.items) if self.state.finding else {}
        self.evidence = list(self.state.evidence)
        self.prev_no, self.next_no = neighbours(data.standard, number)
        center = data.center.name if data.center else ""
        self.appbar.title.value = f"{number} · {center}" if not app.narrow else number
        self._paint_header()
        self.beside = SelfRatings(app, self.id, number, clause, self.ratings, self.editable)  # 机构自评对照
        self.header.controls[self._beside_at] = self.beside.clause_box
        self.conflicts = conflict_panel(app, self.id, number, self.editable)
        if clause.derived is not None and not clause.items:
            self.derived_box.content = self._derived_sources(clause.derived)
            self.derived_box.visible = True
        else:
            self.derived_box.visible = False
        body: list[ft.Control] = [self.banner, self.header, self.conflicts, self.derived_box]
        self.active = []
        for level in (ItemLevel.C, ItemLevel.B, ItemLevel.A):
            items = [i for i in clause.items if i.level is level]
            if not items:
                continue
            if not self.checklist:
                body.append(self.level_titles[level])
            for item in items:
                if len(self.active) == len(self.cards):
                    self.cards.append(ItemCard(self))
                card = self.cards[len(self.active)]
                self.active.append(card)
                card.bind(item, self.ratings.get(item.code, ItemRating()), self.beside.item_box(item.code))
                body.append(card.control)
        body.append(self.note_card)
        self.body.controls = body
        self.clause_typing = False
        self.clause_note.value = self.state.finding.note if self.state.finding else ""
        self.clause_phrases.close()
        self.clause_photo = self._photo_button(self.clause_photo, "")
        self.clause_photo_row.controls = [self.clause_photo, self.clause_thumbs] if self.clause_photo \
            else [self.clause_thumbs]
        self._render_thumbs(self.clause_thumbs, "")
        if self.save_state.state not in ("saving", "saved"):  # what was typed on the clause left is gone
            self.save_state.set("saved")
        self._show_state(update=False)
        self._paint_nav(None)
        if self.editable:
            app.page.run_task(self._bookmark)

    def _photo_button(self, button: PhotoButton | None, code: str) -> PhotoButton | None:
        """The photo button of a target of this clause: the card's own, pointed at it, unless that
        one still waits for an upload (which then still reaches the target it was picked for)."""
        if not self.editable:
            return None
        if button is not None and not button.busy:
            button.clause_number, button.item_code = self.number, code
            return button
        if self._pickers:
            picker = self._pickers.pop(0)
        else:
            mine = [c.photo.picker for c in self.cards if c.photo is not None and c.photo is not button]
            if getattr(self, "clause_photo", None) is not None and self.clause_photo is not button:
                mine.append(self.clause_photo.picker)
            picker = photo_pickers(self.app, 1, exclude=mine)[0]
        return PhotoButton(self.app, picker, self.id, self.number, code, self._photo_added,
                           on_preview=self._photo_preview)

    async def _bookmark(self) -> None:
        # Resume lands here after a reload or restart (a bookmark, not content: no save state).
        from inspect_app import services

        number = self.number
        try:
            await asyncio.to_thread(services.set_current_clause, self.app.ctx.workspace, self.id, number)
        except Exception:  # noqa: BLE001 - a bookmark that did not stick is not worth a message
            pass

    # ------------------------------------------------------------ header and level
    def _header(self) -> ft.Column:
        self.post_text = ft.Text("", size=13, color=ft.Colors.GREY_700, visible=self.checklist)
        self.title = ft.Text("", size=20, weight=ft.FontWeight.BOLD, expand=True)
        self.kind_text = ft.Text("", size=12, color=ft.Colors.WHITE)
        self.kind = ft.Container(self.kind_text, border_radius=6, padding=ft.Padding.symmetric(horizontal=8, vertical=2),
                                 visible=not self.checklist)
        self.intro = ft.Text("", size=13, color=ft.Colors.GREY_800, visible=False)
        parts = [self.progress, self.post_text,
                 ft.Row([self.title, self.kind], vertical_alignment=ft.CrossAxisAlignment.START),
                 self.intro, self.level_box, ft.Container(visible=False), self.gaps_text]
        self._beside_at = 5
        return ft.Column(parts, spacing=6)

    def _paint_header(self) -> None:
        t, c = self.app.t, self.clause
        self.title.value = f"{c.number} {c.title}"
        if self.checklist:
            self.post_text.value = self._post_title()
        self.kind_text.value = t("recommended") if c.is_recommended else t("basic")
        self.kind.bgcolor = ft.Colors.AMBER_800 if c.is_recommended else ft.Colors.BLUE_GREY_400
        self.intro.value, self.intro.visible = c.intro or "", bool(c.intro)

    def _post_title(self) -> str:
        for ch in self.data.standard.chapters:
            for s in ch.sections:
                if any(c.number == self.number for c in s.clauses):
                    return f"{s.number} {s.title}"
        return ""

    def _show_state(self, update: bool = True, changed: list | None = None) -> None:
        """Level, reasons, evidence gaps and progress from the read model (no scoring here)."""
        t, lang, state = self.app.t, self.app.lang, self.state
        label, reason = level_text(state.score, lang)
        if self.checklist and state.score.level.is_decided:
            label = t("met") if state.score.level is not ClauseLevel.D else t("not_met")
            reason = ""
        badge_level = state.score.level.value
        if self.checklist and state.score.level.is_decided:
            badge_level = "D" if state.score.level is ClauseLevel.D else "A"
        # Only what changed is set and sent, in one page.update (a tap changes the badge, the
        # reason and the progress, rarely more): no control is rebuilt.
        sending = changed is None and update
        changed = [] if changed is None else changed

        def put(control: ft.Control, **values) -> None:
            _put(changed, control, **values)

        put(self.level_badge, bgcolor=LEVEL_COLORS.get(badge_level, ft.Colors.GREY_500))
        put(self.level_badge.content, value=label)
        put(self.level_reason, value=reason)
        gaps = {g.item_code: join_list([need_text(n, lang) for n in g.needs], lang) for g in state.gaps}
        lines = [f"{code}{colon(lang)}{text}" for code, text in gaps.items()]
        put(self.gaps_text, value=f"{t('missing_evidence')} — " + join_list(lines, lang, semi=True) if lines else "",
            visible=bool(lines))
        for card in self.active:
            put(card.missing, value=gaps.get(card.item.code, ""), visible=card.item.code in gaps)
        fresh = progress_line(self.app, state.rated_items, state.total_items)
        for mine, new in zip(self.progress.controls, fresh.controls):
            put(mine, value=new.value)
        if update:
            self._paint_nav(changed)
            if sending and changed:
                self.app.page.update(*changed)

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

    def _render_thumbs(self, row: ft.Row, code: str) -> None:
        mine = [r for r in self.evidence if r.target.item_code == code]
        row.controls = [thumbnail(self.app, r, self._photo_removed, number=n) for n, r in enumerate(mine, start=1)]
        where = f"{self.number} {code}".strip()
        row.controls += [preview_tile(self.app, where, data) for clause, item, data in self.previews.values()
                         if clause == self.number and item == code]

    def _thumbs_row(self, code: str) -> ft.Row:
        card = next((c for c in self.active if c.item.code == code and c.item.derived is None), None) if code else None
        return card.thumbs if card is not None else self.clause_thumbs

    def _photo_preview(self, clause: str, code: str, token: str, data: bytes | None) -> None:
        """A photo being stored shows at once as its quick thumbnail (PhotoButton, evidence
        .preview_thumbnail); the stored one replaces it."""
        if data is not None:
            self.previews[token] = (clause, code, data)
        elif self.previews.pop(token, None) is None:
            return
        if clause == self.number:
            row = self._thumbs_row(code)
            self._render_thumbs(row, code)
            row.update()

    # ------------------------------------------------------------ changes
    async def _row_save(self, row: RatingRow, fn, *args, **kwargs):
        """One service call returning the clause's read model; the screen shows that state (unless
        it moved to another clause meanwhile)."""
        number = row.number
        state = await self.app.call(fn, self.id, number, row.code, *args, actor=self.app.me or None,
                                    error_at=row.refusal, **kwargs)
        if state is not None and number == self.number:
            self._apply(state)
        return state

    def _apply(self, state) -> None:
        """Show a read model: the level header, the nav bar and the item rows that changed, in
        one page update."""
        self.state = state
        self.ratings = dict(state.finding.items) if state.finding else {}
        changed: list[ft.Control] = []
        self._show_state(changed=changed)
        for card in self.active:
            if card.item.derived is None:
                card.row.show(self.ratings.get(card.item.code, ItemRating()), changed)
        if changed:
            self.app.page.update(*changed)
        self.beside.refresh(self.ratings)

    def _typing(self) -> None:
        if self.save_state.state != "unsaved":
            self.save_state.set("unsaved")

    def _settled(self) -> None:
        typing = self.clause_typing or any(c.row.typing for c in self.active)
        if self.save_state.state == "unsaved" and not typing:
            self.save_state.set("saved")

    def _photo_added(self, record) -> None:
        if record.target.clause_number != self.number:
            return  # stored and attached to the clause it was taken for, which is no longer shown
        self.evidence.append(record)
        self._photos_changed(record.target.item_code)

    def _photo_removed(self, record) -> None:
        self.evidence = [r for r in self.evidence if r.id != record.id]
        self._photos_changed(record.target.item_code)

    def _photos_changed(self, code: str) -> None:
        """Redraw only the thumbnails that changed (an item's, else the clause's) and the gaps."""
        row = self._thumbs_row(code)
        self._render_thumbs(row, code if row is not self.clause_thumbs else "")
        row.update()
        self.app.page.run_task(self._reload_state)

    async def _reload_state(self) -> None:
        number = self.number
        state = await asyncio.to_thread(read_models.clause_state, self.app.ctx.workspace, self.id, number)
        if number == self.number:
            self._apply(state)

    # ------------------------------------------------------------ live: a teammate's ratings
    async def on_sync_status(self, status=None) -> None:
        """Polled every 2 s: when the inspection file changed (sync brought a teammate's ratings,
        another tablet on this app rated), show the new state in place; text being typed stays."""
        view = await asyncio.to_thread(read_models.inspection_view, self.app.ctx.workspace, self.id)
        if view.version == self.data.version:
            return
        self.data = view
        number = self.number
        state = await asyncio.to_thread(read_models.clause_state, self.app.ctx.workspace, self.id, number)
        if number != self.number:
            return
        if state.status is not self.state.status:
            self.app.show(self.app.page.route)  # submitted/locked elsewhere: controls change
            return
        self._apply(state)  # notes too, unless being typed (RatingRow.show)
        if not self.clause_typing and state.finding and self.clause_note.value != state.finding.note:
            self.clause_note.value = state.finding.note
            self.clause_note.update()
        ids = {r.id for r in state.evidence}
        if ids != {r.id for r in self.evidence}:
            self.evidence = list(state.evidence)
            for card in self.active:
                if card.item.derived is None:
                    self._render_thumbs(card.thumbs, card.item.code)
                    card.thumbs.update()
            self._render_clause_thumbs()
            self.clause_thumbs.update()

    # ------------------------------------------------------------ clause note and photos
    def _clause_note(self) -> ft.Control:
        app, t = self.app, self.app.t
        self.clause_note = note_field(app, t("clause_note"), "", editable=self.editable, min_lines=2,
                                      on_blur=bind(self._clause_note_done), on_change=self._clause_typed)
        self.clause_phrases = PhraseRow(app, "checklist" if self.checklist else "item", self._clause_phrase,
                                        visible=self.editable)
        self.clause_thumbs = ft.Row(wrap=True, spacing=6)
        self.clause_photo = None
        self.clause_photo_row = ft.Row([self.clause_thumbs], wrap=True)
        return ft.Container(ft.Column([self.clause_note, self.clause_phrases.control, self.clause_photo_row],
                                      spacing=8, horizontal_alignment=ft.CrossAxisAlignment.STRETCH),
                            padding=12, border_radius=10, bgcolor=ft.Colors.WHITE,
                            border=ft.Border.all(1, ft.Colors.GREY_300))

    def _render_clause_thumbs(self) -> None:
        self._render_thumbs(self.clause_thumbs, "")

    def _clause_typed(self, e=None) -> None:
        self.clause_typing = True
        self._typing()

    async def _clause_note_done(self) -> None:
        text = self.clause_note.value or ""
        stored = self.state.finding.note if self.state.finding else ""
        if text == stored:
            self.clause_typing = False
            self._settled()
            return
        number = self.number
        state = await self.app.call(read_models.clause_note, self.id, number, text, actor=self.app.me or None)
        if state is not None and number == self.number:
            self.clause_typing = False
            self._apply(state)

    async def _clause_phrase(self, phrase: str) -> None:
        self.clause_note.value = append_phrase(self.clause_note.value or "", phrase)
        self.clause_note.update()
        await self._clause_note_done()

    # ------------------------------------------------------------ navigation
    def _nav_label(self, key: str, number: str | None) -> str | None:
        """Tablet: 上一条 1.2.4; phone: the number alone next to its arrow (the words do not fit)."""
        if number is None:
            return None
        return number if self.app.narrow else f"{self.app.t(key)} {number}"

    def _unrated_label(self, unrated: str | None) -> str | None:
        if unrated is None:
            return None
        return self.app.t("next_unrated_short") if self.app.narrow else f"{self.app.t('next_unrated')} {unrated}"

    def _paint_nav(self, changed: list | None) -> None:
        """上一条 · 下一未评 · 下一条 of this clause; 下一未评 follows the ratings (the clause just
        finished is no longer 'next unrated'). What changed goes to `changed` (None: nothing is
        sent, the page update will)."""
        t = self.app.t
        unrated = self.state.next_unrated
        prev, skip, nxt = self.nav_row.controls
        for button, label, fallback, handler in (
                (prev, self._nav_label("prev", self.prev_no), t("prev"), self._prev),
                (skip, self._unrated_label(unrated), t("all_rated"), self._next_unrated),
                (nxt, self._nav_label("next", self.next_no), t("next"), self._next)):
            _put(changed, button.content, value=label or fallback)
            _put(changed, button, disabled=label is None, on_click=handler if label is not None else None)

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
