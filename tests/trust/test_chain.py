"""The county chain in pieces: root, CSR checks, issued names, PKCS#12 import on the hub's
storage, the TSA's tokens, offline signing and the local self-signed key."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from pypdf import PdfReader

from inspect_app.errors import UserError
from inspect_app.hub.storage import HubFiles
from inspect_app.hub.trust_routes import HubTrust
from inspect_app.report.builder import build_report
from inspect_app.report.signing import county_signer, get_signer, local_signer, sign_report
from inspect_app.report.verify import Outcome, verify_report
from inspect_app.trust import ca, device
from inspect_app.trust.ca import fingerprint
from inspect_app.trust.roots import TrustRoot, hub_root, known_roots
from tests.report.fixtures import synthetic_input
from tests.trust.county import make_county


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build_report(synthetic_input(tmp_path_factory.mktemp("chain")))


def test_root_is_a_ca_and_issues_names_from_the_hub_not_the_csr():
    root = ca.new_root("花溪区")
    assert root.cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    key = device.new_key()
    csr = ca.check_csr(device.make_csr(key, "claims-to-be-someone-else"))
    cert = ca.issue_device_certificate(root, csr, inspector="李明", username="liming", device="dev-7")
    cn = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    assert cn == "李明" and "claims" not in cert.subject.rfc4514_string()
    assert cert.public_key().public_numbers() == key.public_key().public_numbers()
    cert.verify_directly_issued_by(root.cert)
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca


def test_weak_or_forged_csr_is_refused():
    with pytest.raises(UserError):
        ca.check_csr("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n")
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    with pytest.raises(UserError) as caught:
        ca.check_csr(device.make_csr(weak, "dev"))
    assert "RSA 2048" in caught.value.zh


def _ca_pkcs12(passphrase: bytes, *, is_ca: bool = True) -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.LOCALITY_NAME, "青山县"),
                      x509.NameAttribute(NameOID.COMMON_NAME, "青山县卫生健康局 CA")])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    return pkcs12.serialize_key_and_certificates(b"ca", key, cert, None,
                                                 serialization.BestAvailableEncryption(passphrase))


def test_hub_imports_a_real_ca_and_keeps_the_root_it_made(tmp_path):
    trust = HubTrust(HubFiles(tmp_path))
    made = trust.ensure("青山县").root
    assert (tmp_path / "hub" / "trust.json").stat().st_mode & 0o077 == 0
    with pytest.raises(UserError) as wrong:
        trust.import_pkcs12(_ca_pkcs12(b"right"), "wrong")
    assert "密码不正确" in wrong.value.zh
    with pytest.raises(UserError) as not_ca:
        trust.import_pkcs12(_ca_pkcs12(b"pw", is_ca=False), "pw")
    assert "不是 CA 证书" in not_ca.value.zh
    imported = trust.import_pkcs12(_ca_pkcs12(b"pw"), "pw")
    assert imported.county == "青山县" and imported.root != made
    again = HubTrust(HubFiles(tmp_path))  # read back from the hub's storage
    assert again.authority.root == imported.root and made in again.roots()
    assert hub_root(tmp_path) == imported.root  # what `report verify --data` on the hub trusts ...
    assert {r.sha256 for r in known_roots(tmp_path)} >= {fingerprint(imported.root), fingerprint(made)}  # ... and the old
    tsa_key, tsa_cert, chain = again.tsa_identity()
    tsa_cert.verify_directly_issued_by(imported.cert)


def test_signing_offline_says_no_timestamp_and_still_verifies(built, tmp_path):
    county = make_county()
    county.enroll(tmp_path / "tablet", tsa_url="http://127.0.0.1:9/api/tsa")  # nothing listens there
    signed = sign_report(built.pdf, county_signer(tmp_path / "tablet"), stamp=built.stamp)
    assert not signed.timestamped and signed.validation_data
    assert any("未加时间戳" in zh for zh, _ in signed.notes)
    result = verify_report(signed.pdf, roots=[TrustRoot(county.authority.root, "county")])
    assert result.code is Outcome.VALID and not result.timestamp and result.dss_certificates >= 2
    assert any("无时间戳" in zh for zh, _ in result.notes)


def test_a_tablet_that_never_met_a_hub_says_self_signed(built, tmp_path):
    data = tmp_path / "lonely"
    signer = get_signer(data)
    assert signer.source == "local" and "本机自签" in signer.notice("zh")
    signed = sign_report(built.pdf, signer, stamp=built.stamp)
    assert not signed.timestamped and any("本机自签" in zh for zh, _ in signed.notes)
    stamp_page = PdfReader(io.BytesIO(signed.pdf)).pages[built.stamp.page]
    widgets = [a.get_object() for a in stamp_page.get("/Annots", []) if a.get_object().get("/FT") == "/Sig"]
    assert widgets, "the visible signature sits on the signatures page"
    here = verify_report(signed.pdf, data_dir=data)
    assert here.code is Outcome.VALID and here.signer_info.trust == "local"
    assert "本机自签" in "\n".join(here.lines())
    assert verify_report(signed.pdf, data_dir=tmp_path / "bureau").code is Outcome.UNTRUSTED


def test_enrolled_identity_outranks_the_local_key_and_a_half_written_one_is_ignored(tmp_path):
    county = make_county()
    local_signer(tmp_path)  # made before the tablet met the hub
    county.enroll(tmp_path, tsa_url="")
    assert get_signer(tmp_path).source == "county"
    (tmp_path / "signing" / device.CERT_FILE).write_text("garbage")
    assert device.load(tmp_path) is None and get_signer(tmp_path).source == "local"


def test_hub_ca_commands(tmp_path):
    import subprocess
    import sys

    from inspect_app import paths

    p12 = tmp_path / "ca.p12"
    p12.write_bytes(_ca_pkcs12(b"pw"))
    run = lambda *a: subprocess.run([sys.executable, str(paths.PROJECT_ROOT / "main.py"), "--data",  # noqa: E731
                                     str(tmp_path / "hub"), "hub", "ca", *a], capture_output=True, text=True,
                                    timeout=120, cwd=paths.PROJECT_ROOT)
    assert run("show").returncode == 1  # none yet
    imported = run("import", str(p12), "--passphrase", "pw", "--county", "青山县")
    assert imported.returncode == 0, imported.stdout + imported.stderr
    assert "青山县" in imported.stdout and "imported" in imported.stdout
    wrong = run("import", str(p12), "--passphrase", "nope")
    assert wrong.returncode == 2 and "密码不正确" in wrong.stdout
    out = tmp_path / "root.pem"
    assert run("export-root", str(out)).returncode == 0
    assert x509.load_pem_x509_certificate(out.read_bytes()) == hub_root(tmp_path / "hub")
