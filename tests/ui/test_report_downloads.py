"""The app's report actions without a browser: GPS policy of photo uploads, the signed report of
a locked inspection, the export for the bureau, and which files the download routes may serve.
Real workspace on disk, real signing and verification; HTTP is covered by the browser flow test."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime

import pytest
from PIL import Image

from inspect_app import services
from inspect_app.errors import UserError
from inspect_app.inspection import TeamRole
from inspect_app.report.verify import verify_report
from inspect_app.ui import reports
from inspect_app.ui.components.photos import add_upload
from tests.evidence import evidence_photos
from tests.store.helpers import make_standard, rated_items, started


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGBA", (120, 40), (0, 0, 0, 255)).save(buf, "PNG")
    return buf.getvalue()


def _locked(ws, center_name: str = "青山镇卫生院") -> str:
    iid = started(ws, center_name)
    for clause, code in rated_items(make_standard()):
        services.rate_item(ws, iid, clause, code, "met")
    services.set_prerequisite(ws, iid, "P1", True)
    services.submit(ws, iid)
    services.add_signature(ws, iid, "王芳", TeamRole.LEADER, _png())
    services.add_signature(ws, iid, "赵院长", TeamRole.DIRECTOR, _png())
    services.sign(ws, iid)
    services.lock(ws, iid)
    return iid


def _gps(path) -> dict:
    with Image.open(path) as image:
        return dict(image.getexif().get_ifd(evidence_photos.GPS_IFD))


# -- photos: the upload ingest follows the inspection's GPS policy -----------------------------

def test_upload_ingest_keeps_gps_only_for_a_keep_gps_inspection(ws, tmp_path):
    center = services.add_center(ws, "青山镇卫生院", actor="王芳")
    keep = services.start_inspection(ws, center.id, "test-std", ["王芳"], "王芳", keep_gps=True).id
    plain = services.start_inspection(ws, center.id, "test-std", ["王芳"], "王芳").id
    upload = tmp_path / "a.upload"

    upload.write_bytes(evidence_photos.jpeg(gps=True))
    kept = add_upload(ws, keep, upload, "门诊.jpg")  # services.add_photo: stored and attached
    assert not upload.exists()  # the temporary upload is always removed
    assert _gps(ws.photos.stored_path(kept.sha256, keep_gps=True))[1] == "N"
    assert _gps(ws.photos.stored_path(kept.sha256)) == {}

    upload.write_bytes(evidence_photos.jpeg(gps=True, taken="2024:07:01 08:00:00"))
    stripped = add_upload(ws, plain, upload, "药房.jpg")
    assert [e.sha256 for e in services.snapshot(ws, plain).live_evidence] == [stripped.sha256]
    assert _gps(ws.photos.stored_path(stripped.sha256, keep_gps=True)) == {}  # … no derivative keeps it


# -- the signed report on the sign screen -----------------------------------------------------

def test_signed_report_of_a_locked_inspection_is_a_valid_pdf_served_by_name(ws):
    iid = _locked(ws)
    inspection = services.get_inspection(ws, iid)
    assert reports.existing_report(ws, inspection) is None
    made = reports.make_signed_report(ws, iid)
    assert made.created and made.notice[0] and made.notice[1]  # the local key was created: said so
    assert made.url == f"/reports/{made.path.name}"
    assert reports.report_file(ws.data_dir, made.path.name) == made.path
    raw = made.path.read_bytes()
    assert raw.startswith(b"%PDF")
    assert verify_report(raw, data_dir=ws.data_dir).valid
    again = reports.make_signed_report(ws, iid)
    assert not again.created and again.path == made.path
    assert reports.existing_report(ws, inspection) == made.path


def test_signed_report_refuses_an_unlocked_inspection_and_says_a_key_problem(ws):
    draft = started(ws)
    with pytest.raises(UserError) as err:
        reports.make_signed_report(ws, draft)
    assert "锁定" in err.value.zh and "locked" in err.value.en
    iid = _locked(ws, "另一中心")
    signing = ws.data_dir / "signing"
    signing.mkdir(parents=True, exist_ok=True)
    (signing / "config.json").write_text(json.dumps({"pkcs12": "missing.p12", "passphrase": "x"}))
    with pytest.raises(UserError) as err:
        reports.make_signed_report(ws, iid)
    assert "证书" in err.value.zh and "certificate" in err.value.en


# -- export for the bureau --------------------------------------------------------------------

def test_export_needs_something_locked(ws):
    started(ws)
    with pytest.raises(UserError) as err:
        reports.export_for_bureau(ws)
    assert err.value is reports.NOTHING_LOCKED and err.value.en
    with pytest.raises(UserError):
        reports.export_for_bureau(ws, [])
    assert not list((ws.data_dir / reports.EXPORTS).glob("*/*"))  # nothing half-made left


def test_export_all_or_ticked_into_a_timestamped_folder_with_a_zip(ws):
    one, two = _locked(ws, "甲中心"), _locked(ws, "乙中心")
    draft = started(ws, "丙中心")
    now = datetime(2024, 6, 1, 9, 30, 0)
    everything = reports.export_for_bureau(ws, now=now)
    assert everything.folder == ws.data_dir / "exports" / "20240601-093000"
    assert everything.count == 2 and everything.url == "/exports/20240601-093000/jiceng-reports.zip"
    with zipfile.ZipFile(everything.folder / "jiceng-reports.zip") as zf:
        names = zf.namelist()
    assert "manifest.csv" in names and "manifest.json" in names and sum(n.endswith(".pdf") for n in names) == 2

    ticked = reports.export_for_bureau(ws, [one, draft], now=now)  # same second: a new folder
    assert ticked.folder.name == "20240601-093000-1" and ticked.count == 1
    assert [s[0] for s in ticked.skipped] == [draft]
    assert reports.export_file(ws.data_dir, ticked.folder.name, "jiceng-reports.zip") == ticked.folder / "jiceng-reports.zip"
    assert reports.export_file(ws.data_dir, ticked.folder.name, "manifest.csv") is not None
    assert two  # exported in the first bundle only


# -- what the download routes may serve --------------------------------------------------------

@pytest.mark.parametrize("name", ["../signing/local-key.pem", "..%2Fsigning%2Flocal-key.pem", "local-key.pem",
                                  "JCR-20240601-ABCDEF-R1.pdf/../x", "jcr-20240601-abcdef-r1.pdf", ""])
def test_report_route_serves_only_report_files(ws, name):
    assert reports.report_file(ws.data_dir, name) is None


def test_report_route_ignores_a_link_out_of_the_reports_folder(ws, tmp_path):
    folder = ws.data_dir / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    secret = tmp_path / "secret.pdf"
    secret.write_bytes(b"%PDF secret")
    (folder / "JCR-20240601-ABCDEF-R1.pdf").symlink_to(secret)
    assert reports.report_file(ws.data_dir, "JCR-20240601-ABCDEF-R1.pdf") is None


@pytest.mark.parametrize("stamp,name", [("..", "hub_account.json"), ("20240601-093000", "../../hub_account.json"),
                                        ("20240601-093000", ".jiceng-reports.zip.tmp"), ("x", "jiceng-reports.zip"),
                                        ("20240601-093000", "missing.zip")])
def test_export_route_serves_only_files_of_an_export(ws, stamp, name):
    (ws.data_dir / "exports" / "20240601-093000").mkdir(parents=True)
    (ws.data_dir / "exports" / "20240601-093000" / ".jiceng-reports.zip.tmp").write_bytes(b"partial")
    (ws.data_dir / "hub_account.json").write_text("{}")
    assert reports.export_file(ws.data_dir, stamp, name) is None
