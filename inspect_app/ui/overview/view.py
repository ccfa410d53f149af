"""Overview 总览: progress, the clause list (first, so a phone sees it without scrolling), filters,
search, a legend for the counts and icons, chapters with the team split.

A checklist standard (门诊服务规范) lists its posts (岗位) with each post's 符合率 instead; a post
opens on its own screen with its norms as rows (ui/post/view.py).
"""

from __future__ import annotations

import flet as ft

from inspect_app import services
from inspect_app.scoring import level_name
from inspect_app.ui.components.choice import ChoiceRow
from inspect_app.ui.components.common import TARGET, big_button, card, heading, level_badge, progress_line
from inspect_app.ui.components.inspection_screen import InspectionScreen
from inspect_app.ui.home.start_stage import sample_words, stage_text
from inspect_app.ui.sync.conflicts import conflict_banner
from inspect_app.ui.i18n import colon
from inspect_app.ui_state import Filter, clause_route, clause_rows, filter_rows, page_of, post_route

FILTERS = (Filter.ALL, Filter.UNRATED, Filter.BELOW_C, Filter.RECOMMENDED, Filter.NOTES, Filter.MINE, Filter.MISSING)
FILTER_KEYS = {Filter.ALL: "f_all", Filter.UNRATED: "f_unrated", Filter.BELOW_C: "f_below_c",
               Filter.RECOMMENDED: "f_recommended", Filter.NOTES: "f_notes", Filter.MINE: "f_mine",
               Filter.MISSING: "f_missing"}


def percent_text(value: float, decided: int) -> str:
    return f"{value:.0f}%" if decided else "—"


def verdict_text(app, verdict) -> str:
    return verdict.label(app.lang)  # 暂定, and 依据节选 against an excerpt (scoring.Verdict.label)


