"""核验 Verify a report file with pyHanko's validator, every signature of it, against the roots a
data folder trusts, and say one of three things:

    0  有效      intact, and signed by a trusted signer (who, when, which certificate)
    1  无效      changed or broken: a byte changed, a change after the (certification) signature,
                 an appended change re-signed with another key, a signature removed, bytes
                 appended, a content hash that does not match, an unsigned file
    3  不受信任  intact, but the signer's certificate does not chain to a trusted root

Every signature is validated with pyHanko (`validate_pdf_signature`, `validate_pdf_timestamp`)
including its difference analysis: what was added after a signature must be allowed by it
(DocMDP), the newest signature must cover the whole file, and after it only what a validator
allows may follow (a DSS with validation data, document timestamps). The embedded content must
still hash to the value on the cover (and, if given, to the value from paper or the QR code).
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from inspect_app.clock import DEFAULT_ZONE, local_time_text
from inspect_app.report.builder import HASH_KEYWORD
from inspect_app.report.content import CONTENT_ATTACHMENT
from inspect_app.report.signing import SigningConfig, _quiet_pyhanko, run_outside_loop, trust_roots
from inspect_app.trust.ca import fingerprint
from inspect_app.trust.roots import TrustRoot

_HEX64 = re.compile(r"[0-9a-fA-F]{64}")


class Outcome(IntEnum):
    """The exit code of `report verify`."""

    VALID = 0
    BROKEN = 1
    UNTRUSTED = 3


HEADLINES = {
    Outcome.VALID: ("有效：报告签章后未被改动，签章人受信任。",
                    "VALID: the report is unchanged since it was signed, by a trusted signer."),
    Outcome.BROKEN: ("无效：报告已被改动或损坏，不能作为正式报告接收。",
                     "INVALID: the report was changed or is damaged; do not accept it."),
    Outcome.UNTRUSTED: ("签章完好但不受信任：文件签章后未被改动，但签章证书不属于受信任的县级证书链，请勿作为正式报告接收。",
                        "INTACT BUT UNTRUSTED: the file is unchanged since signing, but the signing certificate "
                        "does not chain to a trusted county root; do not accept it as an official report."),
}

# Each way a report can fail has its own sentence (the forgery tests check them).
PROBLEMS = {
    "unreadable": ("文件已损坏，无法作为 PDF 读取。", "The file is damaged and cannot be read as a PDF."),
    "unsigned": ("文件没有数字签名（未签章的草稿）。", "The file carries no digital signature (an unsigned draft)."),
    "signature_removed": ("签名已被移除：这是一份已锁定的定稿报告，却没有（或少了）数字签名。",
                          "A signature was removed: this is a locked, final report, yet its digital signature "
                          "is missing."),
    "bytes_changed": ("签章覆盖的内容被改动（摘要不符或签名值无效）：文件已被篡改或损坏。",
                      "Bytes covered by the signature were changed (digest mismatch or invalid signature "
                      "value): the file was tampered with or damaged."),
    "changed_after_certification": ("认证签章（不允许任何修改）之后文件又被修改：文件已被篡改。",
                                    "The file was modified after its certification signature, which allows "
                                    "no changes: it was tampered with."),
    "changed_after_signing": ("签章之后文件又被修改，修改不在签名的允许范围内：文件已被篡改。",
                              "The file was modified after it was signed, beyond what the signature allows: "
                              "it was tampered with."),
    "resigned": ("签章之后文件被追加修改，并由另一密钥重新签章：原签章不允许这些修改，文件已被篡改。",
                 "An appended change was re-signed with another key after the original signature, which "
                 "does not allow it: the file was tampered with."),
    "appended": ("最后一个签章之后文件又被追加了内容，追加部分不受签名保护。",
                 "Bytes were appended after the last signature; they are not covered by it."),
    "timestamp_broken": ("时间戳已损坏或与文件不符。", "A timestamp is damaged or does not match the file."),
    "no_content": ("文件中没有报告内容附件（report-content.json），无法核对内容校验值。",
                   "The file has no report-content.json attachment: the content hash cannot be checked."),
    "content_mismatch": ("报告内容校验值与文件声明的不符。", "The content hash does not match the one the file states."),
    "expected_mismatch": ("与给定的校验值（纸质件/二维码）不符。", "Does not match the given hash (printed copy / QR code)."),
    "untrusted": ("签章证书不属于受信任的证书链（例如其他设备的自签名证书，或县级证书链之外的密钥）。",
                  "The signing certificate does not chain to a trusted root (e.g. another device's "
                  "self-signed certificate, or a key outside the county's chain)."),
}

TRUST_KIND = {
    "county": ("县级中心签发（县级根证书）", "county-issued (county root)"),
    "local": ("本机自签（未经县级中心签发）", "self-signed on this device (not county-issued)"),
    "trusted": ("受信任的证书（--trust 或 signing/trusted）", "a trusted certificate (--trust or signing/trusted)"),
    "": ("不受信任", "not trusted"),
}


@dataclass
class SignerInfo:
    """Who signed, with which certificate, and how far that certificate is trusted."""

    name: str = ""
    subject: str = ""
    issuer: str = ""
    serial: str = ""
    sha256: str = ""
    trust: str = ""  # "county" | "local" | "trusted" | "" (not trusted)
    self_signed: bool = False


@dataclass
class Verification:
    """Outcome of `verify_report`: `code` (Outcome), and `valid` when it is 0."""

    path: str
    code: Outcome = Outcome.BROKEN
    signed: bool = False
    intact: bool = False
    trusted: bool = False
    certified: bool = False
    covers_whole_file: bool = False
    signer: str = ""
    signed_at: str = ""
    signer_info: SignerInfo | None = None
    timestamp: str = ""  # the county TSA's time, if the signature has a trusted timestamp
    timestamp_by: str = ""
    document_timestamps: int = 0
    dss_certificates: int = 0
    signatures: int = 0
    report_id: str = ""
    content_sha256: str = ""
    content_matches: bool = False
    expected_hash_matches: bool | None = None
    file_sha256: str = ""
    problem_codes: list[str] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (zh, en)
    notes: list[tuple[str, str]] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return self.code is Outcome.VALID

    def problem(self, code: str, detail: tuple[str, str] | None = None) -> None:
        if code in self.problem_codes and detail is None:
            return
        self.problem_codes.append(code)
        zh, en = PROBLEMS[code]
        if detail:
            zh, en = f"{zh}{detail[0]}", f"{en} {detail[1]}"
        self.problems.append((zh, en))

    def headline(self, lang: str = "zh") -> str:
        return HEADLINES[self.code][1 if lang == "en" else 0]

    def lines(self, lang: str = "zh") -> list[str]:
        en = lang == "en"
        i = 1 if en else 0
        out = [f"{self.path}: {self.headline(lang)}"]
        label = (lambda zh, e: e if en else zh)  # noqa: E731
        if self.report_id:
            out.append(label("报告编号：", "report id: ") + self.report_id)
        if self.content_sha256:
            out.append(label("内容校验值：", "content SHA-256: ") + self.content_sha256)
        info = self.signer_info
        if info is not None:
            out.append(label("签章人：", "signed by: ") + (info.name or info.subject))
            if self.signed_at:
                out.append(label("签章时间：", "signed at: ") + self.signed_at
                           + ("" if self.timestamp else label("（签章设备时钟，无时间戳）", " (signer's clock, no timestamp)")))
            if self.timestamp:
                out.append(label("时间戳：", "timestamp: ") + self.timestamp
                           + (f"（{self.timestamp_by}）" if not en else f" ({self.timestamp_by})"))
            out.append(label("证书主题：", "certificate subject: ") + info.subject)
            out.append(label("证书颁发者：", "issuer: ") + info.issuer)
            out.append(label("证书序列号：", "serial: ") + info.serial)
            out.append(label("证书指纹 SHA-256：", "certificate SHA-256: ") + info.sha256)
            out.append(label("证书来源：", "certificate: ") + TRUST_KIND.get(info.trust, TRUST_KIND[""])[i])
            if self.certified:
                out.append(label("签章类型：认证签章（DocMDP：签章后不允许修改）",
                                 "signature: certification (DocMDP: no changes allowed)"))
            if self.dss_certificates:
                out.append(label(f"长期验证数据（DSS）：{self.dss_certificates} 个证书，未含吊销信息（无 CRL/OCSP 服务）",
                                 f"validation data (DSS): {self.dss_certificates} certificate(s), no revocation "
                                 f"data (no CRL/OCSP service)"))
        out += ["  ✗ " + p[i] for p in self.problems]
        out += ["  · " + n[i] for n in self.notes]
        return out


def _name(cert: x509.Certificate) -> str:
    cn = [a.value for a in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    uid = [a.value for a in cert.subject.get_attributes_for_oid(NameOID.USER_ID)]
    name = str(cn[0]) if cn else cert.subject.rfc4514_string()
    return f"{name}（{uid[0]}）" if uid and uid[0] != name else name


def _crypto(cert: asn1_x509.Certificate) -> x509.Certificate:
    return x509.load_der_x509_certificate(cert.dump())


def _asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _signer_info(status, roots: list[TrustRoot]) -> SignerInfo:
    cert = _crypto(status.signing_cert)
    info = SignerInfo(name=_name(cert), subject=cert.subject.rfc4514_string(), issuer=cert.issuer.rfc4514_string(),
                      serial=format(cert.serial_number, "x"), sha256=fingerprint(cert),
                      self_signed=cert.issuer == cert.subject)
    if status.trusted and status.validation_path is not None:
        anchor = fingerprint(_crypto(status.validation_path[0]))
        info.trust = next((r.kind for r in roots if r.sha256 == anchor), "trusted")
    return info


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


def _content_checks(result: Verification, reader: PdfFileReader, expected: str | None) -> dict | None:
    keywords = _keywords(reader)
    stated = next((k[len(HASH_KEYWORD):] for k in re.split(r"[\s,;]+", keywords) if k.startswith(HASH_KEYWORD)), "")
    rid = re.search(r"report-id:(\S+?)(?:[\s,;]|$)", keywords)
    result.report_id = rid.group(1) if rid else ""
    content = _embedded_content(reader)
    if content is None:
        result.problem("no_content")
        return None
    actual = hashlib.sha256(content).hexdigest()
    result.content_sha256 = actual
    result.content_matches = bool(stated) and actual == stated.lower()
    if not result.content_matches:
        result.problem("content_mismatch", (f"文件声明 {stated or '（无）'}，实际为 {actual}。",
                                            f"The file states {stated or '(none)'}; the content hashes to {actual}."))
    if expected:
        m = _HEX64.search(expected)
        wanted = m.group(0).lower() if m else expected.strip().lower()
        result.expected_hash_matches = wanted == actual
        if not result.expected_hash_matches:
            result.problem("expected_mismatch", (f"给定 {wanted}，本文件为 {actual}。",
                                                 f"Given {wanted}; this file has {actual}."))
        else:
            result.notes.append(("与给定的校验值（纸质件/二维码）一致。", "Matches the given hash (printed copy / QR code)."))
    try:
        return json.loads(content)
    except ValueError:
        return None


def _report_zone(doc: dict | None) -> str:
    """The inspection's time zone named in the embedded content (clock.py), else the default."""
    try:
        return str(doc["inspection"].get("time_zone") or DEFAULT_ZONE) if doc else DEFAULT_ZONE
    except (KeyError, TypeError, AttributeError):
        return DEFAULT_ZONE


