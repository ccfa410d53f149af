"""核验 Verify a report file: its PAdES signature (pyHanko's validator), that the signature
covers the whole file, and that the embedded content still hashes to the value on the cover
(and, if given, to the value read off a printed copy or its QR code)."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from inspect_app.clock import DEFAULT_ZONE, local_time_text
from inspect_app.report.builder import HASH_KEYWORD
from inspect_app.report.content import CONTENT_ATTACHMENT
from inspect_app.report.signing import SigningConfig, trusted_certificates

_HEX64 = re.compile(r"[0-9a-fA-F]{64}")


@dataclass
class Verification:
    """Outcome of `verify_report`: valid means signed, untouched since, and consistent."""

    path: str
    valid: bool = False
    signed: bool = False
    intact: bool = False
    trusted: bool = False
    covers_whole_file: bool = False
    signer: str = ""
    signed_at: str = ""
    report_id: str = ""
    content_sha256: str = ""
    content_matches: bool = False
    expected_hash_matches: bool | None = None
    file_sha256: str = ""
    problems: list[tuple[str, str]] = field(default_factory=list)  # (zh, en)
    notes: list[tuple[str, str]] = field(default_factory=list)

    def problem(self, zh: str, en: str) -> None:
        self.problems.append((zh, en))

    def lines(self, lang: str = "zh") -> list[str]:
        i = 1 if lang == "en" else 0
        if lang == "en":
            head = "VALID: signed and unchanged since signing" if self.valid else "INVALID"
        else:
            head = "有效：已签章，签章后未被改动" if self.valid else "无效"
        out = [f"{self.path}: {head}"]
        if self.report_id:
            out.append(("report id: " if lang == "en" else "报告编号：") + self.report_id)
        if self.content_sha256:
            out.append(("content SHA-256: " if lang == "en" else "内容校验值：") + self.content_sha256)
        if self.signer:
            out.append(("signer: " if lang == "en" else "签章人：") + self.signer
                       + (f" ({self.signed_at})" if self.signed_at else ""))
        out += ["  ✗ " + p[i] for p in self.problems]
        out += ["  · " + n[i] for n in self.notes]
        return out


def _subject(cert: asn1_x509.Certificate) -> str:
    try:
        native = cert.subject.native
        return native.get("common_name") or cert.subject.human_friendly
    except Exception:  # noqa: BLE001 - a name we cannot print is not a reason to fail
        return ""


@contextmanager
def _quiet_pyhanko():
    """pyHanko logs an untrusted self-signed certificate as a traceback; we report it in words."""
    loggers = [logging.getLogger(n) for n in ("pyhanko", "pyhanko_certvalidator")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)


def _embedded_content(reader: PdfFileReader) -> bytes | None:
    try:
        names = reader.root["/Names"]["/EmbeddedFiles"]["/Names"]
    except (KeyError, TypeError):
        return None
    for i in range(0, len(names) - 1, 2):
        if str(names[i]) == CONTENT_ATTACHMENT:
            return names[i + 1]["/EF"]["/F"].data
    return None


def read_embedded_content(raw: bytes) -> bytes | None:
    """The report-content.json bytes embedded in a report PDF, or None."""
    try:
        return _embedded_content(PdfFileReader(io.BytesIO(raw), strict=False))
    except Exception:  # noqa: BLE001 - unreadable means no content to show
        return None


def _keywords(reader: PdfFileReader) -> str:
    try:
        return str(reader.trailer_view["/Info"]["/Keywords"])
    except (KeyError, TypeError):
        return ""


def _content_checks(result: Verification, reader: PdfFileReader, expected: str | None) -> None:
    keywords = _keywords(reader)
    stated = next((k[len(HASH_KEYWORD):] for k in re.split(r"[\s,;]+", keywords) if k.startswith(HASH_KEYWORD)), "")
    rid = re.search(r"report-id:(\S+?)(?:[\s,;]|$)", keywords)
    result.report_id = rid.group(1) if rid else ""
    content = _embedded_content(reader)
    if content is None:
        result.problem("文件中没有报告内容附件（report-content.json），无法核对内容校验值。",
                       "The file has no report-content.json attachment: the content hash cannot be checked.")
        return
    actual = hashlib.sha256(content).hexdigest()
    result.content_sha256 = actual
    result.content_matches = bool(stated) and actual == stated.lower()
    if not result.content_matches:
        result.problem(f"报告内容校验值不符：文件声明 {stated or '（无）'}，实际为 {actual}。",
                       f"Content hash mismatch: the file states {stated or '(none)'}, the content hashes to {actual}.")
    if expected:
        m = _HEX64.search(expected)
        wanted = m.group(0).lower() if m else expected.strip().lower()
        result.expected_hash_matches = wanted == actual
        if not result.expected_hash_matches:
            result.problem(f"与给定的校验值不符：给定 {wanted}，本文件为 {actual}。",
                           f"Does not match the given hash: given {wanted}, this file has {actual}.")
        else:
            result.notes.append(("与给定的校验值（纸质件/二维码）一致。", "Matches the given hash (printed copy / QR code)."))


def _report_zone(raw: bytes) -> str:
    """The inspection's time zone named in the embedded content (clock.py), else the default."""
    try:
        data = read_embedded_content(raw)
        return str(json.loads(data)["inspection"].get("time_zone") or DEFAULT_ZONE) if data else DEFAULT_ZONE
    except Exception:  # noqa: BLE001 - a damaged file is reported elsewhere; dates still print
        return DEFAULT_ZONE


