"""Errors about evidence (佐证材料) that a person sees, in Chinese first and English."""

from __future__ import annotations

from inspect_app.errors import UserError


class PhotoRejected(UserError):
    """The bytes offered as a photo cannot become evidence; nothing was stored."""

    def __init__(self, zh: str, en: str, *, reason: str) -> None:
        super().__init__(zh, en)
        self.reason = reason  # short machine-readable code: "empty", "not_image", "bomb", …


class EvidenceMissing(UserError):
    """A stored file that a record points to is not on this device."""

    def __init__(self, sha256: str, what: str) -> None:
        super().__init__(
            f"找不到这份佐证材料的{_WHAT_ZH.get(what, what)}（{sha256[:12]}…）。请同步后再试，或重新拍照添加。",
            f"The {what} of this evidence ({sha256[:12]}…) is not on this device. Sync and try again, or add the photo again.",
        )
        self.sha256 = sha256
        self.what = what


class HashMismatch(UserError):
    """Bytes received for a content hash do not hash to it (damaged or wrong upload)."""

    def __init__(self, expected: str, actual: str) -> None:
        super().__init__(
            f"收到的文件已损坏（校验值不符：应为 {expected[:12]}…，实为 {actual[:12]}…）。请重新同步。",
            f"The received file is damaged (hash {actual[:12]}… instead of {expected[:12]}…). Sync again.",
        )
        self.expected = expected
        self.actual = actual


_WHAT_ZH = {"original": "原始文件", "stored": "照片", "thumbnail": "缩略图", "png": "图片", "metadata": "记录"}
