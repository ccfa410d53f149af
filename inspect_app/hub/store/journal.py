"""One push, one atomic step, in the data folder (推送日志): a write-ahead record.

A push writes several files: the ops file of each inspection it touches, then the index that
counts them (hub_seq, the sealed revisions, blob holders). A kill between the two once left a
`status=signed` op stored but not counted: the tablet's retry was a "duplicate", the revision
was not sealed, and an edit to it was accepted.

So before any of those files changes, the whole outcome of the push is written to one file,
`<data>/hub/push.journal` (temp file + fsync + rename + folder fsync): the ops it adds to
each inspection and the index as it will be. Then the files are written and the journal is
removed. Whoever takes the write lock next (the same process, or the next one to open the
folder after a kill) and finds a journal replays it first: the ops are added to their files
(by id, so twice is the same as once) and the index is written as recorded. A push is thus
either not there at all (the journal never reached the disk: nothing was acknowledged) or
there completely; a sequence number is never handed out twice.
"""

from __future__ import annotations

import os
from pathlib import Path

import orjson

from inspect_app.store.durable import atomic_write_bytes, fsync_dir
from inspect_app.store.migrations import HEADER

NAME = "push.journal"


def path_of(folder) -> Path:
    return Path(folder.root) / NAME


def commit(folder, docs: dict[str, dict], index: dict) -> None:
    """Write the ops files `docs` (inspection id -> document) and `index` as one step."""
    on_disk = int(((folder.index.load() or {}).get(HEADER) or {}).get("hub_seq", 0))
    added = {iid: [op for op in doc["ops"].values() if int(op.get("hub_seq", 0)) > on_disk]
             for iid, doc in docs.items() if doc.get("ops")}
    record = {"index": index, "ops": {iid: ops for iid, ops in added.items() if ops}}
    journal = path_of(folder)
    atomic_write_bytes(journal, orjson.dumps(record, default=str))
    _apply(folder, record)
    _remove(journal)


def replay(folder) -> bool:
    """Finish a push a kill interrupted (call with the write lock held). True if one was."""
    journal = path_of(folder)
    try:
        raw = journal.read_bytes()
    except FileNotFoundError:
        return False
    try:
        record = orjson.loads(raw)
    except orjson.JSONDecodeError:  # cannot happen (written by rename); a torn temp never is the journal
        _remove(journal)
        return False
    _apply(folder, record)
    _remove(journal)
    return True


def pending(folder) -> bool:
    return path_of(folder).exists()


def _apply(folder, record: dict) -> None:
    for iid, ops in record.get("ops", {}).items():
        file = folder.ops_file(iid)
        file.invalidate()
        doc = folder.tables(file, "ops")
        for op in ops:
            doc["ops"][f"{op['device']}:{op['seq']}"] = op
        file.commit(doc)
    folder.index.invalidate()
    folder.index.commit(record["index"])


def _remove(journal: Path) -> None:
    try:
        os.unlink(journal)
    except FileNotFoundError:
        return
    fsync_dir(journal.parent)
