"""The photo folder: verification, atomic writes, sync's put_original, signatures, captions."""

from __future__ import annotations

import io
import os

import pytest
from PIL import Image

from tests.evidence import evidence_photos as photos
from inspect_app.evidence import (
    EvidenceMissing,
    HashMismatch,
    PhotoRejected,
    PhotoStore,
    caption_text,
    captioned_copy,
    render_strokes_png,
    sha256_hex,
    store_png,
)
from inspect_app.evidence import store as store_module


@pytest.fixture
def store(tmp_path) -> PhotoStore:
    return PhotoStore(tmp_path / "photos")


def flip_one_byte(path, offset=None):
    data = bytearray(path.read_bytes())
    index = len(data) // 2 if offset is None else offset
    data[index] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("which", ["original", "stored", "thumbnail", "gps"])
def test_verify_detects_a_flipped_byte(store, which):
    stored = store.ingest(photos.jpeg(gps=True), keep_gps=True)
    sha = stored.sha256
    assert store.verify(sha) == []
    path = {
        "original": store.original_path(sha),
        "stored": store.stored_path(sha),
        "thumbnail": store.thumbnail_path(sha),
        "gps": store.stored_path(sha, keep_gps=True),
    }[which]
    flip_one_byte(path)
    assert store.verify(sha) == [f"hash mismatch: {path.name}"]
    assert store.verify_all() == {sha: [f"hash mismatch: {path.name}"]}


def test_verify_reports_missing_files(store):
    sha = store.ingest(photos.jpeg()).sha256
    store.thumbnail_path(sha).unlink()
    assert store.verify(sha) == [f"missing: {sha}.thumb.jpg"]
    assert store.verify("0" * 64) == ["missing: metadata (.json)"]


def test_reading_by_sha(store):
    data = photos.jpeg()
    sha = store.ingest(data).sha256
    assert store.original_bytes(sha) == data
    assert store.stored_bytes(sha) == store.stored_path(sha).read_bytes()
    assert store.thumbnail_bytes(sha)[:2] == b"\xff\xd8"
    assert store.has(sha) and store.has_original(sha)
    with pytest.raises(EvidenceMissing) as caught:
        store.stored_bytes("f" * 64)
    assert "同步" in caught.value.zh and "Sync" in caught.value.en


@pytest.mark.parametrize("bad", ["../../etc/passwd", "AB" * 32, "g" * 64, "", "a" * 63, "a" * 64 + "/"])
def test_hashes_never_become_paths(store, bad):
    for call in (store.has, store.original_path, store.verify, lambda s: store.put_original(s, b"x")):
        with pytest.raises(ValueError):
            call(bad)


def test_put_original_checks_the_hash_and_writes_nothing_on_mismatch(tmp_path, store):
    data = photos.jpeg()
    with pytest.raises(HashMismatch) as caught:
        store.put_original(sha256_hex(data), data[:-1] + b"\x00")
    assert "重新同步" in caught.value.zh
    assert photos.files_under(tmp_path) == []
    stored = store.put_original(sha256_hex(data), data)
    assert store.has(stored.sha256) and store.verify(stored.sha256) == []


def test_drop_original_then_receive_it_again(store):
    data = photos.jpeg(gps=True)
    sha = store.ingest(data).sha256
    assert store.drop_original(sha)
    assert store.has(sha) and not store.has_original(sha)
    assert store.verify(sha) == []  # the derivatives still check out against their recorded hashes
    with pytest.raises(EvidenceMissing):
        store.original_bytes(sha)
    store.put_original(sha, data)
    assert store.has_original(sha) and store.original_bytes(sha) == data


def test_a_failed_write_leaves_no_entry_and_no_temp_files(store, monkeypatch):
    real_replace = os.replace
    calls = []

    def failing_replace(src, dst):
        calls.append(dst)
        if len(calls) == 2:  # the original is in place, the stored JPEG is not
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(store_module.os, "replace", failing_replace)
    data = photos.jpeg()
    with pytest.raises(OSError):
        store.ingest(data)
    sha = sha256_hex(data)
    assert not store.has(sha) and store.list_shas() == []
    left = photos.files_under(store.root)
    assert left == [f"{sha[:2]}/{sha}.orig"]  # a complete file, but no metadata: not an entry
    monkeypatch.setattr(store_module.os, "replace", real_replace)
    assert store.clean_incomplete() == 1
    assert photos.files_under(store.root) == []
    stored = store.ingest(data)  # and the next attempt stores it whole
    assert store.verify(stored.sha256) == []


