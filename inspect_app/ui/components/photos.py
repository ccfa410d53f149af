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


def photo_label(app, record, number: int | None = None, zone: str | None = None) -> str:
    """Caption line of a photo: target, number within it, time taken (else added), caption."""
    from inspect_app.clock import local_time_text

    t = app.t
    code = record.target.item_code or t("clause_note")
    when = local_time_text(record.captured_at or record.added_at, zone)
    text = t("photo_caption", code=code, n=number or 1, when=when)
    if getattr(record, "number", ""):  # the stable 照片编号 the report prints (P-004)
        text = f"{record.number} · {text}"
    return f"{text} · {record.caption}" if record.caption else text


def thumbnail(app, record, on_removed=None, size: int = THUMB, number: int | None = None,
              show_caption: bool = False) -> ft.Control:
    where = f"{record.target.clause_number} {record.target.item_code}".strip()
    stable = getattr(record, "number", "")  # 照片编号 P-004, the one the report prints
    label = f"{app.t('photos')} {where}".strip() + (f" {stable}" if stable else f" #{number}" if number else "")
    image = ft.Container(
        ft.Image(src=thumb_url(record.sha256), width=size, height=size, fit=ft.BoxFit.COVER,
                 border_radius=6, semantics_label=label),
        width=size, height=size, border_radius=6, on_click=lambda e: open_viewer(app, record, on_removed, number),
    )
    badge = ft.Container(ft.Text(stable or str(number), size=11, color=ft.Colors.WHITE, weight=ft.FontWeight.BOLD),
                         bgcolor=ft.Colors.BLACK_54, border_radius=4, padding=ft.Padding.symmetric(horizontal=5),
                         left=4, top=4) if (stable or number) else None
    tile = ft.Stack([image, badge], width=size, height=size) if badge else image
    if not show_caption:
        return tile
    return ft.Column([tile, ft.Text(photo_label(app, record, number), size=11, width=size, max_lines=3,
                                    color=ft.Colors.GREY_800)], spacing=2, tight=True)


def open_viewer(app, record, on_removed=None, number: int | None = None) -> None:
    """Full-screen photo with its caption, number and time; the buttons sit below the image, never
    on it, and a refusal (no reason given) shows in the dialog in words, not in a tooltip."""
    t = app.t
    reason = ft.TextField(label=t("remove_reason"), visible=False, on_change=lambda e: None)
    refusal = ft.Text("", color=ft.Colors.RED_700, size=13, visible=False)
    can_edit = getattr(app.screen, "data", None) is None or app.screen.data.editable

    async def remove(e):
        if not reason.visible:
            reason.visible = True
            reason.update()
            return
        done = await app.call(services.remove_evidence, record.inspection_id, record.id, reason.value or "",
                              actor=app.me or None, error_at=refusal)
        if done is not None:
            app.page.pop_dialog()
            if on_removed:
                on_removed(record)

    where = " ".join(x for x in (record.target.clause_number, record.target.item_code) if x)
    width = min(900, (app.page.width or 900) - 40)
    height = min(560, (app.page.height or 640) - 300)
    app.page.show_dialog(ft.AlertDialog(
        title=ft.Text(f"{where} · {photo_label(app, record, number)}".strip(" ·"), size=15),
        content=ft.Column([
            ft.Container(ft.InteractiveViewer(ft.Image(src=photo_url(record.sha256), fit=ft.BoxFit.CONTAIN,
                                                       semantics_label=where or record.original_name),
                                              max_scale=5, min_scale=1),
                         height=height, width=width),
            ft.Text(record.original_name, size=12, color=ft.Colors.GREY_700, visible=bool(record.original_name)),
            reason, refusal,
        ], tight=True, width=width, spacing=8),
        actions=[big_button(t("remove"), remove, icon=ft.Icons.DELETE_OUTLINE, filled=False, disabled=not can_edit),
                 big_button(t("close"), lambda e: app.page.pop_dialog())],
        actions_alignment=ft.MainAxisAlignment.END,
        inset_padding=ft.Padding.all(8),
    ))


UPLOAD_TTL = 600  # seconds a signed upload URL stays valid


def photo_pickers(app, count: int, exclude=()) -> list[ft.FilePicker]:
    """`count` FilePickers for one screen's photo buttons, reused across the session's screens.

    Constructing a FilePicker registers it with the page, and every registration sends a page
    update: five new pickers were about a quarter of opening a clause (bench/ui_profile.py). A
    picker whose button still waits for an upload is not handed out again, so that upload still
    reaches the button (and the target) it was picked for; nor is one in `exclude` (the pickers
    of buttons still on the asking screen)."""
    pool: list[ft.FilePicker] = app.__dict__.setdefault("_photo_pickers", [])
    owners: dict[int, PhotoButton] = app.__dict__.setdefault("_photo_picker_owners", {})
    taken = {id(p) for p in exclude}
    free = [p for p in pool if id(p) not in taken and not (id(p) in owners and owners[id(p)].busy)]
    while len(free) < count:
        picker = ft.FilePicker()
        pool.append(picker)
        free.append(picker)
    return free[:count]


