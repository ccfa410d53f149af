"""What travels besides ratings, against a real hub process on 127.0.0.1: the signed PDF of a
locked revision (to the clinic and the bureau), clinic answers with photos back to the tablets,
the exact standard an inspection uses, and removals (signatures dropped by reopen, evidence
soft deletes)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import time
import zipfile

import httpx
import pytest

from inspect_app import services
from inspect_app.hub.accounts import Role
from inspect_app.inspection import TeamMember, TeamRole
from inspect_app.report.verify import verify_report
from inspect_app.sync.keys import signature_key_of as signature_key
from tests.store.helpers import make_standard, rated_items, write_standard
from tests.sync.hubproc import PASSWORD, Tablet
from tests.sync.photos import jpeg_bytes, png_bytes
from tests.sync.scenario import add_photos, auth, shared, start


def sign_off(tablet: Tablet, iid: str, *, lock: bool = True) -> None:
    """Rate everything (1.1.2 C-1 not met, with a suggestion), submit, both signatures, sign, lock."""
    std = services.standard_for(tablet.ws, services.get_inspection(tablet.ws, iid))
    for clause, code in rated_items(std):
        services.rate_item(tablet.ws, iid, clause, code, "not_met" if (clause, code) == ("1.1.2", "C-1") else "met")
    services.set_rectification(tablet.ws, iid, "1.1.2", "C-1", "补充制度文件")
    services.set_prerequisite(tablet.ws, iid, "P1", True)
    services.submit(tablet.ws, iid)
    services.add_signature(tablet.ws, iid, "王芳", TeamRole.LEADER, png_bytes())
    services.add_signature(tablet.ws, iid, "张院长", TeamRole.DIRECTOR, png_bytes())
    services.sign(tablet.ws, iid)
    if lock:
        services.lock(tablet.ws, iid)


def clinic_of(hub, tablet: Tablet, iid: str, username: str = "clinic1") -> str:
    center = services.get_inspection(tablet.ws, iid).center_id
    hub.accounts().add_user(username, PASSWORD, Role.CLINIC, "青山镇卫生院", center)
    return hub.token(username)


@pytest.fixture
def locked(tmp_path, hub, standards):
    """A tablet that locked an inspection and synced; the clinic's token."""
    a = Tablet(tmp_path / "a", standards)
    a.sign_in(hub, "wangfang")
    iid = start(a)
    sign_off(a, iid)
    report = a.sync()
    assert report.reports_signed == 1 and not report.messages, report
    yield a, iid, clinic_of(hub, a, iid)
    a.close()


def test_locked_revision_sends_its_signed_pdf_once_and_the_clinic_downloads_a_valid_file(hub, locked):
    a, iid, clinic = locked
    [pdf] = list((a.ws.data_dir / "reports").glob("*.pdf"))  # the report engineer's signed file
    r = httpx.get(f"{hub.url}/api/reports/{iid}/pdf", headers={"Authorization": f"Bearer {clinic}"}, timeout=60)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.content == pdf.read_bytes()
    check = verify_report(r.content, data_dir=a.ws.data_dir)  # pyHanko validation, and the tablet's key
    assert check.valid and check.intact and check.covers_whole_file and check.trusted, check.problems
    assert check.report_id == pdf.stem
    assert httpx.get(f"{hub.url}/api/reports/{iid}", headers={"Authorization": f"Bearer {clinic}"}).json()["pdf"]
    again = a.sync()  # signed once per revision: nothing new to sign or send
    assert (again.reports_signed, again.photos_sent, again.pushed) == (0, 0, 0)
    assert len(list((a.ws.data_dir / "reports").glob("*.pdf"))) == 1


def test_a_report_op_naming_another_inspections_pdf_is_refused(hub, locked):
    a, iid, _ = locked
    [op] = [o for o in a.engine.ops(iid) if o.key == "report/1"]
    token = hub.token("wangfang")
    other = {"device": "dev-other", "seq": 1, "inspection_id": "other1", "revision": 1, "key": "report/1",
             "value": op.value}
    r = httpx.post(f"{hub.url}/api/sync/push", headers={"Authorization": f"Bearer {token}"},
                   json={"device": "dev-other", "ops": [other]})
    # refused by the door: other1 has no signed revision 1 (not_signed), and its PDF is not other1's
    assert r.status_code == 409 and [x["code"] for x in r.json()["rejected"]] in (["bad_report"], ["not_signed"])