class OverviewScreen(InspectionScreen):
    tab = "overview"

    def __init__(self, app, inspection_id: str) -> None:
        super().__init__(app, inspection_id)
        t = app.t
        self.filter = Filter.ALL
        self.query = ""
        self.page_no = 0
        self.head = ft.Column(spacing=6)
        self.list_col = ft.Column(spacing=6)
        self.chapters_box = ft.Container()
        self._compute()
        center = self.data.center.name if self.data.center else ""
        if self.data.checklist:
            body = [self.head, conflict_banner(app, inspection_id), heading(t("posts"), 16), self.list_col,
                    self._legend()]
        else:
            self.search = ft.TextField(hint_text=t("search"), prefix_icon=ft.Icons.SEARCH, on_change=self._search,
                                       dense=False, expand=True, height=TARGET + 4)
            filters = ChoiceRow([(f.value, t(FILTER_KEYS[f])) for f in FILTERS], Filter.ALL.value, self._filter)
            if app.narrow:  # one line that scrolls sideways, so the list starts high on a phone
                filters.wrap = False
                filters.scroll = ft.ScrollMode.AUTO
            body = [self.head, conflict_banner(app, inspection_id), ft.Row([self.search]), filters, self.list_col,
                    self._legend(), heading(t("by_chapter"), 16), self.chapters_box]
        self.view = self.frame(f"/i/{inspection_id}", f"{t('overview')} · {center}", "/", body, stretch=True)

    # ------------------------------------------------------------ state → controls
    def _compute(self) -> None:
        data, app, t = self.data, self.app, self.app.t
        score = data.score
        self.section_titles = {s.number: s.title for ch in data.standard.chapters for s in ch.sections}
        self.rows = clause_rows(data.standard, score.clauses, data.snap.findings, data.inspection.assignments,
                                data.gaps())
        sample = set(data.inspection.sample)
        if sample:  # a re-check on a sample rates (and lists) only its recorded clauses
            self.rows = [r for r in self.rows if r.number in sample]
        verdict = ft.Text(f"{t('verdict')}{': ' if app.lang == 'en' else '：'}{verdict_text(app, score.verdict)}",
                          size=13, weight=ft.FontWeight.W_600)
        if data.checklist:
            posts = data.posts()
            met = sum(p.met for p in posts)
            decided = met + sum(p.not_met for p in posts)
            summary = ft.Text(f"{t('compliance')} {percent_text(100 * met / decided if decided else 0, decided)}",
                              size=13)
            counts: list[ft.Control] = [summary, verdict]
        else:
            d_count = score.basic.D + score.recommended.D
            counts = [ft.Text(t("clause_counts", d=d_count, basic=score.basic.total, rec=score.recommended.total),
                              size=13, color=ft.Colors.RED_800 if d_count else None), verdict]
        progress = (progress_line(app, sum(r.rated for r in self.rows), sum(r.total for r in self.rows)) if sample
                    else progress_line(app, score.rated_items, score.total_items))
        self.head.controls = [ft.Text(stage_text(app, data.inspection), size=13, weight=ft.FontWeight.W_600,
                                      color=ft.Colors.INDIGO_700),
                              *([ft.Text(sample_words(app, data.inspection), size=12,
                                         color=ft.Colors.GREY_700)] if sample else []),
                              progress, ft.Row(counts, wrap=True, spacing=12)]
        self._render_list()
        if not data.checklist:
            self.chapters_box.content = self._chapters()

    async def refresh(self) -> None:
        """A teammate's ratings arrived: counts, rows and chapters change in place (the search
        text, filter and paging stay)."""
        self._compute()
        self.head.update()
        self.list_col.update()
        if not self.data.checklist:
            self.chapters_box.update()

    def _legend(self) -> ft.Control:
        t = self.app.t
        return ft.Container(
            ft.Row([ft.Icon(ft.Icons.INFO_OUTLINE, size=18, color=ft.Colors.GREY_700),
                    ft.Text(f"{t('legend')}{': ' if self.app.lang == 'en' else '：'}"
                            + t("legend_checklist" if self.data.checklist else "legend_text"),
                            size=12, color=ft.Colors.GREY_800, expand=True)],
                   vertical_alignment=ft.CrossAxisAlignment.START, spacing=6),
            bgcolor=ft.Colors.BLUE_GREY_50, border_radius=8, padding=10)

    # ------------------------------------------------------------ chapters and team split
    def _chapters(self) -> ft.Control:
        t = self.app.t
        insp = self.data.inspection
        tiles = []
        for ch in self.data.score.chapters:
            member = insp.assignments.get(ch.number, "")
            tiles.append(ft.Container(
                card(
                    ft.Text(f"{ch.number} {ch.title}", size=15, weight=ft.FontWeight.W_600, max_lines=2),
                    progress_line(self.app, ch.rated_items, ch.total_items),
                    ft.Row([ft.Text(f"A {ch.all.A} · B {ch.all.B} · C {ch.all.C} · D {ch.all.D}", size=12),
                            ft.TextButton(f"{t('assigned_to')}{colon(self.app.lang)}{member or t('unassigned')}", icon=ft.Icons.GROUP,
                                          height=TARGET, disabled=not self.data.editable,
                                          on_click=lambda e, n=ch.number: self._assign_dialog(n))],
                           wrap=True, alignment=ft.MainAxisAlignment.SPACE_BETWEEN),
                ),
                col={"xs": 12, "md": 6},
            ))
        return ft.ResponsiveRow(tiles, spacing=8, run_spacing=8)

    def _assign_dialog(self, chapter: str) -> None:
        app, t = self.app, self.app.t
        team = [m.name for m in self.data.inspection.team]
        current = self.data.inspection.assignments.get(chapter, "")

        async def choose(member: str):
            done = await app.call(services.assign_chapter, self.id, chapter, member, actor=app.me or None)
            app.page.pop_dialog()
            if done is not None:
                app.show(app.page.route)

        app.page.show_dialog(ft.AlertDialog(
            title=ft.Text(f"{t('assign')} · {chapter}"),
            content=ChoiceRow([(m, m) for m in team] + [("", t("unassigned"))], current, choose),
            actions=[big_button(t("cancel"), lambda e: app.page.pop_dialog(), filled=False)],
        ))

    # ------------------------------------------------------------ clause list
    async def _filter(self, value: str) -> None:
        self.filter = Filter(value)
        self.page_no = 0
        self._render_list()
        self.list_col.update()

    def _search(self, e) -> None:
        self.query = e.control.value or ""
        self.page_no = 0
        self._render_list()
        self.list_col.update()

    def _more(self, e) -> None:
        self.page_no += 1
        self._render_list()
        self.list_col.update()

    def _render_list(self) -> None:
        if self.data.checklist:
            self.list_col.controls = [self._post_row(p) for p in self.data.posts()]
            return
        rows = filter_rows(self.rows, self.filter, self.query, self.app.me)
        shown, more = page_of(rows, self.page_no)
        controls: list[ft.Control] = []
        section = None
        for row in shown:
            if row.section != section:
                section = row.section
                title = self.section_titles.get(section, "")
                # An importer's placeholder ("2.1 2.1") is not a title: show the number once.
                label = section if not title or title == section else f"{section} {title}"
                controls.append(ft.Text(label, size=13, color=ft.Colors.GREY_700, weight=ft.FontWeight.W_600))
            controls.append(self._row(row))
        if not rows:
            controls.append(ft.Text("—"))
        if more:
            controls.append(big_button(f"{self.app.t('more')} ({len(rows) - len(shown)})", self._more, filled=False))
        self.list_col.controls = controls

    def _post_row(self, post) -> ft.Control:
        t = self.app.t
        decided = post.met + post.not_met
        total = post.met + post.not_met + post.not_applicable + post.unrated
        rated = total - post.unrated
        color = ft.Colors.GREY_500 if not decided else (ft.Colors.GREEN_700 if post.percent >= 90 else ft.Colors.RED_700)
        return ft.Container(
            ft.Row([
                ft.Text(post.number, width=44, weight=ft.FontWeight.BOLD),
                ft.Column([ft.Text(post.title, weight=ft.FontWeight.W_600),
                           ft.Text(t("compliance_of", p=percent_text(post.percent, decided), met=post.met,
                                     not_met=post.not_met, unrated=post.unrated), size=12,
                                   color=ft.Colors.GREY_700)], spacing=2, expand=True, tight=True),
                ft.Text(f"{rated}/{total}", size=12, color=ft.Colors.GREY_700),
                ft.Container(ft.Text(percent_text(post.percent, decided), color=ft.Colors.WHITE,
                                     weight=ft.FontWeight.BOLD), bgcolor=color, border_radius=6,
                             padding=ft.Padding.symmetric(horizontal=8, vertical=3)),
            ], vertical_alignment=ft.CrossAxisAlignment.CENTER, spacing=8),
            padding=ft.Padding.symmetric(horizontal=12, vertical=8), border_radius=8,
            bgcolor=ft.Colors.WHITE, border=ft.Border.all(1, ft.Colors.GREY_200),
            on_click=lambda e, n=post.number: self.app.go(post_route(self.id, n)), ink=True,
        )

    def _row(self, row) -> ft.Control:
        lang = self.app.lang
        star = " ★" if row.recommended else ""
        badge = level_badge(row.level.value, row.level.value if row.level.is_decided else level_name(row.level, lang),
                            size=13)
        extra = []
        if row.gaps:
            extra.append(ft.Icon(ft.Icons.PHOTO_CAMERA_OUTLINED, color=ft.Colors.ORANGE_800, size=18,
                                 semantics_label=self.app.t("missing_evidence")))
        if row.has_notes:
            extra.append(ft.Icon(ft.Icons.NOTES, size=18, color=ft.Colors.GREY_700))
        return ft.Container(
            ft.Row([
                ft.Text(row.number, width=64, weight=ft.FontWeight.BOLD),
                ft.Text(row.title + star, expand=True, max_lines=2, overflow=ft.TextOverflow.ELLIPSIS),
                *extra,
                ft.Text(f"{row.rated}/{row.total}", size=12, color=ft.Colors.GREY_700),
                badge,
            ], vertical_alignment=ft.CrossAxisAlignment.CENTER, spacing=8),
            padding=ft.Padding.symmetric(horizontal=12, vertical=6), height=56, border_radius=8,
            bgcolor=ft.Colors.WHITE, border=ft.Border.all(1, ft.Colors.GREY_200),
            on_click=lambda e, n=row.number: self.app.go(clause_route(self.id, n)), ink=True,
        )

