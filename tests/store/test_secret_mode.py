"""Files that hold keys or tokens are never readable by others, not even for the moment between
writing and a later chmod: the mode is set on the temp file before its first byte."""

from __future__ import annotations

import os
import stat
import threading

from inspect_app.store.datafile import DataFile
from inspect_app.store.durable import SECRET_MODE, atomic_write_bytes
from inspect_app.store.locks import WorkspaceLock
from inspect_app.store.migrations import CURRENT_VERSIONS


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_secret_file_is_private_while_it_is_written(tmp_path):
    target = tmp_path / "trust.json"
    seen: list[int] = []
    stop = threading.Event()

    def watch():  # bounded: stops when the writer is done
        while not stop.is_set():
            for name in os.listdir(tmp_path):
                try:
                    seen.append(_mode(tmp_path / name))
                except FileNotFoundError:
                    pass

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        for i in range(200):
            atomic_write_bytes(target, b"k" * 200_000 + str(i).encode(), keep_prev=True, mode=SECRET_MODE)
    finally:
        stop.set()
        watcher.join()
    assert seen, "the watcher saw no file"
    assert all(m & 0o077 == 0 for m in seen), sorted({oct(m) for m in seen})
    assert _mode(target) == SECRET_MODE


def test_data_file_keeps_its_mode_and_ordinary_files_stay_readable(tmp_path):
    CURRENT_VERSIONS.setdefault("test_secret", 1)
    lock = WorkspaceLock(tmp_path / "lock")
    private = DataFile(tmp_path / "secret.json", "test_secret", lock, mode=SECRET_MODE)
    private.commit({"key": "x"})
    private.commit({"key": "y"})
    assert _mode(private.path) == SECRET_MODE
    plain = tmp_path / "plain.json"
    atomic_write_bytes(plain, b"{}")
    assert _mode(plain) == 0o644
