"""The tablet's map original <-> shared derivative in the photo store (issue 11): what sync
sends for a photo of an inspection that does not keep GPS. Real files in a real photo folder."""

from __future__ import annotations

import hashlib
import io

from PIL import Image

from inspect_app.evidence import PhotoStore
from tests.evidence.evidence_photos import jpeg, png

GPS_IFD = 0x8825


def test_share_registers_the_gps_free_jpeg_and_maps_both_ways(tmp_path):
    store = PhotoStore(tmp_path / "photos")
    photo = store.ingest(jpeg(1200, 900, gps=True, orientation=8), "IMG_1.jpg")
    assert photo.has_gps
    shared = store.share(photo.sha256)
    assert shared == photo.files["jpg"] != photo.sha256
    assert store.share(photo.sha256) == shared and store.share(shared) == shared  # stable, and a fixed point
    assert store.metadata(photo.sha256).shared == shared
    assert store.original_of(shared) == photo.sha256 and store.original_of(photo.sha256) == photo.sha256

    data = store.original_bytes(shared)  # what sync uploads for it
    assert hashlib.sha256(data).hexdigest() == shared and data == store.stored_bytes(photo.sha256)
    with Image.open(io.BytesIO(data)) as im:
        assert im.size == (900, 1200) and not im.getexif().get_ifd(GPS_IFD) and 0x0112 not in im.getexif()
    entry = store.metadata(shared)
    assert entry.derived_from == photo.sha256 and not entry.has_gps
    assert (entry.width, entry.height) == (photo.width, photo.height)
    assert store.thumbnail_bytes(shared) == store.thumbnail_bytes(photo.sha256)
    # a whole, verifiable entry that survives the start-up clean-up; the original is untouched
    assert store.verify(shared) == [] and store.verify(photo.sha256) == []
    assert store.clean_incomplete() == 0
    assert store.has_original(photo.sha256) and store.original_bytes(photo.sha256)[:2] == b"\xff\xd8"
    with Image.open(store.original_path(photo.sha256)) as im:
        assert im.getexif().get_ifd(GPS_IFD)


def test_received_blobs_and_signatures_travel_under_their_own_hash(tmp_path):
    sender, receiver = PhotoStore(tmp_path / "a"), PhotoStore(tmp_path / "b")
    photo = sender.ingest(jpeg(800, 600, gps=True))
    shared = sender.share(photo.sha256)
    got = receiver.put_received(shared, sender.original_bytes(shared))
    assert got.sha256 == shared and receiver.metadata(shared).shared == shared
    assert receiver.share(shared) == shared and receiver.original_of(shared) == shared
    sig = sender.put_png(png())
    assert sender.share(sig.sha256) == sig.sha256
