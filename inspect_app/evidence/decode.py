"""Untrusted bytes → an oriented, bounded picture plus the metadata worth keeping (Pillow).

Everything here works in memory and writes nothing: a photo is fully decoded, checked and
re-encoded before the store touches the disk, so a rejected photo leaves no trace.
"""

from __future__ import annotations

import io
import threading
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import pillow_heif
from PIL import Image, UnidentifiedImageError

from inspect_app.evidence.errors import PhotoRejected

# iPads and iPhones save HEIC: decode it through libheif and store JPEG like everything else.
pillow_heif.register_heif_opener(thumbnails=False)

# Only these decoders ever see untrusted bytes. (Multi-picture JPEGs from phones open through the
# JPEG decoder and report their format as "MPO".)
PHOTO_FORMATS = ("JPEG", "PNG", "WEBP", "HEIF")
MAX_INPUT_BYTES = 40 * 1024 * 1024  # a 48 MP HEIC is ~10 MB, a 12 MP JPEG 3-6 MB
# Our own pixel ceiling, checked before any decoding. 48 MP phone sensors (8064×6048) fit; Pillow's
# global default (≈89 MP, which only *warns* up to 2×) is left alone for the rest of the process.
MAX_IMAGE_PIXELS = 50_000_000
STORED_LONG_EDGE = 1600
THUMB_LONG_EDGE = 320
STORED_QUALITY = 85
THUMB_QUALITY = 80

CHINA_TZ = timezone(timedelta(hours=8), "CST")  # EXIF times carry no zone; the country has one

_TAG_ORIENTATION = 0x0112
_TAG_MAKE = 0x010F
_TAG_MODEL = 0x0110
_IFD_EXIF = 0x8769
_IFD_GPS = 0x8825
_TAG_DATETIME_ORIGINAL = 0x9003
_TAG_OFFSET_TIME_ORIGINAL = 0x9011

# Same mapping as PIL.ImageOps.exif_transpose, applied to the already downscaled picture (cheaper).
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}

# warnings.catch_warnings is process-global in Python 3.11: serialize the (header-only) open.
_OPEN_LOCK = threading.Lock()


@dataclass
class PhotoMeta:
    """What we keep from the original's EXIF."""

    make: str = ""
    model: str = ""
    datetime_original: str = ""  # as written by the camera, "YYYY:MM:DD HH:MM:SS"
    offset_time_original: str = ""  # "+08:00" when the camera wrote one
    gps: dict = field(default_factory=dict)

    @property
    def captured_at(self) -> datetime | None:
        return parse_exif_time(self.datetime_original, self.offset_time_original)


@dataclass
class DecodedPhoto:
    format: str
    original_size: tuple[int, int]  # upright (after orientation), full resolution
    stored: Image.Image  # upright RGB, long edge ≤ STORED_LONG_EDGE
    thumb: Image.Image  # upright RGB, long edge ≤ THUMB_LONG_EDGE
    meta: PhotoMeta
    icc_profile: bytes | None


def reject(reason: str, zh: str, en: str) -> PhotoRejected:
    return PhotoRejected(zh, en, reason=reason)


def check_size(data: bytes) -> None:
    if not data:
        raise reject(
            "empty",
            "文件是空的（0 字节），可能没有拍摄成功或传输中断。请重新拍照或重新选择文件。",
            "The file is empty (0 bytes); the photo may not have been taken or the transfer broke off. Take the photo again or pick the file again.",
        )
    if len(data) > MAX_INPUT_BYTES:
        raise reject(
            "too_large",
            f"文件太大（{len(data) / 1048576:.0f} MB，上限 {MAX_INPUT_BYTES // 1048576} MB）。请用相机的普通画质拍摄，或先压缩后再添加。",
            f"The file is too large ({len(data) / 1048576:.0f} MB, limit {MAX_INPUT_BYTES // 1048576} MB). Use the camera's normal quality or shrink it before adding.",
        )


def open_untrusted(data: bytes, formats: tuple[str, ...] = PHOTO_FORMATS) -> Image.Image:
    """Identify the image (header only) with an explicit decoder list and the bomb guards on."""
    with _OPEN_LOCK, warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=list(formats))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise _bomb() from exc
        except UnidentifiedImageError as exc:
            raise _unidentified(data, formats) from exc
        except Exception as exc:  # a damaged header can raise almost anything from a decoder
            raise _damaged() from exc
    width, height = image.size
    if width < 1 or height < 1 or width * height > MAX_IMAGE_PIXELS:
        image.close()
        raise _bomb(width, height)
    return image


