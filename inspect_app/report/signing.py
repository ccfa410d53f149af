"""数字签名 Digital signature of a finished report: a PAdES certification signature with pyHanko.

fpdf2's own `sign_pkcs12` output does not validate (ARCHITECTURE.md), so the PDF is built by
fpdf2 and signed afterwards here, as an incremental update covering the whole file, as a
certification signature (DocMDP: no changes allowed), with a visible stamp on the signatures page.

Which key signs, in this order:
1. a PKCS#12 configured on the command line or in `<data>/signing/config.json`;
2. the county certificate this tablet got when it signed in to the hub (trust/device.py):
   chain embedded, timestamps from the hub's TSA when online, DSS (PAdES B-LT/LTA);
3. else the device's own key and self-signed certificate (`<data>/signing/local-*.pem`, made
   on first use): the stamp and `report verify` say 本机自签, not county-issued.
"""

from __future__ import annotations

import io
import json
import logging
import os
import socket
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.pdf_signer import PdfSignatureMetadata
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from inspect_app import paths
from inspect_app.errors import UserError
from inspect_app.inspection import Inspection, InspectionStatus
from inspect_app.trust import device as county_device
from inspect_app.trust.ca import DEVICE_UNIT, fingerprint
from inspect_app.trust.roots import TrustRoot, known_roots

SIGNING_DIR = "signing"
LOCAL_KEY = "local-key.pem"
LOCAL_CERT = "local-cert.pem"
CONFIG_FILE = "config.json"
PASSPHRASE_ENV = "JICENG_PKCS12_PASSPHRASE"
FIELD_NAME = "ReportSignature"


@dataclass(frozen=True)
class SigningConfig:
    """A configured PKCS#12 (证书文件) instead of the county or local key."""

    pkcs12: Path | None = None
    passphrase: str | None = None


@dataclass(frozen=True)
class ReportSigner:
    """A key and certificate ready to sign, and where they came from."""

    signer: signers.SimpleSigner
    certificate: x509.Certificate
    source: str  # "pkcs12", "county" or "local"
    created: bool = False  # the local key was made just now: tell the user
    path: Path | None = None
    chain: tuple[x509.Certificate, ...] = ()  # issuers above `certificate`, nearest first, up to the root
    tsa_url: str = ""  # the county hub's RFC 3161 service (county certificates only)

    @property
    def subject(self) -> str:
        return self.certificate.subject.rfc4514_string()

    def notice(self, lang: str = "zh") -> str:
        """What to tell the user about the key in use (always worth saying once)."""
        if self.created:
            return (f"首次签名：已在 {self.path} 创建本机签章密钥和自签名证书（本机自签，非县级中心签发）。"
                    f"登录县级中心后平板会申请县级签章证书；如需使用卫健局或个人的数字证书，请用 --pkcs12 指定 PKCS#12 文件。"
                    if lang == "zh" else
                    f"First signature: created a local signing key and self-signed certificate in {self.path} "
                    f"(self-signed, not county-issued). Signing in to the hub enrolls this tablet for a county "
                    f"certificate; to sign with the bureau's or your own certificate, pass --pkcs12.")
        if self.source == "local":
            return (f"使用本机自签名证书签名（本机自签，非县级中心签发；{self.path}）。" if lang == "zh"
                    else f"Signed with this device's self-signed certificate (not county-issued; {self.path}).")
        if self.source == "county":
            issuer = self.certificate.issuer.rfc4514_string()
            return (f"使用县级中心签发的签章证书签名：{self.subject}（签发者 {issuer}）。" if lang == "zh"
                    else f"Signed with the county-issued certificate {self.subject} (issuer {issuer}).")
        return (f"使用证书 {self.subject} 签名（{self.path}）。" if lang == "zh"
                else f"Signed with certificate {self.subject} ({self.path}).")


def signing_dir(data_dir: Path) -> Path:
    return Path(data_dir) / SIGNING_DIR


