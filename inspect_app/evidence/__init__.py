"""Photo evidence (佐证材料): ingest, store, verify; signature PNGs; captioned report copies.

The one entry point for photos is ``PhotoStore.ingest`` (or ``ingest_photo``): bytes + the name
they came with → an upright, bounded, GPS-free JPEG + thumbnail, stored by the SHA-256 of the
original bytes. All calls are plain synchronous functions: the UI runs them in
``asyncio.to_thread``. Bad input raises ``PhotoRejected`` (a UserError with zh/en text) and
leaves nothing in the photo folder. See store.py for the layout and the originals policy.
"""

from __future__ import annotations

from pathlib import Path

from inspect_app.evidence.caption import caption_text, captioned_copy
from inspect_app.evidence.decode import (
    MAX_IMAGE_PIXELS,
    MAX_INPUT_BYTES,
    PHOTO_FORMATS,
    STORED_LONG_EDGE,
    THUMB_LONG_EDGE,
    parse_exif_time,
)
from inspect_app.evidence.errors import EvidenceMissing, HashMismatch, PhotoRejected
from inspect_app.evidence.names import display_name
from inspect_app.evidence.signature import render_strokes_png
from inspect_app.evidence.store import PhotoStore, StoredPhoto, check_sha, sha256_hex


def ingest_photo(
    store: PhotoStore, data: bytes, original_name: str = "", *, keep_gps: bool = False
) -> StoredPhoto:
    """Store a photo from a camera or a file; see PhotoStore.ingest."""
    return store.ingest(data, original_name, keep_gps=keep_gps)


def store_png(store: PhotoStore, data: bytes) -> StoredPhoto:
    """Store PNG bytes (a signature) content-addressed; see PhotoStore.put_png."""
    return store.put_png(data)


def photo_store(data_dir: Path | str) -> PhotoStore:
    """The store of a data folder: <data>/photos."""
    return PhotoStore.in_data_dir(data_dir)


__all__ = [
    "EvidenceMissing",
    "HashMismatch",
    "MAX_IMAGE_PIXELS",
    "MAX_INPUT_BYTES",
    "PHOTO_FORMATS",
    "PhotoRejected",
    "PhotoStore",
    "STORED_LONG_EDGE",
    "StoredPhoto",
    "THUMB_LONG_EDGE",
    "caption_text",
    "captioned_copy",
    "check_sha",
    "display_name",
    "ingest_photo",
    "parse_exif_time",
    "photo_store",
    "render_strokes_png",
    "sha256_hex",
    "store_png",
]
