"""`--tls`: a self-signed certificate made on first use in <folder>/tls/, for the tablet app
(`app --tls`, inspect_app/ui) and the county hub (`hub --tls`, in <data>/hub/tls/).

Why: a tablet's browser gives camera access (getUserMedia) only in a secure context, and
plain http on the site's Wi-Fi (or the bureau's LAN) is readable by anyone on it. The
certificate is this machine's own (no authority vouches for it): the browser warns once, and
the terminal (and the app's pairing page) show its SHA-256 fingerprint so people can check
it is this machine's. A bureau with its own certificate passes it instead (`hub --cert --key`).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import socket
from dataclasses import dataclass
from pathlib import Path

TLS_DIR = "tls"
VALID_DAYS = 825  # the longest lifetime browsers accept for a server certificate


@dataclass(frozen=True)
class TlsFiles:
    cert: Path
    key: Path
    fingerprint: str  # SHA-256 of the DER certificate, "AB:CD:…"


def fingerprint_of(cert_pem: bytes) -> str:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    cert = x509.load_pem_x509_certificate(cert_pem)
    return ":".join(f"{b:02X}" for b in cert.fingerprint(hashes.SHA256()))


def ensure_certificate(data_dir: Path, addresses: list[str] | None = None) -> TlsFiles:
    """The certificate and key in <data>/tls/, made once (kept across restarts, so a paired
    tablet does not have to accept a new certificate every day)."""
    folder = Path(data_dir) / TLS_DIR
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    if cert_path.is_file() and key_path.is_file():
        return TlsFiles(cert_path, key_path, fingerprint_of(cert_path.read_bytes()))
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    folder.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    host = socket.gethostname() or "jiceng-inspect"
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"Jiceng Inspect {host}"[:64]),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "基层行现场评审")])
    sans: list[x509.GeneralName] = [x509.DNSName("localhost"), x509.DNSName(host)]
    for addr in ["127.0.0.1", *(addresses or [])]:
        try:
            ip = x509.IPAddress(ipaddress.ip_address(addr))
        except ValueError:
            continue
        if ip not in sans:
            sans.append(ip)
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=VALID_DAYS))
            .add_extension(x509.SubjectAlternativeName(sans), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(key, hashes.SHA256()))
    key_bytes = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption())
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key_bytes)
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    cert_path.write_bytes(cert_pem)
    return TlsFiles(cert_path, key_path, fingerprint_of(cert_pem))