def load_config(data_dir: Path) -> SigningConfig:
    """`<data>/signing/config.json`: {"pkcs12": "path", "passphrase": "…"} (passphrase optional:
    else the JICENG_PKCS12_PASSPHRASE environment variable)."""
    path = signing_dir(data_dir) / CONFIG_FILE
    if not path.is_file():
        return SigningConfig()
    try:
        raw = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise UserError(f"签章配置文件 {path} 无法读取：{exc}", f"The signing config {path} cannot be read: {exc}") from exc
    p12 = raw.get("pkcs12")
    return SigningConfig(pkcs12=(signing_dir(data_dir) / p12) if p12 else None, passphrase=raw.get("passphrase"))


def _to_asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _asn1_signer(key, cert: x509.Certificate, chain: list[x509.Certificate]) -> signers.SimpleSigner:
    der_key = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return signers.SimpleSigner(
        signing_cert=_to_asn1(cert), signing_key=asn1_keys.PrivateKeyInfo.load(der_key),
        cert_registry=SimpleCertificateStore.from_certs([_to_asn1(c) for c in chain]),
    )


@contextmanager
def _quiet_pyhanko():
    """pyHanko logs an untrusted or unrevocable certificate as a traceback; we say it in words."""
    loggers = [logging.getLogger(n) for n in ("pyhanko", "pyhanko_certvalidator")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)


def run_outside_loop(fn):
    """pyHanko's sync API calls asyncio.run, which fails inside a running event loop (the hub's
    pages, Playwright's sync API in tests): there, run `fn` in a worker thread and wait."""
    import asyncio
    import concurrent.futures

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn()
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn).result()


def load_pkcs12(path: Path, passphrase: str | None) -> ReportSigner:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserError(f"无法读取证书文件 {path}：{exc.strerror or exc}。请检查路径。",
                        f"Cannot read the certificate file {path}: {exc.strerror or exc}. Check the path.") from exc
    if passphrase is None:
        passphrase = os.environ.get(PASSPHRASE_ENV)
    try:
        key, cert, chain = pkcs12.load_key_and_certificates(data, passphrase.encode("utf-8") if passphrase else None)
    except ValueError as exc:
        raise UserError(
            f"证书文件 {path.name} 的密码不正确（或文件不是 PKCS#12 格式）。请核对密码后重试。",
            f"Wrong passphrase for the certificate file {path.name} (or it is not a PKCS#12 file). "
            f"Check the passphrase and try again.") from exc
    if key is None or cert is None:
        raise UserError(f"证书文件 {path.name} 中没有私钥或证书。", f"{path.name} holds no private key or certificate.")
    return ReportSigner(signer=_asn1_signer(key, cert, list(chain or [])), certificate=cert,
                        source="pkcs12", path=path, chain=tuple(chain or []))


def _new_local_certificate(key) -> x509.Certificate:
    host = socket.gethostname() or "device"
    name = x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, f"基层行现场评审 本机自签 {host}"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Jiceng Inspect (self-signed)"),
        x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
    ])
    now = datetime.now(timezone.utc).replace(microsecond=0)
    return (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )


def local_signer(data_dir: Path) -> ReportSigner:
    """The device's own key, created on first use (EC P-256, self-signed, 10 years)."""
    folder = signing_dir(data_dir)
    key_path, cert_path = folder / LOCAL_KEY, folder / LOCAL_CERT
    created = False
    if not (key_path.is_file() and cert_path.is_file()):
        folder.mkdir(parents=True, exist_ok=True)
        key = ec.generate_private_key(ec.SECP256R1())
        cert = _new_local_certificate(key)
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
            f.flush()
            os.fsync(f.fileno())
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        created = True
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    return ReportSigner(signer=_asn1_signer(key, cert, []), certificate=cert, source="local",
                        created=created, path=folder)


