"""What every session of this process shares: the data folder's workspace and the standards."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from inspect_app import paths


@dataclass
class AppContext:
    data_dir: Path
    upload_dir: Path
    _workspace: object = None
    _standards: dict = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def workspace(self):
        """The open workspace (services.open_workspace), opened on first use."""
        with self._lock:
            if self._workspace is None:
                from inspect_app import services

                self._workspace = services.open_workspace(self.data_dir)
            return self._workspace

    def standards(self) -> list:
        """The shipped standards (standards/*.json) with their content hash."""
        from inspect_app.standard.loader import list_standards

        return list_standards(paths.STANDARDS_DIR)

    def standard(self, standard_id: str):
        """One standard by id, loaded once per process (they are frozen models)."""
        with self._lock:
            if standard_id not in self._standards:
                from inspect_app.standard.loader import load_standard

                for path in sorted(paths.STANDARDS_DIR.glob("*.json")):
                    if path.name.endswith(".schema.json"):
                        continue
                    std = load_standard(path)
                    self._standards[std.id] = std
            return self._standards[standard_id]

    def media_file(self, kind: str, name: str) -> Path | None:
        """A stored photo/thumbnail/signature file for the /media route, or None."""
        photos = self.workspace.photos
        try:
            if kind == "thumb":
                return photos.thumbnail_path(name)
            if kind in ("photo", "signature"):
                return photos.stored_path(name)
        except Exception:  # noqa: BLE001 - a bad or unknown hash is simply not found
            return None
        return None
