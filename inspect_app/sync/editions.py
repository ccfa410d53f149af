"""Editions the bureau published on the hub (placed items, titles set: hub/standard_editions.py),
fetched by hash into <data>/standards/editions/<id>.json, where services.list_standards finds them
(a published edition supersedes the shipped file of the same id for new inspections)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from inspect_app.errors import UserError
from inspect_app.sync.protocol import SHA256_HEX


def editions_folder(data_dir: Path) -> Path:
    return Path(data_dir) / "standards" / "editions"


def fetch_editions(engine, client) -> int:
    """One sync step: every published edition this tablet lacks, checked by hash, id and content."""
    from inspect_app.standard.loader import loads_standard
    from inspect_app.store.durable import atomic_write_bytes

    r = client.request("GET", "/api/standards")
    if r.status_code != 200:  # an older hub without editions: nothing to fetch
        return 0
    listed = r.json() if isinstance(r.json(), dict) else {}
    folder = editions_folder(engine.local.workspace.data_dir)
    fetched = 0
    for standard_id, entry in sorted(listed.items()):
        sha = str((entry or {}).get("sha256", ""))
        if not SHA256_HEX.match(sha) or not standard_id.replace("-", "").replace("_", "").isalnum():
            continue
        target = folder / f"{standard_id}.json"
        if target.is_file() and hashlib.sha256(target.read_bytes()).hexdigest() == sha:
            continue
        got = client.request("GET", f"/api/standards/{sha}")
        if got.status_code != 200 or hashlib.sha256(got.content).hexdigest() != sha:
            continue  # damaged in transit or withdrawn: the next sync tries again
        try:
            standard = loads_standard(got.content.decode("utf-8"))
        except (UserError, UnicodeDecodeError):
            continue
        if standard.id != standard_id:
            continue
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(target, got.content)
        fetched += 1
    return fetched
