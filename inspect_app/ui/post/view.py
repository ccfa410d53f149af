"""Post 岗位 of a checklist standard (门诊服务规范: 导医, 门诊护士 …): one post per screen, its norms
as rows (符合 / 不符合 / 不适用, a note with behaviour-norm phrases), and the post's 符合率.

No C/B/A anywhere: a norm is met or not. Each tap is one service call (read_models.rate); each
norm's rating is the clause screen's RatingRow (ui/components/rating_row.py).
"""

from __future__ import annotations

import asyncio

import flet as ft

from inspect_app import read_models
from inspect_app.inspection import ItemRating
from inspect_app.ui.components.common import app_bar, progress_line, status_banner
from inspect_app.ui.components.nav import clause_nav_bar, inspection_actions, inspection_bottom_bar
from inspect_app.ui.components.rating_row import RatingRow
from inspect_app.ui.components.save_state import SaveState
from inspect_app.ui.data import load
from inspect_app.ui.overview.view import percent_text
from inspect_app.ui_state import post_route


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
        self.rows: dict[str, RatingRow] = {}
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
        # The same rating row as the clause screen (components/rating_row.py).
        row = RatingRow(self.app, self._row_save, editable=self.editable, phrase_kind="checklist",
                        on_typing=self._typing, on_settled=self._settled)
        row.bind(clause.number, item.code, rating)
        self.rows[clause.number] = row
        parts += row.controls()
        return ft.Container(ft.Column(parts, spacing=6, horizontal_alignment=ft.CrossAxisAlignment.STRETCH),
                            padding=12, border_radius=10, bgcolor=ft.Colors.WHITE,
                            border=ft.Border.all(1, ft.Colors.GREY_300))

    # ------------------------------------------------------------ changes
    async def _row_save(self, row: RatingRow, fn, *args, **kwargs):
        state = await self.app.call(fn, self.id, row.number, row.code, *args, actor=self.app.me or None,
                                    error_at=row.refusal, **kwargs)
        if state is not None:
            await self._after_save()
        return state

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
            row.show(finding.items.get(row.code, ItemRating()) if finding else ItemRating())

    def _typing(self) -> None:
        if self.save_state.state != "unsaved":
            self.save_state.set("unsaved")

    def _settled(self) -> None:
        if self.save_state.state == "unsaved" and not any(r.typing for r in self.rows.values()):
            self.save_state.set("saved")

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
