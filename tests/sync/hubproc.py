"""A real hub process on 127.0.0.1 and simulated tablets (each its own data folder)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from inspect_app import paths, services
from inspect_app.hub.accounts import Accounts, Role
from inspect_app.sync.client import HubClient, sync_once
from inspect_app.sync.engine import SyncEngine
from inspect_app.sync.local import LocalSide
from tests.store.helpers import write_standard
from tests.support.backends import Backend
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
    backend: Backend = field(default_factory=lambda: Backend("folder"))

    def store(self):
        """The hub's storage, opened beside the running process (same folder or database)."""
        return self.backend.open(self.data)

    def accounts(self) -> Accounts:
        return Accounts(self.store().accounts)

    def blob_shas(self) -> set[str]:
        """Every blob the hub holds (verified on arrival)."""
        store = self.store()
        try:
            return set(store.blobs.shas())
        finally:
            store.close()

    def read_blob(self, sha: str) -> bytes:
        store = self.store()
        try:
            return store.blobs.read(sha)
        finally:
            store.close()

    def staged(self, shas) -> dict[str, int]:
        """Interrupted uploads kept for a resume: sha -> bytes."""
        store = self.store()
        try:
            return {s: n for s in shas if (n := store.blobs.staged(s))}
        finally:
            store.close()

    def ops_of(self, inspection_id: str) -> dict[str, dict]:
        store = self.store()
        try:
            return {f"{v['device']}:{v['seq']}": v for v in store.ledger.ops(inspection_id)}
        finally:
            store.close()

    def cli(self, *args: str) -> list[str]:
        """`main.py --data … hub [backend options] ARGS` as an argv."""
        return [sys.executable, "main.py", "--data", str(self.data), "hub", *self.backend.args(), *args]

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


def add_users(data: Path, extra: list[tuple[str, str, Role, str]] = (), backend: Backend | None = None) -> None:
    store = (backend or Backend("folder")).open(data)
    accounts = Accounts(store.accounts)
    for username, name, role, center in [*USERS, *extra]:
        accounts.add_user(username, PASSWORD, role, name, center)
    store.close()


def start_hub(data: Path, backend: Backend | None = None, workers: int = 1, port: int | None = None) -> HubProcess:
    backend = backend or Backend("folder")
    write_standard(data / "standards")  # the hub scores with the same standard as the tablets
    port = port or free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    log = open(data / f"hub-{port}.log", "wb")
    extra = ["--workers", str(workers)] if workers > 1 else []
    proc = subprocess.Popen([sys.executable, str(paths.PROJECT_ROOT / "main.py"), "--data", str(data), "hub",
                             "--host", "127.0.0.1", "--port", str(port), *backend.args(), *extra],
                            cwd=paths.PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{url}/api/health", timeout=90, proc=proc)
    except Exception:
        proc.kill()
        raise RuntimeError((data / f"hub-{port}.log").read_text(errors="replace"))
    return HubProcess(url, data, proc, backend)


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
