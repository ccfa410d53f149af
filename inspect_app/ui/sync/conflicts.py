"""冲突 on screen: both values with who rated them, and a person picks one (or rates anew).

`conflict_panel` goes at the top of the clause screen; `conflict_banner` on the overview lists
the clauses that have conflicts. Resolving calls the sync engine's resolve (a new op that
supersedes every competing value), then the screen is rebuilt from the store.
"""

from __future__ import annotations

import asyncio

import flet as ft

from inspect_app.inspection import utc_now
from inspect_app.ui.components.common import TARGET
from inspect_app.ui.sync.model import ConflictView, conflict_clauses, conflict_views, new_rating, result_label, tr
from inspect_app.ui.sync.runtime import sync_service
from inspect_app.ui_state import clause_route


def _conflicts(app, inspection_id: str) -> list:
    try:
        return sync_service(app.ctx).conflicts(inspection_id)
    except Exception:  # noqa: BLE001 - sync files unreadable: the screen still works
        return []


def conflict_panel(app, inspection_id: str, clause_number: str, editable: bool = True) -> ft.Control:
    svc = sync_service(app.ctx)
    views = conflict_views(_conflicts(app, inspection_id), clause_number, svc.engine.device, app.lang)
    if not views:
        return ft.Container(visible=False)
    return ft.Column([_one(app, v, editable) for v in views], spacing=8)


def _one(app, view: ConflictView, editable: bool) -> ft.Control:
    lang = app.lang
    title = tr("conflict_title", lang)
    what = f"{view.clause} {view.item}".strip() if view.kind == "item" else view.key
    rows: list[ft.Control] = [
        ft.Row([ft.Icon(ft.Icons.CALL_SPLIT, color=ft.Colors.RED_800, size=20),
                ft.Text(f"{title} · {what}", size=15, weight=ft.FontWeight.BOLD, color=ft.Colors.RED_900,
                        expand=True)], vertical_alignment=ft.CrossAxisAlignment.START),
    ]
    for c in view.candidates:
        who = c.who + (f"（{tr('this_tablet', lang)}）" if c.mine else "")
        words = ft.Column([ft.Text(c.text, size=15, weight=ft.FontWeight.W_600),
                           ft.Text(f"{tr('by_who', lang, who=who)} · {c.when}", size=12, color=ft.Colors.GREY_700)],
                          spacing=2, tight=True, expand=not app.narrow)
        choose = ft.FilledButton(tr("choose_this", lang), height=TARGET, disabled=not editable,
                                 on_click=_resolver(app, view, c.value))
        # Phone: the button under the words (an expanding column cannot sit in a wrapping row).
        line = (ft.Column([words, choose], spacing=6, horizontal_alignment=ft.CrossAxisAlignment.STRETCH)
                if app.narrow else ft.Row([words, choose], vertical_alignment=ft.CrossAxisAlignment.CENTER))
        rows.append(ft.Container(line, bgcolor=ft.Colors.WHITE, border_radius=8,
                                 padding=ft.Padding.symmetric(horizontal=10, vertical=6)))
    if view.kind == "item":
        reason = ft.TextField(label=app.t("na_reason"), dense=True, disabled=not editable)

        def fresh(result: str):
            async def handler(e):
                try:
                    value = new_rating(result, app.me or "", utc_now(), na_reason=reason.value or "")
                except Exception as exc:  # noqa: BLE001 - not a result (the rules are the services')
                    app.fail(exc)
                    return
                await _resolve(app, view, value)
            return handler

        rows.append(ft.Row([ft.Text(tr("or_new", lang), size=13),
                            *[ft.OutlinedButton(result_label(r, lang), height=TARGET, disabled=not editable,
                                                on_click=fresh(r)) for r in ("met", "not_met", "na")]],
                           wrap=True))
        rows.append(reason)
    return ft.Container(ft.Column(rows, spacing=8, horizontal_alignment=ft.CrossAxisAlignment.STRETCH),
                        bgcolor=ft.Colors.RED_50, border_radius=10, padding=12,
                        border=ft.Border.all(2, ft.Colors.RED_300))


def _resolver(app, view: ConflictView, value):
    async def handler(e):
        await _resolve(app, view, value)
    return handler


async def _resolve(app, view: ConflictView, value) -> None:
    svc = sync_service(app.ctx)
    try:
        await asyncio.to_thread(svc.resolve, view.inspection_id, view.key, value, app.me or "")
    except Exception as exc:  # noqa: BLE001 - shown in words
        app.fail(exc)
        return
    app.toast(tr("resolved", app.lang))
    app.show(app.page.route)  # the clause reads the chosen value back from the store


def conflict_banner(app, inspection_id: str) -> ft.Control:
    """Overview: 冲突 N, with a button per clause that has one."""
    per_clause = conflict_clauses(_conflicts(app, inspection_id))
    if not per_clause:
        return ft.Container(visible=False)
    total = sum(per_clause.values())
    return ft.Container(ft.Column([
        ft.Row([ft.Icon(ft.Icons.CALL_SPLIT, color=ft.Colors.RED_800),
                ft.Text(tr("conflicts_here", app.lang, n=total), size=15, weight=ft.FontWeight.BOLD,
                        color=ft.Colors.RED_900)]),
        ft.Row([ft.OutlinedButton(f"{n}" + (f" ×{k}" if k > 1 else ""), height=TARGET,
                                  on_click=lambda e, n=n: app.go(clause_route(inspection_id, n)))
                for n, k in sorted(per_clause.items())], wrap=True),
    ], spacing=6), bgcolor=ft.Colors.RED_50, border_radius=10, padding=12, border=ft.Border.all(1, ft.Colors.RED_300))