class PhotoButton(ft.Column):
    """Take or choose a photo for a target; the stored photo is attached through services.

    A FilePicker per button, opened by the client inside the tap (PickFiles), which is what lets
    tablet browsers offer the camera. The file is streamed to the upload folder over HTTP (Flet's
    signed upload URL), never through the websocket; then it is ingested off the event loop
    (services.ingest_photo: orient, downscale, strip GPS unless the inspection keeps it…), the temporary upload is removed, and the
    stored photo is attached. A refused file (PhotoRejected) shows why and attaches nothing.
    """

    def __init__(self, app, picker: ft.FilePicker, inspection_id: str, clause_number: str, item_code: str,
                 on_added, disabled=False, on_preview=None):
        self.app = app
        self.inspection_id = inspection_id
        self.clause_number = clause_number
        self.item_code = item_code
        self.on_added = on_added
        # on_preview(clause, item, token, jpeg | None): a quick thumbnail to show while the photo is
        # stored (evidence.preview_thumbnail), then None when it is stored or refused.
        self.on_preview = on_preview
        # The screen creates its pickers before building any control: constructing a service
        # registers it with the page at once, which must not happen mid-way through a control.
        self.picker = picker
        app.__dict__.setdefault("_photo_picker_owners", {})[id(picker)] = self
        picker.on_result = self._picked
        picker.on_upload = self._uploaded
        self.pending: dict[str, list[tuple[str, Path]]] = {}  # picked name -> [(name, temp file)]
        self.status = ft.Text("", size=12, color=ft.Colors.GREY_700)
        self.error = ft.Text("", size=13, color=ft.Colors.RED_700, visible=False)  # not selectable: a screen reader reads it as text
        label = app.t("add_photo")
        button = ft.OutlinedButton(
            content=ft.Text(label), icon=ft.Icons.PHOTO_CAMERA, height=TARGET, disabled=disabled,
            action=ft.PickFiles(self.picker, file_type=ft.FilePickerFileType.IMAGE, allow_multiple=True),
        )
        super().__init__([button, self.status, self.error], spacing=2, tight=True)

    @property
    def busy(self) -> bool:
        """An upload picked here has not been stored yet."""
        return any(self.pending.values())

    def _say(self, status: str = "", error: str | None = None) -> None:
        self.status.value = status
        if error is not None:
            self.error.value = error
            self.error.visible = bool(error)
        if self.page:
            self.update()

    async def _picked(self, e) -> None:
        _timing("picked")
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
        _timing(f"upload {e.progress}")
        if e.progress is None or e.progress < 1.0:
            return  # 0 % and every 10 %: the upload goes on
        name, temp = queue.pop(0)
        # One service call stores and attaches (services.add_photo); the header says 正在保存…
        # meanwhile, and a refusal (PhotoRejected) shows under the button and attaches nothing.
        self._say(app.t("photo_storing"))
        clause, item, token = self.clause_number, self.item_code, secrets.token_hex(6)
        if self.on_preview is not None:
            # The thumbnail first, from a draft decode, while the full-size derivative is made.
            preview = await asyncio.to_thread(_preview, temp)
            if preview:
                self.on_preview(clause, item, token, preview)
                _timing("preview sent")
        record = await app.call(add_upload, self.inspection_id, temp, name, clause_number=clause,
                                item_code=item, actor=app.me or None, error_at=self.error)
        _timing("stored")
        if self.on_preview is not None:
            self.on_preview(clause, item, token, None)
        self._say("" if not any(self.pending.values()) else app.t("saving"))
        if record is not None:
            self.on_added(record)
        _timing("thumbnail sent")


def _timing(step: str) -> None:
    import os
    import time

    if os.environ.get("JICENG_UI_TIMING"):  # bench/ui_latency.py: where photo -> thumbnail goes
        print(f"photo {step} at {time.perf_counter() * 1000:.1f} ms", flush=True)


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


def add_upload(ws, inspection_id: str, temp: Path, original_name: str, **target):
    """services.add_photo on one uploaded file (ingest under the inspection's GPS policy and
    attach), then remove the upload, accepted or not."""
    try:
        return services.add_photo(ws, inspection_id, temp.read_bytes(), original_name, **target)
    finally:
        _remove(temp)


def _preview(temp: Path) -> bytes | None:
    from inspect_app.evidence.decode import preview_thumbnail

    try:
        return preview_thumbnail(temp.read_bytes())
    except OSError:
        return None


def preview_tile(app, where: str, data: bytes, size: int = THUMB) -> ft.Control:
    """A photo being stored: its quick thumbnail, dimmed, with a spinner; the stored thumbnail
    (numbered, openable) replaces it, or the refusal under the photo button does."""
    label = f"{app.t('photos')} {where} {app.t('photo_storing')}".strip()
    return ft.Stack([
        ft.Image(src=data, width=size, height=size, fit=ft.BoxFit.COVER, border_radius=6, opacity=0.6,
                 semantics_label=label),
        ft.Container(ft.ProgressRing(width=22, height=22, stroke_width=3), alignment=ft.Alignment.CENTER,
                     width=size, height=size),
    ], width=size, height=size)


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
