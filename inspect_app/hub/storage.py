"""The hub's data folder (数据目录): small JSON files written through the store's crash-safe
storage (temp file + fsync + rename + fsync of the folder, a `.prev` copy to fall back on).

    <data>/hub/accounts.json            users and tokens (salted scrypt hashes only)
    <data>/hub/index.json               the hub's counters, one row per inspection, centers
    <data>/hub/inspections/<id>.json    every op of one inspection (one small file each)
    <data>/hub/blobs/<sha256>           photos, signature images and signed PDFs
    <data>/hub/blobs/partial/<sha>.part an upload in progress, resumable from its size
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import sys
from contextlib import contextmanager
from pathlib import Path

from inspect_app.store.datafile import DataFile
from inspect_app.store.durable import fsync_dir
from inspect_app.store.locks import WorkspaceLock
from inspect_app.store.migrations import CURRENT_VERSIONS, HEADER

# The hub's own file kinds, registered with the store's schema table (additive).
for _kind in ("hub_accounts", "hub_index", "hub_ops"):
    CURRENT_VERSIONS.setdefault(_kind, 1)


def write_all(fd: int, chunk) -> None:
    view = memoryview(chunk)
    while view:
        view = view[os.write(fd, view):]


def start_writeback(fd: int) -> None:
    """Ask Linux to start writing a finished file to disk now (sync_file_range WRITE), so the
    fsync at the end of the batch finds little left to do. A hint only: durability still
    comes from that fsync. No-op where the call is missing."""
    if _libc is not None:
        _libc.sync_file_range(fd, ctypes.c_longlong(0), ctypes.c_longlong(0), 2)


def _load_libc():
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.sync_file_range  # noqa: B018 - AttributeError if absent
        return libc
    except (OSError, AttributeError):
        return None


_libc = _load_libc() if sys.platform.startswith("linux") else None


class HubFiles:
    """Paths, the one write lock, and the data files of a hub data folder."""

    def __init__(self, data_dir: Path) -> None:
        self.root = Path(data_dir) / "hub"
        self.inspections_dir = self.root / "inspections"
        self.blobs_dir = self.root / "blobs"
        self.partial_dir = self.blobs_dir / "partial"
        for folder in (self.root, self.inspections_dir, self.blobs_dir, self.partial_dir):
            folder.mkdir(parents=True, exist_ok=True)
        self.lock = WorkspaceLock(self.root / ".lock")
        self.accounts = DataFile(self.root / "accounts.json", "hub_accounts", self.lock)
        self.index = DataFile(self.root / "index.json", "hub_index", self.lock)
        self._ops_files: dict[str, DataFile] = {}
        # Blobs an upload request is writing right now (one hub process): a second request for
        # the same blob waits for the next sync instead of writing the same partial file.
        self.in_flight: set[str] = set()

    def ops_file(self, inspection_id: str) -> DataFile:
        f = self._ops_files.get(inspection_id)
        if f is None:
            f = DataFile(self.inspections_dir / f"{inspection_id}.json", "hub_ops", self.lock)
            self._ops_files[inspection_id] = f
        return f

    # -- documents ---------------------------------------------------------------------------
    @staticmethod
    def tables(file: DataFile, *names: str) -> dict:
        """A deep-enough copy of the document with the named tables present, to edit and commit."""
        doc = file.load() or {}
        out = {name: dict(table) for name, table in doc.items() if name != HEADER}
        out[HEADER] = dict(doc.get(HEADER, {}))
        for name in names:
            out.setdefault(name, {})
        return out

    # -- blobs -------------------------------------------------------------------------------
    def blob_path(self, sha: str) -> Path:
        return self.blobs_dir / sha

    def partial_path(self, sha: str) -> Path:
        return self.partial_dir / f"{sha}.part"

    def has_blob(self, sha: str) -> bool:
        return self.blob_path(sha).is_file()

    def partial_size(self, sha: str) -> int:
        try:
            return self.partial_path(sha).stat().st_size
        except FileNotFoundError:
            return 0

    def append_partial(self, sha: str, offset: int, chunk: bytes) -> int:
        """Write `chunk` at `offset` of the partial upload, durably; returns the new size."""
        with self.partial_writer(sha, offset) as write:
            write(chunk)
        return offset + len(chunk)

    @contextmanager
    def partial_writer(self, sha: str, offset: int):
        """Append to a partial upload from `offset` (the caller checked it equals the current
        size: no holes, no overlap). One fsync at the end, also when the sender vanished, so
        the size a resume starts from is what is really on disk."""
        fd = os.open(self.partial_path(sha), os.O_WRONLY | os.O_CREAT, 0o644)
        try:
            os.ftruncate(fd, offset)
            os.lseek(fd, offset, os.SEEK_SET)

            yield lambda chunk: write_all(fd, chunk)
        finally:
            os.fsync(fd)
            os.close(fd)

    def finish_partial(self, sha: str) -> bool:
        """Check the finished upload against its hash; keep it only if it matches."""
        path = self.partial_path(sha)
        digest = hashlib.sha256()
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        if digest.hexdigest() != sha:
            path.unlink(missing_ok=True)
            return False
        os.replace(path, self.blob_path(sha))
        fsync_dir(self.blobs_dir)
        return True

    # -- batches: write everything, then make it durable once ---------------------------------
    def open_partial(self, sha: str) -> int:
        """A fresh partial file for a whole blob of a batch (caller writes, then `finish_batch`)."""
        return os.open(self.partial_path(sha), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)

    def finish_batch(self, done: list[tuple[str, int, str]], cut: tuple[str, int] | None) -> tuple[list[str], list[str]]:
        """Durability for a whole batch at its end, before anything is confirmed: fsync every
        file written (the finished ones and the one cut short, which stays a resumable partial),
        rename each finished file whose bytes hashed to its name into blobs/, then fsync the
        two folders once. `done`: (sha, fd, actual sha256) per finished file. Returns
        (verified, failed)."""
        verified, failed = [], []
        fds = [fd for _, fd, _ in done] + ([cut[1]] if cut else [])
        try:
            for fd in fds:
                os.fsync(fd)
        finally:
            for fd in fds:
                os.close(fd)
        for sha, _, actual in done:
            path = self.partial_path(sha)
            if actual == sha:
                os.replace(path, self.blob_path(sha))
                verified.append(sha)
            else:
                path.unlink(missing_ok=True)
                failed.append(sha)
        if verified:
            fsync_dir(self.blobs_dir)
        fsync_dir(self.partial_dir)
        return verified, failed
