"""Enrollment against the real hub process on 127.0.0.1: the hub makes its county root at first
start, a tablet that signs in makes its key, sends a CSR and gets a certificate naming the
inspector, the device and the county; its locked report is signed with it (chain embedded,
the hub's timestamps, DSS) and verifies with exit 0 on the hub's folder (CLI) and on the hub
pages' verdict; the hub's TSA speaks RFC 3161."""

from __future__ import annotations

import subprocess
import sys

import httpx
import pytest
from asn1crypto import tsp
from cryptography import x509
from cryptography.x509.oid import NameOID

from inspect_app import paths
from inspect_app.hub.service import Hub
from inspect_app.hub.web import signature_verdict
from inspect_app.report.verify import Outcome, verify_report
from inspect_app.trust import device as county_device
from inspect_app.trust.roots import hub_root
from inspect_app.trust.tsa import status_of
from tests.sync.hubproc import Tablet, add_users, start_hub
from tests.sync.scenario import start
from tests.sync.test_travel import sign_off


@pytest.fixture
def county_hub(tmp_path, monkeypatch):
    monkeypatch.setenv("JICENG_COUNTY", "花溪区")  # the county the root is made for at first start
    data = tmp_path / "hub"
    data.mkdir()
    add_users(data)
    proc = start_hub(data)
    yield proc
    proc.stop()


def _attr(cert: x509.Certificate, oid) -> str:
    return str(cert.subject.get_attributes_for_oid(oid)[0].value)


def test_sign_in_enrolls_and_the_report_verifies_on_the_hub(county_hub, standards, tmp_path):
    root = hub_root(county_hub.data)
    assert root is not None and "花溪区卫生健康局" in root.subject.rfc4514_string()  # made at first start
    assert (county_hub.data / "hub" / "trust.json").stat().st_mode & 0o077 == 0  # CA key: owner only

    tablet = Tablet(tmp_path / "tablet", standards)
    tablet.sign_in(county_hub, "wangfang")
    iid = start(tablet)
    sign_off(tablet, iid)
    report = tablet.sync()
    assert report.reports_signed == 1 and not report.messages, report

    enrolled = county_device.load(tablet.ws.data_dir)
    assert enrolled is not None and enrolled.hub_url == county_hub.url
    cert = enrolled.cert
    assert _attr(cert, NameOID.COMMON_NAME) == "王芳" and _attr(cert, NameOID.USER_ID) == "wangfang"
    assert tablet.engine.device in _attr(cert, NameOID.ORGANIZATIONAL_UNIT_NAME)
    assert _attr(cert, NameOID.LOCALITY_NAME) == "花溪区"
    cert.verify_directly_issued_by(root)
    # the key was made on the tablet and never sent: the hub's file holds no trace of it
    key_pem = (enrolled.folder / county_device.KEY_FILE).read_text()
    body = key_pem.split("-----")[2].strip().replace("\n", "")
    assert body[48:110] not in (county_hub.data / "hub" / "trust.json").read_text()  # past the common PKCS#8 header

    # the tablet's signed report: county certificate, hub timestamps, DSS
    [pdf_path] = list((tablet.ws.data_dir / "reports").glob("*.pdf"))
    pdf = pdf_path.read_bytes()
    on_hub = verify_report(pdf, data_dir=county_hub.data)
    assert on_hub.code is Outcome.VALID, on_hub.lines()
    assert on_hub.signer_info.trust == "county" and on_hub.timestamp and "时间戳服务" in on_hub.timestamp_by
    assert on_hub.document_timestamps == 1 and on_hub.dss_certificates >= 2 and on_hub.certified

    # the same verdict through the CLI on the hub's folder, and on the hub's pages
    cli = subprocess.run([sys.executable, str(paths.PROJECT_ROOT / "main.py"), "--data", str(county_hub.data),
                          "report", "verify", str(pdf_path)], capture_output=True, text=True, timeout=120,
                         cwd=paths.PROJECT_ROOT)
    assert cli.returncode == 0, cli.stdout + cli.stderr
    assert "王芳（wangfang）" in cli.stdout and "县级中心签发" in cli.stdout
    code, zh, en = signature_verdict(Hub(county_hub.data), iid, 1)
    assert code == 0 and zh.startswith("有效") and en.startswith("VALID")

    # a second sync with the same sign-in does not enroll again
    tablet.sync()
    assert county_device.load(tablet.ws.data_dir).cert == cert
    tablet.close()


def test_enrollment_is_for_inspectors_only(county_hub):
    from inspect_app.trust.device import make_csr, new_key

    csr = make_csr(new_key(), "dev-x")
    anonymous = httpx.post(f"{county_hub.url}/api/trust/enroll", json={"csr": csr})
    assert anonymous.status_code == 401
    bureau = httpx.post(f"{county_hub.url}/api/trust/enroll", json={"csr": csr},
                        headers={"Authorization": f"Bearer {county_hub.token('bureau')}"})
    assert bureau.status_code == 403
    forged = csr.replace(csr.splitlines()[3], "A" * len(csr.splitlines()[3]))  # a CSR whose signature fails
    bad = httpx.post(f"{county_hub.url}/api/trust/enroll", json={"csr": forged},
                     headers={"Authorization": f"Bearer {county_hub.token('wangfang')}"})
    assert bad.status_code == 400 and bad.json()["zh"]


def test_hub_answers_rfc3161(county_hub):
    import hashlib

    digest = hashlib.sha256(b"report bytes").digest()
    query = tsp.TimeStampReq({"version": "v1", "message_imprint": tsp.MessageImprint(
        {"hash_algorithm": {"algorithm": "sha256"}, "hashed_message": digest}), "nonce": 12345, "cert_req": True})
    r = httpx.post(f"{county_hub.url}/api/tsa", content=query.dump(),
                   headers={"Content-Type": "application/timestamp-query"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/timestamp-reply"
    answer = tsp.TimeStampResp.load(r.content)
    assert answer["status"]["status"].native == "granted"
    info = answer["time_stamp_token"]["content"]["encap_content_info"]["content"].parsed
    assert info["message_imprint"]["hashed_message"].native == digest and info["nonce"].native == 12345
    wrong_type = httpx.post(f"{county_hub.url}/api/tsa", content=query.dump())
    assert wrong_type.status_code == 415
    garbage = httpx.post(f"{county_hub.url}/api/tsa", content=b"not a request",
                         headers={"Content-Type": "application/timestamp-query"})
    assert status_of(garbage.content) == "rejection"  # RFC 3161: a refusal, not an error page
