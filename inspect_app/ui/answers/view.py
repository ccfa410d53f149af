"""/i/<id>/answers 整改回复: the clinic's answers per deficiency, and a new revision to re-check.

The answers come from the hub through sync (response/<clause>/<item> ops): plan, due date,
photos, who answered and which revision they answered. "复核并重新评分" starts a new revision of
a signed inspection with a required reason (services.new_revision); the inspector then
re-rates the clauses, and the summary and report carry the revision number and reason.
"""

from __future__ import annotations

import flet as ft

from inspect_app import services
from inspect_app.inspection import InspectionStatus
from inspect_app.scoring import deficiencies
from inspect_app.ui.components.common import TARGET, app_bar, big_button, card, heading
from inspect_app.ui.components.nav import inspection_actions
from inspect_app.ui.components.photos import thumb_url
from inspect_app.ui.data import load
from inspect_app.ui.sync.model import answers, revision_history, revision_line, tr
from inspect_app.ui.sync.runtime import sync_service
from inspect_app.ui_state import clause_route
from inspect_app.ui.i18n import colon


def answers_of(app, data) -> list:
    """The clinic's answers of one inspection (empty when none arrived yet)."""
    try:
        merged = sync_service(app.ctx).merged(data.inspection.id)
    except Exception:  # noqa: BLE001 - sync files unreadable: show none
        return []
    found = deficiencies(data.standard, data.score.clauses)
    return answers(merged, data.standard, [(d.clause_number, d.item_code) for d in found])


class AnswersScreen:
    def __init__(self, app, inspection_id: str) -> None:
        self.app = app
        self.id = inspection_id
        lang = app.lang
        self.data = data = load(app, inspection_id)
        ins = data.inspection
        found = answers_of(app, data)
        photos = app.ctx.workspace.photos
        rows: list[ft.Control] = [self._revision_card()]
        items: list[ft.Control] = [heading(tr("answers_n", lang, n=len(found)), 16)]
        if not found:
            items.append(ft.Text(tr("no_answers", lang), size=14, color=ft.Colors.GREY_800))
        for a in found:
            thumbs = [ft.Image(src=thumb_url(sha), width=88, height=88, fit=ft.BoxFit.COVER, border_radius=6,
                               semantics_label=f"{a.clause} {a.item}")
                      for sha in a.photos if photos.has(sha)]
            missing = len(a.photos) - len(thumbs)
            items.append(ft.Container(ft.Column([
                ft.Row([ft.Text(f"{a.clause} {a.title} · {a.item}", size=15, weight=ft.FontWeight.BOLD, expand=True),
                        ft.Container(ft.Text(tr("answered_rev", lang, n=a.revision), size=12, color=ft.Colors.WHITE),
                                     bgcolor=ft.Colors.BLUE_GREY_600, border_radius=6,
                                     padding=ft.Padding.symmetric(horizontal=8, vertical=2))],
                       vertical_alignment=ft.CrossAxisAlignment.START),
                ft.Text(a.requirement, size=13, color=ft.Colors.GREY_800),
                *([] if a.still_deficient else [ft.Text(tr("not_deficient_now", lang), size=12,
                                                        color=ft.Colors.GREEN_800)]),
                ft.Text(f"{tr('plan', lang)}{colon(lang)}{a.plan}", size=14),
                ft.Text(f"{tr('due', lang)}{colon(lang)}{a.due or '—'} · {a.by} · {a.at}", size=13, color=ft.Colors.GREY_700),
                *([ft.Row(thumbs, wrap=True, spacing=6)] if thumbs else []),
                *([ft.Text(f"+{missing} {'张照片待同步' if lang == 'zh' else 'photo(s) not synced yet'}", size=12,
                           color=ft.Colors.GREY_700)] if missing else []),
                ft.Row([ft.TextButton(tr("recheck", lang), icon=ft.Icons.FACT_CHECK_OUTLINED, height=TARGET,
                                      on_click=lambda e, n=a.clause: app.go(clause_route(inspection_id, n)))]),
            ], spacing=4), padding=ft.Padding.only(bottom=8),
                border=ft.Border.only(bottom=ft.BorderSide(1, ft.Colors.GREY_200))))
        rows.append(card(*items))
        self.view = ft.View(
            route=f"/i/{inspection_id}/answers", bgcolor=ft.Colors.GREY_50, scroll=ft.ScrollMode.AUTO,
            horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
            padding=ft.Padding.all(10 if app.narrow else 16), spacing=16,
            appbar=app_bar(app, tr("answers", lang) + (f" · {data.center.name}" if data.center and not app.narrow else ""),
                           back=f"/i/{inspection_id}/summary",
                           actions=inspection_actions(app, inspection_id, "answers")),
            controls=rows,
        )
        self._ins = ins

    def _revision_card(self) -> ft.Control:
        app, lang = self.app, self.app.lang
        ins = self.data.inspection
        try:
            frozen = services.revisions(app.ctx.workspace, ins.id)
        except Exception:  # noqa: BLE001
            frozen = []
        history = revision_history(frozen, ins.revision, ins.revision_reason, lang)
        signed = ins.status in (InspectionStatus.SIGNED, InspectionStatus.LOCKED)
        parts: list[ft.Control] = [
            heading(tr("revisions", lang), 16),
            *[ft.Text(line, size=14, weight=ft.FontWeight.W_600 if i == len(history) - 1 else None)
              for i, line in enumerate(history)],
        ]
        if signed:
            self.reason = ft.TextField(label=tr("revision_reason", lang), multiline=True, min_lines=1, max_lines=3)
            parts += [ft.Text(tr("revision_note", lang), size=13, color=ft.Colors.GREY_800), self.reason,
                      ft.Row([big_button(tr("new_revision", lang), self._new_revision, icon=ft.Icons.RESTART_ALT)])]
        else:
            parts.append(ft.Text(tr("only_signed", lang), size=13, color=ft.Colors.GREY_700))
        return card(*parts)

    async def _new_revision(self, e=None) -> None:
        app = self.app
        reason = (self.reason.value or "").strip()
        if not reason:
            self.reason.error = app.t("required", what=tr("revision_reason", app.lang))
            self.reason.update()
            return
        done = await app.call(services.new_revision, self.id, reason, actor=app.me or None)
        if done is not None:
            app.toast(revision_line(done.revision, done.revision_reason, app.lang))
            app.go(f"/i/{self.id}")


def answers_entry(app, data) -> ft.Control:
    """Summary card: the revision (number and reason) and the way to the clinic's answers."""
    lang = app.lang
    ins = data.inspection
    n = len(answers_of(app, data))
    line = ft.Text(revision_line(ins.revision, ins.revision_reason, lang), size=15, weight=ft.FontWeight.W_600,
                   expand=not app.narrow)
    go = big_button(tr("answers_n", lang, n=n), lambda e: app.go(f"/i/{ins.id}/answers"), filled=n > 0,
                    icon=ft.Icons.QUESTION_ANSWER_OUTLINED)
    # Phone: one under the other (an expanding text cannot sit in a wrapping row).
    if app.narrow:
        return card(line, go)
    return card(ft.Row([line, go], vertical_alignment=ft.CrossAxisAlignment.CENTER))
