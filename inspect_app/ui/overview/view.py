"""Overview 总览: progress per chapter and section, level badges, filters, search, team split."""

from __future__ import annotations

import flet as ft

from inspect_app import services
from inspect_app.scoring import level_name
from inspect_app.ui.components.inspection_screen import InspectionScreen
from inspect_app.ui.components.choice import ChoiceRow
from inspect_app.ui.components.common import TARGET, big_button, card, heading, level_badge, progress_line
from inspect_app.ui.sync.conflicts import conflict_banner
from inspect_app.ui_state import Filter, clause_route, clause_rows, filter_rows, page_of

FILTERS = (Filter.ALL, Filter.UNRATED, Filter.BELOW_C, Filter.RECOMMENDED, Filter.NOTES, Filter.MINE, Filter.MISSING)
FILTER_KEYS = {Filter.ALL: "f_all", Filter.UNRATED: "f_unrated", Filter.BELOW_C: "f_below_c",
               Filter.RECOMMENDED: "f_recommended", Filter.NOTES: "f_notes", Filter.MINE: "f_mine",
               Filter.MISSING: "f_missing"}


class OverviewScreen(InspectionScreen):
    tab = "overview"

    def __init__(self, app, inspection_id: str) -> None:
        super().__init__(app, inspection_id)
        t = app.t
        data = self.data
        score = data.score
        self.rows = clause_rows(data.standard, score.clauses, data.snap.findings, data.inspection.assignments,
                                data.gaps())
        self.filter = Filter.ALL
        self.query = ""
        self.page_no = 0
        self.section_titles = {s.number: s.title for ch in data.standard.chapters for s in ch.sections}
        self.list_col = ft.Column(spacing=6)
        self.search = ft.TextField(hint_text=t("search"), prefix_icon=ft.Icons.SEARCH, on_change=self._search,
                                   dense=False, expand=True, height=TARGET + 4)
        filters = ChoiceRow([(f.value, t(FILTER_KEYS[f])) for f in FILTERS], Filter.ALL.value, self._filter)
        d_count = score.basic.D + score.recommended.D
        center = data.center.name if data.center else ""
        head = ft.Column([
            progress_line(app, score.rated_items, score.total_items),
            ft.Row([
                level_badge("D", t("d_count", n=d_count)),
                ft.Text(f"{t('basic')} {score.basic.total} · {t('recommended')} {score.recommended.total}", size=13),
                ft.Text(f"{t('verdict')}: {score.verdict.name(app.lang)}"
                        + (" (暂定)" if score.verdict.provisional and app.lang == "zh" else
                           " (provisional)" if score.verdict.provisional else ""), size=13),
            ], wrap=True, spacing=12),
        ], spacing=6)
        self._render_list()
        self.view = self.frame(
            f"/i/{inspection_id}", f"{t('overview')} · {center}", "/",
            [head, conflict_banner(app, inspection_id), self._chapters(), heading(t("clauses"), 16),
             ft.Row([self.search]), filters, self.list_col])

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
                            ft.TextButton(f"{t('assigned_to')}: {member or t('unassigned')}", icon=ft.Icons.GROUP,
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
        rows = filter_rows(self.rows, self.filter, self.query, self.app.me)
        shown, more = page_of(rows, self.page_no)
        controls: list[ft.Control] = []
        section = None
        for row in shown:
            if row.section != section:
                section = row.section
                controls.append(ft.Text(f"{section} {self.section_titles.get(section, '')}", size=13,
                                        color=ft.Colors.GREY_700, weight=ft.FontWeight.W_600))
            controls.append(self._row(row))
        if not rows:
            controls.append(ft.Text("—"))
        if more:
            controls.append(big_button(f"{self.app.t('more')} ({len(rows) - len(shown)})", self._more, filled=False))
        self.list_col.controls = controls

    def _row(self, row) -> ft.Control:
        lang = self.app.lang
        star = " ★" if row.recommended else ""
        badge = level_badge(row.level.value, row.level.value if row.level.is_decided else level_name(row.level, lang),
                            size=13)
        extra = []
        if row.gaps:
            extra.append(ft.Icon(ft.Icons.PHOTO_CAMERA_OUTLINED, color=ft.Colors.ORANGE_800, size=18,
                                 tooltip=self.app.t("missing_evidence")))
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
