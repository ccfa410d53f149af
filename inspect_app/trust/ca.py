"""县级根证书 The county's certificate authority: make or import the root, check a tablet's
certificate request (CSR) and issue its signing certificate, and the county TSA certificate.

The subject of an issued certificate comes from the hub (the signed-in account, the device its
token names, the county of the root), never from the request: the CSR only proves that the
tablet holds the key it asks a certificate for.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from inspect_app.errors import UserError

ROOT_YEARS = 20
TSA_YEARS = 10
DEVICE_DAYS = 2 * 365
# What an issued tablet certificate says about itself (organisational unit).
DEVICE_UNIT = "基层行现场评审平板"
TSA_UNIT = "基层行时间戳服务"


@dataclass(frozen=True)
class Authority:
    """An issuing CA: its key and certificate, the certificates above it (nearest first, empty
    for a root it made itself) and the county it speaks for."""

    key: object
    cert: x509.Certificate
    chain: tuple[x509.Certificate, ...]
    county: str

    @property
    def root(self) -> x509.Certificate:
        return self.chain[-1] if self.chain else self.cert

    @property
    def path(self) -> list[x509.Certificate]:
        """The issuing certificate and every one above it (what a signature embeds)."""
        return [self.cert, *self.chain]


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def bureau_name(county: str) -> str:
    county = county.strip() or "本县"
    return county if county.endswith(("卫生健康局", "卫健局")) else f"{county}卫生健康局"


def _key_usage(*, sign: bool = False, ca: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=sign, content_commitment=sign, key_encipherment=False,
                         data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
                         encipher_only=False, decipher_only=False)


def new_root(county: str) -> Authority:
    """A county root CA (EC P-256, 20 years), made on the hub's first start."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
        x509.NameAttribute(NameOID.LOCALITY_NAME, county.strip() or "本县"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, bureau_name(county)),
        x509.NameAttribute(NameOID.COMMON_NAME, f"{bureau_name(county)} 基层行评审根证书"),
    ])
    now = _now()
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=365 * ROOT_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(ca=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return Authority(key=key, cert=cert, chain=(), county=county.strip() or "本县")


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def _order_chain(leaf: x509.Certificate, others: list[x509.Certificate]) -> tuple[x509.Certificate, ...]:
    """The issuers of `leaf` from `others`, nearest first, as far as they go."""
    chain, current, pool = [], leaf, list(others)
    while current.issuer != current.subject:
        parent = next((c for c in pool if c.subject == current.issuer), None)
        if parent is None:
            break
        chain.append(parent)
        pool.remove(parent)
        current = parent
    return tuple(chain)


def _county_of(cert: x509.Certificate) -> str:
    for oid in (NameOID.LOCALITY_NAME, NameOID.ORGANIZATION_NAME, NameOID.COMMON_NAME):
        attrs = cert.subject.get_attributes_for_oid(oid)
        if attrs:
            return str(attrs[0].value)
    return "本县"


def from_pkcs12(data: bytes, passphrase: str | None, county: str = "") -> Authority:
    """A real CA's issuing key and certificate from a PKCS#12 file (with its chain, if the file
    holds it). Refused unless the certificate may issue certificates."""
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(data, passphrase.encode("utf-8") if passphrase else None)
    except ValueError as exc:
        raise UserError("PKCS#12 文件的密码不正确，或文件不是 PKCS#12 格式。",
                        "Wrong passphrase for the PKCS#12 file, or it is not a PKCS#12 file.") from exc
    if key is None or cert is None:
        raise UserError("PKCS#12 文件中没有私钥或证书。", "The PKCS#12 file holds no private key or certificate.")
    if not _is_ca(cert):
        raise UserError("该证书不是 CA 证书（不能签发证书），不能作为县级根证书。请导入 CA 的 PKCS#12 文件。",
                        "This certificate is not a CA certificate (it cannot issue certificates); import a "
                        "CA's PKCS#12 file.")
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        if not usage.key_cert_sign:
            raise UserError("该 CA 证书的密钥用途不含“签发证书”（keyCertSign）。",
                            "The CA certificate's key usage lacks keyCertSign.")
    except x509.ExtensionNotFound:
        pass
    if not isinstance(key, (ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey)):
        raise UserError("只支持 RSA 或椭圆曲线（EC）密钥。", "Only RSA and EC keys are supported.")
    chain = _order_chain(cert, list(extra or []))
    return Authority(key=key, cert=cert, chain=chain, county=county.strip() or _county_of(cert))


def check_csr(pem: str | bytes) -> x509.CertificateSigningRequest:
    """A tablet's CSR: parsed, its self-signature checked, its key strong enough."""
    raw = pem.encode("ascii") if isinstance(pem, str) else pem
    try:
        csr = x509.load_pem_x509_csr(raw)
    except ValueError as exc:
        raise UserError("证书请求（CSR）格式不正确。", "The certificate request (CSR) is malformed.") from exc
    if not csr.is_signature_valid:
        raise UserError("证书请求（CSR）的签名无效。", "The certificate request's (CSR) signature is invalid.")
    public = csr.public_key()
    if isinstance(public, ec.EllipticCurvePublicKey):
        ok = public.curve.key_size >= 256
    elif isinstance(public, rsa.RSAPublicKey):
        ok = public.key_size >= 2048
    else:
        ok = False
    if not ok:
        raise UserError("证书请求中的密钥不符合要求（需 EC P-256 及以上或 RSA 2048 位及以上）。",
                        "The CSR's key is too weak (EC P-256+ or RSA 2048+ needed).")
    return csr


def _issue(ca: Authority, public_key, subject: x509.Name, days: int, extensions) -> x509.Certificate:
    now = _now()
    not_after = min(now + timedelta(days=days), ca.cert.not_valid_after_utc)
    builder = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(ca.cert.subject).public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5)).not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.cert.public_key()), critical=False)
    )
    for ext, critical in extensions:
        builder = builder.add_extension(ext, critical=critical)
    return builder.sign(ca.key, hashes.SHA256())