def county_signer(data_dir: Path) -> ReportSigner | None:
    """The certificate the county root issued to this tablet at sign-in, if it has one."""
    found = county_device.load(data_dir)
    if found is None:
        return None
    return ReportSigner(signer=_asn1_signer(found.key, found.cert, list(found.chain)), certificate=found.cert,
                        source="county", path=found.folder, chain=found.chain, tsa_url=found.tsa_url)


def get_signer(data_dir: Path, config: SigningConfig | None = None) -> ReportSigner:
    """The configured PKCS#12 if any (argument first, then config file), else the county
    certificate from enrollment, else the local self-signed key."""
    config = config if config is not None and config.pkcs12 else load_config(data_dir)
    if config.pkcs12:
        return load_pkcs12(config.pkcs12, config.passphrase)
    return county_signer(data_dir) or local_signer(data_dir)


def trust_roots(data_dir: Path | None, config: SigningConfig | None = None, extra=()) -> list[TrustRoot]:
    """The roots `report verify` trusts for this data folder (trust/roots.py), plus a configured
    PKCS#12's own certificate and `extra` (--trust)."""
    roots = known_roots(data_dir, list(extra))
    if data_dir is not None:
        try:
            config = config if config is not None and config.pkcs12 else load_config(data_dir)
            if config.pkcs12:
                p12 = load_pkcs12(config.pkcs12, config.passphrase)
                top = p12.chain[-1] if p12.chain else p12.certificate
                roots.append(TrustRoot(top, "trusted"))
        except UserError:
            pass
    return roots


def trusted_certificates(data_dir: Path | None, config: SigningConfig | None = None) -> list[x509.Certificate]:
    """The certificates of `trust_roots` (kept for callers that only need the certificates)."""
    return [r.cert for r in trust_roots(data_dir, config)]


def require_locked(inspection: Inspection) -> None:
    if inspection.status is not InspectionStatus.LOCKED:
        status_zh = {"draft": "草稿", "submitted": "已提交", "signed": "已签字"}.get(inspection.status.value,
                                                                                  inspection.status.value)
        raise UserError(
            f"评审当前为“{status_zh}”状态，只有锁定后的评审才能生成签章报告。请先完成签字并锁定评审，"
            f"或用 report build --draft 生成未签章的草稿。",
            f"The inspection is {inspection.status.value}; only a locked inspection gets a signed report. "
            f"Sign and lock it first, or use report build --draft for an unsigned draft.")


@dataclass(frozen=True)
class SignedPdf:
    """A signed report and what its signature holds (for the notice and the benchmark)."""

    pdf: bytes
    certified: bool
    timestamped: bool  # signature timestamp and document timestamp from the county TSA
    validation_data: bool  # PAdES B-LT: a DSS with the chain (and the TSA's)
    stamp: bool  # a visible signature appearance on the signatures page
    notes: tuple[tuple[str, str], ...] = ()


def _stamp_text(signer: ReportSigner, zone: str | None) -> str:
    from inspect_app.clock import local_time_text

    cert = signer.certificate
    name = next((a.value for a in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)), "")
    user = next((a.value for a in cert.subject.get_attributes_for_oid(NameOID.USER_ID)), "")
    unit = next((a.value for a in cert.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)), "")
    org = next((a.value for a in cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)), "")
    if signer.source == "county":
        head = f"电子签章 · {org}签发"
        who = f"签章人：{name}" + (f"（{user}）" if user and user != name else "")
        where = unit.replace(DEVICE_UNIT, "设备").strip()
    elif signer.source == "local":
        head = "电子签章 · 本机自签名证书（未经县级中心签发）"
        who = f"签章证书：{name}"
        where = ""
    else:
        head = f"电子签章 · 证书颁发者：{cert.issuer.rfc4514_string()[:40]}"
        who = f"签章人：{name or cert.subject.rfc4514_string()[:40]}"
        where = org
    lines = [head, who]
    if where:
        lines.append(where)
    lines.append(f"签章时间：{local_time_text(datetime.now(timezone.utc), zone)}")
    lines.append(f"证书 SHA-256：{fingerprint(cert)[:32]}…")
    return "\n".join(lines).replace("%", "%%")