def test_bureau_export_is_the_report_engineers_bundle(hub, locked):
    a, iid, _ = locked
    [pdf] = list((a.ws.data_dir / "reports").glob("*.pdf"))
    r = httpx.get(f"{hub.url}/api/bureau/export", headers=auth(hub, "bureau"), timeout=120)
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    assert r.headers["x-reports-missing"] == ""
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        assert sorted(zf.namelist()) == sorted(["manifest.csv", "manifest.json", "manifest.xlsx", pdf.name])
        assert zf.read(pdf.name) == pdf.read_bytes()
        [row] = json.loads(zf.read("manifest.json"))["reports"]
        [csv_row] = list(csv.DictReader(io.StringIO(zf.read("manifest.csv").decode("utf-8-sig"))))
    assert row["inspection_id"] == iid and row["revision"] == 1 and row["file"] == pdf.name
    # manifest.csv has Chinese headers; a code that looks like a number is written ="…" (text in Excel)
    csv_sha = csv_row["文件SHA-256"].removeprefix('="').removesuffix('"')
    assert row["sha256"] == hashlib.sha256(pdf.read_bytes()).hexdigest() == csv_sha
    assert row["center"] == "青山镇卫生院" and row["D"] >= 0
    # The hub removes its temporary export folder in a task that runs after the response is
    # sent, so give it a moment rather than racing it.
    leftovers = lambda: list((hub.data / "hub" / "exports").glob("*/*"))  # noqa: E731
    deadline = time.monotonic() + 10
    while leftovers() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not leftovers()
    assert httpx.get(f"{hub.url}/api/bureau/export", headers=auth(hub, "wangfang")).status_code == 403


def test_clinic_answer_with_photos_reaches_the_inspectors_tablets(tmp_path, hub, standards, locked):
    a, iid, clinic = locked
    h = {"Authorization": f"Bearer {clinic}"}
    photo = jpeg_bytes(60, seed=7)
    up = httpx.post(f"{hub.url}/api/reports/{iid}/photos", params={"name": "整改后.jpg"}, content=photo, headers=h)
    assert up.status_code == 200, up.text
    sha = up.json()["sha256"]
    # the hub keeps (and sends) the GPS-free derivative, named by its own hash: not the phone's original
    assert sha != hashlib.sha256(photo).hexdigest()
    bad = httpx.post(f"{hub.url}/api/reports/{iid}/photos", params={"name": "x.jpg"}, content=b"not a photo", headers=h)
    assert bad.status_code == 400 and bad.json()["zh"]  # PhotoRejected, in words
    assert httpx.post(f"{hub.url}/api/reports/{iid}/photos", content=photo,
                      headers=auth(hub, "wangfang")).status_code == 403  # clinics only
    r = httpx.post(f"{hub.url}/api/reports/{iid}/responses", headers=h,
                   json={"clause": "1.1.2", "item": "C-1", "plan": "已补充制度文件", "due": "2026-04-30", "photos": [sha]})
    assert r.status_code == 200, r.text
    b = Tablet(tmp_path / "b", standards)
    b.sign_in(hub, "liming")
    for tablet in (a, b):
        tablet.sync()
        answer = tablet.engine.responses(iid)[("1.1.2", "C-1")]
        assert answer["plan"] == "已补充制度文件" and answer["photos"] == [sha]
        assert hashlib.sha256(tablet.ws.photos.original_bytes(sha)).hexdigest() == sha  # re-verified by its hash
        assert tablet.ws.photos.thumbnail_path(sha).is_file()
    b.close()


BUREAU_STANDARD = make_standard().model_copy(update={"id": "qingshan-2025", "title": "青山县自订评价标准",
                                                      "edition": "2025 县版"})


