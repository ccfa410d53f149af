"""Sign with pyHanko, validate with pyHanko's validator, detect a one-byte change."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from inspect_app.errors import UserError
from inspect_app.inspection import InspectionStatus
from inspect_app.report.builder import build_report
from inspect_app.report.signing import (
    SigningConfig, get_signer, load_pkcs12, local_signer, require_locked, sign_pdf,
)
from inspect_app.report.verify import verify_report
from tests.report.fixtures import synthetic_input


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build_report(synthetic_input(tmp_path_factory.mktemp("sig")))


@pytest.fixture
def data_dir(tmp_path):
    return tmp_path / "data"


def _pyhanko_status(pdf: bytes, trust: x509.Certificate):
    reader = PdfFileReader(io.BytesIO(pdf))
    root = asn1_x509.Certificate.load(trust.public_bytes(serialization.Encoding.DER))
    return validate_pdf_signature(reader.embedded_signatures[0], ValidationContext(trust_roots=[root]))


def test_first_use_creates_local_key_and_says_so(data_dir):
    first = local_signer(data_dir)
    assert first.created and "创建" in first.notice("zh") and "created" in first.notice("en")
    assert (data_dir / "signing" / "local-key.pem").stat().st_mode & 0o077 == 0
    second = get_signer(data_dir)
    assert not second.created and second.certificate == first.certificate


def test_signed_report_validates_with_pyhanko(built, data_dir):
    signer = get_signer(data_dir)
    signed = sign_pdf(built.pdf, signer, location="花溪区")
    status = _pyhanko_status(signed, signer.certificate)
    assert status.intact and status.valid and status.trusted
    assert status.bottom_line
    result = verify_report(signed, data_dir=data_dir)
    assert result.valid and result.trusted and result.content_sha256 == built.content_sha256
    assert result.report_id == built.report_id


@pytest.mark.parametrize("where", [0.25, 0.5, 0.75])
def test_one_byte_changed_after_signing_is_tampered(built, data_dir, where):
    signer = get_signer(data_dir)
    signed = bytearray(sign_pdf(built.pdf, signer))
    signed[int(len(signed) * where)] ^= 0x20
    result = verify_report(bytes(signed), data_dir=data_dir)
    assert not result.valid
    assert result.problems
    # pyHanko's own validator agrees
    try:
        status = _pyhanko_status(bytes(signed), signer.certificate)
        assert not (status.intact and status.valid)
    except Exception:  # noqa: BLE001 - unreadable is also a rejection
        pass


def test_appended_bytes_are_reported(built, data_dir):
    signed = sign_pdf(built.pdf, get_signer(data_dir)) + b"\n% appended after signing\n"
    result = verify_report(signed, data_dir=data_dir)
    assert not result.valid


def test_unsigned_draft_is_not_valid(tmp_path, data_dir):
    draft = build_report(synthetic_input(tmp_path, status=InspectionStatus.SIGNED))
    result = verify_report(draft.pdf, data_dir=data_dir)
    assert not result.valid and not result.signed and result.code == 1
    assert result.problem_codes == ["unsigned"]
    assert any("没有数字签名" in zh for zh, _ in result.problems)


def test_unsigned_final_report_reads_as_signature_removed(built, data_dir):
    """A locked revision's report is only ever handed out signed: without a signature it is a
    report whose signature was stripped, not a draft."""
    result = verify_report(built.pdf, data_dir=data_dir)
    assert not result.valid and not result.signed and result.code == 1
    assert "signature_removed" in result.problem_codes


def test_expected_hash_from_paper(built, data_dir):
    signed = sign_pdf(built.pdf, get_signer(data_dir))
    assert verify_report(signed, data_dir=data_dir, expected_hash=built.content_sha256).valid
    qr_text = f"JCR1;{built.report_id};SHA256:{built.content_sha256}"
    assert verify_report(signed, data_dir=data_dir, expected_hash=qr_text).expected_hash_matches
    wrong = verify_report(signed, data_dir=data_dir, expected_hash="0" * 64)
    assert not wrong.valid and wrong.expected_hash_matches is False


def test_other_devices_key_is_intact_but_not_trusted(built, tmp_path):
    other = local_signer(tmp_path / "other-device")
    signed = sign_pdf(built.pdf, other)
    result = verify_report(signed, data_dir=tmp_path / "this-device")
    # intact, but another device's self-signed key is not trusted here: exit 3, never "valid"
    assert result.intact and not result.trusted and not result.valid and result.code == 3
    assert result.problem_codes == ["untrusted"]
    assert any("信任" in zh for zh, _ in result.problems)


def _pkcs12(path: Path, passphrase: bytes) -> x509.Certificate:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "花溪区卫生健康局 报告签章")])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=30))
            .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
            .sign(key, hashes.SHA256()))
    path.write_bytes(pkcs12.serialize_key_and_certificates(
        b"bureau", key, cert, None, serialization.BestAvailableEncryption(passphrase)))
    return cert


def test_configured_pkcs12_signs(built, tmp_path):
    p12 = tmp_path / "bureau.p12"
    cert = _pkcs12(p12, "正确口令".encode())
    signer = get_signer(tmp_path / "data", SigningConfig(pkcs12=p12, passphrase="正确口令"))
    assert signer.source == "pkcs12" and signer.certificate == cert
    signed = sign_pdf(built.pdf, signer)
    status = _pyhanko_status(signed, cert)
    assert status.intact and status.valid and status.trusted
    assert not (tmp_path / "data" / "signing" / "local-key.pem").exists()


def test_wrong_passphrase_is_a_clear_bilingual_message(tmp_path):
    p12 = tmp_path / "bureau.p12"
    _pkcs12(p12, b"right")
    with pytest.raises(UserError) as caught:
        load_pkcs12(p12, "wrong")
    assert "密码不正确" in caught.value.zh and "Wrong passphrase" in caught.value.en


def test_signing_requires_a_locked_inspection(tmp_path):
    data = synthetic_input(tmp_path, status=InspectionStatus.SIGNED)
    with pytest.raises(UserError) as caught:
        require_locked(data.inspection)
    assert "锁定" in caught.value.zh and "locked" in caught.value.en
    require_locked(data.inspection.model_copy(update={"status": InspectionStatus.LOCKED}))
