"""平板注册 The tablet's side of enrollment: make the key on the device, the CSR the hub signs,
and keep what the hub sent in `<data>/signing/`:

    county-key.pem       the device's private key (EC P-256, mode 0600; it never leaves the tablet)
    county-cert.pem      the certificate the county root issued for it
    county-chain.pem     the certificates above it, nearest first, up to the county root
    roots/<sha256>.pem   the county root(s) this tablet trusts when it verifies
    county.json          hub address, TSA address, county, account, when: written last, so a
                         half-finished enrollment is simply not there
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from inspect_app.store.durable import fsync_dir
from inspect_app.trust.ca import cert_pem, fingerprint, key_pem, load_cert, load_key

SIGNING_DIR = "signing"
KEY_FILE = "county-key.pem"
CERT_FILE = "county-cert.pem"
CHAIN_FILE = "county-chain.pem"
ROOTS_DIR = "roots"
INFO_FILE = "county.json"


@dataclass(frozen=True)
class Enrollment:
    """A tablet's county-issued signing identity."""

    key: object
    cert: x509.Certificate
    chain: tuple[x509.Certificate, ...]
    hub_url: str
    tsa_url: str
    county: str
    username: str
    enrolled_at: str
    folder: Path


def folder(data_dir: Path) -> Path:
    return Path(data_dir) / SIGNING_DIR


def new_key():
    return ec.generate_private_key(ec.SECP256R1())


def make_csr(key, device: str) -> str:
    """The request the hub signs; the hub names the subject itself (this only proves the key)."""
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"device {device}"[:64])]))
           .sign(key, hashes.SHA256()))
    return csr.public_bytes(serialization.Encoding.PEM).decode("ascii")


def _write(path: Path, data: bytes, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.chmod(tmp, mode)
    os.replace(tmp, path)
    fsync_dir(path.parent)


def save(data_dir: Path, key, cert: x509.Certificate, chain: list[x509.Certificate], roots: list[x509.Certificate],
         *, hub_url: str, tsa_url: str, county: str, username: str) -> Enrollment:
    """Keep an issued certificate with its key. Refuses a certificate for another key."""
    if cert.public_key().public_numbers() != key.public_key().public_numbers():
        raise ValueError("the hub issued a certificate for another key")
    base = folder(data_dir)
    _write(base / KEY_FILE, key_pem(key).encode("ascii"), 0o600)
    _write(base / CERT_FILE, cert_pem(cert).encode("ascii"))
    _write(base / CHAIN_FILE, "".join(cert_pem(c) for c in chain).encode("ascii"))
    for root in roots:
        _write(base / ROOTS_DIR / f"{fingerprint(root)}.pem", cert_pem(root).encode("ascii"))
    at = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    info = {"hub_url": hub_url, "tsa_url": tsa_url, "county": county, "username": username, "enrolled_at": at,
            "certificate_sha256": fingerprint(cert)}
    _write(base / INFO_FILE, json.dumps(info, ensure_ascii=False, indent=1).encode("utf-8"))
    return Enrollment(key=key, cert=cert, chain=tuple(chain), hub_url=hub_url, tsa_url=tsa_url, county=county,
                      username=username, enrolled_at=at, folder=base)


def load(data_dir: Path) -> Enrollment | None:
    """This tablet's county identity, or None (never enrolled, expired, or a half-written one)."""
    base = folder(data_dir)
    try:
        info = json.loads((base / INFO_FILE).read_text("utf-8"))
        cert = load_cert((base / CERT_FILE).read_bytes())
        key = load_key((base / KEY_FILE).read_bytes())
        chain_raw = (base / CHAIN_FILE).read_bytes()
        chain = tuple(x509.load_pem_x509_certificates(chain_raw)) if chain_raw.strip() else ()
    except (OSError, ValueError, TypeError):
        return None
    if info.get("certificate_sha256") != fingerprint(cert):
        return None
    if cert.public_key().public_numbers() != key.public_key().public_numbers():
        return None
    if cert.not_valid_after_utc <= datetime.now(timezone.utc):
        return None
    return Enrollment(key=key, cert=cert, chain=chain, hub_url=str(info.get("hub_url", "")),
                      tsa_url=str(info.get("tsa_url", "")), county=str(info.get("county", "")),
                      username=str(info.get("username", "")), enrolled_at=str(info.get("enrolled_at", "")),
                      folder=base)


def enrolled_roots(data_dir: Path) -> list[x509.Certificate]:
    roots = []
    for path in sorted((folder(data_dir) / ROOTS_DIR).glob("*.pem")):
        try:
            roots.extend(x509.load_pem_x509_certificates(path.read_bytes()))
        except ValueError:
            continue
    return roots


__all__ = ["Enrollment", "enrolled_roots", "load", "make_csr", "new_key", "save"]
