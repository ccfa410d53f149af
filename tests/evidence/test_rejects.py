"""Every bad input gets a bilingual PhotoRejected and leaves the photo folder empty."""

from __future__ import annotations

import pytest

from tests.evidence import evidence_photos as photos
from inspect_app.errors import UserError
from inspect_app.evidence import MAX_INPUT_BYTES, PhotoRejected, PhotoStore


def bad_inputs():
    noisy = photos.noisy_jpeg(800, 600)
    big_noisy = photos.noisy_jpeg(2400, 1800)  # large enough to be decoded in draft mode
    return [
        ("empty", b"", "empty"),
        ("text", "这不是照片\n".encode() * 50, "not_image"),
        ("random bytes", bytes(range(256)) * 40, "not_image"),
        ("html error page", b"<!doctype html><html><body>502 Bad Gateway</body></html>", "not_image"),
        ("truncated jpeg", noisy[: len(noisy) // 2], "damaged"),
        ("truncated jpeg, draft path", big_noisy[: len(big_noisy) // 3], "damaged"),
        ("jpeg header only", noisy[:600], "damaged"),
        ("png bomb 50000x50000", photos.png_claiming(50_000, 50_000), "bomb"),
        ("jpeg bomb 50000x50000", photos.jpeg_claiming(50_000, 50_000), "bomb"),
        # 100 MP: Pillow alone would only warn (between 1× and 2× its limit): the warning is an error.
        ("png 10000x10000 (Pillow warn zone)", photos.png_claiming(10_000, 10_000), "bomb"),
        # 56 MP: under Pillow's limit, over ours.
        ("png 8000x7000 (over our limit)", photos.png_claiming(8_000, 7_000), "bomb"),
        ("zero-width png", photos.png_claiming(0, 10), None),
        ("gif", photos.other_format("GIF"), "unsupported_format"),
        ("bmp", photos.other_format("BMP"), "unsupported_format"),
        ("tiff", photos.other_format("TIFF"), "unsupported_format"),
        ("pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "unsupported_format"),
        ("heic brand we cannot read", b"\x00\x00\x00\x18ftypavis\x00\x00\x00\x00avisheic" + b"\x00" * 64, "unsupported_format"),
    ]


@pytest.mark.parametrize("label, data, reason", bad_inputs(), ids=[case[0] for case in bad_inputs()])
def test_bad_input_is_rejected_and_nothing_is_written(tmp_path, label, data, reason):
    store = PhotoStore(tmp_path / "photos")
    with pytest.raises(PhotoRejected) as caught:
        store.ingest(data, f"{label}.jpg")
    error = caught.value
    assert isinstance(error, UserError)
    if reason is not None:
        assert error.reason == reason
    # Both languages, and each says what to do next.
    assert error.zh and error.en and error.zh != error.en
    assert any(word in error.zh for word in ("请", "重新"))
    assert any(word in error.en for word in ("again", "Pick", "Export", "Take", "Use"))
    assert photos.files_under(tmp_path) == []
    assert store.list_shas() == []


def test_too_large_input_is_rejected_before_decoding(tmp_path):
    store = PhotoStore(tmp_path / "photos")
    with pytest.raises(PhotoRejected) as caught:
        store.ingest(b"\xff\xd8\xff" + b"\x00" * MAX_INPUT_BYTES, "huge.jpg")
    assert caught.value.reason == "too_large"
    assert "MB" in caught.value.zh
    assert photos.files_under(tmp_path) == []


def test_a_rejected_photo_leaves_an_existing_store_untouched(tmp_path):
    store = PhotoStore(tmp_path / "photos")
    good = store.ingest(photos.jpeg())
    before = photos.files_under(store.root)
    with pytest.raises(PhotoRejected):
        store.ingest(photos.png_claiming(50_000, 50_000))
    assert photos.files_under(store.root) == before
    assert store.list_shas() == [good.sha256]


def test_messages_read_well(tmp_path):
    """The texts a person sees, pinned so a change to them is a deliberate one."""
    store = PhotoStore(tmp_path / "photos")
    with pytest.raises(PhotoRejected) as caught:
        store.ingest(photos.png_claiming(50_000, 50_000))
    assert caught.value.zh.startswith("图片尺寸异常")
    with pytest.raises(PhotoRejected) as caught:
        store.ingest(photos.other_format("GIF"))
    assert caught.value.zh.startswith("不支持的文件格式（GIF）")
    assert "JPEG" in caught.value.en