def verify_report(path: Path | str | bytes, *, expected_hash: str | None = None, data_dir: Path | None = None,
                  signing: SigningConfig | None = None, extra_trust=()) -> Verification:
    """Check a report PDF. `path` may be the bytes themselves."""
    raw = path if isinstance(path, bytes) else Path(path).read_bytes()
    result = Verification(path="<bytes>" if isinstance(path, bytes) else str(path))
    result.file_sha256 = hashlib.sha256(raw).hexdigest()
    try:
        reader = PdfFileReader(io.BytesIO(raw), strict=False)
        sigs = reader.embedded_signatures
    except Exception as exc:  # noqa: BLE001 - any parse failure means a damaged or altered file
        result.problem(f"文件已损坏或被篡改，无法作为 PDF 读取（{type(exc).__name__}）。",
                       f"The file is damaged or tampered with and cannot be read as a PDF ({type(exc).__name__}).")
        return result

    _content_checks(result, reader, expected_hash)

    if not sigs:
        result.problem("文件没有数字签名（未签章的草稿？）。", "The file carries no digital signature (an unsigned draft?).")
        return result
    result.signed = True
    certs = [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))
             for c in [*trusted_certificates(data_dir, signing), *extra_trust]]
    context = ValidationContext(trust_roots=certs, allow_fetching=False)
    sig = sigs[-1]
    try:
        with _quiet_pyhanko():
            status = validate_pdf_signature(sig, context)
    except (SignatureValidationError, ValueError, KeyError, TypeError) as exc:
        result.problem(f"签名无法验证，文件已被篡改或损坏（{exc}）。",
                       f"The signature cannot be validated: the file was tampered with or damaged ({exc}).")
        return result
    result.intact = bool(status.intact)
    result.signer = _subject(status.signing_cert) if status.signing_cert is not None else ""
    if status.signer_reported_dt is not None:
        result.signed_at = local_time_text(status.signer_reported_dt, _report_zone(raw))  # the report's zone
    result.trusted = bool(status.trusted)
    result.covers_whole_file = status.coverage is SignatureCoverageLevel.ENTIRE_FILE
    if not status.intact:
        result.problem("签章后内容被改动（摘要不符）：文件已被篡改。",
                       "The signed bytes were changed after signing (digest mismatch): the file was tampered with.")
    elif not status.valid:
        result.problem("签名值无效：文件已被篡改或签名损坏。", "The signature value is invalid: tampered or damaged.")
    if status.intact and not result.covers_whole_file:
        result.problem("签名之后文件又被追加了内容，追加部分不受签名保护。",
                       "Content was appended after the signature; that part is not covered by it.")
    if len(sigs) > 1:
        result.notes.append((f"文件含 {len(sigs)} 个签名，已核验最后一个。",
                             f"The file holds {len(sigs)} signatures; the last one was checked."))
    if status.intact and status.valid and result.trusted:
        result.notes.append(("签章证书受本机信任。", "The signing certificate is trusted on this device."))
    if status.intact and status.valid and not result.trusted:
        result.notes.append(("签章证书不在本机信任列表中（例如其他设备的自签名证书）：签名本身完好，请核对签章人。",
                             "The signing certificate is not trusted on this device (e.g. another device's "
                             "self-signed certificate): the signature itself is intact; check who signed."))
    result.valid = (result.intact and bool(status.valid) and result.covers_whole_file and result.content_matches
                    and result.expected_hash_matches is not False)
    return result


__all__ = ["Verification", "read_embedded_content", "verify_report"]
