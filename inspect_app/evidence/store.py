"""The photo folder: content-addressed, written atomically, verifiable.

Layout under the root (``<data>/photos``), named by the SHA-256 of the bytes as received::

    ab/abcdef….orig        the original, byte for byte (photos)
    ab/abcdef….jpg         upright, ≤1600 px, q85, Make/Model/DateTimeOriginal + ICC, no GPS
    ab/abcdef….gps.jpg     the same with the GPS block, only for keep_gps inspections
    ab/abcdef….thumb.jpg   upright, ≤320 px, no EXIF
    ab/abcdef….png         a PNG stored as is (signatures); its own original and derivative
    ab/abcdef….json        metadata and the hash of every derived file: written last

What leaves the tablet (shared derivative): unless the inspection keeps GPS, sync sends the
GPS-free ``.jpg`` (orientation applied, minimal EXIF) instead of the original, named by its
own SHA-256. ``share(original)`` registers that JPEG as an entry of its own (hard links to the
original entry's ``.jpg``/``.thumb.jpg``; its ``.orig`` is the JPEG itself) with
``derived_from`` pointing back, and records ``shared`` in the original's metadata: that is the
tablet's map original → derivative, and ``original_of`` the map back. An entry received from
the hub or a bundle travels under its own hash (``shared`` = itself).

An entry exists once its ``.json`` exists. Every file goes through temp file + fsync +
os.replace + fsync of the folder, and the ``.json`` only after the others are durable, so a
crash or a rejected photo never leaves a half entry that looks whole.

Originals are kept (policy): the record's hash is of the original, so only the original lets the
hub or an auditor re-verify that the evidence is what the camera produced; derivatives are
re-made from it if the derivation ever changes. The cost is bounded: inputs are capped at
MAX_INPUT_BYTES (40 MB), and once the hub holds an original (sync checks with has_original on
the hub), ``drop_original`` frees it on the tablet; the derivatives and their recorded hashes
stay. The original keeps its GPS as received: keep_gps governs what is shown and shared
(stored JPEG, thumbnail, report), while the original only travels to the hub.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

from inspect_app.evidence import decode
from inspect_app.evidence.errors import EvidenceMissing, HashMismatch, PhotoRejected
from inspect_app.evidence.names import display_name

Kind = Literal["photo", "png"]
_SHA = re.compile(r"[0-9a-f]{64}")
_METADATA_VERSION = 1
MAX_PNG_BYTES = 10 * 1024 * 1024
MAX_PNG_PIXELS = 16_000_000


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_sha(sha256: str) -> str:
    """Hashes arrive from records and from the network: never let one become a path."""
    if not isinstance(sha256, str) or not _SHA.fullmatch(sha256):
        raise ValueError(f"not a lowercase SHA-256 hex digest: {sha256!r:.80}")
    return sha256


@dataclass(frozen=True)
class StoredPhoto:
    """What the store knows about one entry. Feeds EvidenceRecord(sha256, width, height, captured_at)."""

    sha256: str  # of the original bytes as received
    kind: Kind = "photo"
    format: str = ""  # JPEG, MPO, PNG, WEBP, HEIF of the original
    size: int = 0  # bytes of the original
    width: int = 0  # of the stored JPEG (or the PNG)
    height: int = 0
    original_width: int = 0  # upright, full resolution
    original_height: int = 0
    thumb_width: int = 0
    thumb_height: int = 0
    captured_at: datetime | None = None  # EXIF DateTimeOriginal, aware UTC
    captured_at_exif: str = ""  # as the camera wrote it
    make: str = ""
    model: str = ""
    has_gps: bool = False  # the original carries GPS
    files: dict[str, str] = dataclasses.field(default_factory=dict)  # suffix → sha256 of that file
    shared: str = ""  # the hash this photo travels under when its inspection does not keep GPS
    derived_from: str = ""  # this entry is the shared derivative of that original (same tablet)
    # Filled by ingest only (not stored: one content can arrive under many names):
    original_name: str = ""  # sanitized for display
    deduplicated: bool = False  # the bytes were already stored

    def to_json(self) -> dict:
        data = dataclasses.asdict(self)
        del data["original_name"], data["deduplicated"]
        data["captured_at"] = self.captured_at.isoformat() if self.captured_at else None
        data["version"] = _METADATA_VERSION
        return data

    @classmethod
    def from_json(cls, data: dict) -> StoredPhoto:
        fields = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in fields}
        if values.get("captured_at"):
            values["captured_at"] = datetime.fromisoformat(values["captured_at"])
        return cls(**values)


class PhotoStore:
    """Content-addressed evidence files under one folder. Thread-safe; plain sync calls
    (the UI runs them with asyncio.to_thread)."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self._locks = [threading.Lock() for _ in range(64)]

    @classmethod
    def in_data_dir(cls, data_dir: Path | str) -> PhotoStore:
        return cls(Path(data_dir) / "photos")

    # ---- where things are -------------------------------------------------------------------

    def _path(self, sha256: str, suffix: str) -> Path:
        check_sha(sha256)
        return self.root / sha256[:2] / f"{sha256}.{suffix}"

    def original_path(self, sha256: str) -> Path:
        """The bytes as received (.orig; for a PNG entry the .png)."""
        return self._path(sha256, "png" if self._kind_or_photo(sha256) == "png" else "orig")

    def stored_path(self, sha256: str, *, keep_gps: bool = False) -> Path:
        """The JPEG for viewing and the report: upright, bounded, GPS-free unless keep_gps
        and the photo had GPS. For a PNG entry, the PNG itself."""
        meta = self.metadata(sha256)
        if meta.kind == "png":
            return self._path(sha256, "png")
        if keep_gps and "gps.jpg" in meta.files:
            return self._path(sha256, "gps.jpg")
        return self._path(sha256, "jpg")

    def thumbnail_path(self, sha256: str) -> Path:
        meta = self.metadata(sha256)
        return self._path(sha256, "png" if meta.kind == "png" else "thumb.jpg")

    def original_bytes(self, sha256: str) -> bytes:
        return self._read(self.original_path(sha256), sha256, "original")

    def stored_bytes(self, sha256: str, *, keep_gps: bool = False) -> bytes:
        return self._read(self.stored_path(sha256, keep_gps=keep_gps), sha256, "stored")

    def thumbnail_bytes(self, sha256: str) -> bytes:
        return self._read(self.thumbnail_path(sha256), sha256, "thumbnail")

    # ---- what exists ------------------------------------------------------------------------

    def has(self, sha256: str) -> bool:
        """A complete entry (derivatives + metadata) exists; the original may have been dropped."""
        return self._path(sha256, "json").is_file()

    def has_original(self, sha256: str) -> bool:
        return self.has(sha256) and self.original_path(sha256).is_file()

    def metadata(self, sha256: str) -> StoredPhoto:
        path = self._path(sha256, "json")
        try:
            return StoredPhoto.from_json(json.loads(path.read_text("utf-8")))
        except FileNotFoundError:
            raise EvidenceMissing(sha256, "metadata") from None

    def kind(self, sha256: str) -> Kind:
        return self.metadata(sha256).kind

    def list_shas(self, kind: Kind | None = None) -> list[str]:
        """Every complete entry, sorted (sync compares this with the hub's list)."""
        if not self.root.is_dir():
            return []
        found = []
        for path in self.root.glob("??/*.json"):
            sha = path.name[:-5]
            if _SHA.fullmatch(sha) and path.parent.name == sha[:2]:
                if kind is None or self.kind(sha) == kind:
                    found.append(sha)
        return sorted(found)

    # ---- putting things in ------------------------------------------------------------------

    def ingest(self, data: bytes, original_name: str = "", *, keep_gps: bool = False) -> StoredPhoto:
        """Store a photo (camera or file). Same bytes twice → stored once.

        Raises PhotoRejected (a UserError, zh + en) for anything that is not a usable photo;
        then nothing has been written.
        """
        name = display_name(original_name)
        decode.check_size(data)
        sha = sha256_hex(data)
        with self._lock(sha):
            if self.has(sha):
                meta = self.metadata(sha)
                if meta.kind != "photo":
                    raise decode.reject(
                        "is_signature",
                        "这个文件已作为签名图片保存，不能再作为照片添加。",
                        "This file is already stored as a signature image and cannot be added as a photo.",
                    )
                missing_gps = keep_gps and meta.has_gps and "gps.jpg" not in meta.files
                if not missing_gps:
                    if not self.original_path(sha).is_file():
                        self._write_files(sha, {"orig": data})  # e.g. dropped, now offered again
                    return dataclasses.replace(meta, original_name=name, deduplicated=True)
            meta = self._derive_and_write(sha, data, keep_gps=keep_gps)
        return dataclasses.replace(meta, original_name=name)

    def put_png(self, data: bytes) -> StoredPhoto:
        """Store PNG bytes as they are (a signature rendered from strokes). Returns the entry."""
        if not data:
            raise decode.reject("empty", "图片是空的（0 字节）。请重新签名。", "The image is empty (0 bytes). Sign again.")
        if len(data) > MAX_PNG_BYTES:
            raise decode.reject("too_large", "签名图片太大。请重新签名。", "The signature image is too large. Sign again.")
        image = decode.open_untrusted(data, ("PNG",))
        try:
            if image.width * image.height > MAX_PNG_PIXELS:
                raise decode.reject(
                    "bomb", "签名图片尺寸异常。请重新签名。", "The signature image has an unusable size. Sign again."
                )
            try:
                image.load()
            except Exception as exc:
                raise decode.reject(
                    "damaged", "签名图片已损坏。请重新签名。", "The signature image is damaged. Sign again."
                ) from exc
            width, height = image.size
        finally:
            image.close()
        sha = sha256_hex(data)
        meta = StoredPhoto(
            sha256=sha, kind="png", format="PNG", size=len(data), width=width, height=height,
            original_width=width, original_height=height, thumb_width=width, thumb_height=height,
            files={"png": sha},
        )
        with self._lock(sha):
            if self.has(sha):
                return dataclasses.replace(self.metadata(sha), deduplicated=True)
            self._write_files(sha, {"png": data})
            self._write_files(sha, {"json": _json_bytes(meta)})
        return meta

    def put_original(self, sha256: str, data: bytes, *, kind: Kind = "photo", keep_gps: bool = False) -> StoredPhoto:
        """Receive an original by its hash (sync). The bytes must hash to sha256."""
        check_sha(sha256)
        actual = sha256_hex(data)
        if actual != sha256:
            raise HashMismatch(sha256, actual)
        return self.put_png(data) if kind == "png" else self.ingest(data, keep_gps=keep_gps)

    def put_received(self, sha256: str, data: bytes, *, kind: Kind = "photo", keep_gps: bool = False) -> StoredPhoto:
        """A blob that reached this tablet from the hub or a bundle: kept like put_original,
        and it travels on under its own hash (it already is what was shared)."""
        meta = self.put_original(sha256, data, kind=kind, keep_gps=keep_gps)
        if meta.kind != "photo" or meta.shared:
            return meta
        with self._lock(sha256):
            current = self.metadata(sha256)
            if not current.shared:
                current = dataclasses.replace(current, shared=sha256)
                self._write_files(sha256, {"json": _json_bytes(current)})
        return dataclasses.replace(current, original_name=meta.original_name, deduplicated=meta.deduplicated)

    def share(self, sha256: str) -> str:
        """The hash under which this photo leaves the tablet when its inspection does not keep
        GPS: the GPS-free derivative (registered as an entry of its own the first time), or the
        entry itself for a PNG, a received blob or a derivative. The original stays here."""
        meta = self.metadata(sha256)
        if meta.kind != "photo" or meta.derived_from:
            return sha256
        if meta.shared and (meta.shared == sha256 or self.has(meta.shared)):
            return meta.shared
        derivative = meta.files.get("jpg", "")
        if not _SHA.fullmatch(derivative) or derivative == sha256:
            return sha256
        with self._lock(derivative):
            if not self.has(derivative):
                self._write_alias(meta, derivative)
        with self._lock(sha256):
            current = self.metadata(sha256)
            if current.shared != derivative:
                self._write_files(sha256, {"json": _json_bytes(dataclasses.replace(current, shared=derivative))})
        return derivative

    def original_of(self, sha256: str) -> str:
        """The original this tablet holds for a shared derivative it made (else sha256)."""
        try:
            source = self.metadata(sha256).derived_from
        except (EvidenceMissing, ValueError):
            return sha256
        return source if source and self.has(source) else sha256

    def _write_alias(self, meta: StoredPhoto, derivative: str) -> None:
        """The derivative `meta.files['jpg']` as an entry: its bytes are its own original."""
        source, thumb = self._path(meta.sha256, "jpg"), self._path(meta.sha256, "thumb.jpg")
        actual = _hash_file(source)
        if actual != derivative:
            raise HashMismatch(derivative, actual)
        alias = StoredPhoto(
            sha256=derivative, kind="photo", format="JPEG", size=source.stat().st_size,
            width=meta.width, height=meta.height, original_width=meta.width, original_height=meta.height,
            thumb_width=meta.thumb_width, thumb_height=meta.thumb_height, captured_at=meta.captured_at,
            captured_at_exif=meta.captured_at_exif, make=meta.make, model=meta.model, has_gps=False,
            files={"jpg": derivative, "thumb.jpg": meta.files.get("thumb.jpg", "")},
            shared=derivative, derived_from=meta.sha256,
        )
        self._write_files(derivative, {"orig": source, "jpg": source, "thumb.jpg": thumb})
        self._write_files(derivative, {"json": _json_bytes(alias)})

    def drop_original(self, sha256: str) -> bool:
        """Free an original's space once the hub holds it (photos only). True if one was removed."""
        if self.kind(sha256) != "photo":
            return False
        try:
            self._path(sha256, "orig").unlink()
        except FileNotFoundError:
            return False
        _fsync_dir(self._path(sha256, "orig").parent)
        return True

    # ---- checking ---------------------------------------------------------------------------

    def verify(self, sha256: str) -> list[str]:
        """Re-hash every file of an entry. [] when all is well, else one line per problem."""
        check_sha(sha256)
        if not self.has(sha256):
            return ["missing: metadata (.json)"]
        problems = []
        meta = self.metadata(sha256)
        original = self.original_path(sha256)
        if original.is_file():
            if _hash_file(original) != sha256:
                problems.append(f"hash mismatch: {original.name}")
        elif meta.kind == "png":
            problems.append(f"missing: {original.name}")
        for suffix, expected in meta.files.items():
            path = self._path(sha256, suffix)
            if not path.is_file():
                problems.append(f"missing: {path.name}")
            elif suffix != "png" and _hash_file(path) != expected:
                problems.append(f"hash mismatch: {path.name}")
        return problems

    def verify_all(self) -> dict[str, list[str]]:
        """Only the entries with problems."""
        return {sha: p for sha in self.list_shas() if (p := self.verify(sha))}

    def clean_incomplete(self) -> int:
        """Remove temp files and files of entries whose metadata never got written (after a crash).

        Call at start-up, not while ingests run. Returns how many files were removed.
        """
        removed = 0
        if not self.root.is_dir():
            return 0
        for folder in self.root.iterdir():
            if not folder.is_dir():
                continue
            for path in folder.iterdir():
                sha = path.name.split(".")[0] if not path.name.startswith(".") else ""
                if path.name.endswith(".tmp") or (_SHA.fullmatch(sha) and not self.has(sha)):
                    path.unlink(missing_ok=True)
                    removed += 1
        return removed

    # ---- internals --------------------------------------------------------------------------

    def _derive_and_write(self, sha: str, data: bytes, *, keep_gps: bool) -> StoredPhoto:
        photo = decode.decode_photo(data)  # everything that can reject happens before any write
        meta = photo.meta
        stored = decode.encode_jpeg(
            photo.stored, quality=decode.STORED_QUALITY, exif=decode.output_exif(meta, keep_gps=False),
            icc_profile=photo.icc_profile,
        )
        thumb = decode.encode_jpeg(photo.thumb, quality=decode.THUMB_QUALITY, icc_profile=photo.icc_profile)
        files = {"orig": data, "jpg": stored, "thumb.jpg": thumb}
        has_gps = bool(meta.gps)
        # A keep_gps inspection that met these bytes before keeps its variant even if this one strips.
        previous = self.metadata(sha).files if self.has(sha) else {}
        if has_gps and (keep_gps or "gps.jpg" in previous):
            try:
                gps_exif = decode.output_exif(meta, keep_gps=True)
            except Exception:  # an unwritable GPS block: store without it rather than refuse
                gps_exif = b""
            if gps_exif:
                files["gps.jpg"] = decode.encode_jpeg(
                    photo.stored, quality=decode.STORED_QUALITY, exif=gps_exif, icc_profile=photo.icc_profile
                )
        result = StoredPhoto(
            sha256=sha,
            kind="photo",
            format=photo.format,
            size=len(data),
            width=photo.stored.width,
            height=photo.stored.height,
            original_width=photo.original_size[0],
            original_height=photo.original_size[1],
            thumb_width=photo.thumb.width,
            thumb_height=photo.thumb.height,
            captured_at=meta.captured_at,
            captured_at_exif=meta.datetime_original,
            make=meta.make,
            model=meta.model,
            has_gps=has_gps,
            files={suffix: sha256_hex(blob) for suffix, blob in files.items() if suffix != "orig"},
            shared=self.metadata(sha).shared if self.has(sha) else "",
        )
        self._write_files(sha, files)
        self._write_files(sha, {"json": _json_bytes(result)})
        return result

    def _write_files(self, sha: str, files: dict[str, bytes | Path]) -> None:
        """All-or-nothing as far as names go: temps first (fsynced), then os.replace each.
        A storage refusal (full disk …) is a StorageError in the user's language."""
        try:
            self._write_files_raw(sha, files)
        except OSError as exc:
            from inspect_app.store.errors import storage_error

            said = storage_error(exc, self._path(sha, "json"), ("照片", "the photo"))
            if said is None:
                raise
            raise said from exc

    def _write_files_raw(self, sha: str, files: dict[str, bytes | Path]) -> None:
        """All of an entry's files or none: each to a temp file (fsynced), then renamed. A Path
        gives an existing file's bytes: hard-linked where the file system allows, else copied."""
        folder = self._path(sha, "json").parent
        if not folder.is_dir():
            folder.mkdir(parents=True, exist_ok=True)
            _fsync_dir(folder.parent)
        token = secrets.token_hex(6)
        temps: list[tuple[Path, Path]] = []
        try:
            for suffix, blob in files.items():
                final = self._path(sha, suffix)
                temp = folder / f".{final.name}.{token}.tmp"
                temps.append((temp, final))
                if isinstance(blob, Path):
                    try:
                        os.link(blob, temp)
                        continue
                    except OSError:
                        blob = blob.read_bytes()
                with open(temp, "xb") as handle:
                    handle.write(blob)
                    handle.flush()
                    os.fsync(handle.fileno())
            for temp, final in temps:
                os.replace(temp, final)
        finally:
            for temp, _ in temps:
                temp.unlink(missing_ok=True)  # nothing left when a write or replace failed
            _fsync_dir(folder)

    def _lock(self, sha: str) -> threading.Lock:
        return self._locks[int(sha[:2], 16) % len(self._locks)]

    def _kind_or_photo(self, sha: str) -> Kind:
        return self.kind(sha) if self.has(sha) else "photo"

    def _read(self, path: Path, sha: str, what: str) -> bytes:
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise EvidenceMissing(sha, what) from None


def _json_bytes(meta: StoredPhoto) -> bytes:
    return json.dumps(meta.to_json(), ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")


def _hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems refuse fsync on a directory; the data files are synced already
    finally:
        os.close(fd)


__all__ = ["Kind", "PhotoRejected", "PhotoStore", "StoredPhoto", "check_sha", "sha256_hex"]
