"""数字签名 Digital signature of a finished report: PAdES B-B with pyHanko.

fpdf2's own `sign_pkcs12` output does not validate (ARCHITECTURE.md), so the PDF is built by
fpdf2 and signed afterwards here, as an incremental update covering the whole file.

The key: a PKCS#12 of the bureau or inspector can be configured (path + passphrase, on the
command line or in `<data>/signing/config.json`). Without one, the first signature creates a
local key and a self-signed certificate in `<data>/signing/` and says so; `report verify`
on this device trusts that certificate.
"""

from __future__ import annotations

import io
import json
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
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
from pyhanko_certvalidator.registry import SimpleCertificateStore

from inspect_app.errors import UserError
from inspect_app.inspection import Inspection, InspectionStatus

SIGNING_DIR = "signing"
LOCAL_KEY = "local-key.pem"
LOCAL_CERT = "local-cert.pem"
CONFIG_FILE = "config.json"
PASSPHRASE_ENV = "JICENG_PKCS12_PASSPHRASE"
FIELD_NAME = "ReportSignature"


@dataclass(frozen=True)
class SigningConfig:
    """A configured PKCS#12 (证书文件) instead of the local self-signed key."""

    pkcs12: Path | None = None
    passphrase: str | None = None


@dataclass(frozen=True)
class ReportSigner:
    """A key and certificate ready to sign, and where they came from."""

    signer: signers.SimpleSigner
    certificate: x509.Certificate
    source: str  # "pkcs12" or "local"
    created: bool = False  # the local key was made just now: tell the user
    path: Path | None = None

    @property
    def subject(self) -> str:
        return self.certificate.subject.rfc4514_string()

    def notice(self, lang: str = "zh") -> str:
        """What to tell the user about the key in use (always worth saying once)."""
        if self.created:
            return (f"首次签名：已在 {self.path} 创建本机签章密钥和自签名证书。如需使用卫健局或个人的数字证书，"
                    f"请用 --pkcs12 指定 PKCS#12 文件。" if lang == "zh" else
                    f"First signature: created a local signing key and self-signed certificate in {self.path}. "
                    f"To sign with the bureau's or your own certificate, pass --pkcs12.")
        if self.source == "local":
            return (f"使用本机自签名证书签名（{self.path}）。" if lang == "zh"
                    else f"Signed with this device's self-signed certificate ({self.path}).")
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


def _asn1_signer(key, cert: x509.Certificate, chain: list[x509.Certificate]) -> signers.SimpleSigner:
    der_key = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    to_asn1 = lambda c: asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))  # noqa: E731
    return signers.SimpleSigner(
        signing_cert=to_asn1(cert), signing_key=asn1_keys.PrivateKeyInfo.load(der_key),
        cert_registry=SimpleCertificateStore.from_certs([to_asn1(c) for c in chain]),
    )


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
                        source="pkcs12", path=path)


def _new_local_certificate(key) -> x509.Certificate:
    host = socket.gethostname() or "device"
    name = x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, f"基层行现场评审 本机签章 {host}"),
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


def get_signer(data_dir: Path, config: SigningConfig | None = None) -> ReportSigner:
    """The configured PKCS#12 if any (argument first, then config file), else the local key."""
    config = config if config is not None and config.pkcs12 else load_config(data_dir)
    if config.pkcs12:
        return load_pkcs12(config.pkcs12, config.passphrase)
    return local_signer(data_dir)


def trusted_certificates(data_dir: Path | None, config: SigningConfig | None = None) -> list[x509.Certificate]:
    """Certificates `report verify` trusts here: the local one and a configured PKCS#12's."""
    found: list[x509.Certificate] = []
    if data_dir is None:
        return found
    cert_path = signing_dir(data_dir) / LOCAL_CERT
    if cert_path.is_file():
        found.append(x509.load_pem_x509_certificate(cert_path.read_bytes()))
    for extra in sorted(signing_dir(data_dir).glob("trusted/*.pem")) if signing_dir(data_dir).is_dir() else []:
        found.extend(x509.load_pem_x509_certificates(extra.read_bytes()))
    try:
        config = config if config is not None and config.pkcs12 else load_config(data_dir)
        if config.pkcs12:
            found.append(load_pkcs12(config.pkcs12, config.passphrase).certificate)
    except UserError:
        pass
    return found


def require_locked(inspection: Inspection) -> None:
    if inspection.status is not InspectionStatus.LOCKED:
        status_zh = {"draft": "草稿", "submitted": "已提交", "signed": "已签字"}.get(inspection.status.value,
                                                                                  inspection.status.value)
        raise UserError(
            f"评审当前为“{status_zh}”状态，只有锁定后的评审才能生成签章报告。请先完成签字并锁定评审，"
            f"或用 report build --draft 生成未签章的草稿。",
            f"The inspection is {inspection.status.value}; only a locked inspection gets a signed report. "
            f"Sign and lock it first, or use report build --draft for an unsigned draft.")


def sign_pdf(pdf: bytes, signer: ReportSigner, *, reason: str = "", location: str = "",
             contact: str = "") -> bytes:
    """PAdES B-B signature over the whole file, as an incremental update."""
    meta = PdfSignatureMetadata(
        field_name=FIELD_NAME, subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256",
        reason=reason or "优质服务基层行现场评审报告", location=location or None,
        contact_info=contact or None,
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    out = signers.sign_pdf(writer, meta, signer=signer.signer)
    return out.getvalue()


__all__ = ["ReportSigner", "SigningConfig", "get_signer", "load_config", "load_pkcs12", "local_signer",
           "require_locked", "sign_pdf", "trusted_certificates"]