def _signature_fields_per_revision(reader: PdfFileReader) -> list[int]:
    """How many filled signature fields each revision's AcroForm lists (a signature removed in
    a later revision shows as a drop)."""
    counts = []
    for rev in range(reader.xrefs.total_revisions):
        try:
            root = reader.get_historical_root(rev)
            form = root.get("/AcroForm")
            fields = form.get_object().get("/Fields", []) if form is not None else []
            n = 0
            for ref in fields:
                f = ref.get_object()
                if f.get("/FT") == "/Sig" and f.get("/V") is not None:
                    n += 1
            counts.append(n)
        except Exception:  # noqa: BLE001 - an unreadable old revision says nothing either way
            counts.append(0)
    return counts


def _ends_cleanly(raw: bytes) -> bool:
    """Nothing but white space after the last %%EOF: bytes appended outside any revision are not
    something a validator allows after a signature."""
    tail = raw[-2048:]
    at = tail.rfind(b"%%EOF")
    return at >= 0 and not tail[at + 5:].strip()


def _allowed_after(status) -> bool:
    """Only validator-allowed additions (DSS, document timestamps) follow this signature."""
    if status.coverage is SignatureCoverageLevel.ENTIRE_FILE:
        return True
    level = status.modification_level
    return (status.coverage is SignatureCoverageLevel.ENTIRE_REVISION and level is not None
            and level.value <= ModificationLevel.LTA_UPDATES.value and bool(status.docmdp_ok))


