"""A real hub process on 127.0.0.1 and simulated tablets (each its own data folder)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx

from inspect_app import paths, services
from inspect_app.hub.accounts import Accounts, Role
from inspect_app.hub.storage import HubFiles
from inspect_app.sync.client import HubClient, sync_once
from inspect_app.sync.engine import SyncEngine
from inspect_app.sync.local import LocalSide
from tests.store.helpers import write_standard
from tests.support.net import free_port, wait_for_http

PASSWORD = "correct-horse-9"

USERS = [
    ("wangfang", "王芳", Role.INSPECTOR, ""),
    ("liming", "李明", Role.INSPECTOR, ""),
    ("zhaoqiang", "赵强", Role.INSPECTOR, ""),
    ("bureau", "卫健局", Role.ADMIN, ""),
]


@dataclass
class HubProcess:
    url: str
    data: Path
    proc: subprocess.Popen

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def token(self, username: str, password: str = PASSWORD, device: str = "") -> str:
        r = httpx.post(f"{self.url}/api/login", json={"username": username, "password": password, "device": device})
        r.raise_for_status()
        return r.json()["token"]

    def client(self, username: str, device: str = "") -> HubClient:
        return HubClient(self.url, self.token(username, device=device))


def add_users(data: Path, extra: list[tuple[str, str, Role, str]] = ()) -> None:
    accounts = Accounts(HubFiles(data))
    for username, name, role, center in [*USERS, *extra]:
        accounts.add_user(username, PASSWORD, role, name, center)


def start_hub(data: Path) -> HubProcess:
    write_standard(data / "standards")  # the hub scores with the same standard as the tablets
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    log = open(data / "hub.log", "wb")
    proc = subprocess.Popen([sys.executable, str(paths.PROJECT_ROOT / "main.py"), "--data", str(data), "hub",
                             "--host", "127.0.0.1", "--port", str(port)],
                            cwd=paths.PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{url}/api/health", timeout=90, proc=proc)
    except Exception:
        proc.kill()
        raise RuntimeError((data / "hub.log").read_text(errors="replace"))
    return HubProcess(url, data, proc)


class Tablet:
    """One inspector's tablet: its own data folder, services workspace and sync engine."""

    def __init__(self, root: Path, standards: Path, clock=None) -> None:
        self.ws = services.open_workspace(root, standards_dir=standards)
        local = LocalSide(root, self.ws.store, self.ws.photos)
        self.engine = SyncEngine(root, local, **({"clock": clock} if clock else {}))
        self.client: HubClient | None = None

    def sign_in(self, hub: HubProcess, username: str) -> None:
        self.client = hub.client(username, self.engine.device)

    def sync(self, **kw):
        return sync_once(self.engine, self.client, **kw)

    def rating(self, inspection_id: str, clause: str, code: str) -> str:
        snap = services.snapshot(self.ws, inspection_id)
        finding = snap.findings.get(clause)
        return finding.items[code].result.value if finding and code in finding.items else "unrated"

    def close(self) -> None:
        if self.client:
            self.client.close()
        self.ws.close()
