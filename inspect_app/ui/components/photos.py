"""Photo thumbnails, the full-screen viewer, and the photo button (FilePicker, camera on tablets)."""

from __future__ import annotations

import asyncio

import flet as ft

from inspect_app import services
from inspect_app.ui.components.common import TARGET, big_button

THUMB = 88


def thumb_url(sha256: str) -> str:
    return f"/media/thumb/{sha256}.jpg"


def photo_url(sha256: str) -> str:
    return f"/media/photo/{sha256}.jpg"


def thumbnail(app, record, on_removed=None, size: int = THUMB) -> ft.Control:
    label = f"{app.t('photos')} {record.target.clause_number} {record.target.item_code}".strip()
    return ft.Container(
        ft.Image(src=thumb_url(record.sha256), width=size, height=size, fit=ft.BoxFit.COVER,
                 border_radius=6, semantics_label=label),
        width=size, height=size, border_radius=6, on_click=lambda e: open_viewer(app, record, on_removed),
        tooltip=record.original_name or label,
    )


def open_viewer(app, record, on_removed=None) -> None:
    """Full-screen photo with its target and a remove button (a reason is required)."""
    t = app.t
    reason = ft.TextField(label=t("remove_reason"), visible=False)
    can_edit = getattr(app.screen, "data", None) is None or app.screen.data.editable

    async def remove(e):
        if not reason.visible:
            reason.visible = True
            reason.update()
            return
        done = await app.call(services.remove_evidence, record.inspection_id, record.id, reason.value or "",
                              actor=app.me or None)
        if done is not None:
            app.page.pop_dialog()
            if on_removed:
                on_removed(record)

    where = " ".join(x for x in (record.target.clause_number, record.target.item_code) if x)
    app.page.show_dialog(ft.AlertDialog(
        title=ft.Text(f"{where} {record.original_name}".strip(), size=15),
        content=ft.Column([
            ft.InteractiveViewer(ft.Image(src=photo_url(record.sha256), fit=ft.BoxFit.CONTAIN,
                                          semantics_label=where or record.original_name),
                                 max_scale=5, min_scale=1),
            reason,
        ], tight=True, width=min(900, (app.page.width or 900) - 40), height=min(640, (app.page.height or 640) - 200)),
        actions=[big_button(t("remove"), remove, icon=ft.Icons.DELETE_OUTLINE, filled=False, disabled=not can_edit),
                 big_button(t("close"), lambda e: app.page.pop_dialog())],
        inset_padding=ft.Padding.all(8),
    ))


class PhotoButton(ft.Column):
    """Take or choose a photo for a target; the stored photo is attached through services.

    A FilePicker per button, opened by the client inside the
    tap (PickFiles), which is what lets tablet browsers offer the camera.
    """

    def __init__(self, app, picker: ft.FilePicker, inspection_id: str, clause_number: str, item_code: str,
                 on_added, disabled=False):
        self.app = app
        self.inspection_id = inspection_id
        self.clause_number = clause_number
        self.item_code = item_code
        self.on_added = on_added
        # The screen creates its pickers before building any control: constructing a service
        # registers it with the page at once, which must not happen mid-way through a control.
        self.picker = picker
        picker.on_result = self._picked
        self.status = ft.Text("", size=12, color=ft.Colors.GREY_700)
        label = app.t("add_photo")
        button = ft.OutlinedButton(
            content=label, icon=ft.Icons.PHOTO_CAMERA, height=TARGET, disabled=disabled,
            tooltip=app.t("photo_hint"),
            action=ft.PickFiles(self.picker, file_type=ft.FilePickerFileType.IMAGE, with_data=True,
                                allow_multiple=True),
        )
        super().__init__([button, self.status], spacing=2, tight=True)

    async def _picked(self, e) -> None:
        app = self.app
        for f in e.files or []:
            if not f.bytes:
                continue
            self.status.value = app.t("saving")
            self.status.update()
            try:
                stored = await asyncio.to_thread(app.ctx.workspace.photos.ingest, f.bytes, f.name)
            except Exception as exc:  # noqa: BLE001 - PhotoRejected says why in zh/en
                self.status.value = ""
                self.status.update()
                app.fail(exc)
                continue
            record = await app.call(services.attach_evidence, self.inspection_id, stored,
                                    clause_number=self.clause_number, item_code=self.item_code,
                                    actor=app.me or None)
            self.status.value = ""
            self.status.update()
            if record is not None:
                self.on_added(record)
