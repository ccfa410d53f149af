"""TinyDB storages that never rewrite a file in place.

`AtomicJSONStorage` is a drop-in replacement for TinyDB's JSONStorage for anyone who wants
one durable TinyDB file (each TinyDB write = temp file + fsync + rename + folder fsync).
The store itself uses `TransactionStorage`: TinyDB operations inside one transaction work
on the cached document in memory, and the transaction commits once, durably, at the end,
so one use case (e.g. a rating plus its audit entry) is one atomic save.

The top-level key "_file" is the file header (schema version, change counter), not a table.
"""

from __future__ import annotations

from pathlib import Path

from tinydb import TinyDB
from tinydb.storages import Storage

from .datafile import DataFile
from .locks import WorkspaceLock


class TransactionStorage(Storage):
    def __init__(self, doc: dict) -> None:
        self.doc = doc
        self.dirty = False

    def read(self) -> dict:
        return self.doc

    def write(self, data: dict) -> None:
        if data is not self.doc:
            header = self.doc.get("_file")
            self.doc.clear()
            self.doc.update(data)
            if header is not None:
                self.doc.setdefault("_file", header)
        self.dirty = True


class AtomicJSONStorage(Storage):
    """Durable, crash-safe TinyDB storage: `TinyDB(path, storage=AtomicJSONStorage)`."""

    def __init__(self, path: str | Path, kind: str = "tinydb", lock: WorkspaceLock | None = None,
                 **_: object) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = lock or WorkspaceLock(path.with_name(path.name + ".lock"))
        self._file = DataFile(path, kind, self._lock)

    def read(self) -> dict | None:
        with self._lock.mutex:
            doc = self._file.load()
            if doc is None:
                return None
            return {k: v for k, v in doc.items() if k != "_file"}

    def write(self, data: dict) -> None:
        with self._lock.exclusive():
            header = (self._file.load() or {}).get("_file", {})
            self._file.commit({**data, "_file": dict(header)})

    def close(self) -> None:
        self._lock.close()


def transaction_db(doc: dict) -> tuple[TinyDB, TransactionStorage]:
    db = TinyDB(doc, storage=TransactionStorage)
    return db, db.storage  # type: ignore[return-value]
