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
    standards_dir: Path = paths.STANDARDS_DIR
    _workspace: object = None
    _standards: dict = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def workspace(self):
        """The open workspace (services.open_workspace), opened on first use."""
        with self._lock:
            if self._workspace is None:
                from inspect_app import services

                self._workspace = services.open_workspace(self.data_dir, self.standards_dir)
            return self._workspace

    def standards(self) -> list:
        """The shipped standards (standards/*.json) with their content hash; an edition the bureau
        published and sync fetched (data/standards/editions, sync/editions.py) in place of its file."""
        from inspect_app.standard.loader import list_standards

        return list_standards(self.standards_dir, published=self.data_dir / "standards" / "editions")

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