def device_subject(ca: Authority, *, inspector: str, username: str, device: str) -> x509.Name:
    """Who an issued tablet certificate names: the inspector (姓名 and account), the device and the county."""
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
        x509.NameAttribute(NameOID.LOCALITY_NAME, ca.county),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, bureau_name(ca.county)),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, f"{DEVICE_UNIT} {device}"[:64]),
        x509.NameAttribute(NameOID.USER_ID, username[:64]),
        x509.NameAttribute(NameOID.COMMON_NAME, (inspector or username)[:64]),
    ])


def issue_device_certificate(ca: Authority, csr: x509.CertificateSigningRequest, *, inspector: str,
                             username: str, device: str, days: int = DEVICE_DAYS) -> x509.Certificate:
    """The tablet's signing certificate (签章证书) for the key in `csr`."""
    return _issue(ca, csr.public_key(), device_subject(ca, inspector=inspector, username=username, device=device),
                  days, [(_key_usage(sign=True), True)])


def new_tsa(ca: Authority) -> tuple[object, x509.Certificate]:
    """The county TSA's key and certificate (extended key usage timeStamping, critical, as RFC 3161 asks)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
        x509.NameAttribute(NameOID.LOCALITY_NAME, ca.county),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, bureau_name(ca.county)),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, TSA_UNIT),
        x509.NameAttribute(NameOID.COMMON_NAME, f"{bureau_name(ca.county)} 时间戳服务"),
    ])
    cert = _issue(ca, key.public_key(), subject, 365 * TSA_YEARS,
                  [(_key_usage(sign=True), True),
                   (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), True)])
    return key, cert


# ------------------------------------------------------------------ serialising


def cert_pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def key_pem(key) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode("ascii")


def load_cert(pem: str | bytes) -> x509.Certificate:
    return x509.load_pem_x509_certificate(pem.encode("ascii") if isinstance(pem, str) else pem)


def load_key(pem: str | bytes):
    return serialization.load_pem_private_key(pem.encode("ascii") if isinstance(pem, str) else pem, password=None)


def fingerprint(cert: x509.Certificate) -> str:
    """SHA-256 of the certificate's DER, as colon-free hex."""
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def is_self_signed(cert: x509.Certificate) -> bool:
    if cert.issuer != cert.subject:
        return False
    try:
        cert.verify_directly_issued_by(cert)
        return True
    except (ValueError, TypeError, Exception):  # noqa: BLE001 - any failure: not self-signed
        return False


__all__ = ["Authority", "bureau_name", "cert_pem", "check_csr", "device_subject", "fingerprint", "from_pkcs12",
           "is_self_signed", "issue_device_certificate", "key_pem", "load_cert", "load_key", "new_root", "new_tsa"]