def verify_report(path: Path | str | bytes, *, expected_hash: str | None = None, data_dir: Path | None = None,
                  signing: SigningConfig | None = None, extra_trust=(), roots: list[TrustRoot] | None = None
                  ) -> Verification:
    """Check a report PDF (`path` may be the bytes themselves) against the roots known to
    `data_dir` plus `extra_trust` (certificates), or exactly `roots` when given."""
    raw = path if isinstance(path, bytes) else Path(path).read_bytes()
    result = Verification(path="<bytes>" if isinstance(path, bytes) else str(path))
    result.file_sha256 = hashlib.sha256(raw).hexdigest()
    if roots is None:
        roots = trust_roots(data_dir, signing, extra_trust)
    return run_outside_loop(lambda: _verify(raw, result, expected_hash, roots))


def _verify(raw: bytes, result: Verification, expected_hash: str | None, roots: list[TrustRoot]) -> Verification:
    try:
        reader = PdfFileReader(io.BytesIO(raw), strict=False)
        sigs = reader.embedded_signatures
        doc = _content_checks(result, reader, expected_hash)
        per_revision = _signature_fields_per_revision(reader)
    except Exception as exc:  # noqa: BLE001 - any parse failure means a damaged or altered file
        result.problem("unreadable", (f"（{type(exc).__name__}）", f"({type(exc).__name__})"))
        return result
    zone = _report_zone(doc)
    locked = bool(doc) and str(doc.get("inspection", {}).get("status", "")) == "locked"
    result.signatures = len(sigs)
    if per_revision and max(per_revision) > len(sigs):
        result.problem("signature_removed", ("（较早的版本中有签名，当前文件中已不存在。）",
                                             "(An earlier revision of the file holds a signature the current one lacks.)"))
    if not sigs:
        if "signature_removed" not in result.problem_codes:
            result.problem("signature_removed" if locked else "unsigned")
        return result
    result.signed = True
    context = ValidationContext(trust_roots=[_asn1(r.cert) for r in roots], allow_fetching=False,
                                revocation_mode="soft-fail")
    intact_all = True
    statuses = []
    with _quiet_pyhanko():
        for sig in sigs:
            try:
                if sig.sig_object_type == "/DocTimeStamp":
                    statuses.append((sig, validate_pdf_timestamp(sig, context)))
                else:
                    statuses.append((sig, validate_pdf_signature(sig, context)))
            except Exception as exc:  # noqa: BLE001 - a signature pyHanko cannot even evaluate is broken
                result.problem("bytes_changed", (f"（{type(exc).__name__}）", f"({type(exc).__name__})"))
                return result

    for n, (sig, status) in enumerate(statuses):
        later_regular = [s for s, _ in statuses[n + 1:] if s.sig_object_type == "/Sig"]
        if not (status.intact and status.valid):
            intact_all = False
            result.problem("timestamp_broken" if sig.sig_object_type == "/DocTimeStamp" else "bytes_changed")
            continue
        if sig.sig_object_type == "/DocTimeStamp":
            result.document_timestamps += 1
            if not status.trusted:
                result.notes.append(("文档时间戳的时间戳服务不受信任。", "A document timestamp's TSA is not trusted."))
            continue
        tst = status.timestamp_validity
        if tst is not None and not (tst.intact and tst.valid):
            intact_all = False
            result.problem("timestamp_broken")
        if status.docmdp_ok is False or (not later_regular and not _allowed_after(status)):
            intact_all = False
            if later_regular:
                other = [fingerprint(_crypto(s.signer_cert)) for s in later_regular]
                mine = fingerprint(_crypto(sig.signer_cert))
                who = _name(_crypto(later_regular[-1].signer_cert))
                result.problem("resigned", (f"（重新签章者：{who}" + ("，与原签章为同一密钥）" if mine in other else "）"),
                                            f"(re-signed by: {who}" + (", the same key)" if mine in other else ")")))
            elif sig.docmdp_level is not None and sig.docmdp_level.value == 1:
                result.problem("changed_after_certification")
            else:
                result.problem("changed_after_signing")

    if not _ends_cleanly(raw):
        intact_all = False
        result.problem("appended")

    # The newest regular signature speaks for the report: who, when, which certificate.
    last_sig, last = next(((s, st) for s, st in reversed(statuses) if s.sig_object_type == "/Sig"), (None, None))
    if last is None:  # only document timestamps: nobody signed this report
        result.problem("signature_removed" if locked else "unsigned")
        return result
    result.certified = last_sig.docmdp_level is not None
    result.covers_whole_file = last.coverage is SignatureCoverageLevel.ENTIRE_FILE or _allowed_after(last)
    result.signer_info = _signer_info(last, roots)
    result.signer = result.signer_info.name
    if last.signer_reported_dt is not None:
        result.signed_at = local_time_text(last.signer_reported_dt, zone)
    tst = last.timestamp_validity
    if tst is not None and tst.intact and tst.valid and tst.trusted:
        result.timestamp = local_time_text(tst.timestamp, zone)
        result.timestamp_by = _name(_crypto(tst.signing_cert))
    elif tst is not None and tst.intact and tst.valid:
        result.notes.append(("签名时间戳来自不受信任的时间戳服务。", "The signature timestamp is from an untrusted TSA."))
    elif tst is None:
        result.notes.append(("签章无时间戳（离线签章或本机自签），签章时间为签章设备的时钟。",
                             "The signature has no timestamp (signed offline or self-signed): the signing time "
                             "is the signer's clock."))
    try:
        from pyhanko.sign.validation.dss import DocumentSecurityStore

        dss = DocumentSecurityStore.read_dss(reader)
        result.dss_certificates = len(dss.certs)
    except Exception:  # noqa: BLE001 - no DSS
        result.dss_certificates = 0

    result.intact = intact_all and all(s.intact and s.valid for _, s in statuses)
    signers_trusted = all(st.trusted for s, st in statuses if s.sig_object_type == "/Sig")
    result.trusted = bool(last.trusted) and signers_trusted
    if result.signer_info.trust == "local":
        result.notes.append(("签章证书为本机自签名证书：本机从未在县级中心注册，报告不是县级中心签发的证书所签。",
                             "The signing certificate is this device's own self-signed certificate: it never "
                             "enrolled with a county hub, so the report is not signed with a county-issued "
                             "certificate."))
    content_ok = result.content_matches and result.expected_hash_matches is not False
    if result.problem_codes or not result.intact or not content_ok:
        result.code = Outcome.BROKEN
    elif not result.trusted:
        result.problem("untrusted")
        result.code = Outcome.UNTRUSTED
    else:
        result.code = Outcome.VALID
    return result


