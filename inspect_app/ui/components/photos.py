"""Photo thumbnails, the full-screen viewer, and the photo button (FilePicker, camera on tablets)."""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path

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


UPLOAD_TTL = 600  # seconds a signed upload URL stays valid


class PhotoButton(ft.Column):
    """Take or choose a photo for a target; the stored photo is attached through services.

    A FilePicker per button, opened by the client inside the tap (PickFiles), which is what lets
    tablet browsers offer the camera. The file is streamed to the upload folder over HTTP (Flet's
    signed upload URL), never through the websocket; then it is ingested off the event loop
    (services.ingest_photo: orient, downscale, strip GPS unless the inspection keeps it…), the temporary upload is removed, and the
    stored photo is attached. A refused file (PhotoRejected) shows why and attaches nothing.
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
        picker.on_upload = self._uploaded
        self.pending: dict[str, list[tuple[str, Path]]] = {}  # picked name -> [(name, temp file)]
        self.status = ft.Text("", size=12, color=ft.Colors.GREY_700)
        self.error = ft.Text("", size=13, color=ft.Colors.RED_700, visible=False, selectable=True)
        label = app.t("add_photo")
        button = ft.OutlinedButton(
            content=label, icon=ft.Icons.PHOTO_CAMERA, height=TARGET, disabled=disabled,
            tooltip=app.t("photo_hint"),
            action=ft.PickFiles(self.picker, file_type=ft.FilePickerFileType.IMAGE, allow_multiple=True),
        )
        super().__init__([button, self.status, self.error], spacing=2, tight=True)

    def _say(self, status: str = "", error: str | None = None) -> None:
        self.status.value = status
        if error is not None:
            self.error.value = error
            self.error.visible = bool(error)
        if self.page:
            self.update()

    async def _picked(self, e) -> None:
        app = self.app
        uploads = []
        errors = []
        for f in e.files or []:
            too_big = upload_refusal(f.size, f.name)
            if too_big is not None:
                errors.append(too_big.message(app.lang))
                continue
            temp_name = f"{secrets.token_hex(12)}.upload"
            self.pending.setdefault(f.name, []).append((f.name, app.ctx.upload_dir / temp_name))
            uploads.append(ft.FilePickerUploadFile(upload_url=app.page.get_upload_url(temp_name, UPLOAD_TTL),
                                                   id=f.id, name=f.name))
        self._say(app.t("saving") if uploads else "", "\n".join(errors))
        if uploads:
            await self.picker.upload(uploads)

    async def _uploaded(self, e) -> None:
        app = self.app
        queue = self.pending.get(e.file_name)
        if not queue:
            return
        if e.error:
            name, temp = queue.pop(0)
            await asyncio.to_thread(_remove, temp)
            self._say("", _append(self.error, f"{name}: {app.t('upload_failed')} ({e.error})"))
            return
        if e.progress is None or e.progress < 1.0:
            return  # 0 % and every 10 %: the upload goes on
        name, temp = queue.pop(0)
        try:
            stored = await asyncio.to_thread(ingest_upload, app.ctx.workspace, self.inspection_id, temp, name)
        except Exception as exc:  # noqa: BLE001 - PhotoRejected says why in zh/en
            message = _message(exc, app.lang, name)
            self._say("", _append(self.error, message))
            app.toast(message, error=True)
            return
        record = await app.call(services.attach_evidence, self.inspection_id, stored,
                                clause_number=self.clause_number, item_code=self.item_code,
                                actor=app.me or None)
        self._say("" if not any(self.pending.values()) else app.t("saving"))
        if record is not None:
            self.on_added(record)


def upload_refusal(size: int, name: str):
    """A PhotoRejected for a file that is too big (or empty) to upload at all, else None."""
    from inspect_app.evidence import MAX_INPUT_BYTES, PhotoRejected

    if size <= 0:
        return PhotoRejected("文件是空的（0 字节），未添加。", "The file is empty (0 bytes); nothing was added.",
                             reason="empty")
    if size > MAX_INPUT_BYTES:
        mb, limit = size / 1048576, MAX_INPUT_BYTES // 1048576
        return PhotoRejected(f"{name}：文件太大（{mb:.0f} MB，上限 {limit} MB），未添加。",
                             f"{name}: the file is too large ({mb:.0f} MB, limit {limit} MB); nothing was added.",
                             reason="too_large")
    return None


def ingest_upload(ws, inspection_id: str, temp: Path, original_name: str):
    """Ingest one uploaded file into the photo store under the inspection's GPS policy
    (services.ingest_photo: keep_gps=inspection.keep_gps), then remove the upload (accepted or not)."""
    try:
        return services.ingest_photo(ws, inspection_id, temp.read_bytes(), original_name)
    finally:
        _remove(temp)


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def _message(exc: Exception, lang: str, name: str) -> str:
    from inspect_app.errors import UserError

    text = exc.message(lang) if isinstance(exc, UserError) else f"{type(exc).__name__}: {exc}"
    return f"{name}: {text}" if name else text


def _append(error: ft.Text, line: str) -> str:
    return f"{error.value}\n{line}" if error.visible and error.value else line