# Characters every stamp may use besides the signer's own: the subset font then depends only on
# who signs, and is made once per signer and process.
_STAMP_BASE = ("电子签章 · 签发签章人：设备时间证书颁发者本机自签名未经县级中心（）…"
               "0123456789abcdefABCDEF-:+ ./SHA")


@lru_cache(maxsize=8)
def _stamp_font_bytes(chars: str) -> bytes:
    """The shipped CJK font cut down to `chars` (layout tables and hinting dropped): pyHanko
    subsets whatever font it is given, and subsetting the 14 MB font itself costs ~1.5 s."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(str(paths.CJK_FONT), lazy=True)
    options = subset.Options()
    options.layout_features = []
    options.hinting = False
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6]
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "BASE", "vhea", "vmtx", "VORG", "DSIG"]
    cutter = subset.Subsetter(options)
    cutter.populate(text=chars)
    cutter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def _stamp_font(text: str):
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulator, GlyphAccumulatorFactory

    data = _stamp_font_bytes("".join(sorted(set(_STAMP_BASE) | set(text.replace("\n", "")))))

    class SubsetFont(GlyphAccumulatorFactory):
        def create_font_engine(self, writer, obj_stream=None):
            if obj_stream is None and writer.stream_xrefs and self.create_objstream_if_needed:
                obj_stream = writer.prepare_object_stream()
            return GlyphAccumulator(writer=writer, font_handle=io.BytesIO(data), font_size=self.font_size,
                                    obj_stream=obj_stream)

    return SubsetFont(font_file=str(paths.CJK_FONT), font_size=8)


def _stamp_style(text: str):
    from pyhanko.pdf_utils.text import TextBoxStyle
    from pyhanko.stamp import TextStampStyle

    return TextStampStyle(stamp_text=text, border_width=1,
                          text_box_style=TextBoxStyle(font=_stamp_font(text), leading=11))


def _validation_context(signer: ReportSigner) -> ValidationContext:
    """The chain as the signer knows it. No CRL or OCSP server exists in a county's set-up, so
    revocation is not checked when the DSS is written (soft-fail): the DSS carries certificates only."""
    roots = [_to_asn1(signer.chain[-1])] if signer.chain else [_to_asn1(signer.certificate)]
    return ValidationContext(trust_roots=roots, other_certs=[_to_asn1(c) for c in signer.chain],
                             allow_fetching=False, revocation_mode="soft-fail")


def sign_report(pdf: bytes, signer: ReportSigner, *, reason: str = "", location: str = "", contact: str = "",
                stamp=None, zone: str | None = None, timestamps: bool = True, timestamper=None) -> SignedPdf:
    """Certify the finished report (DocMDP: no changes allowed) with a PAdES signature over the
    whole file, as an incremental update. With a county certificate: the chain embedded, a
    signature timestamp and a document timestamp from the hub's TSA when it answers, and a DSS
    with the chain (PAdES B-LT/LTA); offline, no timestamp, and the notes say so. `stamp`
    (signatures.StampBox) puts the visible appearance on the signatures page. `timestamper`: a
    pyHanko TimeStamper to use instead of the signer's TSA address (the hub stamps in process)."""
    notes: list[tuple[str, str]] = []
    county = signer.source == "county"
    if not timestamps:
        timestamper = None
    if timestamper is None and county and timestamps and signer.tsa_url:
        from inspect_app.trust.tsa import HubTimeStamper

        timestamper = HubTimeStamper(signer.tsa_url)

    def attempt(ts) -> bytes:
        meta = PdfSignatureMetadata(
            field_name=FIELD_NAME, subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256",
            reason=reason or "优质服务基层行现场评审报告", location=location or None,
            contact_info=contact or None, certify=True, docmdp_permissions=fields.MDPPerm.NO_CHANGES,
            embed_validation_info=county, validation_context=_validation_context(signer) if county else None,
            use_pades_lta=ts is not None, timestamp_field_name="ReportDocumentTimestamp" if ts else None,
        )
        field_spec = None
        style = None
        if stamp is not None:
            field_spec = fields.SigFieldSpec(FIELD_NAME, on_page=stamp.page, box=tuple(stamp.box))
            style = _stamp_style(_stamp_text(signer, zone))
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        _indirect_annotations(writer)
        pdf_signer = signers.PdfSigner(meta, signer=signer.signer, timestamper=ts, stamp_style=style,
                                       new_field_spec=field_spec)
        with _quiet_pyhanko():
            return run_outside_loop(lambda: pdf_signer.sign_pdf(writer).getvalue())

    if timestamper is not None:
        try:
            out = attempt(timestamper)
            notes.append(("已加盖县级中心时间戳（签名时间戳与文档时间戳）。",
                          "Timestamped by the county hub (signature and document timestamps)."))
            return SignedPdf(out, True, True, True, stamp is not None, tuple(notes))
        except Exception as exc:  # noqa: BLE001 - TSA unreachable or refused: sign without, and say so
            if not _is_timestamp_failure(exc):
                raise
            notes.append(("县级中心时间戳服务不可达：本次签章未加时间戳，签章时间为本机时间。",
                          "The county hub's timestamp service was unreachable: signed without a timestamp; "
                          "the signing time is this device's clock."))
    elif county and timestamps:
        notes.append(("未配置时间戳服务：签章未加时间戳。", "No timestamp service known: signed without a timestamp."))
    if signer.source == "local":
        notes.append(("本机自签名证书签章（本机从未在县级中心注册）：报告注明“本机自签”，无时间戳。",
                      "Signed with this device's self-signed certificate (it never enrolled with a hub): "
                      "the report says so; no timestamp."))
    out = attempt(None)
    return SignedPdf(out, True, False, county, stamp is not None, tuple(notes))


