"""GPS travels in originals (issue 11), tablet to hub to tablet: unless the inspection keeps GPS,
what a tablet uploads and what the hub and the other tablets hold is the GPS-free derivative
(upright, minimal EXIF), named by its own SHA-256; the original stays on the tablet that took
it. Checked on real files: every byte the hub stores and every file of a second tablet is
parsed for an EXIF GPS block, and searched for the original's EXIF bytes."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from PIL import Image

from inspect_app import services
from inspect_app.inspection import TeamMember, TeamRole
from tests.evidence.evidence_photos import jpeg
from tests.sync.hubproc import Tablet

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def gps_of(data: bytes) -> dict:
    """The EXIF GPS block of any image these bytes are ({} for none, or not an image)."""
    try:
        with Image.open(io.BytesIO(data)) as im:
            return dict(im.getexif().get_ifd(GPS_IFD))
    except Exception:  # noqa: BLE001 - not an image (ops, JSON, PDFs): no EXIF to carry GPS
        return {}


def exif_segment(data: bytes) -> bytes:
    """The original's APP1 Exif payload, which holds its GPS IFD."""
    start = data.index(b"Exif\x00\x00")
    length = int.from_bytes(data[start - 2:start], "big")
    return data[start:start - 2 + length]


def stored_on_hub(hub) -> dict[str, bytes]:
    """Every blob of the hub's blob store (folder or S3) and every file under its data folder."""
    out = {f"blob:{sha}": hub.read_blob(sha) for sha in hub.blob_shas()}
    out |= {str(p): p.read_bytes() for p in Path(hub.data).rglob("*") if p.is_file() and not p.name.endswith(".log")}
    return out


def files_of(root: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def start(tablet: Tablet, *, keep_gps: bool, name: str = "青山镇卫生院") -> str:
    center = services.add_center(tablet.ws, name, actor="王芳", county="青山县")
    team = [TeamMember(name="王芳", role=TeamRole.LEADER), TeamMember(name="李明")]
    return services.start_inspection(tablet.ws, center.id, "test-std", team, inspector="王芳", keep_gps=keep_gps).id


def take(tablet: Tablet, iid: str, data: bytes) -> str:
    photo = services.ingest_photo(tablet.ws, iid, data, "IMG_0001.jpg")
    services.attach_evidence(tablet.ws, iid, photo, clause_number="1.1.1")
    return photo.sha256


def evidence_shas(hub, iid: str) -> set[str]:
    return {v["value"]["sha256"] for v in hub.ops_of(iid).values()
            if v["key"].startswith("evidence/") and isinstance(v["value"], dict)}


def test_photos_travel_without_gps_unless_the_inspection_keeps_it(tmp_path, hub, standards):
    a, b = Tablet(tmp_path / "a", standards), Tablet(tmp_path / "b", standards)
    a.sign_in(hub, "wangfang")
    b.sign_in(hub, "liming")
    plain = jpeg(900, 600, gps=True, orientation=6)  # a camera held sideways: rotated on the way
    located = jpeg(640, 480, gps=True, taken="2024:07:08 09:10:11")
    assert gps_of(plain) and gps_of(located)
    iid = start(a, keep_gps=False)
    kept_iid = start(a, keep_gps=True, name="绿水社区卫生服务中心")
    original = take(a, iid, plain)
    kept = take(a, kept_iid, located)
    a.sync()
    b.sync()

    # The hub's ops name the derivative, not the original; the keep_gps inspection names its original.
    [shared] = evidence_shas(hub, iid)
    assert shared != original and evidence_shas(hub, kept_iid) == {kept}
    held = hub.blob_shas()
    assert shared in held and kept in held and original not in held
    derivative = hub.read_blob(shared)
    assert hashlib.sha256(derivative).hexdigest() == shared
    with Image.open(io.BytesIO(derivative)) as im:
        assert im.size == (600, 900)  # orientation applied
        assert ORIENTATION not in im.getexif() and not im.getexif().get_ifd(GPS_IFD)
        assert im.getexif().get(0x010F) == "Apple"  # the minimal EXIF stays: make, model, time

    # Nothing the hub stores carries GPS, apart from the photo of the inspection that keeps it.
    segment = exif_segment(plain)
    with_gps = {name for name, data in stored_on_hub(hub).items() if gps_of(data)}
    assert with_gps and all(hashlib.sha256(stored_on_hub(hub)[n]).hexdigest() == kept for n in with_gps), with_gps
    assert not any(segment in data for data in stored_on_hub(hub).values())

    # The second tablet holds the derivative only, and the kept photo with its GPS.
    b_files = files_of(tmp_path / "b")
    assert not any(segment in data for data in b_files.values())
    b_gps = {name for name, data in b_files.items() if gps_of(data)}
    assert b_gps and all(Path(n).name.startswith(kept) for n in b_gps), b_gps
    assert b.ws.photos.has(shared) and not b.ws.photos.has(original)
    [record] = services.snapshot(b.ws, iid).evidence
    assert record.sha256 == shared and b.ws.photos.stored_bytes(shared)[:3] == b"\xff\xd8\xff"
    [record] = services.snapshot(b.ws, kept_iid).evidence
    assert record.sha256 == kept and gps_of(b.ws.photos.stored_bytes(kept, keep_gps=True))

    # The original stays on the tablet that took it, and its own record still names it.
    assert a.ws.photos.has_original(original) and gps_of(a.ws.photos.original_bytes(original))
    [record] = services.snapshot(a.ws, iid).evidence
    assert record.sha256 == original
    assert a.ws.photos.original_of(shared) == original

    # A change to that evidence from the other tablet comes back to the original here.
    services.remove_evidence(b.ws, iid, record.id, "拍错了", actor="李明")
    b.sync()
    a.sync()
    [record] = services.snapshot(a.ws, iid).evidence
    assert record.deleted and record.sha256 == original
    assert evidence_shas(hub, iid) == {shared}  # and nothing went up under the original's hash
    assert original not in hub.blob_shas()
    a.close()
    b.close()


def test_a_photo_shared_under_its_original_keeps_working(tmp_path, hub, standards, monkeypatch):
    """Photos already in an inspection (sent before the derivative rule) keep their hash: no new
    op, the hub keeps serving them to the team, a second tablet still receives them."""
    a, b = Tablet(tmp_path / "a", standards), Tablet(tmp_path / "b", standards)
    a.sign_in(hub, "wangfang")
    b.sign_in(hub, "liming")
    iid = start(a, keep_gps=False)
    original = take(a, iid, jpeg(700, 500, gps=True))
    with monkeypatch.context() as m:  # the tablet as it synced before: the original's hash
        m.setattr(a.ws.photos, "share", lambda sha: sha)
        a.sync()
    assert evidence_shas(hub, iid) == {original} and original in hub.blob_shas()
    ops_before = len(hub.ops_of(iid))
    a.sync()
    b.sync()
    assert len(hub.ops_of(iid)) == ops_before and evidence_shas(hub, iid) == {original}
    assert b.ws.photos.has(original)
    [record] = services.snapshot(b.ws, iid).evidence
    assert record.sha256 == original
    a.close()
    b.close()
