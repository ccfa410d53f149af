"""Sync in the background of the tablet app (后台同步), with a status the UI polls.

Rating never waits for the network: the runner works in its own thread, every sync step
saves as it goes, and the UI reads `runner.status()` (a frozen snapshot) to draw its badge:
last synced, how many changes and photos still wait, conflicts, and errors in words.

    runner = SyncRunner(engine, lambda: HubClient(url, token), interval=60)
    runner.start(); runner.kick()   # e.g. after the inspector taps "同步"
    runner.status().text("zh")      # "已同步 10:32 · 待同步 3 项"
    runner.stop()
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from inspect_app.errors import UserError
from inspect_app.sync.client import HubClient, HubRefused, HubUnreachable, SyncReport, sync_once
from inspect_app.sync.engine import SyncEngine


@dataclass(frozen=True)
class SyncStatus:
    state: str = "idle"  # idle | syncing | offline | refused | error
    last_synced: datetime | None = None
    pending: int = 0  # changes + photos the hub has not confirmed
    conflicts: int = 0
    rejected: int = 0
    error_zh: str = ""
    error_en: str = ""

    def text(self, lang: str = "zh") -> str:
        when = self.last_synced.astimezone().strftime("%m-%d %H:%M") if self.last_synced else None
        if lang == "en":
            parts = [{"syncing": "Syncing…", "offline": "Offline", "refused": "Sign-in refused",
                      "error": "Sync error"}.get(self.state, f"Synced {when}" if when else "Not synced yet")]
            if self.pending:
                parts.append(f"{self.pending} waiting")
            if self.conflicts:
                parts.append(f"{self.conflicts} conflict(s) to resolve")
            if self.error_en:
                parts.append(self.error_en)
        else:
            parts = [{"syncing": "正在同步…", "offline": "离线", "refused": "登录被拒绝",
                      "error": "同步出错"}.get(self.state, f"已同步 {when}" if when else "尚未同步")]
            if self.pending:
                parts.append(f"待同步 {self.pending} 项")
            if self.conflicts:
                parts.append(f"{self.conflicts} 处冲突待处理")
            if self.error_zh:
                parts.append(self.error_zh)
        return " · ".join(parts)


class SyncRunner:
    def __init__(self, engine: SyncEngine, connect: Callable[[], HubClient], interval: float = 60.0) -> None:
        self.engine = engine
        self.connect = connect
        self.interval = interval
        self._status = SyncStatus()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_report: SyncReport | None = None
        self.refresh()

    def status(self) -> SyncStatus:
        with self._lock:
            return self._status

    def _set(self, **changes) -> None:
        with self._lock:
            self._status = replace(self._status, **changes)

    def refresh(self) -> None:
        """Recount what waits (cheap: reads the sync files, no network)."""
        state = self.engine.state()
        last = state.get("last_synced")
        self._set(pending=self.engine.pending_count(), conflicts=len(self.engine.conflicts()),
                  rejected=len(self.engine.rejections()),
                  last_synced=datetime.fromisoformat(last) if last else None)

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="jiceng-sync", daemon=True)
            self._thread.start()

    def kick(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def run_once(self) -> SyncStatus:
        self._set(state="syncing")
        client = None
        try:
            client = self.connect()
            self.last_report = sync_once(self.engine, client)
            self._set(state="idle", error_zh="", error_en="")
            rejected = self.engine.rejections()
            if rejected:
                self._set(error_zh=rejected[0]["zh"], error_en=rejected[0]["en"])
        except HubRefused as err:
            self._set(state="refused", error_zh=err.zh, error_en=err.en)
        except HubUnreachable as err:
            self._set(state="offline", error_zh=err.zh, error_en=err.en)
        except UserError as err:
            self._set(state="error", error_zh=err.zh, error_en=err.en)
        except Exception as err:  # never let the thread die: say what happened
            self._set(state="error", error_zh=f"同步出错：{err}", error_en=f"Sync failed: {err}")
        finally:
            if client is not None:
                client.close()
            try:
                self.refresh()
            except Exception:
                pass
        return self.status()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.run_once()
            self._wake.wait(self.interval)
            self._wake.clear()