def _indirect_annotations(writer: IncrementalPdfFileWriter) -> None:
    """fpdf2 writes link annotations (the table of contents) directly into a page's /Annots;
    pyHanko's difference analysis refuses such arrays when it checks what followed a signature
    (a document timestamp adds a field). So the signed revision itself makes them indirect."""
    from pyhanko.pdf_utils import generic

    for page_ref in _page_refs(writer.root["/Pages"]):
        page = page_ref.get_object()
        if "/Annots" not in page:
            continue
        annots = page["/Annots"]
        if not any(not isinstance(a, generic.IndirectObject) for a in annots):
            continue
        page["/Annots"] = generic.ArrayObject(
            a if isinstance(a, generic.IndirectObject) else writer.add_object(a) for a in annots)
        writer.update_container(page)


def _page_refs(node):
    for kid in node["/Kids"]:
        obj = kid.get_object()
        if obj.get("/Type") == "/Pages":
            yield from _page_refs(obj)
        else:
            yield kid


def _is_timestamp_failure(exc: BaseException) -> bool:
    from pyhanko.sign.timestamps.common_utils import TimestampRequestError

    while exc is not None:
        if isinstance(exc, TimestampRequestError):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def sign_pdf(pdf: bytes, signer: ReportSigner, *, reason: str = "", location: str = "",
             contact: str = "", stamp=None, timestamps: bool = True) -> bytes:
    """`sign_report`, the bytes only."""
    return sign_report(pdf, signer, reason=reason, location=location, contact=contact, stamp=stamp,
                       timestamps=timestamps).pdf


__all__ = ["ReportSigner", "SignedPdf", "SigningConfig", "county_signer", "get_signer", "load_config", "load_pkcs12",
           "local_signer", "require_locked", "sign_pdf", "sign_report", "trust_roots", "trusted_certificates"]