def decode_photo(
    data: bytes, *, long_edge: int = STORED_LONG_EDGE, thumb_edge: int = THUMB_LONG_EDGE
) -> DecodedPhoto:
    """Decode, orient and downscale a photo. Raises PhotoRejected for anything unusable."""
    check_size(data)
    image = open_untrusted(data)
    try:
        fmt = image.format or ""
        meta, orientation = _read_meta(image)
        icc = image.info.get("icc_profile") or None
        width, height = image.size
        target = fit(width, height, long_edge)
        if fmt in ("JPEG", "MPO") and target != (width, height):
            # Decode at 1/2, 1/4 or 1/8 scale straight from the DCT: the biggest win available.
            # The request must keep the photo's aspect ratio, or draft picks no reduction at all.
            image.draft("RGB", target)
        try:
            image.load()
        except Exception as exc:  # truncated data, corrupt entropy coding, decoder limits
            raise _damaged() from exc
        picture = _to_rgb(image)
        if icc is not None and icc[16:20] != b"RGB ":
            icc = None  # a CMYK or grey profile would be wrong on the RGB JPEG we write
        if picture.size != target:
            # BILINEAR, not LANCZOS: after a DCT-scaled draft decode both land equally close to a
            # full-resolution LANCZOS (measured RMS ≈1.6 of 255 for each) and BILINEAR costs half.
            picture = picture.resize(target, Image.Resampling.BILINEAR)
        method = _TRANSPOSE.get(orientation)
        if method is not None:
            picture = picture.transpose(method)
            if orientation >= 5:
                width, height = height, width
        if picture is image:
            picture = image.copy()  # the source is closed below
        picture.info.clear()  # nothing from the original rides along unless we pass it on purpose
        # reducing_gap=1: an integer box reduction (1600 → 320 is exactly 5×) does nearly all the work.
        thumb = picture.resize(fit(*picture.size, thumb_edge), Image.Resampling.BILINEAR, reducing_gap=1.0)
        return DecodedPhoto(fmt, (width, height), picture, thumb, meta, icc)
    finally:
        image.close()


def preview_thumbnail(data: bytes, *, thumb_edge: int = THUMB_LONG_EDGE) -> bytes | None:
    """A quick, upright thumbnail JPEG of a JPEG photo, for the screen to show while the photo is
    being stored (decode_photo and the store then make the real one). Decoded in Pillow's draft
    mode at 1/8 scale straight from the DCT (a 12 MP photo: a 500×375 decode), so it costs a few
    milliseconds where the full-size derivative costs hundreds. None for other formats or for
    anything unreadable: the ingest says why, this only previews."""
    try:
        check_size(data)
        image = open_untrusted(data)
    except PhotoRejected:
        return None
    try:
        if (image.format or "") not in ("JPEG", "MPO"):
            return None
        _, orientation = _read_meta(image)
        target = fit(*image.size, thumb_edge)
        image.draft("RGB", target)
        image.load()
        picture = _to_rgb(image)
        picture = picture.resize(fit(*picture.size, thumb_edge), Image.Resampling.BILINEAR, reducing_gap=1.0)
        method = _TRANSPOSE.get(orientation)
        if method is not None:
            picture = picture.transpose(method)
        return encode_jpeg(picture, quality=70)
    except Exception:  # noqa: BLE001 - a preview that cannot be made is simply not shown
        return None
    finally:
        image.close()


def encode_jpeg(
    picture: Image.Image, *, quality: int, exif: bytes = b"", icc_profile: bytes | None = None
) -> bytes:
    out = io.BytesIO()
    options: dict = {"quality": quality}
    if exif:
        options["exif"] = exif
    if icc_profile:
        options["icc_profile"] = icc_profile
    picture.save(out, "JPEG", **options)
    return out.getvalue()


def output_exif(meta: PhotoMeta, *, keep_gps: bool) -> bytes:
    """A minimal EXIF block: Make, Model, DateTimeOriginal (+offset), GPS only when asked.

    Orientation is left out on purpose: the pixels are already upright.
    """
    exif = Image.Exif()
    if meta.make:
        exif[_TAG_MAKE] = meta.make
    if meta.model:
        exif[_TAG_MODEL] = meta.model
    if meta.datetime_original:
        sub = exif.get_ifd(_IFD_EXIF)
        sub[_TAG_DATETIME_ORIGINAL] = meta.datetime_original
        if meta.offset_time_original:
            sub[_TAG_OFFSET_TIME_ORIGINAL] = meta.offset_time_original
    if keep_gps and meta.gps:
        exif.get_ifd(_IFD_GPS).update(meta.gps)
    return exif.tobytes() if (len(exif) or meta.datetime_original or (keep_gps and meta.gps)) else b""


def fit(width: int, height: int, long_edge: int) -> tuple[int, int]:
    """The size with the same aspect ratio whose long edge is at most long_edge (never upscales)."""
    scale = long_edge / max(width, height)
    if scale >= 1:
        return width, height
    return max(1, round(width * scale)), max(1, round(height * scale))


