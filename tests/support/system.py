"""Make sure a Debian system program is present before a test needs it.

CI starts from a clean image: the browser tests need /usr/bin/chromium and the report tests
need pdftoppm (poppler-utils). We are root there, so install the Debian package once, the
ordinary way (apt-get), instead of downloading a browser build from elsewhere.

    from tests.support.system import ensure_program
    chromium = ensure_program("chromium", package="chromium")
    pdftoppm = ensure_program("pdftoppm", package="poppler-utils")
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading

_lock = threading.Lock()
_apt_updated = False


class MissingProgram(RuntimeError):
    pass


def _apt(*args: str) -> None:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", *args], check=True, env=env, stdout=subprocess.DEVNULL)


def ensure_program(program: str, package: str | None = None, path: str | None = None) -> str:
    """Path of `program`, installing Debian `package` (default: same name) when it is missing.

    `path` pins an exact location (e.g. "/usr/bin/chromium"). Raises MissingProgram when the
    program is still absent (not root, no apt-get, or no network for apt).
    """
    global _apt_updated

    def found() -> str | None:
        if path:
            return path if os.access(path, os.X_OK) else None
        return shutil.which(program)

    with _lock:
        where = found()
        if where:
            return where
        if shutil.which("apt-get") is None or os.geteuid() != 0:
            raise MissingProgram(f"{program} is missing and cannot be installed here (needs root and apt-get)")
        try:
            if not _apt_updated:
                _apt("update")
                _apt_updated = True
            _apt("install", "-y", "--no-install-recommends", package or program)
        except subprocess.CalledProcessError as exc:
            raise MissingProgram(f"apt-get could not install {package or program}: {exc}") from exc
        where = found()
        if not where:
            raise MissingProgram(f"{package or program} installed but {program} is still not found")
        return where


def ensure_chromium() -> str:
    return ensure_program("chromium", package="chromium", path="/usr/bin/chromium")


def ensure_pdftoppm() -> str:
    return ensure_program("pdftoppm", package="poppler-utils")
