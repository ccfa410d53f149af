"""The file implementation of the hub's storage: the county hub's data folder (数据目录), as
it always was. Small JSON files written through the store's crash-safe DataFile (temp file +
fsync + rename + fsync of the folder, a `.prev` copy to fall back on), one write lock.

    <data>/hub/accounts.json            users, tokens (salted scrypt hashes only), secrets
    <data>/hub/index.json               counters, one row per inspection, centers, blob holders
    <data>/hub/inspections/<id>.json    every op of one inspection (one small file each)
    <data>/hub/blobs/<sha256>           photos, signature images, signed PDFs, standard copies
    <data>/hub/blobs/partial/<sha>.part an upload in progress, resumable from its size
    <data>/hub/trust.json               the county CA and TSA (mode 0600: it holds their keys)
    <data>/hub/settings/<name>.json     other named settings documents

One hub process per folder: the upload leases live in that process.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import sys
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from inspect_app.hub.store import journal
from inspect_app.hub.store.base import (
    AccountStore,
    BlobStore,
    BlobWriter,
    HubStore,
    LedgerStore,
    LedgerTx,
    SettingsStore,
    UploadLeases,
)
from inspect_app.store.datafile import DataFile
from inspect_app.store.durable import SECRET_MODE, fsync_dir
from inspect_app.store.locks import WorkspaceLock
from inspect_app.store.migrations import CURRENT_VERSIONS, HEADER
from inspect_app.sync.protocol import SAFE_ID, SHA256_HEX

# The hub's own file kinds, registered with the store's schema table (additive).
for _kind in ("hub_accounts", "hub_index", "hub_ops", "hub_trust", "hub_settings"):
    CURRENT_VERSIONS.setdefault(_kind, 1)


def _write_all(fd: int, chunk) -> None:
    view = memoryview(chunk)
    while view:
        view = view[os.write(fd, view):]


def _load_libc():
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.sync_file_range  # noqa: B018 - AttributeError if absent
        return libc
    except (OSError, AttributeError):
        return None


_libc = _load_libc() if sys.platform.startswith("linux") else None


def _start_writeback(fd: int) -> None:
    """Ask Linux to start writing a finished file to disk now (sync_file_range WRITE), so the
    fsync at the end of a batch finds little left to do. A hint only."""
    if _libc is not None:
        _libc.sync_file_range(fd, ctypes.c_longlong(0), ctypes.c_longlong(0), 2)


class HubFolder:
    """Paths, the one write lock and the data files of a hub data folder."""

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

    def ops_file(self, inspection_id: str) -> DataFile:
        f = self._ops_files.get(inspection_id)
        if f is None:
            f = DataFile(self.inspections_dir / f"{inspection_id}.json", "hub_ops", self.lock)
            self._ops_files[inspection_id] = f
        return f

    @staticmethod
    def tables(file: DataFile, *names: str) -> dict:
        """A deep-enough copy of the document with the named tables present, to edit and commit."""
        doc = file.load() or {}
        out = {name: dict(table) for name, table in doc.items() if name != HEADER}
        out[HEADER] = dict(doc.get(HEADER, {}))
        for name in names:
            out.setdefault(name, {})
        return out


# ---------------------------------------------------------------- ledger


class _FileTx(LedgerTx):
    def __init__(self, folder: HubFolder) -> None:
        self.folder = folder
        self.index = folder.tables(folder.index, "inspections", "centers", "blobs")
        self.docs: dict[str, dict] = {}

    def _doc(self, iid: str) -> dict:
        if iid not in self.docs:
            self.docs[iid] = self.folder.tables(self.folder.ops_file(iid), "ops")
        return self.docs[iid]

    def row(self, inspection_id):
        row = self.index["inspections"].get(inspection_id)
        return dict(row) if row else None

    def ops(self, inspection_id):
        return self._doc(inspection_id)["ops"] if SAFE_ID.match(inspection_id) else {}

    def append(self, inspection_id, ops):
        stored = self._doc(inspection_id)["ops"]
        seq = int(self.index[HEADER].get("hub_seq", 0))
        seqs = []
        for op in ops:
            seq += 1
            op["hub_seq"] = seq
            stored[f"{op['device']}:{op['seq']}"] = op
            seqs.append(seq)
        self.index[HEADER]["hub_seq"] = seq
        return seqs

    def put_row(self, inspection_id, row):
        self.index["inspections"][inspection_id] = row

    def put_center(self, center_id, value):
        self.index["centers"][center_id] = value

    def add_blob_holder(self, sha, inspection_id):
        holders = self.index["blobs"].get(sha, [])
        if inspection_id not in holders:
            self.index["blobs"][sha] = [*holders, inspection_id]

    def next_counter(self, name):
        value = int(self.index[HEADER].get(name, 0)) + 1
        self.index[HEADER][name] = value
        return value

    def commit(self) -> None:
        # The inspections' files and the index that counts them, as one step (journal.py).
        journal.commit(self.folder, self.docs, self.index)


class FileLedger(LedgerStore):
    def __init__(self, folder: HubFolder) -> None:
        self.folder = folder
        if journal.pending(folder):  # opened after a kill mid-push: finish that push first
            with folder.lock.exclusive():
                journal.replay(folder)

    @contextmanager
    def transaction(self, inspection_ids: Iterable[str]):
        with self.folder.lock.exclusive():
            journal.replay(self.folder)  # a push a kill interrupted is finished first
            tx = _FileTx(self.folder)
            try:
                yield tx
            except BaseException:
                self.folder.index.invalidate()
                for iid in tx.docs:
                    self.folder.ops_file(iid).invalidate()
                raise
            tx.commit()

    def _index(self) -> dict:
        return self.folder.index.load() or {}

    def row(self, inspection_id):
        row = self._index().get("inspections", {}).get(inspection_id)
        return dict(row) if row else None

    def rows(self):
        return [dict(r) for r in self._index().get("inspections", {}).values()]

    def centers(self):
        return dict(self._index().get("centers", {}))

    def ops(self, inspection_id):
        if not SAFE_ID.match(inspection_id):
            return []
        return list((self.folder.ops_file(inspection_id).load() or {}).get("ops", {}).values())

    def top(self):
        if journal.pending(self.folder):  # another process was killed mid-push: finish it
            with self.folder.lock.exclusive():
                journal.replay(self.folder)
        return int(self._index().get(HEADER, {}).get("hub_seq", 0))

    def ops_since(self, inspection_ids, since, exclude_device, limit, upto=None):
        rows = self._index().get("inspections", {})
        found = []
        for iid in inspection_ids:
            if int((rows.get(iid) or {}).get("max_seq", 0)) <= since:
                continue
            found.extend(v for v in self.ops(iid) if v["hub_seq"] > since and v["device"] != exclude_device
                         and (upto is None or v["hub_seq"] <= upto))
        found.sort(key=lambda v: v["hub_seq"])
        return found[:limit]

    def blob_holders(self, sha):
        return list(self._index().get("blobs", {}).get(sha, []))

    def put_score(self, inspection_id, at_seq, score):
        with self.folder.lock.exclusive():
            index = self.folder.tables(self.folder.index, "inspections")
            row = index["inspections"].get(inspection_id)
            if not row or int(row.get("max_seq", 0)) != at_seq:
                return
            index["inspections"][inspection_id] = dict(row) | {"score": score}
            self.folder.index.commit(index)

    def counts(self):
        index = self._index()
        return {"inspections": len(index.get("inspections", {})),
                "ops": sum(len(self.ops(i)) for i in index.get("inspections", {})),
                "centers": len(index.get("centers", {})),
                "blob_refs": sum(len(v) for v in index.get("blobs", {}).values())}


# ---------------------------------------------------------------- accounts


class FileAccounts(AccountStore):
    def __init__(self, folder: HubFolder) -> None:
        self.folder = folder

    def _doc(self) -> dict:
        return self.folder.accounts.load() or {}

    @contextmanager
    def _edit(self):
        with self.folder.lock.exclusive():
            doc = self.folder.tables(self.folder.accounts, "users", "tokens", "secrets")
            yield doc
            self.folder.accounts.commit(doc)

    def user(self, username):
        row = self._doc().get("users", {}).get(username)
        return dict(row) if row else None

    def users(self):
        return [dict(r) for r in self._doc().get("users", {}).values()]

    def add_user(self, row):
        with self.folder.lock.exclusive():
            doc = self.folder.tables(self.folder.accounts, "users", "tokens")
            if row["username"] in doc["users"]:
                return False
            doc["users"][row["username"]] = row
            self.folder.accounts.commit(doc)
        return True

    def update_user(self, username, changes):
        with self._edit() as doc:
            doc["users"][username] = doc["users"][username] | changes

    def token(self, token_id):
        row = self._doc().get("tokens", {}).get(token_id)
        return dict(row) if row else None

    def tokens(self):
        return [dict(r) for r in self._doc().get("tokens", {}).values()]

    def add_token(self, row):
        with self._edit() as doc:
            doc["tokens"][row["id"]] = row

    def revoke_tokens(self, username, token_id, at):
        count = 0
        with self._edit() as doc:
            for tid, tok in doc["tokens"].items():
                if tok["user"] == username and not tok["revoked"] and token_id in (None, tid):
                    doc["tokens"][tid] = tok | {"revoked": True, "revoked_at": at}
                    count += 1
        return count

    def secret(self, name, make):
        known = self._doc().get("secrets", {}).get(name)
        if known:
            return bytes.fromhex(known)
        with self._edit() as doc:
            doc["secrets"].setdefault(name, make.hex())
            return bytes.fromhex(doc["secrets"][name])


# ---------------------------------------------------------------- blobs


class _FileWriter(BlobWriter):
    def __init__(self, blobs: "FileBlobs", sha: str, offset: int) -> None:
        self.blobs = blobs
        self.sha = sha
        self.path = blobs.partial_dir / f"{sha}.part"
        self._digest = hashlib.sha256()
        if offset:
            with open(self.path, "rb") as fh:  # what an earlier upload left, hashed once here
                left = offset
                while left and (block := fh.read(min(1 << 20, left))):
                    self._digest.update(block)
                    left -= len(block)
        self.fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | (0 if offset else os.O_TRUNC), 0o644)
        os.ftruncate(self.fd, offset)
        os.lseek(self.fd, offset, os.SEEK_SET)
        self.received = offset

    def write(self, chunk):
        _write_all(self.fd, chunk)
        self._digest.update(chunk)
        self.received += len(chunk)

    def digest(self):
        return self._digest.hexdigest()

    def end(self) -> None:
        _start_writeback(self.fd)

    def _close(self, sync: bool = True) -> None:
        if self.fd >= 0:
            try:
                if sync:
                    os.fsync(self.fd)
            finally:
                os.close(self.fd)
                self.fd = -1

    def finish(self):
        self._close()
        if self.digest() != self.sha:
            self.path.unlink(missing_ok=True)
            return False
        os.replace(self.path, self.blobs.path(self.sha))
        fsync_dir(self.blobs.dir)
        return True

    def stage(self):
        self._close()

    def discard(self):
        self._close(sync=False)
        self.path.unlink(missing_ok=True)


class FileBlobs(BlobStore):
    def __init__(self, folder: HubFolder) -> None:
        self.dir = folder.blobs_dir
        self.partial_dir = folder.partial_dir

    def path(self, sha: str) -> Path:
        return self.dir / sha

    def has(self, sha):
        return bool(SHA256_HEX.match(sha)) and self.path(sha).is_file()

    def size(self, sha):
        try:
            return self.path(sha).stat().st_size
        except FileNotFoundError:
            return None

    def read(self, sha):
        return self.path(sha).read_bytes()

    def iter(self, sha, block=1 << 20):
        with open(self.path(sha), "rb") as fh:
            while chunk := fh.read(block):
                yield chunk

    def copy_to(self, sha, target):
        try:
            os.link(self.path(sha), target)  # same disk: no copy of a 100 MB PDF
        except OSError:
            shutil.copyfile(self.path(sha), target)

    def staged(self, sha):
        try:
            return (self.partial_dir / f"{sha}.part").stat().st_size
        except FileNotFoundError:
            return 0

    def writer(self, sha, offset=0):
        return _FileWriter(self, sha, offset)

    def finish_batch(self, done, cut):
        """fsync every file written (the finished ones and the one cut short, which stays a
        resumable partial), rename each that hashed to its name, then fsync the folders once."""
        verified, failed = [], []
        writers = [*done, *([cut] if cut else [])]
        try:
            for w in writers:
                if w.fd >= 0:
                    os.fsync(w.fd)
        finally:
            for w in writers:
                w._close(sync=False)
        for w in done:
            if w.digest() == w.sha:
                os.replace(w.path, self.path(w.sha))
                verified.append(w.sha)
            else:
                w.path.unlink(missing_ok=True)
                failed.append(w.sha)
        if verified:
            fsync_dir(self.dir)
        fsync_dir(self.partial_dir)
        return verified, failed

    def shas(self) -> Iterator[str]:
        for p in sorted(self.dir.iterdir()):
            if p.is_file() and SHA256_HEX.match(p.name):
                yield p.name

    def sweep(self, referenced, busy, older_than):
        blobs = partials = 0
        for p in list(self.partial_dir.iterdir()):
            sha = p.name.removesuffix(".part")
            try:
                if p.is_file() and sha not in busy and p.stat().st_mtime < older_than:
                    p.unlink()
                    partials += 1
            except FileNotFoundError:
                continue
        for sha in list(self.shas()):
            p = self.path(sha)
            try:
                if sha not in referenced and sha not in busy and p.stat().st_mtime < older_than:
                    p.unlink()
                    blobs += 1
            except FileNotFoundError:
                continue
        if blobs:
            fsync_dir(self.dir)
        if partials:
            fsync_dir(self.partial_dir)
        return blobs, partials


class ProcessLeases(UploadLeases):
    """One hub process per data folder: its own set is the truth."""

    def __init__(self) -> None:
        self._held: set[str] = set()
        self._lock = threading.Lock()

    def claim(self, shas, seconds=300):
        with self._lock:
            if self._held & set(shas):
                return False
            self._held.update(shas)
            return True

    def release(self, shas):
        with self._lock:
            self._held.difference_update(shas)


# ---------------------------------------------------------------- settings


class FolderSettings(SettingsStore):
    """Named documents as data files of the folder, under its one write lock. "trust" keeps the
    file it always had (hub/trust.json, mode 0600); any other name is hub/settings/<name>.json."""

    def __init__(self, folder: HubFolder) -> None:
        self.folder = folder
        self._files: dict[str, DataFile] = {}

    def file(self, name: str) -> DataFile:
        if not SAFE_ID.match(name):
            raise ValueError(f"not a settings name: {name!r}")
        f = self._files.get(name)
        if f is None:
            if name == "trust":
                f = DataFile(self.folder.root / "trust.json", "hub_trust", self.folder.lock, mode=SECRET_MODE)
            else:
                (self.folder.root / "settings").mkdir(exist_ok=True)
                f = DataFile(self.folder.root / "settings" / f"{name}.json", "hub_settings", self.folder.lock,
                             mode=SECRET_MODE)
            self._files[name] = f
        return f

    @staticmethod
    def _plain(doc: dict | None) -> dict | None:
        doc = {k: v for k, v in (doc or {}).items() if k != HEADER}
        return doc or None

    def get(self, name):
        return self._plain(self.file(name).load())

    def change(self, name, edit):
        import copy

        f = self.file(name)
        with self.folder.lock.exclusive():
            current = self._plain(f.load())
            new = edit(copy.deepcopy(current))
            if new is None:
                return current
            f.commit({k: v for k, v in new.items() if k != HEADER})
            return self._plain(new)

    def names(self):
        found = ["trust"] if (self.folder.root / "trust.json").exists() else []
        return found + sorted(p.stem for p in (self.folder.root / "settings").glob("*.json"))


def open_folder(data_dir: Path) -> HubStore:
    folder = HubFolder(data_dir)
    store = HubStore(FileLedger(folder), FileAccounts(folder), FileBlobs(folder), ProcessLeases(),
                     f"folder {folder.root}", closers=[folder.lock.close], settings=FolderSettings(folder))
    store.folder = folder
    return store


def open_folder_blobs(data_dir: Path) -> FileBlobs:
    return FileBlobs(HubFolder(data_dir))
