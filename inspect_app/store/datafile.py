"""One JSON data file on disk: durable commits, a parsed cache, corruption fallback, migration.

The parsed document is cached and revalidated by (inode, size, mtime, ctime): every commit
replaces the file by rename, so another process's save always changes the inode. Callers
hold the workspace lock (see locks.py) around load/commit; a transaction edits the cached
document in place and calls `invalidate()` if it fails half-way.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path
from typing import Callable

from .durable import atomic_write_bytes, fsync_dir, prev_path
from .errors import CorruptFileError, NewerSchemaError, StoreNotice, storage_error
from .locks import WorkspaceLock
from .migrations import CURRENT_VERSIONS, HEADER, file_version, migrate

TINYDB_KINDS = {"inspection", "centers", "tinydb"}


class _Unreadable(Exception):
    pass


try:  # ~20x faster than the stdlib encoder on a 500 KB inspection: the save cost is mostly this
    import orjson

    def dumps(doc: dict) -> bytes:
        return orjson.dumps(doc)

    def loads(raw: bytes) -> object:
        return orjson.loads(raw)

except ImportError:  # e.g. a mobile build without the wheel: same files, slower saves

    def dumps(doc: dict) -> bytes:
        return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    def loads(raw: bytes) -> object:
        return json.loads(raw.decode("utf-8"))


class DataFile:
    def __init__(
        self,
        path: Path,
        kind: str,
        lock: WorkspaceLock,
        on_notice: Callable[[StoreNotice], None] = lambda n: None,
        on_recovered: Callable[["DataFile"], None] = lambda f: None,
        mode: int = 0o644,
    ) -> None:
        self.path = path
        self.mode = mode
        self.kind = kind
        self.lock = lock
        self._on_notice = on_notice
        self._on_recovered = on_recovered
        self._doc: dict | None = None
        self._key: tuple | None = None

    # -- reading ---------------------------------------------------------------------------
    def exists(self) -> bool:
        return self.path.exists()

    def load(self) -> dict | None:
        """The current document (header included), or None when the file does not exist."""
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            self._doc = self._key = None
            return None
        try:
            st = os.fstat(fd)
            key = (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
            if self._doc is not None and key == self._key:
                return self._doc
            raw = _read_all(fd, st.st_size)
        finally:
            os.close(fd)
        try:
            doc = self._parse(raw)
        except _Unreadable as err:
            return self._recover(str(err))
        self._check_version(doc)
        if file_version(doc) < CURRENT_VERSIONS[self.kind]:
            return self._migrate()
        self._doc, self._key = doc, key
        return doc

    def header(self) -> dict:
        doc = self.load()
        return doc.get(HEADER, {}) if doc else {}

    def last_seq(self) -> int:
        return int(self.header().get("last_seq", 0))

    def invalidate(self) -> None:
        self._doc = self._key = None

    def _parse(self, raw: bytes) -> dict:
        if not raw:
            raise _Unreadable("empty file")
        try:
            doc = loads(raw)
        except (UnicodeDecodeError, ValueError) as err:  # orjson.JSONDecodeError is a ValueError
            raise _Unreadable(f"{type(err).__name__}: {err}") from None
        if not isinstance(doc, dict):
            raise _Unreadable("top level is not an object")
        header = doc.get(HEADER)
        if header is not None:
            if not isinstance(header, dict) or header.get("kind", self.kind) != self.kind:
                raise _Unreadable(f"header is not a {self.kind} header")
        if self.kind in TINYDB_KINDS:
            for name, table in doc.items():
                if name == HEADER:
                    continue
                if not isinstance(table, dict) or not all(isinstance(d, dict) for d in table.values()):
                    raise _Unreadable(f"table {name!r} is malformed")
        return doc

    def _check_version(self, doc: dict) -> None:
        found, supported = file_version(doc), CURRENT_VERSIONS[self.kind]
        if found > supported:
            raise NewerSchemaError(self.path, found, supported)

    # -- writing ---------------------------------------------------------------------------
    def commit(self, doc: dict) -> None:
        """Write `doc` durably; returns only after file and folder are fsynced."""
        header = doc.setdefault(HEADER, {})
        header["kind"] = self.kind
        header["schema_version"] = CURRENT_VERSIONS[self.kind]
        try:
            atomic_write_bytes(self.path, dumps(doc), keep_prev=True, mode=self.mode)
        except OSError as exc:
            self.invalidate()
            said = storage_error(exc, self.path, ("这次修改", "this change"))
            if said is None:
                raise
            raise said from exc
        except BaseException:
            self.invalidate()
            raise
        st = os.stat(self.path)
        self._doc, self._key = doc, (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)

    # -- repair ----------------------------------------------------------------------------
    def _recover(self, detail: str) -> dict:
        """The file is unreadable: keep it aside and fall back to the last good copy."""
        with self.lock.exclusive():
            # Another process may have repaired it while we waited for the lock.
            try:
                raw = self.path.read_bytes()
                doc = self._parse(raw)
            except FileNotFoundError:
                return self.load()
            except _Unreadable:
                pass
            else:
                self._check_version(doc)
                self.invalidate()
                return self.load()
            prev = prev_path(self.path)
            try:
                prev_doc = self._parse(prev.read_bytes())
                self._check_version(prev_doc)
            except (FileNotFoundError, _Unreadable):
                self.invalidate()
                raise CorruptFileError(self.path, detail) from None
            aside = self.path.with_name(f"{self.path.name}.corrupt-{time.strftime('%Y%m%dT%H%M%S')}")
            n = 1
            while aside.exists():
                aside = aside.with_name(f"{aside.name.split('~')[0]}~{n}")
                n += 1
            os.rename(self.path, aside)
            fsync_dir(self.path.parent)
            prev_doc, _ = migrate(self.kind, prev_doc)
            self.commit(prev_doc)
            self._on_notice(StoreNotice(
                f"数据文件 {self.path.name} 已损坏（{detail}），已恢复到上一次保存的版本，"
                f"最近一次修改可能丢失，请核对。损坏的文件已另存为 {aside.name}。",
                f"Data file {self.path.name} was damaged ({detail}); the previous saved version was "
                f"restored, so the very last change may be missing: please check it. "
                f"The damaged file was kept as {aside.name}.",
                str(self.path),
            ))
            self._on_recovered(self)
            return prev_doc

    def _migrate(self) -> dict:
        with self.lock.exclusive():
            doc = self._parse(self.path.read_bytes())
            self._check_version(doc)
            start = file_version(doc)
            if start < CURRENT_VERSIONS[self.kind]:
                backup = self.path.with_name(f"{self.path.name}.v{start}.bak")
                if not backup.exists():
                    try:
                        os.link(self.path, backup)
                    except OSError:
                        shutil.copy2(self.path, backup)
                doc, _ = migrate(self.kind, doc)
                self.commit(doc)
                self._on_notice(StoreNotice(
                    f"数据文件 {self.path.name} 已从格式版本 {start} 升级；原文件保存为 {backup.name}。",
                    f"Data file {self.path.name} was upgraded from format {start}; "
                    f"the original was kept as {backup.name}.",
                    str(self.path),
                ))
                return doc
            self.invalidate()
            return self.load()


def _read_all(fd: int, size: int) -> bytes:
    chunks = []
    while True:
        chunk = os.read(fd, max(size, 65536))
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)
