"""Sign 签名: submit, then a signature pad for each team member and the director, then lock."""

from __future__ import annotations

import asyncio

import flet as ft

from inspect_app import services
from inspect_app.errors import UserError
from inspect_app.evidence import render_strokes_png
from inspect_app.inspection import InspectionStatus, TeamRole
from inspect_app.ui.components.common import TARGET, big_button, card, confirm_dialog, heading
from inspect_app.ui.components.inspection_screen import InspectionScreen
from inspect_app.ui.components.photos import photo_url
from inspect_app.widgets.signature_pad import PAD_H, PAD_W, SignaturePad
from inspect_app.ui.reports import existing_report, make_signed_report, report_url
from inspect_app.ui_state import signers
from inspect_app.ui.i18n import colon

S = InspectionStatus
ROLE_KEYS = {TeamRole.LEADER: "leader", TeamRole.EXPERT: "expert", TeamRole.DIRECTOR: "director_role"}


class SignScreen(InspectionScreen):
    tab = "sign"

    def __init__(self, app, inspection_id: str) -> None:
        super().__init__(app, inspection_id)
        t = app.t
        data = self.data
        insp = data.inspection
        status = insp.status
        controls: list[ft.Control] = [card(
            ft.Text(f"{t('summary')}{colon(app.lang)}{data.score.verdict.label(app.lang)}", size=16, weight=ft.FontWeight.W_600),
            ft.Text(t(f"status_{status.value}"), size=14),
        )]
        gaps = data.gaps()
        if gaps:
            controls.append(ft.Text(f"{t('incomplete_evidence')}{colon(app.lang)}{len(gaps)} — {t('gaps_note')}",
                                    color=ft.Colors.ORANGE_900, size=13))
        self.step_error = ft.Text("", color=ft.Colors.RED_700, size=14, weight=ft.FontWeight.W_600, visible=False)
        if status is S.DRAFT:
            controls.append(self.step_error)  # over the button, where the eye is after the tap
            controls.append(big_button(t("submit"), self._ask_submit, icon=ft.Icons.SEND))
            controls.append(ft.Text(t("submit_note"), size=13, color=ft.Colors.GREY_700))
        else:
            done = {(s.signer, s.role): s for s in data.snap.signatures}
            width = int(min(PAD_W, (app.page.width or PAD_W) - 48))
            director = data.center.director if data.center else ""
            for name, role in signers(insp.team, director):
                controls.append(self._signer(name, role, done.get((name, role)), width, status))
            if status is S.SUBMITTED:
                controls += [self.step_error, big_button(t("lock"), self._ask_lock, icon=ft.Icons.LOCK)]
            elif status is S.SIGNED:
                controls += [self.step_error, big_button(t("lock"), self._ask_lock, icon=ft.Icons.LOCK)]
            else:  # locked: what is left to do is the signed report, so it comes first, under the verdict
                controls[1:1] = [ft.Text(t("locked_note"), color=ft.Colors.GREEN_800, weight=ft.FontWeight.W_600),
                                 self._report_card()]
        self.view = self.frame(f"/i/{inspection_id}/sign", t("sign"), f"/i/{inspection_id}/summary", controls,
                               stretch=True, spacing=14)

    # ------------------------------------------------------------ signed report
    def _report_card(self) -> ft.Control:
        """签章报告: one tap builds and signs it (off the event loop, once per revision) and the
        browser downloads it. No file names, paths or command lines on screen."""
        t = self.app.t
        stored = existing_report(self.app.ctx.workspace, self.data.inspection)
        self.report_url = report_url(stored) if stored else None
        self.report_msg = ft.Text("", size=13, visible=False)
        self.report_progress = ft.ProgressRing(width=24, height=24, visible=False)
        self.report_download = ft.OutlinedButton(
            content=ft.Text(t("download_pdf")), icon=ft.Icons.DOWNLOAD, height=TARGET, visible=stored is not None,
            action=ft.OpenUrl(self.report_url, target=ft.UrlTarget.SELF) if stored else None)
        # A Text as content keeps the theme's CJK font (a ButtonStyle text_style drops it: boxes).
        self.report_button = ft.FilledButton(
            content=ft.Text(t("report_button"), size=17, weight=ft.FontWeight.W_600),
            icon=ft.Icons.PICTURE_AS_PDF, height=56, on_click=self._make_report, visible=stored is None)
        return card(
            heading(t("report"), 16),
            ft.Text(t("report_note"), size=13, color=ft.Colors.GREY_800),
            ft.Row([self.report_button, self.report_download, self.report_progress], wrap=True, spacing=12,
                   vertical_alignment=ft.CrossAxisAlignment.CENTER),
            self.report_msg,
        )

    async def _make_report(self, e=None) -> None:
        app, t = self.app, self.app.t
        self.report_button.disabled = True
        self.report_progress.visible = True
        self.report_msg.value, self.report_msg.visible = t("report_building"), True
        self.report_msg.color = None
        self.report_button.page.update()
        try:
            made = await asyncio.to_thread(make_signed_report, app.ctx.workspace, self.id)
        except Exception as exc:  # noqa: BLE001 - UserError (signing key, not locked) says why
            text = exc.message(app.lang) if isinstance(exc, UserError) else f"{type(exc).__name__}: {exc}"
            self.report_msg.value, self.report_msg.color = text, ft.Colors.RED_700
        else:
            self.report_msg.value = t("report_plain")
            self.report_download.action = ft.OpenUrl(made.url, target=ft.UrlTarget.SELF)
            self.report_download.visible = True
            self.report_button.visible = False
            try:  # the same tap downloads it (the tab stays: the file is sent as an attachment)
                await ft.UrlLauncher().launch_url(made.url, web_only_window_name="_self")
            except Exception:  # noqa: BLE001 - the download button below is there either way
                pass
        finally:
            self.report_button.disabled = False
            self.report_progress.visible = False
            if self.report_msg.page:
                self.report_msg.page.update()

    def _signer(self, name: str, role: TeamRole, signature, width: int, status) -> ft.Control:
        t = self.app.t
        who = f"{t(ROLE_KEYS[role])}{colon(self.app.lang)}{name}" if name else t(ROLE_KEYS[role])
        if signature is not None:
            return card(ft.Row([ft.Icon(ft.Icons.CHECK_CIRCLE, color=ft.Colors.GREEN_700),
                                ft.Text(f"{who} · {t('signed')}", weight=ft.FontWeight.W_600)]),
                        ft.Image(src=photo_url(signature.image_sha256), width=min(width, 280), height=100,
                                 fit=ft.BoxFit.CONTAIN, semantics_label=f"{t('signed')} {name}"))
        if status is not S.SUBMITTED:
            return card(ft.Text(who))
        name_field = ft.TextField(label=t("director"), value=name, visible=role is TeamRole.DIRECTOR,
                                  on_change=lambda e: None)
        pad = SignaturePad(t("sign_here"), width=width, height=PAD_H)
        pad_error = ft.Text("", color=ft.Colors.RED_700, size=14, weight=ft.FontWeight.W_600, visible=False)

        async def confirm(e):
            signer = (name_field.value or "").strip() if role is TeamRole.DIRECTOR else name
            if role is TeamRole.DIRECTOR and not signer:  # at the field, not behind an overlay
                name_field.error = t("signer_name_empty")
                name_field.update()
                return
            if name_field.error:
                name_field.error = None
                name_field.update()
            if pad.empty:
                pad_error.value, pad_error.visible = t("sign_empty"), True
                pad_error.update()
                return
            png = await asyncio.to_thread(render_strokes_png, pad.strokes, pad.pad_w, pad.pad_h)
            done = await self.app.call(services.add_signature, self.id, signer, role.value, png,
                                       actor=self.app.me or None, error_at=pad_error)
            if done is not None:
                self.app.show(self.app.page.route)

        def clear(e):
            pad.clear()
            pad_error.visible = False
            pad_error.update()

        return card(ft.Text(who, weight=ft.FontWeight.W_600), name_field, pad, pad_error,
                    ft.Row([big_button(t("clear"), clear, filled=False),
                            big_button(f"{t('confirm_sign')} · {name or t('director_role')}", confirm)], wrap=True))

    def _ask_submit(self, e=None) -> None:
        t = self.app.t
        confirm_dialog(self.app, t("confirm_submit_title"), t("confirm_submit"), t("confirm_yes_submit"), self._submit)

    def _ask_lock(self, e=None) -> None:
        t = self.app.t
        confirm_dialog(self.app, t("confirm_lock_title"), t("confirm_lock"), t("confirm_yes_lock"), self._lock)

    async def _submit(self) -> None:
        if await self.app.call(services.submit, self.id, actor=self.app.me or None,
                               error_at=self.step_error) is not None:
            self.app.show(self.app.page.route)

    async def _lock(self) -> None:
        """签署完成 then 锁定. A missing signature is a rule's "not yet" (shown here, in words),
        not a failed save."""
        if self.data.inspection.status is S.SUBMITTED:
            if await self.app.call(services.sign, self.id, actor=self.app.me or None,
                                   error_at=self.step_error) is None:
                return
        if await self.app.call(services.lock, self.id, actor=self.app.me or None,
                               error_at=self.step_error) is not None:
            self.app.show(self.app.page.route)
