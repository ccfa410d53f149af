"""No forgery verifies (issue 10): each forged report is built for real and refused, each with its
own message; a genuine county-signed report (certified, stamp, hub timestamps, DSS) verifies
with exit 0 through the CLI, and pyHanko's own validator accepts it against the county root."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.signers.pdf_signer import PdfSignatureMetadata
from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
from pyhanko_certvalidator import ValidationContext

from inspect_app import paths
from inspect_app.report.builder import build_report
from inspect_app.report.signing import county_signer, local_signer, sign_report
from inspect_app.report.verify import PROBLEMS, Outcome, verify_report
from inspect_app.trust.ca import cert_pem, fingerprint
from inspect_app.trust.roots import TrustRoot
from tests.report.fixtures import synthetic_input
from tests.trust.county import TsaServer, make_county


@pytest.fixture(scope="module")
def county():
    c = make_county()
    server = TsaServer(c)
    yield c
    server.stop()


@pytest.fixture(scope="module")
def world(tmp_path_factory, county):
    """A genuine report signed on an enrolled tablet, and a hub-like folder trusting the root."""
    root = tmp_path_factory.mktemp("forgery")
    tablet = root / "tablet"
    county.enroll(tablet)
    built = build_report(synthetic_input(root / "src"))
    signed = sign_report(built.pdf, county_signer(tablet), stamp=built.stamp, location="花溪区")
    assert signed.timestamped and signed.validation_data and signed.certified and signed.stamp, signed.notes
    trust_pem = root / "county-root.pem"
    trust_pem.write_text(cert_pem(county.authority.root), encoding="ascii")
    return {"root": root, "tablet": tablet, "built": built, "pdf": signed.pdf, "trust_pem": trust_pem,
            "roots": [TrustRoot(county.authority.root, "county")]}


def _verify(world, pdf: bytes):
    return verify_report(pdf, roots=world["roots"])


def _asn1(cert):
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


# ------------------------------------------------------------------ genuine


def test_genuine_report_is_valid_and_names_signer_time_and_certificate(world, county):
    result = _verify(world, world["pdf"])
    assert result.code is Outcome.VALID, result.lines()
    assert result.certified and result.document_timestamps == 1 and result.timestamp
    assert result.signer_info.trust == "county" and result.signer == "王芳（wangfang）"
    assert "dev-tablet-1" in result.signer_info.subject and "花溪区" in result.signer_info.subject
    assert result.signer_info.issuer == county.authority.root.subject.rfc4514_string()
    assert result.dss_certificates >= 2
    text = "\n".join(result.lines())
    assert "有效" in text and "证书指纹 SHA-256" in text and result.signer_info.sha256 in text


def test_pyhanko_validator_accepts_genuine_against_county_root(world, county):
    reader = PdfFileReader(io.BytesIO(world["pdf"]))
    vc = ValidationContext(trust_roots=[_asn1(county.authority.root)], allow_fetching=False,
                           revocation_mode="soft-fail")
    sig, doc_ts = reader.embedded_signatures
    status = validate_pdf_signature(sig, vc)
    assert status.bottom_line and status.trusted and status.docmdp_ok
    assert sig.docmdp_level is fields.MDPPerm.NO_CHANGES
    assert status.modification_level is ModificationLevel.LTA_UPDATES  # only DSS + document timestamp follow
    assert status.timestamp_validity.trusted
    ts = validate_pdf_timestamp(doc_ts, vc)
    assert ts.valid and ts.intact and ts.trusted


def test_genuine_report_exit_0_through_the_cli(world, tmp_path):
    path = tmp_path / "report.pdf"
    path.write_bytes(world["pdf"])
    run = lambda *extra: subprocess.run(  # noqa: E731
        [sys.executable, str(paths.PROJECT_ROOT / "main.py"), "--data", str(tmp_path / "bureau"), "report", "verify",
         str(path), *extra], capture_output=True, text=True, timeout=120, cwd=paths.PROJECT_ROOT)
    untrusted = run()
    assert untrusted.returncode == 3, untrusted.stdout + untrusted.stderr
    assert "不受信任" in untrusted.stdout
    trusted = run("--trust", str(world["trust_pem"]))
    assert trusted.returncode == 0, trusted.stdout + trusted.stderr
    assert "有效" in trusted.stdout and "王芳" in trusted.stdout and "证书颁发者" in trusted.stdout
    english = run("--trust", str(world["trust_pem"]), "--lang", "en")
    assert english.returncode == 0 and "VALID" in english.stdout and "certificate SHA-256" in english.stdout


# ------------------------------------------------------------------ forgeries


def _appended_cover_change(pdf: bytes, drop_permissions: bool = False) -> IncrementalPdfFileWriter:
    """An incremental update that paints over the cover (a new content stream on page 1). With
    `drop_permissions` it also removes the certification's /Perms, as a forger must before pyHanko
    will sign again."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    if drop_permissions:
        del writer.root["/Perms"]
        writer.update_root()
    page_ref = writer.root["/Pages"]["/Kids"][0]
    page = page_ref.get_object()
    overlay = generic.StreamObject(stream_data=b"q 1 1 1 rg 60 600 300 40 re f Q BT /F1 18 Tf 70 610 Td (PASS) Tj ET")
    contents = page["/Contents"]
    parts = list(contents) if isinstance(contents, generic.ArrayObject) else [page.raw_get("/Contents")]
    page["/Contents"] = generic.ArrayObject([*parts, writer.add_object(overlay)])
    writer.update_container(page)
    return writer


