"""卫健局 · 评价标准归位 (the bureau's placement editor, no command line): for each edition, the items the
importer could not place and the sections without a title; move an item under a clause (created
with a title when new), set a title, then distribute the placed edition to the tablets.
Every edit goes through hub/standard_editions.py (the domain's place_item / set_title, re-validated,
recorded in the file's history)."""

from __future__ import annotations

import asyncio

import flet as ft

from inspect_app.errors import UserError
from inspect_app.hub.standard_editions import (
    catalogue, editions, move_item, open_work, publish, set_group_title,
)
from inspect_app.standard.coverage import coverage_text
from inspect_app.standard.placement import placement_text


class StandardEditorPage:
    def __init__(self, pages) -> None:
        self.pages = pages
        self.message = ft.Text("", size=13)

    @property
    def hub(self):
        return self.pages.hub

    def _by(self) -> str:
        account = self.pages.account
        return getattr(account, "name", "") or getattr(account, "username", "")

    def show(self, note: str = "", error: bool = False) -> None:
        self.message.value = note
        self.message.color = ft.Colors.RED_700 if error else ft.Colors.GREEN_800
        published = catalogue(self.hub)
        cards = [self._card(std, published.get(std.id)) for std in editions(self.hub)]
        self.pages.show(self.pages.header(), ft.Text("评价标准归位与分发", size=24, weight=ft.FontWeight.BOLD),
                        ft.Text("导入时未能归位的条目不参与评审和计分；缺失的小节标题不显示占位。在此归位、补充标题，"
                                "再分发给平板。每次修改都会重新校验，并记入标准文件的归位记录。", size=13),
                        self.message, *cards,
                        ft.TextButton("返回全县概览", on_click=lambda _: self.pages.show_bureau()))

    def _card(self, std, published: dict | None) -> ft.Control:
        work = open_work(std)
        rows: list[ft.Control] = [
            ft.Text(f"{std.title} {std.edition}", size=17, weight=ft.FontWeight.W_600),
            ft.Text(coverage_text(std), size=13, color=ft.Colors.AMBER_900 if std.is_excerpt else None),
        ]
        for number, code, requirement in work["unplaced"]:
            rows.append(self._move_row(std.id, number, code, requirement))
        for number in work["untitled"]:
            rows.append(self._title_row(std.id, number))
        if not work["unplaced"] and not work["untitled"]:
            rows.append(ft.Text("无待归位条目，无缺失标题。", size=13))
        for p in std.placements[-5:]:
            rows.append(ft.Text("· " + placement_text(p), size=12, color=ft.Colors.GREY_700))
        state = (f"已分发：{published['version']}（{published['published_at']}）" if published else "尚未分发")
        rows.append(ft.Row([ft.FilledButton(content=ft.Text(f"分发给平板 {std.id}"), icon=ft.Icons.SEND,
                                            on_click=lambda _, i=std.id: self._run(publish, self.hub,
                                                                                  self.hub.blobs, i, by=self._by(),
                                                                                  done=f"已分发 {i}")),
                            ft.Text(state, size=12)], wrap=True))
        return ft.Container(ft.Column(rows, spacing=8), padding=12, border_radius=8,
                            border=ft.Border.all(1, ft.Colors.GREY_300), key=f"edition-{std.id}")

    def _move_row(self, standard_id: str, number: str, code: str, requirement: str) -> ft.Control:
        to = ft.TextField(label=f"{number}/{code} 移至条款号", width=180, dense=True)
        title = ft.TextField(label="新条款标题（新建时填写）", width=240, dense=True)
        move = ft.OutlinedButton(content=ft.Text(f"归位 {number}/{code}"), on_click=lambda _: self._run(
            move_item, self.hub, standard_id, f"{number}/{code}", (to.value or "").strip(),
            title=(title.value or "").strip(), by=self._by(), done=f"已将 {number}/{code} 移至 {to.value}"))
        return ft.Column([ft.Text(f"未归位 {number} 【{code}】 {requirement}", size=13), ft.Row([to, title, move], wrap=True)],
                         spacing=4)

    def _title_row(self, standard_id: str, number: str) -> ft.Control:
        title = ft.TextField(label=f"{number} 标题", width=260, dense=True)
        save = ft.OutlinedButton(content=ft.Text(f"设置标题 {number}"), on_click=lambda _: self._run(
            set_group_title, self.hub, standard_id, number, (title.value or "").strip(), by=self._by(),
            done=f"已设置 {number} 的标题"))
        return ft.Row([ft.Text(f"缺少标题：{number}", size=13), title, save], wrap=True)

    def _run(self, fn, *args, done: str, **kwargs) -> None:
        async def go():
            try:
                await asyncio.to_thread(fn, *args, **kwargs)
            except UserError as err:  # say why where the bureau is looking; what it typed stays
                self.message.value, self.message.color = err.zh, ft.Colors.RED_700
                self.message.update()
            else:
                self.show(done)
        self.pages.page.run_task(go)


def standard_editor_button(pages) -> ft.Control:
    """The one control the bureau page adds (hub/web.py show_bureau)."""
    if getattr(pages, "standard_editor", None) is None:
        pages.standard_editor = StandardEditorPage(pages)
    return ft.OutlinedButton(content=ft.Text("评价标准归位与分发"), icon=ft.Icons.RULE,
                             on_click=lambda _: pages.standard_editor.show())
