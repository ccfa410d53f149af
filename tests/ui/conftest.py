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
            self.stop()
            raise RuntimeError(f"app did not start:\n{self.log.read_text(errors='replace')[-4000:]}")
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)
        if getattr(self, "_log", None):
            self._log.close()

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
