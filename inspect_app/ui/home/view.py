"""Home 首页: who uses this device, health centers, inspections by status, start one, standards."""

from __future__ import annotations

import asyncio

import flet as ft

from inspect_app import review_chain, services
from inspect_app.errors import UserError
from inspect_app.inspection import CenterType, HealthCenter, InspectionStatus, TeamRole
from inspect_app.ui.components.choice import ChoiceRow
from inspect_app.ui.components.common import TARGET, app_bar, big_button, card, heading, level_badge, progress_line
from inspect_app.ui.components.standard_coverage import standard_coverage_lines
from inspect_app.ui.home.start_stage import StageChoices, stage_text
from inspect_app.ui.reports import NOTHING_LOCKED, export_for_bureau
from inspect_app.ui.i18n import colon, join_list
from inspect_app.ui_state import (by_status, clause_route, inspection_label, post_route, resume_clause, split_team,
                                  team_members)


def _field(**kw) -> ft.TextField:
    """A text field whose value reaches Python as it is typed (a change handler must exist)."""
    return ft.TextField(on_change=lambda e: None, **kw)


class HomeScreen:
    def __init__(self, app) -> None:
        self.app = app
        t = app.t
        ws = app.ctx.workspace
        self.centers = services.list_centers(ws)
        self.inspections = services.list_inspections(ws)
        self.damaged = services.damaged_inspections(ws)  # listed with a repair notice, never hidden
        self.center_names = {c.id: c.name for c in self.centers}
        self.standard_titles = {s.id: s.title for s in app.ctx.standards()}
        self.me_field = _field(label=t("my_name"), value=app.me, width=260, height=TARGET + 8,
                                     on_blur=self._save_me, on_submit=self._save_me, dense=False)
        wide = not app.narrow
        left = ft.Column([self._me(), self._inspections()], spacing=20, expand=wide)
        right = ft.Column([self._centers(), self._standards()], spacing=20, expand=wide)
        if wide:
            body = ft.Row([left, right], spacing=24, vertical_alignment=ft.CrossAxisAlignment.START)
        else:
            body = ft.Column([*left.controls, *right.controls], spacing=20)
        self.view = ft.View(
            route="/", appbar=app_bar(app, t("app_title")), scroll=ft.ScrollMode.AUTO,
            padding=ft.Padding.all(12 if app.narrow else 20), bgcolor=ft.Colors.GREY_50,
            controls=[body],
        )

    # ------------------------------------------------------------ me
    def _me(self) -> ft.Control:
        return ft.Column([heading(self.app.t("me")), self.me_field], spacing=6)

    async def _save_me(self, e) -> None:
        await self.app.set_me(self.me_field.value or "")

    # ------------------------------------------------------------ inspections
    def _inspections(self) -> ft.Control:
        t = self.app.t
        actions = ft.Row([big_button(t("export_reports"), self._export_dialog, icon=ft.Icons.IOS_SHARE, filled=False),
                          big_button(t("start_inspection"), self._start_dialog, icon=ft.Icons.PLAY_ARROW,
                                     disabled=not self.centers)], spacing=8, wrap=True)
        rows: list[ft.Control] = [ft.Row([heading(t("inspections")), actions],
                                         alignment=ft.MainAxisAlignment.SPACE_BETWEEN, wrap=True)]
        if not self.inspections:
            rows.append(ft.Text(t("no_inspections")))
        archived = [i for i in self.inspections if i.archived]
        shown = self.inspections if self.app.show_archived else [i for i in self.inspections if not i.archived]
        for status, group in by_status(shown):
            rows.append(ft.Text(t(f"status_{status.value}"), size=14, color=ft.Colors.GREY_700,
                                weight=ft.FontWeight.W_600))
            for insp in group:
                rows.append(self._inspection_card(insp))
        from inspect_app.ui.components.repair import repair_card

        rows.extend(repair_card(self.app, bad) for bad in self.damaged)
        if archived:
            rows.append(ft.TextButton(content=ft.Text((t("hide_archived") if self.app.show_archived else
                                                       t("show_archived")) + f" · {t('archived_n', n=len(archived))}"),
                                      icon=ft.Icons.INVENTORY_2_OUTLINED, height=TARGET, on_click=self._toggle_archived))
        return ft.Column(rows, spacing=8, horizontal_alignment=ft.CrossAxisAlignment.STRETCH)

    def _toggle_archived(self, e) -> None:
        self.app.show_archived = not self.app.show_archived
        self.app.show("/")

    def _inspection_card(self, insp) -> ft.Control:
        """Center, start time and short number (two visits of one center differ), standard, team,
        progress, the provisional verdict; resume, overview, archive."""
        from inspect_app import read_models

        t, app = self.app.t, self.app
        center = self.center_names.get(insp.center_id, insp.center_id)
        std = self.standard_titles.get(insp.standard_id, insp.standard_id)
        action = t("resume") if insp.status is InspectionStatus.DRAFT else t("open")
        lead = (" (", ")") if app.lang == "en" else ("（", "）")
        team = join_list([m.name + (f"{lead[0]}{t('leader')}{lead[1]}" if m.role is TeamRole.LEADER else "")
                          for m in insp.team], app.lang)
        parts: list[ft.Control] = [
            ft.Text(inspection_label(center, insp, app.lang), size=16, weight=ft.FontWeight.W_600),
            ft.Text(std, size=13),
            ft.Text(stage_text(app, insp), size=13, color=ft.Colors.INDIGO_700),
            ft.Text(f"{team}" + (f" · {t('at_clause')} {insp.current_clause}" if insp.current_clause else "")
                    + (f" · {t('gps_kept')}" if insp.keep_gps else ""),
                    size=13, color=ft.Colors.GREY_700),
        ]
        try:
            view = read_models.inspection_view(app.ctx.workspace, insp.id)
        except Exception:  # noqa: BLE001 - a card without figures still opens its inspection
            view = None
        if view is not None:
            verdict = view.score.verdict
            name = verdict.label(app.lang)  # 暂定; 依据节选 against an excerpt
            parts.append(progress_line(app, view.score.rated_items, view.score.total_items))
            parts.append(ft.Row([ft.Text(t("verdict"), size=13), level_badge("A" if verdict.tier else "incomplete"
                                                                                if verdict.provisional
                                                                                or not verdict.assessable else "D",
                                                                                name, size=13)], spacing=8))
        archive = ft.TextButton(content=ft.Text(t("unarchive") if insp.archived else t("archive")),
                                icon=ft.Icons.UNARCHIVE_OUTLINED if insp.archived else ft.Icons.ARCHIVE_OUTLINED,
                                height=TARGET, on_click=lambda e, i=insp: self._archive(i))
        parts.append(ft.Row([big_button(action, lambda e, i=insp.id: self._open(i), icon=ft.Icons.ARROW_FORWARD),
                             big_button(t("overview"), lambda e, i=insp.id: self.app.go(f"/i/{i}"), filled=False),
                             archive], wrap=True))
        return card(*parts)

    async def _archive(self, insp) -> None:
        done = await self.app.call(services.archive_inspection, insp.id, not insp.archived, actor=self.app.me or None)
        if done is not None:
            self.app.show("/")

    def _open(self, inspection_id: str) -> None:
        """Resume where this inspection was left off (its bookmark, else the first unrated clause);
        a checklist opens the post (岗位) of that norm."""
        ws = self.app.ctx.workspace
        snap = services.snapshot(ws, inspection_id)
        standard = services.standard_for(ws, snap.inspection)
        number = resume_clause(standard, snap.inspection, snap.findings)
        if not number:
            self.app.go(f"/i/{inspection_id}")
        elif standard.kind.value == "checklist":
            post = next((s.number for ch in standard.chapters for s in ch.sections
                         if any(c.number == number for c in s.clauses)), None)
            self.app.go(post_route(inspection_id, post) if post else f"/i/{inspection_id}")
        else:
            self.app.go(clause_route(inspection_id, number))

    def _start_dialog(self, e) -> None:
        app, t = self.app, self.app.t
        standards = app.ctx.standards()
        center = ChoiceRow([(c.id, c.name) for c in self.centers], self.centers[0].id if len(self.centers) == 1 else None,
                           lambda v: chain.refresh())
        standard = ChoiceRow([(s.id, s.title) for s in standards], standards[0].id if len(standards) == 1 else None,
                             lambda v: chain.refresh())
        # Stage, round, a re-check's sample, blind or not (review chain, ui/home/start_stage.py).
        chain = StageChoices(app, lambda: center.value, lambda: standard.value)
        # 评审组长: one tap among the names typed so far; by default the inspector on this device.
        leader = ChoiceRow([], None)
        leader_note = ft.Text(t("leader_note"), size=12, color=ft.Colors.GREY_700)

        def names() -> list[str]:
            mine = (me.value or "").strip()
            return ([mine] if mine else []) + [n for n in split_team(team.value or "") if n != mine]

        def refresh_leader(ev=None) -> None:
            people = names()
            chosen = leader.value if leader.value in people else (people[0] if people else None)
            leader.options = [(n, n) for n in people]
            leader.value = chosen
            leader._render()
            if ev is not None:
                leader.update()

        me = ft.TextField(label=t("my_name"), value=app.me, on_change=refresh_leader)
        team = ft.TextField(label=t("team"), multiline=True, min_lines=1, max_lines=3, on_change=refresh_leader)
        refresh_leader()
        # GPS policy of this inspection's photos (Inspection.keep_gps): off unless the team asks.
        keep_gps = ft.Switch(label=t("keep_gps"), value=False, height=TARGET, on_change=lambda ev: None)

        def toggle_gps(ev):
            keep_gps.value = not keep_gps.value
            keep_gps.update()

        # The whole 56 px line toggles the switch (the bare switch was a small target).
        gps_row = ft.Container(keep_gps, height=56, on_click=toggle_gps, alignment=ft.Alignment.CENTER_LEFT,
                               padding=ft.Padding.symmetric(horizontal=4))
        keep_gps_note = ft.Text(t("keep_gps_note"), size=12, color=ft.Colors.GREY_700)
        error = ft.Text("", color=ft.Colors.RED_700)

        center_error = ft.Text("", color=ft.Colors.RED_700, size=13, visible=False)
        standard_error = ft.Text("", color=ft.Colors.RED_700, size=13, visible=False)

        async def start(ev):
            # Each missing choice is said at its own field (请选择, it is a choice, not a text).
            for value, where, what in ((center.value, center_error, "center"), (standard.value, standard_error, "standard")):
                where.value, where.visible = t("choose_required", what=t(what)), not value
                where.update()
            if not center.value or not standard.value:
                return
            await app.set_me(me.value or "")
            members = team_members(names(), leader.value)
            chosen = chain.start_kwargs()
            if chosen is None:  # the sample's seed is not a number: said at the rule line
                return
            insp = await app.call(review_chain.start_stage, center.value, standard.value, members, app.me,
                                  keep_gps=bool(keep_gps.value), error_at=error, **chosen)
            if insp is not None:
                app.page.pop_dialog()
                app.go(f"/i/{insp.id}")

        dlg = ft.AlertDialog(
            modal=True, title=ft.Text(t("start_inspection")),
            content=ft.Column([ft.Text(t("center"), weight=ft.FontWeight.W_600), center, center_error,
                               ft.Text(t("standard"), weight=ft.FontWeight.W_600), standard, standard_error,
                               *chain.controls, me, team, ft.Text(t("leader"), weight=ft.FontWeight.W_600), leader, leader_note,
                               gps_row, keep_gps_note, error], tight=True, scroll=ft.ScrollMode.AUTO, width=560, spacing=10),
            actions=[big_button(t("cancel"), lambda ev: app.page.pop_dialog(), filled=False),
                     big_button(t("start_inspection"), start)],
            inset_padding=ft.Padding.all(12) if app.narrow else None,
        )
        app.page.show_dialog(dlg)

    # ------------------------------------------------------------ export for the bureau
    def _export_dialog(self, e) -> None:
        """导出报告给卫健局: tick locked inspections (all by default), export into
        <data>/exports/<timestamp>/ off the event loop, then offer the zip (/exports/…)."""
        app, t = self.app, self.app.t
        locked = [i for i in self.inspections if i.status is InspectionStatus.LOCKED]
        close = big_button(t("close"), lambda ev: app.page.pop_dialog(), filled=False)
        if not locked:
            app.page.show_dialog(ft.AlertDialog(
                modal=True, title=ft.Text(t("export_title")),
                content=ft.Text(NOTHING_LOCKED.message(app.lang), width=480),
                actions=[close], inset_padding=ft.Padding.all(12) if app.narrow else None))
            return
        boxes = []
        for insp in locked:
            center = self.center_names.get(insp.center_id, insp.center_id)
            boxes.append(ft.Checkbox(label=inspection_label(center, insp, app.lang), value=True, data=insp.id, height=TARGET,
                                     on_change=lambda ev: None))
        message = ft.Text("", size=13, visible=False, expand=True)
        progress = ft.ProgressRing(width=24, height=24, visible=False)
        download = ft.FilledButton(t("download_zip"), icon=ft.Icons.DOWNLOAD, height=TARGET, visible=False)

        async def run(ev):
            chosen = [b.data for b in boxes if b.value]
            run_button.disabled = True
            progress.visible = True
            message.value, message.color, message.visible = t("exporting"), None, True
            download.visible = False
            app.page.update()
            try:
                done = await asyncio.to_thread(export_for_bureau, app.ctx.workspace, chosen)
            except Exception as exc:  # noqa: BLE001 - UserError (none ticked, signing key) says why
                message.value = exc.message(app.lang) if isinstance(exc, UserError) else f"{type(exc).__name__}: {exc}"
                message.color = ft.Colors.RED_700
            else:
                lines = [t("export_done", n=done.count)]  # no file-system path on screen
                lines += [t("export_skipped", what=f"{i} — {en if app.lang == 'en' else zh}")
                          for i, zh, en in done.skipped]
                message.value = "\n".join(lines)
                download.action = ft.OpenUrl(done.url, target=ft.UrlTarget.SELF)
                download.visible = True
            finally:
                run_button.disabled = False
                progress.visible = False
                app.page.update()

        run_button = big_button(t("export_run"), run, icon=ft.Icons.IOS_SHARE)
        app.page.show_dialog(ft.AlertDialog(
            modal=True, title=ft.Text(t("export_title")),
            content=ft.Column([ft.Text(t("export_choose"), size=13, color=ft.Colors.GREY_800), *boxes,
                               ft.Row([progress, message], spacing=8, wrap=False,
                                      vertical_alignment=ft.CrossAxisAlignment.CENTER),
                               download],
                              # A scrolling Column fills the dialog's full height: only scroll a long list.
                              tight=True, scroll=ft.ScrollMode.AUTO if len(boxes) > 6 else None, width=560,
                              spacing=8),
            actions=[close, run_button],
            inset_padding=ft.Padding.all(12) if app.narrow else None,
        ))

    # ------------------------------------------------------------ centers
    def _centers(self) -> ft.Control:
        t = self.app.t
        rows: list[ft.Control] = [ft.Row([heading(t("centers")),
                                          big_button(t("add_center"), lambda e: self._center_dialog(None),
                                                     icon=ft.Icons.ADD, filled=False)],
                                         alignment=ft.MainAxisAlignment.SPACE_BETWEEN, wrap=True)]
        if not self.centers:
            rows.append(ft.Text(t("no_centers")))
        for c in self.centers:
            kind = t(f"type_{c.type.value}")
            details = " · ".join(x for x in (kind, c.county, c.code, c.director) if x)
            rows.append(ft.Container(
                ft.Row([ft.Column([ft.Text(c.name, size=15, weight=ft.FontWeight.W_600),
                                   ft.Text(details, size=12, color=ft.Colors.GREY_700)], spacing=2, expand=True),
                        ft.IconButton(ft.Icons.EDIT, tooltip=f"{t('edit')} {c.name}", width=TARGET, height=TARGET,
                                      on_click=lambda e, c=c: self._center_dialog(c))]),
                padding=ft.Padding.symmetric(horizontal=12, vertical=4), border_radius=10,
                border=ft.Border.all(1, ft.Colors.GREY_300), bgcolor=ft.Colors.WHITE))
        return ft.Column(rows, spacing=8)

    def _center_dialog(self, center: HealthCenter | None) -> None:
        app, t = self.app, self.app.t
        name = _field(label=t("name"), value=center.name if center else "")
        code = _field(label=t("code"), value=center.code if center else "")
        county = _field(label=t("county"), value=center.county if center else "")
        director = _field(label=t("director"), value=center.director if center else "")
        kind = ChoiceRow([(CenterType.TOWNSHIP.value, t("type_township")),
                          (CenterType.COMMUNITY.value, t("type_community"))],
                         (center.type.value if center else CenterType.TOWNSHIP.value))

        error = ft.Text("", color=ft.Colors.RED_700, size=13, visible=False)

        async def save(ev):
            if not (name.value or "").strip():  # said at the field, not in a snack bar behind the dialog
                name.error = t("name_required")
                name.update()
                return
            if name.error:
                name.error = None
                name.update()
            fields = dict(code=code.value or "", county=county.value or "", type=kind.value,
                          director=director.value or "")
            if center is None:
                done = await app.call(services.add_center, name.value or "", actor=app.me or "unknown",
                                      error_at=error, **fields)
            else:
                done = await app.call(services.edit_center, center.id, actor=app.me or "unknown",
                                      name=name.value or "", error_at=error, **fields)
            if done is not None:
                app.page.pop_dialog()
                app.show("/")

        dlg = ft.AlertDialog(
            modal=True, title=ft.Text(t("add_center") if center is None else f"{t('edit')} {center.name}"),
            content=ft.Column([name, code, county, ft.Text(t("type"), weight=ft.FontWeight.W_600), kind, director, error],
                              tight=True, scroll=ft.ScrollMode.AUTO, width=520, spacing=10),
            actions=[big_button(t("cancel"), lambda ev: app.page.pop_dialog(), filled=False),
                     big_button(t("save"), save)],
        )
        app.page.show_dialog(dlg)

    # ------------------------------------------------------------ standards
    def _standards(self) -> ft.Control:
        t = self.app.t
        cards = []
        for info in self.app.ctx.standards():
            cards.append(card(
                ft.Text(info.title, size=16, weight=ft.FontWeight.W_600),
                ft.Text(f"{t('edition')}{colon(self.app.lang)}{info.edition or '—'}", size=13),
                ft.Row([ft.Text(t("clauses_n", n=info.clause_count), size=13),
                        ft.Text(t("items_n", n=info.item_count), size=13)], spacing=16),
                *standard_coverage_lines(info, self.app.lang),  # 节选 or complete, and how to load a complete one
                key=f"standard-{info.id}",
            ))
        if not cards:
            cards.append(ft.Text(t("no_standards")))
        return ft.Column([heading(t("standards")), *cards], spacing=8)
