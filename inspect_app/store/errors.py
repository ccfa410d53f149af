"""Store errors a person sees (bilingual) and notices the app should show once."""

from __future__ import annotations

import errno
from dataclasses import dataclass
from pathlib import Path

from inspect_app.errors import UserError


class CorruptFileError(UserError):
    """A data file cannot be read and there is no good earlier copy to fall back on."""

    def __init__(self, path: Path, detail: str) -> None:
        super().__init__(
            f"数据文件 {path.name} 已损坏且没有可用的备份，文件保持原样未被修改。"
            f"请联系技术支持并保留该文件（{detail}）。",
            f"Data file {path.name} is damaged and no good backup exists; it was left untouched. "
            f"Contact support and keep the file ({detail}).",
        )
        self.path = path
        self.detail = detail


class NewerSchemaError(UserError):
    """A file written by a newer app version: refuse it instead of misreading it."""

    def __init__(self, path: Path, found: int, supported: int) -> None:
        super().__init__(
            f"数据文件 {path.name} 由更新版本的应用写入（格式版本 {found}），"
            f"本应用只支持到版本 {supported}。请先升级应用再打开；文件未被修改。",
            f"Data file {path.name} was written by a newer version of the app (format {found}); "
            f"this app supports up to format {supported}. Update the app to open it; "
            f"the file was not changed.",
        )
        self.path = path
        self.found = found
        self.supported = supported


@dataclass(frozen=True)
class StoreNotice:
    """Something the store repaired on its own that the inspector should hear about."""

    zh: str
    en: str
    path: str = ""

    def message(self, lang: str = "zh") -> str:
        return self.en if lang == "en" else self.zh


# ------------------------------------------------------------------ the disk said no
_DISK_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


class StorageError(UserError, OSError):
    """A write the device's storage refused (full, read-only, no permission, failing): said in
    the user's language with what to do, instead of a raw OSError. Nothing half-written stays.
    Still an OSError (same errno), so code that retries or cleans up on OSError keeps working."""

    def __init__(self, zh: str, en: str, *, errno_: int | None, path: Path | None) -> None:
        UserError.__init__(self, zh, en)
        self.errno = errno_
        self.strerror = zh
        self.filename = str(path) if path else None
        self.path = path

    def __str__(self) -> str:
        return self.zh


def storage_error(exc: OSError, path: Path | str | None = None,
                  what: tuple[str, str] = ("数据", "the data")) -> StorageError | None:
    """The person-facing error for an OSError from a write, or None when it is not a storage
    condition a person can act on (then the original error should propagate)."""
    if isinstance(exc, StorageError):
        return exc
    code = getattr(exc, "errno", None)
    p = Path(path) if path else (Path(exc.filename) if getattr(exc, "filename", None) else None)
    where = f"（{p.parent}）" if p else ""
    where_en = f" ({p.parent})" if p else ""
    zh_what, en_what = what
    if code in _DISK_FULL:
        return StorageError(
            f"存储空间已满，{zh_what}未能保存{where}。已保存的内容未受影响。请删除不需要的文件"
            f"（如旧的导出文件夹）或换用空间更大的存储后再试。",
            f"The storage is full, so {en_what} could not be saved{where_en}. What was saved before is "
            f"intact. Free some space (for example old export folders) or use larger storage, then try again.",
            errno_=code, path=p)
    if code == errno.EROFS:
        return StorageError(f"存储为只读，{zh_what}未能保存{where}。请检查存储卡或数据文件夹后再试。",
                            f"The storage is read-only, so {en_what} could not be saved{where_en}. "
                            f"Check the memory card or data folder and try again.", errno_=code, path=p)
    if code in (errno.EACCES, errno.EPERM):
        return StorageError(f"没有写入权限，{zh_what}未能保存{where}。请检查数据文件夹的权限。",
                            f"No permission to write, so {en_what} could not be saved{where_en}. "
                            f"Check the data folder's permissions.", errno_=code, path=p)
    if code == errno.EIO:
        return StorageError(f"存储读写出错，{zh_what}未能保存{where}。存储设备可能有故障，请尽快备份数据。",
                            f"The storage failed to write, so {en_what} could not be saved{where_en}. "
                            f"The device may be failing: back up the data soon.", errno_=code, path=p)
    return None


class DamagedInspection(UserError):
    """An inspection file that cannot be shown as it is: listed by name with what to do."""

    def __init__(self, key: str, path: Path, zh: str, en: str) -> None:
        super().__init__(zh, en)
        self.key = key
        self.path = path