def test_forgery_appended_change_resigned_with_another_key(world, tmp_path):
    forger = local_signer(tmp_path / "other-device")  # same field names, another key
    writer = _appended_cover_change(world["pdf"], drop_permissions=True)
    meta = PdfSignatureMetadata(field_name="ReportSignature2", subfilter=fields.SigSeedSubFilter.PADES)
    forged = signers.sign_pdf(writer, meta, signer=forger.signer).getvalue()
    result = _verify(world, forged)
    assert result.code is Outcome.BROKEN and "resigned" in result.problem_codes, result.lines()


def test_forgery_resigned_with_a_county_look_alike_key(world, tmp_path):
    """The forger's certificate carries the same names (王芳, the county) from a root of its own."""
    fake = make_county("花溪区")
    fake.enroll(tmp_path / "fake", tsa_url="")
    writer = _appended_cover_change(world["pdf"], drop_permissions=True)
    meta = PdfSignatureMetadata(field_name="ReportSignature2", subfilter=fields.SigSeedSubFilter.PADES)
    forged = signers.sign_pdf(writer, meta, signer=county_signer(tmp_path / "fake").signer).getvalue()
    result = _verify(world, forged)
    assert result.code is Outcome.BROKEN and "resigned" in result.problem_codes


def test_forgery_key_outside_the_county_chain(world, tmp_path):
    fake = make_county("花溪区")  # same subject names as the real county root
    fake.enroll(tmp_path / "fake", tsa_url="")
    forged = sign_report(world["built"].pdf, county_signer(tmp_path / "fake"), stamp=world["built"].stamp).pdf
    result = _verify(world, forged)
    assert result.code is Outcome.UNTRUSTED and result.intact and result.problem_codes == ["untrusted"]
    assert result.signer == "王芳（wangfang）"  # a person cannot tell them apart by the name ...
    genuine = _verify(world, world["pdf"])
    assert result.signer_info.sha256 != genuine.signer_info.sha256  # ... the output's fingerprint can
    # another device's self-signed key: also outside the chain
    self_signed = sign_report(world["built"].pdf, local_signer(tmp_path / "elsewhere")).pdf
    assert _verify(world, self_signed).code is Outcome.UNTRUSTED


def test_forgery_signature_removed(world):
    built = world["built"]
    # (a) cut back to the bytes before the signature: a locked report with no signature
    stripped = world["pdf"][:len(built.pdf)]
    assert stripped == built.pdf
    result = _verify(world, stripped)
    assert result.code is Outcome.BROKEN and result.problem_codes[0] == "signature_removed"
    # (b) an update that drops the signature field from the form
    writer = IncrementalPdfFileWriter(io.BytesIO(world["pdf"]), strict=False)
    form = writer.root["/AcroForm"]
    form["/Fields"] = generic.ArrayObject([])
    writer.update_container(form)
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    result = _verify(world, out.getvalue())
    assert result.code is Outcome.BROKEN and "signature_removed" in result.problem_codes


def test_forgery_change_after_certification(world):
    writer = _appended_cover_change(world["pdf"])
    out = io.BytesIO()
    writer.write(out)
    result = _verify(world, out.getvalue())
    assert result.code is Outcome.BROKEN and "changed_after_certification" in result.problem_codes
    # pyHanko agrees: the certification signature's DocMDP policy is violated
    reader = PdfFileReader(io.BytesIO(out.getvalue()))
    vc = ValidationContext(trust_roots=[_asn1(c.cert) for c in world["roots"]], allow_fetching=False,
                           revocation_mode="soft-fail")
    status = validate_pdf_signature(reader.embedded_signatures[0], vc)
    assert not status.docmdp_ok and not status.bottom_line


@pytest.mark.parametrize("where", [0.3, 0.6, 0.9])
def test_forgery_one_byte_changed(world, where):
    forged = bytearray(world["pdf"])
    forged[int(len(forged) * where)] ^= 0x01
    result = _verify(world, bytes(forged))
    assert result.code is Outcome.BROKEN, result.lines()
    assert result.problem_codes[0] in ("bytes_changed", "unreadable", "timestamp_broken")


def test_one_byte_in_photo_data_is_bytes_changed(world):
    forged = bytearray(world["pdf"])
    at = world["pdf"].index(b"\xff\xd8\xff") + 5000  # inside the first embedded JPEG
    forged[at] ^= 0x01
    result = _verify(world, bytes(forged))
    # the signature's digest no longer matches; the document timestamp over the file breaks too
    assert result.code is Outcome.BROKEN and result.problem_codes[0] == "bytes_changed"


def test_bytes_appended_after_the_last_signature(world):
    result = _verify(world, world["pdf"] + b"\n% appended after signing\n")
    assert result.code is Outcome.BROKEN and result.problem_codes == ["appended"]


def test_each_forgery_class_has_its_own_sentence():
    classes = ["resigned", "untrusted", "signature_removed", "changed_after_certification", "bytes_changed",
               "appended", "unsigned"]
    zh = [PROBLEMS[c][0] for c in classes]
    en = [PROBLEMS[c][1] for c in classes]
    assert len(set(zh)) == len(zh) and len(set(en)) == len(en)


def test_roots_of_the_data_folder_decide_trust(world):
    """The tablet that enrolled trusts its county root (signing/roots/); an unrelated folder does not."""
    assert verify_report(world["pdf"], data_dir=world["tablet"]).code is Outcome.VALID
    assert verify_report(world["pdf"], data_dir=world["root"] / "stranger").code is Outcome.UNTRUSTED


def test_fingerprint_printed_is_the_signing_certificate(world):
    result = _verify(world, world["pdf"])
    enrolled = county_signer(world["tablet"])
    assert result.signer_info.sha256 == fingerprint(enrolled.certificate)
    assert result.signer_info.serial == format(enrolled.certificate.serial_number, "x")
