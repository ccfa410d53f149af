"""Sync inside the tablet app's process: the hub account, the background runner, bundles.

One `SyncService` per data folder, shared by every browser session of the process. The
runner works in its own thread (inspect_app.sync.background.SyncRunner); screens read
`status()` (a frozen snapshot) and never wait for the network.

The account lives in <data>/hub_account.json: hub address, account name, display name, role
and the token the hub issued. The password is never written anywhere.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx

from inspect_app.errors import UserError
from inspect_app.store.durable import SECRET_MODE, atomic_write_bytes
from inspect_app.sync.background import SyncRunner, SyncStatus
from inspect_app.sync.client import HubClient
from inspect_app.sync.engine import SyncEngine
from inspect_app.sync.local import LocalSide
from inspect_app.ui.sync.model import normalize_hub_url

log = logging.getLogger(__name__)

ACCOUNT_FILE = "hub_account.json"
BUNDLES = "bundles"
BUNDLE_NAME = re.compile(r"^jiceng-sync-[A-Za-z0-9_\-]{1,80}\.zip$")
# Seconds between background rounds (a tap on 立即同步 runs one at once).
INTERVAL = float(os.environ.get("JICENG_SYNC_INTERVAL", "30"))


@dataclass(frozen=True)
class Account:
    hub_url: str
    username: str
    name: str
    role: str
    token: str

    @property
    def who(self) -> str:
        return f"{self.name}（{self.username}）" if self.name and self.name != self.username else self.username


class SyncService:
    def __init__(self, data_dir: Path, workspace: Any, standards_dir: Path | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.ws = workspace
        self.standards_dir = standards_dir
        self._lock = threading.RLock()
        self._engine: SyncEngine | None = None
        self.runner: SyncRunner | None = None
        self._seen_counter: int | None = None
        self._counted: tuple[SyncStatus, int] | None = None

    # ------------------------------------------------------------ parts
    @property
    def engine(self) -> SyncEngine:
        with self._lock:
            if self._engine is None:
                try:
                    local = LocalSide(self.data_dir, self.ws.store, self.ws.photos, standards_dir=self.standards_dir)
                except TypeError:  # a LocalSide without standards_dir
                    local = LocalSide(self.data_dir, self.ws.store, self.ws.photos)
                self._engine = SyncEngine(self.data_dir, local)
            return self._engine

    @property
    def account_path(self) -> Path:
        return self.data_dir / ACCOUNT_FILE

    def account(self) -> Account | None:
        try:
            doc = json.loads(self.account_path.read_text(encoding="utf-8"))
            return Account(**{k: str(doc.get(k, "")) for k in Account.__dataclass_fields__})
        except FileNotFoundError:
            return None
        except (OSError, ValueError, TypeError):
            log.warning("hub account file unreadable", exc_info=True)
            return None

    def last_hub_url(self) -> str:
        try:
            return str(json.loads(self.account_path.read_text(encoding="utf-8")).get("hub_url", ""))
        except (OSError, ValueError):
            return ""

    # ------------------------------------------------------------ runner
    def start(self) -> None:
        """Start background sync when an account is configured (at app start, after sign-in)."""
        with self._lock:
            acct = self.account()
            if acct is None or not acct.token or self.runner is not None:
                return
            url, token = acct.hub_url, acct.token
            self.runner = SyncRunner(self.engine, lambda: HubClient(url, token, timeout=20.0), interval=INTERVAL)
            self.runner.start()

    def stop(self) -> None:
        with self._lock:
            runner, self.runner = self.runner, None
        if runner is not None:
            runner.stop()

    def kick(self) -> None:
        if self.runner is not None:
            self.runner.kick()

    def signed_in(self) -> bool:
        acct = self.account()
        return bool(acct and acct.token)

    def status(self) -> SyncStatus:
        """A snapshot; cheap (no file or network access). `pending` counts what a person changed
        (ratings, notes, photos…), not the audit entries that travel with each change."""
        runner = self.runner
        if runner is None:
            return SyncStatus()
        status = runner.status()
        seen = self._counted
        if seen is not None and seen[0] is status:
            return replace(status, pending=seen[1])
        return status

    def refresh(self) -> bool:
        """Turn local edits into ops and recount what waits; in a worker thread (file reads).
        Returns True when something was recounted."""
        runner = self.runner
        if runner is None:
            return False
        counter = self.ws.store.current_seq()
        if counter != self._seen_counter:
            self.engine.capture()
            runner.refresh()
            self._seen_counter = counter
        status = runner.status()
        if self._counted is not None and self._counted[0] is status:
            return False
        waiting = sum(1 for op in self.engine.pending_ops() if not op.key.startswith("audit/"))
        waiting += len(self.engine.pending_photos())
        self._counted = (status, waiting)
        return True

    def photos_pending(self) -> int:
        return len(self.engine.pending_photos())

    # ------------------------------------------------------------ account
    def sign_in(self, hub_url: str, username: str, password: str) -> Account:
        url = normalize_hub_url(hub_url)
        username = username.strip()
        if not username or not password:
            raise UserError("请填写账号名和密码。", "Enter the account name and the password.")
        try:
            r = httpx.post(f"{url}/api/login", json={"username": username, "password": password,
                                                     "device": self.engine.device}, timeout=15.0)
        except httpx.TransportError as err:
            raise UserError(f"无法连接县级中心 {url}（{type(err).__name__}）。请检查地址和网络。",
                            f"Cannot reach the hub at {url} ({type(err).__name__}). Check the address and "
                            "the network.") from err
        if r.status_code == 401:
            try:
                body = r.json()
                zh, en = body.get("zh") or body.get("detail"), body.get("en")
            except ValueError:
                zh = en = None
            raise UserError(zh or "账号名或密码不正确。", en or "Wrong account name or password.")
        if r.status_code != 200:
            raise UserError(f"县级中心拒绝登录（{r.status_code}）。", f"The hub refused the sign-in ({r.status_code}).")
        body = r.json()
        if body.get("role") != "inspector":
            raise UserError("只有评审专家账号可以在平板上同步。", "Only inspector accounts can sync from a tablet.")
        acct = Account(hub_url=url, username=str(body.get("username", username)), name=str(body.get("name", "")),
                       role=str(body.get("role", "")), token=str(body["token"]))
        self.stop()
        atomic_write_bytes(self.account_path, json.dumps(acct.__dict__, ensure_ascii=False).encode("utf-8"),
                           mode=SECRET_MODE)  # holds the hub token
        self.start()
        self.kick()
        return acct

    def sign_out(self) -> None:
        """Forget the token here and revoke it on the hub when reachable (offline: forget only)."""
        acct = self.account()
        self.stop()
        if acct is not None and acct.token:
            try:
                httpx.post(f"{acct.hub_url}/api/logout", headers={"Authorization": f"Bearer {acct.token}"},
                           timeout=5.0)
            except httpx.HTTPError:
                pass
            # keep the address for the next sign-in, drop everything else
            atomic_write_bytes(self.account_path, json.dumps({"hub_url": acct.hub_url}).encode("utf-8"))

    # ------------------------------------------------------------ bundles
    def export_bundle(self) -> Path:
        from inspect_app.sync.bundle import export_bundle

        from inspect_app.inspection import utc_now

        folder = self.data_dir / BUNDLES
        folder.mkdir(exist_ok=True)
        name = f"jiceng-sync-{utc_now().strftime('%Y%m%d-%H%M%S')}-{self.engine.device[:12]}.zip"
        name = re.sub(r"[^A-Za-z0-9_\-.]", "-", name)
        path = export_bundle(self.engine, folder / name)
        if self.runner is not None:
            self.runner.refresh()
        return path

    def bundle_file(self, name: str) -> Path | None:
        return bundle_file(self.data_dir, name)

    def import_bundle(self, path: Path) -> int:
        from inspect_app.sync.bundle import import_bundle

        count = import_bundle(self.engine, path)
        if self.runner is not None:
            self.runner.refresh()
        return count

    # ------------------------------------------------------------ conflicts and answers
    def conflicts(self, inspection_id: str | None = None) -> list:
        if not (self.engine.root / "ops").exists():
            return []
        return self.engine.conflicts(inspection_id)

    def resolve(self, inspection_id: str, key: str, value: Any, author: str = "") -> None:
        self.engine.resolve(inspection_id, key, value, author=author)
        if self.runner is not None:
            self.runner.refresh()
            self.runner.kick()

    def merged(self, inspection_id: str) -> dict:
        if inspection_id not in self.engine.known_inspections():
            return {}
        return self.engine.merged(inspection_id)


def bundle_file(data_dir: Path, name: str) -> Path | None:
    """An exported bundle by its file name (nothing else in the data folder is reachable)."""
    if not BUNDLE_NAME.match(name):
        return None
    path = Path(data_dir) / BUNDLES / name
    return path if path.is_file() else None


_services: dict[Path, SyncService] = {}
_services_lock = threading.Lock()


def sync_service(ctx) -> SyncService:
    """The process-wide service of an AppContext's data folder."""
    key = Path(ctx.data_dir).resolve()
    with _services_lock:
        svc = _services.get(key)
        if svc is None:
            svc = _services[key] = SyncService(ctx.data_dir, ctx.workspace, getattr(ctx, "standards_dir", None))
        return svc
