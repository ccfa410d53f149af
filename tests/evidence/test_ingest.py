"""Photo ingest through the real store on disk: orientation, sizes, EXIF policy, dedupe, HEIC."""

from __future__ import annotations

import io
import threading
from datetime import datetime, timezone

import pytest
from PIL import Image

from tests.evidence import evidence_photos as photos
from inspect_app.evidence import (
    STORED_LONG_EDGE,
    THUMB_LONG_EDGE,
    PhotoStore,
    display_name,
    ingest_photo,
    parse_exif_time,
    sha256_hex,
)


@pytest.fixture
def store(tmp_path) -> PhotoStore:
    return PhotoStore.in_data_dir(tmp_path / "data")


def open_jpeg(path) -> Image.Image:
    image = Image.open(path, formats=["JPEG"])
    image.load()
    return image


def test_landscape_with_orientation_6_comes_out_portrait(store):
    data = photos.jpeg(800, 600, orientation=6)
    stored = ingest_photo(store, data, "IMG_0001.JPG")
    assert (stored.width, stored.height) == (600, 800)
    assert (stored.original_width, stored.original_height) == (600, 800)
    image = open_jpeg(store.stored_path(stored.sha256))
    assert image.size == (600, 800)
    # Orientation 6 means "turn 90° clockwise to view": the red left half ends up on top.
    assert image.getpixel((300, 100))[0] > 180 and image.getpixel((300, 700))[2] > 180
    assert 0x0112 not in image.getexif()  # pixels upright, no tag left to rotate them again
    thumb = open_jpeg(store.thumbnail_path(stored.sha256))
    assert thumb.size == (240, 320)
    assert thumb.getpixel((120, 30))[0] > 180


@pytest.mark.parametrize("orientation, expected", [(1, (800, 600)), (3, (800, 600)), (8, (600, 800))])
def test_other_orientations(store, orientation, expected):
    stored = store.ingest(photos.jpeg(800, 600, orientation=orientation))
    assert open_jpeg(store.stored_path(stored.sha256)).size == expected


def test_large_photo_is_bounded_for_storage_and_thumbnail(store):
    stored = store.ingest(photos.jpeg(3200, 2400, orientation=6), "big.jpg")
    assert (stored.width, stored.height) == (1200, 1600)
    assert (stored.original_width, stored.original_height) == (2400, 3200)
    assert max(open_jpeg(store.stored_path(stored.sha256)).size) == STORED_LONG_EDGE
    assert max(open_jpeg(store.thumbnail_path(stored.sha256)).size) == THUMB_LONG_EDGE


def test_small_photo_is_not_upscaled(store):
    stored = store.ingest(photos.jpeg(400, 300))
    assert (stored.width, stored.height) == (400, 300)


def test_gps_is_stripped_by_default(store):
    data = photos.jpeg(orientation=6, gps=True)
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(photos.GPS_IFD)  # the original has it
    stored = store.ingest(data)
    assert stored.has_gps
    for path in (store.stored_path(stored.sha256), store.stored_path(stored.sha256, keep_gps=True),
                 store.thumbnail_path(stored.sha256)):
        exif = open_jpeg(path).getexif()
        assert photos.GPS_IFD not in exif and not exif.get_ifd(photos.GPS_IFD), path.name
        assert b"GPS" not in path.read_bytes()
    # The original stays byte for byte (its hash is the evidence identity).
    assert store.original_bytes(stored.sha256) == data


def test_gps_is_kept_when_the_inspection_says_so(store):
    stored = store.ingest(photos.jpeg(orientation=6, gps=True), keep_gps=True)
    kept = open_jpeg(store.stored_path(stored.sha256, keep_gps=True)).getexif().get_ifd(photos.GPS_IFD)
    assert kept[1] == "N" and kept[3] == "E"
    assert [float(v) for v in kept[2]] == pytest.approx([39, 7, 12.34])
    # The plain stored JPEG (and the thumbnail) stay GPS-free for everyone else.
    assert not open_jpeg(store.stored_path(stored.sha256)).getexif().get_ifd(photos.GPS_IFD)
    assert store.verify(stored.sha256) == []


def test_keep_gps_on_a_photo_without_gps_uses_the_plain_jpeg(store):
    stored = store.ingest(photos.jpeg(), keep_gps=True)
    assert not stored.has_gps
    assert store.stored_path(stored.sha256, keep_gps=True) == store.stored_path(stored.sha256)


def test_make_model_capture_time_and_icc_are_kept(store):
    data = photos.jpeg(orientation=6, gps=True, taken="2024:05:06 10:11:12")
    stored = store.ingest(data)
    image = open_jpeg(store.stored_path(stored.sha256))
    exif = image.getexif()
    assert exif[0x010F] == "Apple" and exif[0x0110] == "iPad (9th generation)"
    assert exif.get_ifd(photos.EXIF_IFD)[0x9003] == "2024:05:06 10:11:12"
    assert image.info["icc_profile"] == photos.srgb_icc()
    # No zone in EXIF: read as China time, kept as aware UTC like every time in the records.
    assert stored.captured_at == datetime(2024, 5, 6, 2, 11, 12, tzinfo=timezone.utc)
    assert stored.captured_at_exif == "2024:05:06 10:11:12"
    assert (stored.make, stored.model) == ("Apple", "iPad (9th generation)")