def test_a_bureau_edition_travels_with_the_inspection_and_is_scored_on_the_hub(tmp_path, hub, standards):
    own = tmp_path / "bureau-standards"
    write_standard(own, BUREAU_STANDARD)
    assert not (hub.data / "standards" / "qingshan-2025.json").exists()
    a = Tablet(tmp_path / "a", own)
    a.sign_in(hub, "wangfang")
    center = services.add_center(a.ws, "青山镇卫生院", actor="王芳", county="青山县")
    team = [TeamMember(name="王芳", role=TeamRole.LEADER), TeamMember(name="李明")]
    iid = services.start_inspection(a.ws, center.id, "qingshan-2025", team, inspector="王芳").id
    services.rate_item(a.ws, iid, "1.1.1", "C-1", "not_met")
    services.set_rectification(a.ws, iid, "1.1.1", "C-1", "建立台账")
    a.sync()
    [copy] = [p for p in (a.ws.data_dir / "standards").glob("*.json")]
    sha = hashlib.sha256(copy.read_bytes()).hexdigest()
    assert hub.read_blob(sha) == copy.read_bytes()
    view = httpx.get(f"{hub.url}/api/reports/{iid}", headers=auth(hub, "bureau")).json()
    assert not view["verdict"]["name"].startswith("无法评分"), view["verdict"]
    assert [(d["clause"], d["item"], d["suggestion"]) for d in view["deficiencies"]] == [("1.1.1", "C-1", "建立台账")]
    [row] = httpx.get(f"{hub.url}/api/bureau/centers", headers=auth(hub, "bureau")).json()
    assert row["verdict"] and row["below_c"] == 1
    # a teammate whose tablet never had this edition gets it too, checked, and can rate with it
    b = Tablet(tmp_path / "b", standards)
    b.sign_in(hub, "liming")
    assert b.sync().standards_fetched == 1
    services.rate_item(b.ws, iid, "1.1.3", "C-1", "met", actor="李明")
    assert services.standard_for(b.ws, services.get_inspection(b.ws, iid)).title == "青山县自订评价标准"
    b.close()
    # a file that is not the edition it claims is refused on arrival
    forged = BUREAU_STANDARD.model_copy(update={"title": "改过的标准"}).model_dump_json().encode()
    fsha = hashlib.sha256(forged).hexdigest()
    h = auth(hub, "wangfang")
    assert httpx.put(f"{hub.url}/api/blobs/{fsha}", params={"offset": 0, "total": len(forged)}, content=forged,
                     headers=h).json()["verified"]
    version = services.get_inspection(a.ws, iid).standard_version
    op = {"device": "dev-forger", "seq": 1, "inspection_id": iid, "revision": 1, "key": "standard",
          "value": {"sha256": fsha, "id": "qingshan-2025", "version": version, "file": "x.json"}}
    r = httpx.post(f"{hub.url}/api/sync/push", headers=h, json={"device": "dev-forger", "ops": [op]})
    assert [x["code"] for x in r.json()["rejected"]] == ["bad_standard"]
    a.close()


def test_signatures_dropped_by_reopen_and_evidence_soft_deletes_reach_hub_and_teammates(tmp_path, hub, standards):
    a = Tablet(tmp_path / "a", standards)
    b = Tablet(tmp_path / "b", standards)
    a.sign_in(hub, "wangfang")
    b.sign_in(hub, "liming")
    iid = start(a)
    [photo] = shared(a, add_photos(a, iid, 1, 40))
    a.sync()
    b.sync()
    std = services.standard_for(a.ws, services.get_inspection(a.ws, iid))
    for clause, code in rated_items(std):
        services.rate_item(a.ws, iid, clause, code, "met")
    services.set_prerequisite(a.ws, iid, "P1", True)
    services.submit(a.ws, iid)
    services.add_signature(a.ws, iid, "王芳", TeamRole.LEADER, png_bytes())
    services.add_signature(a.ws, iid, "张院长", TeamRole.DIRECTOR, png_bytes())
    a.sync()
    b.sync()
    keys = sorted(signature_key(s.model_dump(mode="json")) for s in services.snapshot(a.ws, iid).signatures)
    state = lambda: httpx.get(f"{hub.url}/api/inspections/{iid}/state", headers=auth(hub, "bureau")).json()  # noqa: E731
    assert all(isinstance(state()["values"][k], dict) for k in keys)
    assert len(services.snapshot(b.ws, iid).signatures) == 2

    services.reopen(a.ws, iid, "补充现场照片")
    [evidence] = services.snapshot(a.ws, iid).live_evidence
    services.remove_evidence(a.ws, iid, evidence.id, "拍错了科室")
    a.sync()
    values = state()["values"]
    assert [values[k] for k in keys] == [None, None]  # removed on the hub, as changes
    assert values[f"evidence/{evidence.id}"]["deleted"] is True
    assert values[f"evidence/{evidence.id}"]["deleted_reason"] == "拍错了科室"
    assert photo in hub.blob_shas()  # the photo itself is never deleted
    b.sync()
    snap = services.snapshot(b.ws, iid)
    assert snap.signatures == [] and snap.inspection.status.value == "draft"
    assert [e.deleted for e in snap.evidence] == [True] and b.ws.photos.has(photo)
    assert b.sync().pushed == 0 and a.sync().pulled == 0  # nothing echoes back
    a.close()
    b.close()