def parse_exif_time(raw: str, offset: str = "", assume_tz: timezone = CHINA_TZ) -> datetime | None:
    """EXIF "2024:05:06 10:11:12" (+ optional "+08:00") → aware UTC datetime; None if unusable."""
    text = (raw or "").strip("\x00 ")
    try:
        local = datetime.strptime(text[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None  # "0000:00:00 00:00:00", blanks, garbage
    tz = assume_tz
    off = (offset or "").strip("\x00 ")
    if len(off) == 6 and off[0] in "+-" and off[3] == ":" and off[1:3].isdigit() and off[4:].isdigit():
        sign = 1 if off[0] == "+" else -1
        tz = timezone(sign * timedelta(hours=int(off[1:3]), minutes=int(off[4:])))
    return local.replace(tzinfo=tz).astimezone(timezone.utc)


def _read_meta(image: Image.Image) -> tuple[PhotoMeta, int]:
    try:
        exif = image.getexif()
        sub = exif.get_ifd(_IFD_EXIF)
        gps = dict(exif.get_ifd(_IFD_GPS))
    except Exception:  # a broken EXIF block is no reason to refuse the picture
        return PhotoMeta(), 1
    orientation = exif.get(_TAG_ORIENTATION, 1)
    meta = PhotoMeta(
        make=_text(exif.get(_TAG_MAKE)),
        model=_text(exif.get(_TAG_MODEL)),
        datetime_original=_text(sub.get(_TAG_DATETIME_ORIGINAL)),
        offset_time_original=_text(sub.get(_TAG_OFFSET_TIME_ORIGINAL)),
        gps=gps,
    )
    return meta, orientation if isinstance(orientation, int) else 1


def _text(value: object) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return ""
    return "".join(ch for ch in value.strip("\x00 ") if ch.isprintable())[:64]


def _to_rgb(image: Image.Image) -> Image.Image:
    mode = image.mode
    if mode == "RGB":
        return image
    if mode in ("RGBA", "LA", "PA", "RGBa", "La") or (mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    if mode.startswith("I;16") or mode == "I":
        image = image.point(lambda v: v / 256).convert("L")  # 16-bit PNG → 8-bit
    return image.convert("RGB")


def _bomb(width: int | None = None, height: int | None = None) -> PhotoRejected:
    size = f"{width}×{height} 像素" if width is not None else "像素数过大"
    size_en = f"{width}×{height} pixels" if width is not None else "too many pixels"
    return reject(
        "bomb",
        f"图片尺寸异常（{size}，上限 {MAX_IMAGE_PIXELS // 1_000_000} 百万像素），文件可能已损坏或不是照片。请用相机重新拍摄后再添加。",
        f"The picture claims an unusable size ({size_en}, limit {MAX_IMAGE_PIXELS // 1_000_000} megapixels); it may be damaged or not a photo. Take the photo again with the camera.",
    )


def _damaged() -> PhotoRejected:
    return reject(
        "damaged",
        "照片文件不完整或已损坏，无法读取。请重新拍照，或从相册重新选择原图。",
        "The photo file is incomplete or damaged and cannot be read. Take the photo again or pick the original from the gallery again.",
    )


_OTHER_FORMATS = (
    (b"GIF8", "GIF"),
    (b"BM", "BMP"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"%PDF", "PDF"),
)


def _unidentified(data: bytes, formats: tuple[str, ...]) -> PhotoRejected:
    head = data[:32]
    kind = next((name for magic, name in _OTHER_FORMATS if head.startswith(magic)), "")
    if not kind and head[4:8] == b"ftyp":
        kind = "HEIF/AVIF"  # a brand libheif here cannot read
    accepted = "、".join(formats)
    accepted_en = ", ".join(formats)
    if kind:
        return reject(
            "unsupported_format",
            f"不支持的文件格式（{kind}）。请在相册中导出为 JPEG 或 PNG 后再添加（支持：{accepted}）。",
            f"Unsupported file format ({kind}). Export it as JPEG or PNG from the gallery and add it again (accepted: {accepted_en}).",
        )
    return reject(
        "not_image",
        f"这不是可识别的图片文件。请选择相机拍摄的照片（支持：{accepted}）。",
        f"This is not a picture we can read. Pick a photo taken with the camera (accepted: {accepted_en}).",
    )


__all__ = [
    "CHINA_TZ",
    "DecodedPhoto",
    "MAX_IMAGE_PIXELS",
    "MAX_INPUT_BYTES",
    "PHOTO_FORMATS",
    "PhotoMeta",
    "STORED_LONG_EDGE",
    "THUMB_LONG_EDGE",
    "check_size",
    "decode_photo",
    "encode_jpeg",
    "fit",
    "open_untrusted",
    "output_exif",
    "parse_exif_time",
    "preview_thumbnail",
]
