"""One write lock per data folder: threads (RLock) and processes (fcntl.flock on data/.lock).

Writers hold both for the few milliseconds of one save. In-process readers hold only the
RLock, because a transaction edits the cached document in place; other processes read
without locking, since a file is only ever replaced whole by rename.
"""

from __future__ import annotations

import fcntl
import os
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


class WorkspaceLock:
    def __init__(self, lock_path: Path) -> None:
        self.path = lock_path
        self.mutex = threading.RLock()
        self._fd: int | None = None
        self._depth = 0

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        with self.mutex:
            if self._depth == 0:
                if self._fd is None:
                    self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
                fcntl.flock(self._fd, fcntl.LOCK_EX)
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0:
                    fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        with self.mutex:
            if self._fd is not None and self._depth == 0:
                os.close(self._fd)
                self._fd = None
