"""Durable file replacement: a crash leaves either the old or the new bytes, never a mix.

write temp file in the same folder -> fsync it -> (keep the old version as *.prev)
-> os.replace over the target -> fsync the folder so the rename itself survives power loss.
"""

from __future__ import annotations

import os
from pathlib import Path

PREV_SUFFIX = ".prev"


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def prev_path(path: Path) -> Path:
    return path.with_name(path.name + PREV_SUFFIX)


SECRET_MODE = 0o600  # keys and tokens: readable by this user only, from the first byte written


def atomic_write_bytes(path: Path, data: bytes, *, keep_prev: bool = False, mode: int = 0o644) -> None:
    """Replace `path` with `data` durably. With keep_prev, the replaced version stays
    reachable as `<name>.prev` (a hard link: no copy, no extra fsync of data). `mode` is set
    on the temp file before any byte is written, so a secret is never briefly world-readable."""
    folder = path.parent
    tmp = folder / f".{path.name}.{os.getpid()}.tmp"
    tmp.unlink(missing_ok=True)  # a stale temp of a killed writer would keep its old mode
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    os.fchmod(fd, mode)  # the umask may have narrowed or (for 0o644) kept it: make it exact
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        tmp.unlink(missing_ok=True)  # a full disk keeps no half-written temp (and gets its space back)
        raise
    else:
        os.close(fd)
    if keep_prev:
        _link_prev(path)
    os.replace(tmp, path)
    fsync_dir(folder)


def _link_prev(path: Path) -> None:
    # A crash between unlink and link only costs the fallback copy; the target is intact.
    prev = prev_path(path)
    try:
        os.unlink(prev)
    except FileNotFoundError:
        pass
    try:
        os.link(path, prev)
    except FileNotFoundError:
        return  # first save: nothing to keep
    except OSError:
        return  # a file system without hard links (FAT): no fallback copy, the save still counts