def test_a_crash_before_metadata_is_not_an_entry(store, monkeypatch):
    """Kill between the data files and the .json: has() is False, a re-ingest completes it."""
    real = store_module.PhotoStore._write_files

    def crash_on_metadata(self, sha, files):
        if "json" in files:
            raise KeyboardInterrupt  # stands in for the process dying
        return real(self, sha, files)

    monkeypatch.setattr(store_module.PhotoStore, "_write_files", crash_on_metadata)
    data = photos.jpeg()
    with pytest.raises(KeyboardInterrupt):
        store.ingest(data)
    assert not store.has(sha256_hex(data))
    assert not [f for f in photos.files_under(store.root) if f.endswith(".tmp")]
    monkeypatch.setattr(store_module.PhotoStore, "_write_files", real)
    stored = store.ingest(data)
    assert not stored.deduplicated and store.verify(stored.sha256) == []


def test_files_are_written_through_temp_fsync_and_replace(store, monkeypatch):
    events = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(store_module.os, "fsync", lambda fd: (events.append("fsync"), real_fsync(fd))[1])
    monkeypatch.setattr(
        store_module.os, "replace", lambda a, b: (events.append(("replace", os.path.basename(b))), real_replace(a, b))[1]
    )
    sha = store.ingest(photos.jpeg()).sha256
    replaced = [e[1] for e in events if isinstance(e, tuple)]
    assert replaced == [f"{sha}.orig", f"{sha}.jpg", f"{sha}.thumb.jpg", f"{sha}.json"]
    # Each data file is fsynced before any rename; the metadata comes after a folder fsync.
    first_replace = events.index(("replace", f"{sha}.orig"))
    assert events[:first_replace].count("fsync") >= 3
    json_at = events.index(("replace", f"{sha}.json"))
    assert events[json_at - 1] == "fsync" and events[json_at + 1] == "fsync"


def test_caption_copy_leaves_the_stored_evidence_unchanged(store):
    stored = store.ingest(photos.jpeg(1600, 1200, orientation=6, gps=True))
    sha = stored.sha256
    before = store.stored_bytes(sha)
    text = caption_text("城关镇卫生院", "2.2.3.1", stored.captured_at)
    assert text == "城关镇卫生院 · 条款 2.2.3.1 · 2024-05-06 10:11"
    copy = captioned_copy(store, sha, text)
    assert store.stored_bytes(sha) == before and store.verify(sha) == []
    assert copy != before
    image = Image.open(io.BytesIO(copy), formats=["JPEG"])
    assert image.size == (1200, 1600)
    assert image.getpixel((600, 10))[0] > 180  # the picture itself is untouched at the top
    band = image.crop((0, 1540, 1200, 1600)).convert("L")
    low, high = band.getextrema()
    assert low < 90 and high > 200  # dark band with light text
    exif = image.getexif()
    assert exif.get_ifd(0x8769)[0x9003] == "2024:05:06 10:11:12"
    assert not exif.get_ifd(0x8825)  # still no GPS
    assert image.info["icc_profile"] == photos.srgb_icc()


def test_signature_png_is_deterministic_and_stored_content_addressed(store):
    strokes = [[(10, 10), (60, 40), (110, 15.5)], [(30, 70)], [(140, 20), (150, 80), (190, 75)]]
    png = render_strokes_png(strokes, 200, 100)
    assert png == render_strokes_png(strokes, 200, 100)
    assert png != render_strokes_png(strokes[:1], 200, 100)
    image = Image.open(io.BytesIO(png), formats=["PNG"])
    assert image.size == (200, 100) and image.mode == "RGBA"
    assert image.getpixel((60, 40))[3] > 200  # ink on the stroke
    assert image.getpixel((30, 70))[3] > 200  # a tap is a dot
    assert image.getpixel((5, 95))[3] == 0  # transparent elsewhere
    stored = store_png(store, png)
    assert stored.kind == "png" and stored.sha256 == sha256_hex(png)
    assert store.original_bytes(stored.sha256) == png
    assert store.stored_path(stored.sha256).read_bytes() == png
    assert store.put_png(png).deduplicated
    assert store.verify(stored.sha256) == []
    assert store.list_shas("png") == [stored.sha256] and store.list_shas("photo") == []
    assert store.put_original(stored.sha256, png, kind="png").sha256 == stored.sha256


def test_store_png_refuses_what_is_not_a_png(tmp_path, store):
    for data in (b"", photos.jpeg(), photos.png_claiming(50_000, 50_000)):
        with pytest.raises(PhotoRejected):
            store.put_png(data)
    assert photos.files_under(tmp_path) == []


def test_render_strokes_rejects_silly_sizes():
    with pytest.raises(ValueError):
        render_strokes_png([], 0, 100)
    with pytest.raises(ValueError):
        render_strokes_png([], 100, 100_000)
    assert render_strokes_png([], 10, 10)[:8] == b"\x89PNG\r\n\x1a\n"