_VERDICTS: dict[tuple, tuple[int, str, str]] = {}


def report_trust_verdict(pdf_bytes: bytes, trust_roots_: list) -> tuple[int, str, str]:
    """The verdict the hub pages show beside a report: (exit code, Chinese, English), the same as
    `report verify` gives with these roots (x509 certificates or TrustRoot). Cached per file
    and roots: a signed report never changes."""
    roots = [r if isinstance(r, TrustRoot) else TrustRoot(r, "county") for r in trust_roots_]
    key = (hashlib.sha256(pdf_bytes).hexdigest(), tuple(sorted(r.sha256 for r in roots)))
    if key not in _VERDICTS:
        result = verify_report(pdf_bytes, roots=roots)
        zh, en = result.headline("zh"), result.headline("en")
        if result.problems:
            zh += " " + result.problems[0][0]
            en += " " + result.problems[0][1]
        elif result.signer_info is not None:
            trust_zh, trust_en = TRUST_KIND.get(result.signer_info.trust, TRUST_KIND[""])
            zh += f" 签章人：{result.signer}，{trust_zh}，签章时间 {result.timestamp or result.signed_at}。"
            en += f" Signed by {result.signer}, {trust_en}, at {result.timestamp or result.signed_at}."
        if len(_VERDICTS) > 2000:
            _VERDICTS.clear()
        _VERDICTS[key] = (int(result.code), zh, en)
    return _VERDICTS[key]


__all__ = ["HEADLINES", "Outcome", "PROBLEMS", "SignerInfo", "Verification", "read_embedded_content",
           "report_trust_verdict", "verify_report"]
