"""Real app, real browser: the Flet web app in a subprocess, driven by Debian's Chromium."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.support.net import free_port, wait_for_http

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"


# A browser tab closed while the server was still sending: uvicorn logs it, nothing is wrong.
_CLOSED_SOCKET = ("starlette.websockets.WebSocketDisconnect", "uvicorn.protocols.utils.ClientDisconnected",
                  "websockets.exceptions.InvalidState", "websockets.exceptions.ConnectionClosed")


def unhandled_errors(log: str) -> list[str]:
    """Each traceback in an app's log (first line to exception line), but a closed socket's."""
    found, lines = [], log.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("Traceback (most recent call last)"):
            end = next((j for j in range(i + 1, len(lines)) if lines[j] and not lines[j].startswith(" ")), i)
            if not lines[end].startswith(_CLOSED_SOCKET):
                found.append("\n".join(lines[max(0, i - 1):end + 1]))
    return found


class AppServer:
    def __init__(self, data_dir: Path, port: int) -> None:
        self.data_dir = data_dir
        self.port = port
        self.url = f"http://127.0.0.1:{port}/"
        self.proc: subprocess.Popen | None = None
        self.log = data_dir.parent / f"app-{port}.log"

    def start(self) -> "AppServer":
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env.pop("FLET_SECRET_KEY", None)
        self._log = open(self.log, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "main.py"), "app", "--port", str(self.port), "--data", str(self.data_dir)],
            cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT)
        try:
            wait_for_http(self.url, timeout=90, proc=self.proc)
        except Exception:
            self.stop(check=False)
            raise RuntimeError(f"app did not start:\n{self.log.read_text(errors='replace')[-4000:]}")
        return self

    def stop(self, check: bool = True) -> None:
        """Stop the app; with check, fail if it logged an unhandled error. Flet shows such an
        error as an overlay over a page whose semantics still answer, so a test that only reads
        the page would pass over a screen the inspector sees broken."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)
        if getattr(self, "_log", None):
            self._log.close()
        if check:
            errors = unhandled_errors(self.output())
            assert not errors, "the app logged unhandled errors:\n" + "\n\n".join(errors[:3])

    def restart(self) -> "AppServer":
        self.stop()
        return self.start()

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@pytest.fixture
def app_server(tmp_path):
    server = AppServer(tmp_path / "data", free_port()).start()
    yield server
    server.stop()


class RequestWatch:
    """Failed requests and any request to a host other than this machine (a CDN would show here)."""

    def __init__(self) -> None:
        self.failed: list[str] = []
        self.foreign: list[str] = []

    def attach(self, page) -> None:
        page.on("requestfailed", self._failed)
        page.on("request", self._request)

    def _failed(self, request) -> None:
        failure = request.failure or ""
        # Navigating away aborts in-flight requests; that is not a missing resource.
        if "ERR_ABORTED" in failure:
            return
        self.failed.append(f"{request.url} {failure}")

    def _request(self, request) -> None:
        host = urlparse(request.url).hostname
        if request.url.startswith(("data:", "blob:")):
            return
        if host not in ("127.0.0.1", "localhost"):
            self.foreign.append(request.url)


@pytest.fixture
def watch() -> RequestWatch:
    return RequestWatch()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
