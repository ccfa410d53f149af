"""Store errors a person sees (bilingual) and notices the app should show once."""

from __future__ import annotations

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
