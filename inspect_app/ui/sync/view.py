"""/sync 同步与设置: hub account, sync status in words, sync now, and sync by file (bundles)."""

from __future__ import annotations

import asyncio
import secrets

import flet as ft

from inspect_app.ui.components.common import TARGET, app_bar, big_button, card, heading
from inspect_app.ui.sync.model import conflict_views, status_lines, tr
from inspect_app.ui.sync.runtime import sync_service
from inspect_app.ui_state import clause_route
from inspect_app.ui.i18n import colon


class SyncScreen:
    def __init__(self, app) -> None:
        self.app = app
        self.svc = sync_service(app.ctx)
        lang = app.lang
        # Services first: constructing one registers it with the page at once.
        self.picker = ft.FilePicker(on_result=self._picked, on_upload=self._uploaded)
        self._upload_name = ""
        self.status_col = ft.Column(spacing=4)
        self.conflict_col = ft.Column(spacing=4)
        self.file_msg = ft.Text("", size=13, color=ft.Colors.GREY_800, visible=False)
        self.download = ft.OutlinedButton(tr("download", lang), icon=ft.Icons.DOWNLOAD, height=TARGET, visible=False)
        self._photos_pending = 0
        self._shown_status = None
        self._render_status(self.svc.status(), update=False)
        self.view = ft.View(
            route="/sync", bgcolor=ft.Colors.GREY_50, scroll=ft.ScrollMode.AUTO,
            padding=ft.Padding.all(10 if app.narrow else 16), spacing=16,
            appbar=app_bar(app, tr("sync_title", lang), back="/"),
            controls=[ft.Container(ft.Column([self._account(), self._status(), self._by_file()], spacing=16,
                                             horizontal_alignment=ft.CrossAxisAlignment.STRETCH),
                                   width=None if app.narrow else 820)],
        )
        app.page.run_task(self._count_photos)

    # ------------------------------------------------------------ account
    def _account(self) -> ft.Control:
        lang = self.app.lang
        acct = self.svc.account()
        if acct is not None and acct.token:
            return card(
                heading(tr("account", lang), 16),
                ft.Text(tr("signed_in_as", lang, who=acct.who), size=15, weight=ft.FontWeight.W_600),
                ft.Text(f"{tr('hub_url', lang)}{colon(lang)}{acct.hub_url}", size=13, selectable=True),
                ft.Text(tr("password_note", lang), size=12, color=ft.Colors.GREY_700),
                ft.Row([big_button(tr("sign_out", lang), self._sign_out, icon=ft.Icons.LOGOUT, filled=False)]),
            )
        self.url = ft.TextField(label=tr("hub_url", lang), hint_text=tr("hub_url_hint", lang),
                                value=self.svc.last_hub_url(), keyboard_type=ft.KeyboardType.URL)
        self.username = ft.TextField(label=tr("username", lang), autocorrect=False)
        self.password = ft.TextField(label=tr("password", lang), password=True, can_reveal_password=True,
                                     on_submit=self._sign_in)
        self.sign_in_btn = big_button(tr("sign_in", lang), self._sign_in, icon=ft.Icons.LOGIN)
        return card(
            heading(tr("account", lang), 16),
            ft.Text(tr("not_signed_in", lang), size=13, color=ft.Colors.GREY_800),
            self.url, self.username, self.password,
            ft.Text(tr("password_note", lang), size=12, color=ft.Colors.GREY_700),
            ft.Row([self.sign_in_btn]),
        )

    async def _sign_in(self, e=None) -> None:
        app = self.app
        self.sign_in_btn.disabled = True
        self.sign_in_btn.update()
        try:
            await asyncio.to_thread(self.svc.sign_in, self.url.value or "", self.username.value or "",
                                    self.password.value or "")
        except Exception as exc:  # noqa: BLE001 - shown in words
            self.sign_in_btn.disabled = False
            self.sign_in_btn.update()
            app.fail(exc)
            return
        finally:
            self.password.value = ""  # never kept, not even in the page
        app.show("/sync")

    async def _sign_out(self, e=None) -> None:
        await asyncio.to_thread(self.svc.sign_out)
        self.app.show("/sync")

    # ------------------------------------------------------------ status
    def _status(self) -> ft.Control:
        lang = self.app.lang
        self.sync_btn = big_button(tr("sync_now", lang), self._sync_now, icon=ft.Icons.SYNC,
                                   disabled=not self.svc.signed_in())
        return card(heading(tr("status", lang), 16), self.status_col, self.conflict_col, ft.Row([self.sync_btn]))

    def _render_status(self, status, update: bool = True) -> None:
        lang = self.app.lang
        self._shown_status = (status, self._photos_pending)
        rows = []
        for label, value in status_lines(status, self._photos_pending, lang):
            bad = label == tr("errors", lang) and value != tr("no_errors", lang)
            rows.append(ft.Row([ft.Text(label, width=110 if self.app.narrow else 140, size=14, color=ft.Colors.GREY_700),
                                ft.Text(value, size=14, expand=True, selectable=bad,
                                        weight=ft.FontWeight.W_600,
                                        color=ft.Colors.RED_800 if bad else None)],
                               vertical_alignment=ft.CrossAxisAlignment.START))
        self.status_col.controls = rows
        conflicts = conflict_views(self.svc.conflicts(), lang=lang) if status.conflicts else []
        self.conflict_col.controls = [
            ft.TextButton(f"{c.clause or c.key} {c.item} · " + " / ".join(f"{x.text}（{x.who}）" for x in c.candidates),
                          icon=ft.Icons.CALL_SPLIT, height=TARGET,
                          on_click=lambda e, c=c: self.app.go(clause_route(c.inspection_id, c.clause)))
            for c in conflicts if c.clause]
        if update:
            self.status_col.update()
            self.conflict_col.update()

    async def on_sync_status(self, status) -> None:
        """Called by the badge poller every 2 s."""
        prev = self._shown_status[0] if self._shown_status else None
        if prev == status:
            return
        if prev is not None and prev.state == "syncing" and status.state != "syncing":
            await self._count_photos()  # a round ended: photos may have gone up
            return
        self._render_status(status)

    async def _count_photos(self) -> None:
        try:
            self._photos_pending = await asyncio.to_thread(self.svc.photos_pending)
        except Exception:  # noqa: BLE001 - a count is not worth an error
            self._photos_pending = 0
        self._render_status(self.svc.status(), update=self.status_col.page is not None)

    async def _sync_now(self, e=None) -> None:
        await asyncio.to_thread(self.svc.refresh)
        self.svc.kick()
        await asyncio.sleep(0.3)
        self._render_status(self.svc.status())

    # ------------------------------------------------------------ bundles
    def _by_file(self) -> ft.Control:
        lang = self.app.lang
        import_btn = ft.OutlinedButton(
            tr("import", lang), icon=ft.Icons.UPLOAD_FILE, height=TARGET,
            action=ft.PickFiles(self.picker, file_type=ft.FilePickerFileType.CUSTOM, allowed_extensions=["zip"]))
        return card(
            heading(tr("by_file", lang), 16),
            ft.Text(tr("by_file_note", lang), size=13, color=ft.Colors.GREY_800),
            ft.Row([big_button(tr("export", lang), self._export, icon=ft.Icons.ARCHIVE_OUTLINED, filled=False),
                    self.download, import_btn], wrap=True),
            self.file_msg,
        )

    def _say(self, text: str, update: bool = True) -> None:
        self.file_msg.value = text
        self.file_msg.visible = bool(text)
        if update:
            self.file_msg.update()

    async def _export(self, e=None) -> None:
        app = self.app
        try:
            path = await asyncio.to_thread(self.svc.export_bundle)
        except Exception as exc:  # noqa: BLE001
            app.fail(exc)
            return
        self._say(tr("exported", app.lang, name=path.name), update=False)
        self.download.action = ft.OpenUrl(f"/bundles/{path.name}", target=ft.UrlTarget.SELF)
        self.download.visible = True
        self.file_msg.update()
        self.download.update()

    async def _picked(self, e) -> None:
        files = e.files or []
        if not files:
            return
        self._upload_name = f"bundle-{secrets.token_hex(8)}.zip"
        self._say(tr("importing", self.app.lang))
        await self.picker.upload([ft.FilePickerUploadFile(
            upload_url=self.app.page.get_upload_url(self._upload_name, 600), method="PUT", id=files[0].id)])

    async def _uploaded(self, e) -> None:
        app = self.app
        if e.error:
            self._say(e.error)
            return
        if (e.progress or 0) < 1.0 or not self._upload_name:
            return
        path = app.ctx.upload_dir / self._upload_name
        self._upload_name = ""
        try:
            count = await asyncio.to_thread(self.svc.import_bundle, path)
        except Exception as exc:  # noqa: BLE001
            self._say("")
            app.fail(exc)
            return
        finally:
            path.unlink(missing_ok=True)
        self._say(tr("imported", app.lang, n=count))
        self._render_status(self.svc.status())
