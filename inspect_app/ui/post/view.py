"""Post 岗位 of a checklist standard (门诊服务规范: 导医, 门诊护士 …): one post per screen, its norms
as rows (符合 / 不符合 / 不适用, a note with behaviour-norm phrases), and the post's 符合率.

No C/B/A anywhere: a norm is met or not. Each tap is one service call (read_models.rate).
"""

from __future__ import annotations

import asyncio

import flet as ft

from inspect_app import read_models, services
from inspect_app.inspection import ItemRating, ItemResult
from inspect_app.ui.components.choice import ChoiceRow
from inspect_app.ui.components.common import TARGET, app_bar, bind, progress_line, status_banner
from inspect_app.ui.components.nav import clause_nav_bar, inspection_actions, inspection_bottom_bar
from inspect_app.ui.components.save_state import SaveState
from inspect_app.ui.data import load
from inspect_app.ui.i18n import phrases
from inspect_app.ui.overview.view import percent_text
from inspect_app.ui_state import append_phrase, post_route

RESULT_COLORS = {ItemResult.MET.value: ft.Colors.GREEN_700, ItemResult.NOT_MET.value: ft.Colors.RED_700,
                 ItemResult.NA.value: ft.Colors.BLUE_GREY_600}


class PostScreen:
    def __init__(self, app, inspection_id: str, section: str) -> None:
        self.app = app
        self.id = inspection_id
        self.data = data = load(app, inspection_id)
        t = app.t
        sections = [s for ch in data.standard.chapters for s in ch.sections]
        numbers = [s.number for s in sections]
        if section not in numbers:
            raise KeyError(section)
        self.section = sections[numbers.index(section)]
        i = numbers.index(section)
        self.prev_no = numbers[i - 1] if i > 0 else None
        self.next_no = numbers[i + 1] if i + 1 < len(numbers) else None
        self.save_state = SaveState(app.lang)
        self.editable = data.editable
        self.typing: set[str] = set()
        self.rows: dict[str, dict] = {}
        self.summary = ft.Column(spacing=6)
        self._summary()
        body: list[ft.Control] = [status_banner(app, data.inspection.status), self.summary]
        body += [self._norm(c) for c in self.section.clauses if not getattr(c, "unplaced", False)]
        self.nav = clause_nav_bar(
            app,
            prev_label=(self.prev_no if app.narrow else f"{t('prev_post')} {self.prev_no}") if self.prev_no else None,
            next_label=(self.next_no if app.narrow else f"{t('next_post')} {self.next_no}") if self.next_no else None,
            unrated_label=self._unrated_label(),
            on_prev=lambda e: self.prev_no and app.go(post_route(self.id, self.prev_no)),
            on_next=lambda e: self.next_no and app.go(post_route(self.id, self.next_no)),
            on_unrated=self._to_unrated)
        center = data.center.name if data.center else ""
        title = f"{self.section.number} {self.section.title}"
        self.view = ft.View(
            route=post_route(inspection_id, section), bgcolor=ft.Colors.GREY_50, scroll=ft.ScrollMode.AUTO,
            padding=ft.Padding.all(10 if app.narrow else 16), horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
            appbar=app_bar(app, title if app.narrow else f"{title} · {center}", back=f"/i/{inspection_id}",
                           actions=inspection_actions(app, inspection_id, "clause", self.save_state)),
            bottom_appbar=inspection_bottom_bar(app, inspection_id, "clause", above=self.nav),
            controls=[ft.Column(body, spacing=10, horizontal_alignment=ft.CrossAxisAlignment.STRETCH)],
        )

    # ------------------------------------------------------------ state
    def _post(self):
        return next(p for p in self.data.posts() if p.number == self.section.number)

    def _summary(self) -> None:
        t, score = self.app.t, self.data.score
        post = self._post()
        decided = post.met + post.not_met
        self.summary.controls = [
            progress_line(self.app, score.rated_items, score.total_items),
            ft.Text(t("compliance_of", p=percent_text(post.percent, decided), met=post.met, not_met=post.not_met,
                      unrated=post.unrated), size=15, weight=ft.FontWeight.W_600),
        ]

    def _next_unrated_post(self) -> str | None:
        sections = [s for ch in self.data.standard.chapters for s in ch.sections]
        numbers = [s.number for s in sections]
        start = numbers.index(self.section.number)
        posts = {p.number: p for p in self.data.posts()}
        for n in numbers[start + 1:] + numbers[:start + 1]:
            if posts[n].unrated:
                return n
        return None

    def _unrated_label(self) -> str | None:
        n = self._next_unrated_post()
        if not n:
            return None
        return self.app.t("next_unrated_short") if self.app.narrow else f"{self.app.t('next_unrated')} {n}"

    def _to_unrated(self, e=None) -> None:
        n = self._next_unrated_post()
        if n:
            self.app.go(post_route(self.id, n))

    # ------------------------------------------------------------ one norm
    def _norm(self, clause) -> ft.Control:
        t, lang = self.app.t, self.app.lang
        item = clause.items[0] if clause.items else None
        finding = self.data.snap.findings.get(clause.number)
        rating = finding.items.get(item.code, ItemRating()) if finding and item else ItemRating()
        parts: list[ft.Control] = [ft.Row([
            ft.Text(clause.number, width=52, weight=ft.FontWeight.BOLD, color=ft.Colors.TEAL_900),
            ft.Text(clause.title, size=15, weight=ft.FontWeight.W_600, expand=True)],
            vertical_alignment=ft.CrossAxisAlignment.START)]
        if item is not None and item.requirement and item.requirement != clause.title:
            parts.append(ft.Text(item.requirement, size=13, color=ft.Colors.GREY_800))
        if item is None:
            return ft.Container(ft.Column(parts), padding=12, bgcolor=ft.Colors.WHITE, border_radius=10)
        locked = not self.editable
        choice = ChoiceRow([(ItemResult.MET.value, t("met")), (ItemResult.NOT_MET.value, t("not_met")),
                            (ItemResult.NA.value, t("na"))],
                           rating.result.value if rating.result is not ItemResult.UNRATED else None,
                           lambda v, c=clause: self._choose(c, v), colors=RESULT_COLORS, expand_buttons=True,
                           locked=locked)
        clear = ft.TextButton(content=ft.Text(t("clear_rating")), icon=ft.Icons.UNDO, height=TARGET,
                              on_click=bind(self._clear, clause),
                              visible=self.editable and rating.result is not ItemResult.UNRATED)
        refusal = ft.Text("", size=13, color=ft.Colors.RED_700, visible=False)
        na_reason = ft.TextField(label=t("na_reason"), value=rating.na_reason, visible=rating.result is ItemResult.NA,
                                 on_blur=bind(self._na_done, clause), disabled=locked, on_change=lambda e: None)
        note = ft.TextField(label=t("item_note"), value=rating.note, multiline=True, min_lines=1, max_lines=None,
                            max_length=services.NOTE_LIMIT, helper=t("note_limit", n=services.NOTE_LIMIT),
                            on_blur=bind(self._note_done, clause), disabled=locked,
                            on_change=bind(self._typing, clause))
        quick = ft.Row([ft.TextButton(p, height=TARGET, on_click=bind(self._phrase, clause, p))
                        for p in phrases("checklist", lang)], wrap=True, spacing=0, visible=not locked)
        self.rows[clause.number] = dict(item=item, choice=choice, clear=clear, refusal=refusal, na_reason=na_reason,
                                        note=note, rating=rating)
        parts += [choice, ft.Row([clear], alignment=ft.MainAxisAlignment.END), refusal, na_reason, note, quick]
        return ft.Container(ft.Column(parts, spacing=6, horizontal_alignment=ft.CrossAxisAlignment.STRETCH),
                            padding=12, border_radius=10, bgcolor=ft.Colors.WHITE,
                            border=ft.Border.all(1, ft.Colors.GREY_300))

    # ------------------------------------------------------------ changes
    async def _save(self, clause, fn, *args, **kwargs) -> bool:
        row = self.rows[clause.number]
        state = await self.app.call(fn, self.id, clause.number, *args, actor=self.app.me or None,
                                    error_at=row["refusal"], **kwargs)
        if state is None:
            return False
        await self._after_save()
        return True

    async def _after_save(self) -> None:
        self.data = await asyncio.to_thread(load, self.app, self.id)  # the view rate() just made
        self._summary()
        self.summary.update()
        self._show_ratings()
        button = self.nav.controls[1]
        label = self._unrated_label() or self.app.t("all_rated")
        if button.content.value != label:
            button.content.value, button.disabled = label, self._next_unrated_post() is None
            button.on_click = self._to_unrated
            button.update()

    def _show_ratings(self) -> None:
        for number, row in self.rows.items():
            finding = self.data.snap.findings.get(number)
            rating = finding.items.get(row["item"].code, ItemRating()) if finding else ItemRating()
            row["rating"] = rating
            rated = rating.result is not ItemResult.UNRATED
            row["choice"].show(rating.result.value if rated else None)
            if row["clear"].visible != (rated and self.editable):
                row["clear"].visible = rated and self.editable
                row["clear"].update()
            if number not in self.typing and (row["note"].value or "") != rating.note:
                row["note"].value = rating.note
                row["note"].update()

    async def _choose(self, clause, value: str) -> None:
        row = self.rows[clause.number]
        is_na = value == ItemResult.NA.value
        if row["na_reason"].visible != is_na:
            row["na_reason"].visible = is_na
            row["na_reason"].update()
        if is_na and not (row["na_reason"].value or "").strip():
            self.save_state.set("unsaved")
            row["refusal"].value, row["refusal"].visible = self.app.t("na_needs_reason"), True
            row["refusal"].update()
            return
        saved = row["rating"].result
        if not await self._save(clause, read_models.rate, row["item"].code, value,
                                na_reason=(row["na_reason"].value or "") if is_na else ""):
            row["choice"].show(saved.value if saved is not ItemResult.UNRATED else None)

    async def _na_done(self, clause) -> None:
        row = self.rows[clause.number]
        if row["choice"].value == ItemResult.NA.value and (row["na_reason"].value or "").strip():
            await self._save(clause, read_models.rate, row["item"].code, ItemResult.NA.value,
                             na_reason=row["na_reason"].value or "")

    async def _clear(self, clause) -> None:
        row = self.rows[clause.number]
        if await self._save(clause, read_models.clear, row["item"].code):
            row["na_reason"].visible = False
            row["na_reason"].update()

    def _typing(self, clause, e=None) -> None:
        self.typing.add(clause.number)
        if self.save_state.state != "unsaved":
            self.save_state.set("unsaved")

    async def _note_done(self, clause) -> None:
        row = self.rows[clause.number]
        text = row["note"].value or ""
        if text == row["rating"].note:
            self.typing.discard(clause.number)
            if self.save_state.state == "unsaved" and not self.typing:
                self.save_state.set("saved")
            return
        if await self._save(clause, read_models.item_note, row["item"].code, text):
            self.typing.discard(clause.number)

    async def _phrase(self, clause, phrase: str) -> None:
        row = self.rows[clause.number]
        row["note"].value = append_phrase(row["note"].value or "", phrase)
        row["note"].update()
        await self._note_done(clause)

    # ------------------------------------------------------------ live
    async def on_sync_status(self, status=None) -> None:
        view = await asyncio.to_thread(read_models.inspection_view, self.app.ctx.workspace, self.id)
        if view.version == self.data.version:
            return
        if view.inspection.status is not self.data.inspection.status:
            self.app.show(self.app.page.route)
            return
        self.data = view
        self._summary()
        self.summary.update()
        self._show_ratings()