def test_capture_time_with_an_offset_and_without_a_time(store):
    with_offset = store.ingest(photos.jpeg(taken="2024:05:06 10:11:12", offset="+09:00"))
    assert with_offset.captured_at == datetime(2024, 5, 6, 1, 11, 12, tzinfo=timezone.utc)
    assert store.ingest(photos.jpeg(taken=None)).captured_at is None
    assert parse_exif_time("0000:00:00 00:00:00") is None
    assert parse_exif_time("garbage") is None


def test_same_bytes_twice_are_stored_once(store):
    data = photos.jpeg(orientation=6)
    first = store.ingest(data, "a.jpg")
    files = photos.files_under(store.root)
    mtimes = [(store.root / f).stat().st_mtime_ns for f in files]
    second = store.ingest(data, "copy of a.jpg")
    assert first.sha256 == second.sha256 == sha256_hex(data)
    assert not first.deduplicated and second.deduplicated
    assert second.original_name == "copy of a.jpg"
    assert photos.files_under(store.root) == files
    assert [(store.root / f).stat().st_mtime_ns for f in files] == mtimes
    assert store.list_shas() == [first.sha256]


def test_layout_is_content_addressed(store):
    stored = store.ingest(photos.jpeg(gps=True), keep_gps=True)
    sha = stored.sha256
    assert photos.files_under(store.root) == sorted(
        f"{sha[:2]}/{sha}.{suffix}" for suffix in ("orig", "jpg", "thumb.jpg", "gps.jpg", "json")
    )
    assert store.metadata(sha) == stored.__class__(**{**stored.__dict__, "original_name": ""})


def test_concurrent_ingests_of_the_same_bytes(store):
    data = photos.jpeg(1200, 900, orientation=6)
    results, errors = [], []

    def run():
        try:
            results.append(store.ingest(data))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert {r.sha256 for r in results} == {sha256_hex(data)}
    assert sum(not r.deduplicated for r in results) == 1
    assert store.verify(sha256_hex(data)) == []
    assert not [f for f in photos.files_under(store.root) if f.endswith(".tmp")]


def test_heic_from_an_ipad_is_converted(store):
    data = photos.heic(640, 480, orientation=6, gps=True)
    assert data[4:12] == b"ftypheic"
    stored = store.ingest(data, "IMG_1234.HEIC")
    assert stored.format == "HEIF"
    image = open_jpeg(store.stored_path(stored.sha256))
    assert image.format == "JPEG" and image.size == (480, 640)  # upright
    assert image.getpixel((240, 60))[0] > 180  # red (the left side) on top
    assert image.getexif().get_ifd(photos.EXIF_IFD)[0x9003] == "2024:05:06 10:11:12"
    assert not image.getexif().get_ifd(photos.GPS_IFD)
    assert store.original_bytes(stored.sha256) == data


def test_png_screenshot_with_transparency_becomes_jpeg(store):
    stored = store.ingest(photos.png(64, 48, "RGBA"), "screenshot.png")
    image = open_jpeg(store.stored_path(stored.sha256))
    assert image.mode == "RGB" and image.size == (64, 48)
    assert stored.captured_at is None


@pytest.mark.parametrize(
    "name, shown",
    [
        ("../../etc/passwd.jpg", "passwd.jpg"),
        ("..\\..\\Windows\\照片 01.JPG", "照片 01.JPG"),
        ("photo\u202egpj.exe", "photogpj.exe"),
        ("a\x00b\nc.jpg", "abc.jpg"),
        ("..", "照片"),
        ("", "照片"),
        ("   .hidden.jpg", "hidden.jpg"),
        ("长" * 300 + ".jpg", "长" * 115 + "….jpg"),
    ],
)
def test_file_names_are_shown_sanitized_and_never_used_as_paths(tmp_path, name, shown):
    assert display_name(name) == shown
    store = PhotoStore(tmp_path / "data" / "photos")
    stored = store.ingest(photos.jpeg(64, 48), name)
    assert stored.original_name == shown
    sha = stored.sha256
    # Nothing anywhere but the content-addressed entry.
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()) == sorted(
        f"data/photos/{sha[:2]}/{sha}.{s}" for s in ("jpg", "json", "orig", "thumb.jpg")
    )


def test_location_in_xmp_and_exif_extras_do_not_ride_along(store):
    """Phones also write location into XMP; only the EXIF fields we choose are written."""
    xmp = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="39,7.2N"'
        b' exif:GPSLongitude="117,12.9E"/></rdf:RDF></x:xmpmeta>'
    )
    out = io.BytesIO()
    photos.split_picture(800, 600).save(out, "JPEG", exif=photos.exif_bytes(orientation=6, gps=True), xmp=xmp)
    assert b"GPSLatitude" in out.getvalue()
    stored = store.ingest(out.getvalue(), keep_gps=True)
    for path in (store.stored_path(stored.sha256), store.thumbnail_path(stored.sha256),
                 store.stored_path(stored.sha256, keep_gps=True)):
        assert b"GPSLatitude" not in path.read_bytes() and b"xmpmeta" not in path.read_bytes()
