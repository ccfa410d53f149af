"""Which roots a data folder trusts when it verifies a report (`report verify --data DIR`):

- the county root the tablet received when it enrolled (`signing/roots/*.pem`);
- on a hub's data folder, the hub's own county root and any it replaced (`hub/trust.json`; a
  hub on a shared PostgreSQL store keeps its CA there and writes the roots, certificates only,
  to `hub/trust-roots.pem` of each data folder it runs on);
- certificates put by hand into `signing/trusted/*.pem`, and `--trust CERT.pem`;
- this device's own self-signed certificate (`signing/local-cert.pem`): a report it signed
  itself before it ever met a hub verifies here, and says that it is 本机自签.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509

from inspect_app.trust.ca import fingerprint
from inspect_app.trust.device import enrolled_roots, folder

HUB_TRUST_FILE = Path("hub") / "trust.json"
SHARED_ROOTS_FILE = Path("hub") / "trust-roots.pem"
LOCAL_CERT = "local-cert.pem"
TRUSTED_DIR = "trusted"


@dataclass(frozen=True)
class TrustRoot:
    cert: x509.Certificate
    kind: str  # "county" | "local" | "trusted"

    @property
    def sha256(self) -> str:
        return fingerprint(self.cert)


def _hub_trust(data_dir: Path) -> dict:
    try:
        return json.loads((Path(data_dir) / HUB_TRUST_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return {}


def hub_root(data_dir: Path) -> x509.Certificate | None:
    """The hub's current county root certificate, read from its trust file (no key is loaded)."""
    try:
        return x509.load_pem_x509_certificate(_hub_trust(data_dir)["ca"]["root"].encode("ascii"))
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def hub_roots(data_dir: Path) -> list[x509.Certificate]:
    """The hub's current root and the roots it replaced (reports issued under them still verify)."""
    roots = [r for r in [hub_root(data_dir)] if r is not None]
    for pem in _hub_trust(data_dir).get("retired") or []:
        try:
            roots.append(x509.load_pem_x509_certificate(pem.encode("ascii")))
        except (ValueError, AttributeError):
            continue
    shared = Path(data_dir) / SHARED_ROOTS_FILE
    if shared.is_file():
        try:
            roots.extend(load_pem_file(shared))
        except ValueError:
            pass
    return roots


def load_pem_file(path: Path) -> list[x509.Certificate]:
    return list(x509.load_pem_x509_certificates(Path(path).read_bytes()))


def known_roots(data_dir: Path | None, extra: list[x509.Certificate] = ()) -> list[TrustRoot]:
    found: list[TrustRoot] = []
    if data_dir is not None:
        for cert in enrolled_roots(data_dir):
            found.append(TrustRoot(cert, "county"))
        found.extend(TrustRoot(root, "county") for root in hub_roots(data_dir))
        base = folder(data_dir)
        local = base / LOCAL_CERT
        if local.is_file():
            try:
                found.append(TrustRoot(x509.load_pem_x509_certificate(local.read_bytes()), "local"))
            except ValueError:
                pass
        for path in sorted((base / TRUSTED_DIR).glob("*.pem")):
            try:
                found.extend(TrustRoot(c, "trusted") for c in load_pem_file(path))
            except ValueError:
                continue
    found.extend(TrustRoot(c, "trusted") for c in extra)
    unique: dict[str, TrustRoot] = {}
    for r in found:
        unique.setdefault(r.sha256, r)
    return list(unique.values())


__all__ = ["HUB_TRUST_FILE", "SHARED_ROOTS_FILE", "TrustRoot", "hub_root", "hub_roots", "known_roots", "load_pem_file"]
