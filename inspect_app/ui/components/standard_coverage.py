"""What the screens say about a standard's coverage (完整版 / 节选) and a verdict's footing (issue 15):
the home card's coverage lines, the verdict badge's colour. Text comes from the domain
(standard.coverage); nothing is decided here."""

from __future__ import annotations

import flet as ft

from inspect_app.standard.coverage import load_complete_hint


def standard_coverage_lines(info, lang: str) -> list[ft.Control]:
    """Under a standard's card: its coverage, and for an excerpt how to load a complete edition."""
    text = info.coverage_en if lang == "en" else info.coverage_zh
    if not text:
        return []
    lines: list[ft.Control] = [ft.Text(text, size=13, weight=ft.FontWeight.W_600 if info.excerpt else None,
                                       color=ft.Colors.AMBER_900 if info.excerpt else ft.Colors.GREY_800)]
    if info.excerpt:
        lines.append(ft.Text(("This text is an excerpt: tiers needing levels it lacks are shown as not assessable. "
                              if lang == "en" else "本文本为节选：需要其所缺级别的评定等级显示为“以本文本无法评定”。")
                             + load_complete_hint(lang), size=12, color=ft.Colors.GREY_700))
    return lines


def verdict_colour(verdict) -> str:
    """Green reached, red not reached, grey when this text cannot decide (an excerpt)."""
    if verdict.tier is not None:
        return ft.Colors.GREEN_700
    return ft.Colors.RED_700 if verdict.assessable else ft.Colors.BLUE_GREY_600


def results_xlsx_download(ws, inspection_id: str) -> str:
    """Write the inspection's results as .xlsx into a new <data>/exports/<stamp>/ folder (served at
    /exports/<stamp>/<name>, ui/reports.export_file) and return its URL. Runs in a worker thread."""
    import re

    from inspect_app.report.results_xlsx import export_results_xlsx
    from inspect_app.ui.reports import EXPORTS, new_export_folder

    folder = new_export_folder(ws.data_dir)
    name = "results-" + re.sub(r"[^A-Za-z0-9_\-]", "-", inspection_id)[:80] + ".xlsx"
    export_results_xlsx(ws, inspection_id, folder / name)
    return f"/{EXPORTS}/{folder.name}/{name}"


def results_xlsx_button(app, inspection_id: str) -> ft.Control:
    """导出 Excel on the summary screen: one row per item, a sheet per chapter (report/results_xlsx.py)."""
    import asyncio

    from inspect_app.errors import UserError

    label = "Export results (Excel)" if app.lang == "en" else "导出评审结果（Excel）"
    message = ft.Text("", size=12, visible=False)

    async def export(e) -> None:
        button.disabled = True
        button.update()
        try:
            url = await asyncio.to_thread(results_xlsx_download, app.ctx.workspace, inspection_id)
        except Exception as exc:  # noqa: BLE001 - a UserError (storage full …) says why
            message.value = exc.message(app.lang) if isinstance(exc, UserError) else f"{type(exc).__name__}: {exc}"
            message.color, message.visible = ft.Colors.RED_700, True
        else:
            message.value = ("Written: " if app.lang == "en" else "已生成：") + url.rsplit("/", 1)[-1]
            message.color, message.visible = ft.Colors.GREY_800, True
            try:
                await ft.UrlLauncher().launch_url(url, web_only_window_name="_self")
            except Exception:  # noqa: BLE001 - the message names the file either way
                pass
        finally:
            button.disabled = False
            if button.page:
                button.update()
                message.update()

    button = ft.OutlinedButton(content=ft.Text(label), icon=ft.Icons.TABLE_VIEW, on_click=export,
                               key="export-results-xlsx", height=48)  # a finger target (issue 12)
    return ft.Column([button, message], spacing=4)
