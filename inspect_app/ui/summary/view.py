"""Summary 评审结果: results by chapter, the verdict with reasons, prerequisites, 问题清单 with 整改建议,
and every clause whose evidence is incomplete (signing is still allowed; the gaps go in the report)."""

from __future__ import annotations

import flet as ft

from inspect_app import services
from inspect_app.evidence_rules import need_text
from inspect_app.scoring import deficiencies
from inspect_app.ui.components.inspection_screen import InspectionScreen
from inspect_app.ui.components.choice import ChoiceRow
from inspect_app.ui.components.common import TARGET, bind, big_button, card, heading, progress_line
from inspect_app.ui.answers.view import answers_entry
from inspect_app.ui.components.standard_coverage import results_xlsx_button, verdict_colour
from inspect_app.ui.summary.assessment import assessment_card  # 总体评价 (report issue 10)
from inspect_app.ui.center.view import facts_button  # 机构信息与评审信息 (report issue 10)
from inspect_app.ui.summary.rectification import details_row  # 整改时限 / 责任科室 (issue 10)
from inspect_app.ui.i18n import colon, join_list
from inspect_app.ui_state import clause_route


class SummaryScreen(InspectionScreen):
    tab = "summary"

    def __init__(self, app, inspection_id: str) -> None:
        super().__init__(app, inspection_id)
        t = app.t
        data = self.data
        controls = [self._verdict(), facts_button(app, inspection_id), assessment_card(self), answers_entry(app, data), self._prerequisites(), self._chapters(), self._deficiencies(), self._gaps(),
                    ft.Row([big_button(t("photos"), lambda e: app.go(f"/i/{inspection_id}/photos"), filled=False,
                                       icon=ft.Icons.PHOTO_LIBRARY_OUTLINED),
                            big_button(t("sign"), lambda e: app.go(f"/i/{inspection_id}/sign"), icon=ft.Icons.DRAW)],
                           wrap=True),
                    results_xlsx_button(app, inspection_id)]
        self.view = self.frame(
            f"/i/{inspection_id}/summary", t("summary") + (f" · {data.center.name}" if data.center else ""),
            f"/i/{inspection_id}", controls, stretch=True, spacing=16)

    def _verdict(self) -> ft.Control:
        t, lang = self.app.t, self.app.lang
        score = self.data.score
        v = score.verdict
        name = v.label(lang)  # with 暂定 and, against an excerpt, 依据节选
        reasons = [ft.Text("• " + r.text(lang), size=13) for r in v.reasons]
        return card(
            ft.Row([ft.Text(t("verdict"), size=16, weight=ft.FontWeight.W_600),
                    ft.Container(ft.Text(name, size=18, color=ft.Colors.WHITE, weight=ft.FontWeight.BOLD),
                                 bgcolor=verdict_colour(v), border_radius=8,
                                 padding=ft.Padding.symmetric(horizontal=12, vertical=4))], wrap=True),
            progress_line(self.app, score.rated_items, score.total_items),
            *reasons,
        )

    def _prerequisites(self) -> ft.Control:
        t = self.app.t
        prereqs = self.data.standard.prerequisites
        if not prereqs:
            return ft.Container()
        answers = self.data.inspection.prerequisites
        rows = [heading(t("prerequisites"), 16)]
        for p in prereqs:
            value = answers.get(p.id)
            current = None if value is None else ("yes" if value else "no")
            choice = ChoiceRow([("yes", t("yes")), ("no", t("no"))], current,
                               lambda v, pid=p.id: self._set_prereq(pid, v), expand_buttons=self.app.narrow)
            choice.disabled = not self.data.editable
            # Phone: the text above its choice. (A wrapping Row cannot hold an expanded child: Flutter
            # reports a layout error and paints a grey box.)
            if self.app.narrow:
                rows.append(ft.Column([ft.Text(p.text, size=14), choice], spacing=6))
            else:
                rows.append(ft.Row([ft.Text(p.text, expand=True, size=14), choice],
                                   vertical_alignment=ft.CrossAxisAlignment.CENTER))
        return card(*rows)

    async def _set_prereq(self, prerequisite_id: str, value: str) -> None:
        done = await self.app.call(services.set_prerequisite, self.id, prerequisite_id, value == "yes",
                                   actor=self.app.me or None)
        if done is not None:
            self.app.show(self.app.page.route)  # the verdict depends on it

    def _posts(self) -> ft.Control:
        """Checklist standards: 符合率 per post (岗位), no C/B/A."""
        from inspect_app.ui.overview.view import percent_text

        t = self.app.t
        rows: list[ft.Control] = [ft.Text(t("posts"), size=16, weight=ft.FontWeight.W_600)]
        for post in self.data.posts():
            decided = post.met + post.not_met
            rows.append(ft.Row([ft.Text(f"{post.number} {post.title}", weight=ft.FontWeight.W_600, expand=True),
                                ft.Text(t("compliance_of", p=percent_text(post.percent, decided), met=post.met,
                                          not_met=post.not_met, unrated=post.unrated), size=13)],
                               wrap=self.app.narrow))
        return card(*rows)

    def _chapters(self) -> ft.Control:
        t = self.app.t
        if self.data.checklist:
            return self._posts()
        header = ft.Row([ft.Text(t("by_chapter"), size=16, weight=ft.FontWeight.W_600)])
        rows = [header]
        for ch in self.data.score.chapters:
            b, r = ch.basic, ch.recommended
            rows.append(ft.Column([
                ft.Text(f"{ch.number} {ch.title}", weight=ft.FontWeight.W_600),
                ft.Text(f"{t('basic')}: A {b.A} · B {b.B} · C {b.C} · D {b.D} · {t('f_unrated')} {b.incomplete}"
                        + (f"    {t('recommended')}: A {r.A} · B {r.B} · C {r.C} · D {r.D} · "
                           f"{t('f_unrated')} {r.incomplete}" if r.total else ""), size=13),
                progress_line(self.app, ch.rated_items, ch.total_items),
            ], spacing=4))
        return card(*rows)

    def _deficiencies(self) -> ft.Control:
        t = self.app.t
        found = deficiencies(self.data.standard, self.data.score.clauses)
        rows: list[ft.Control] = [ft.Text(f"{t('deficiencies')} ({len(found)})", size=16, weight=ft.FontWeight.W_600)]
        if not found:
            rows.append(ft.Text(t("no_deficiencies")))
        findings = self.data.snap.findings
        for d in found:
            finding = findings.get(d.clause_number)
            current = finding.rectification.get(d.item_code, "") if finding else ""
            field = ft.TextField(label=t("rectification"), value=current, multiline=True, min_lines=1, max_lines=None,
                                 disabled=not self.data.editable, on_change=self._typing,
                                 on_blur=bind(self._rectify, d, [current]))
            star = " ★" if d.clause_kind.value == "recommended" and not self.data.checklist else ""
            rating = finding.items.get(d.item_code) if finding else None
            notes = [n for n in ((rating.note if rating else ""), (finding.note if finding else "")) if n.strip()]
            # The suggestion field takes the card's width (STRETCH); the clause link keeps its own.
            rows.append(ft.Container(ft.Column([
                ft.Row([ft.TextButton(content=ft.Text(
                    f"{d.clause_number}{star} {d.clause_title}" + ("" if self.data.checklist else
                                                                  f" · {d.item_code} · {d.clause_level.value}")),
                    height=TARGET, on_click=lambda e, n=d.clause_number: self.app.go(clause_route(self.id, n)))],
                       wrap=True),
                ft.Text(d.requirement, size=13),
                *[ft.Text(f"{t('finding_note')}{colon(self.app.lang)}{n}", size=13, color=ft.Colors.BLUE_GREY_800) for n in notes],
                field,
                details_row(self, d.clause_number, d.item_code, finding),  # 整改时限 / 责任科室
            ], spacing=4, horizontal_alignment=ft.CrossAxisAlignment.STRETCH), padding=ft.Padding.only(bottom=8), border=ft.Border.only(bottom=ft.BorderSide(1, ft.Colors.GREY_200))))
        return card(*rows)

    def _typing(self, e) -> None:
        self.typing = True  # a live redraw (teammate's ratings) waits until this text is saved
        if self.save_state.state != "unsaved":
            self.save_state.set("unsaved")

    async def _rectify(self, d, old: list[str], e) -> None:
        text = e.control.value or ""
        self.typing = False
        if text.strip() == old[0].strip():
            if self.save_state.state == "unsaved":
                self.save_state.set("saved")
            return
        done = await self.app.call(services.set_rectification, self.id, d.clause_number, d.item_code, text,
                                   actor=self.app.me or None)
        if done is not None:
            old[0] = text

    def _gaps(self) -> ft.Control:
        t, lang = self.app.t, self.app.lang
        gaps = self.data.gaps()
        rows: list[ft.Control] = [ft.Text(f"{t('incomplete_evidence')} ({len(gaps)})", size=16,
                                          weight=ft.FontWeight.W_600)]
        if not gaps:
            rows.append(ft.Text(t("all_evidence_ok")))
        else:
            rows.append(ft.Text(t("gaps_note"), size=13, color=ft.Colors.GREY_700))
        for number, items in gaps.items():
            text = join_list([f"{g.item_code} " + join_list([need_text(n, lang) for n in g.needs], lang)
                              for g in items], lang, semi=True)
            rows.append(ft.Container(ft.Row([ft.Text(number, weight=ft.FontWeight.BOLD, width=72),
                                             ft.Text(text, size=13, expand=True, color=ft.Colors.ORANGE_900)]),
                                     on_click=lambda e, n=number: self.app.go(clause_route(self.id, n)), ink=True,
                                     padding=ft.Padding.symmetric(vertical=14)))  # >= 48 px to tap
        return card(*rows)
