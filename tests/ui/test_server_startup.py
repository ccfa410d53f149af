"""What the app cleans up when it starts, before it ingests anything."""

from __future__ import annotations

from inspect_app.evidence import PhotoStore
from inspect_app.evidence.store import sha256_hex
from inspect_app.ui.server import build_asgi_app
from tests.evidence.evidence_photos import files_under, jpeg


def test_start_up_removes_a_photo_a_killed_ingest_left_half_written(tmp_path):
    data = tmp_path / "data"
    store = PhotoStore.in_data_dir(data)
    kept = store.ingest(jpeg())
    half = sha256_hex(b"a photo whose metadata was never written")
    (store.root / half[:2]).mkdir(parents=True, exist_ok=True)
    (store.root / half[:2] / f"{half}.orig").write_bytes(b"partial")
    (store.root / kept.sha256[:2] / f".{kept.sha256}.jpg.abc123.tmp").write_bytes(b"temp")

    build_asgi_app(data)

    assert store.has(kept.sha256) and store.verify(kept.sha256) == []
    assert not any(half in name or name.endswith(".tmp") for name in files_under(store.root))
