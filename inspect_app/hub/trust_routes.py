"""The hub's part of the chain of trust (县级根证书, 平板注册, 时间戳服务).

Storage: the hub's settings document "trust" (store/base.py SettingsStore), so that every hub
process on a shared store signs with the same CA and TSA. On the data folder it is
`<data>/hub/trust.json` as always (crash-safe commit, `.prev` fallback, the hub's one write
lock, mode 0600 because it holds the CA and TSA keys); on PostgreSQL it is the row "trust" of
`hub_settings` (migration 002):

    ca:      county, source (generated | imported), root, issuer, chain, key (PEM), created
    tsa:     key and certificate of the county TSA, issued by the CA
    issued:  serial -> account, device, subject, when (every tablet certificate the hub issued)
    retired: earlier roots (an imported CA replaced a generated one): reports they signed still verify

Routes (`router`, included by hub/app.py after the resource routers):

    GET  /api/trust/root     the county root certificate (PEM), open
    POST /api/trust/enroll   an inspector's tablet sends {"csr": PEM}; the answer is its certificate
                             (inspector, device, county), the chain and the root, and the TSA address
    POST /api/tsa            RFC 3161: application/timestamp-query -> application/timestamp-reply, open
"""

from __future__ import annotations

import os

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from inspect_app.errors import UserError
from inspect_app.hub.accounts import Account
from inspect_app.hub.routes.deps import HubDep, Inspector, error
from inspect_app.hub.storage import HubFiles
from inspect_app.hub.store.base import SettingsStore
from inspect_app.inspection import utc_now
from inspect_app.trust import ca as county_ca
from inspect_app.trust import tsa
from inspect_app.trust.roots import SHARED_ROOTS_FILE

COUNTY_ENV = "JICENG_COUNTY"
TSA_PATH = "/api/tsa"
SETTING = "trust"


def _with_authority(doc: dict | None, authority: county_ca.Authority, source: str, retire=()) -> dict:
    """`doc` with `authority` as the county CA and a new TSA issued by it."""
    tsa_key, tsa_cert = county_ca.new_tsa(authority)
    out = dict(doc or {})
    out.setdefault("issued", {})
    out["ca"] = {"county": authority.county, "source": source, "root": county_ca.cert_pem(authority.root),
                 "issuer": county_ca.cert_pem(authority.cert),
                 "chain": [county_ca.cert_pem(c) for c in authority.chain],
                 "key": county_ca.key_pem(authority.key), "created": utc_now().isoformat()}
    out["tsa"] = {"key": county_ca.key_pem(tsa_key), "cert": county_ca.cert_pem(tsa_cert)}
    out["retired"] = sorted(set(out.get("retired") or []) | set(retire))
    return out


class HubTrust:
    """The county CA and TSA in the hub's settings store; made on first use (by whichever hub
    process comes first: the others then read the same one)."""

    def __init__(self, settings: SettingsStore | HubFiles) -> None:
        if isinstance(settings, HubFiles):  # a data folder given directly (`hub ca`, tests)
            from inspect_app.hub.store.files import FolderSettings

            settings = FolderSettings(settings)
        self.settings = settings
        self._authority: county_ca.Authority | None = None
        self._tsa = None
        self._key = None

    # -- reading -------------------------------------------------------------------------
    def _doc(self) -> dict:
        return self.settings.get(SETTING) or {}

    def exists(self) -> bool:
        return bool(self._doc().get("ca"))

    def _load(self, doc: dict | None = None) -> dict | None:
        doc = self._doc() if doc is None else doc
        if not doc.get("ca"):
            return None
        key = (doc["ca"]["issuer"], doc["tsa"]["cert"])
        if self._key != key:
            c = doc["ca"]
            self._authority = county_ca.Authority(
                key=county_ca.load_key(c["key"]), cert=county_ca.load_cert(c["issuer"]),
                chain=tuple(county_ca.load_cert(p) for p in c.get("chain", [])), county=c["county"])
            self._tsa = (county_ca.load_key(doc["tsa"]["key"]), county_ca.load_cert(doc["tsa"]["cert"]))
            self._key = key
        return doc

    def _ensure_doc(self, county: str = "") -> dict:
        doc = self._load()
        if doc is None:
            def make(current):
                if current and current.get("ca"):
                    return None  # another process (or thread) made it first: keep theirs
                return _with_authority(current, county_ca.new_root(county or os.environ.get(COUNTY_ENV, "")),
                                       "generated")

            doc = self._load(self.settings.change(SETTING, make))
        return doc

    def ensure(self, county: str = "") -> county_ca.Authority:
        """The county CA, made now if this hub has none (first start)."""
        self._ensure_doc(county)
        return self._authority

    @property
    def authority(self) -> county_ca.Authority:
        return self.ensure()

    def tsa_identity(self):
        """(key, certificate, chain above it) of the county TSA."""
        authority = self.ensure()
        key, cert = self._tsa
        return key, cert, authority.path

    def roots(self) -> list:
        """Every root this hub vouches for: the current one and any it replaced."""
        doc = self._ensure_doc()
        return [self._authority.root, *[county_ca.load_cert(p) for p in doc.get("retired", [])]]

    def info(self) -> dict:
        doc = self._ensure_doc()
        authority = self._authority
        root = authority.root
        return {"county": authority.county, "source": doc["ca"].get("source", ""),
                "root_subject": root.subject.rfc4514_string(), "root_sha256": county_ca.fingerprint(root),
                "issuer_subject": authority.cert.subject.rfc4514_string(),
                "not_after": root.not_valid_after_utc.isoformat(), "issued": len(doc.get("issued", {}))}

    # -- writing -------------------------------------------------------------------------
    def import_pkcs12(self, data: bytes, passphrase: str | None, county: str = "") -> county_ca.Authority:
        """Replace the county CA by a real CA's key and certificate (PKCS#12). A root this hub
        made before is kept as retired: the reports it issued for still verify here."""
        authority = county_ca.from_pkcs12(data, passphrase, county)
        new_root = county_ca.cert_pem(authority.root)

        def replace(current):
            retire = [current["ca"]["root"]] if current and current.get("ca") else []
            return _with_authority(current, authority, "imported", retire=[r for r in retire if r != new_root])

        self._key = None
        self._load(self.settings.change(SETTING, replace))
        return self._authority

    def issue(self, csr_pem: str, account: Account, device: str):
        authority = self.ensure()
        csr = county_ca.check_csr(csr_pem)
        cert = county_ca.issue_device_certificate(authority, csr, inspector=account.name or account.username,
                                                  username=account.username, device=device)
        entry = {"username": account.username, "device": device, "subject": cert.subject.rfc4514_string(),
                 "at": utc_now().isoformat(), "not_after": cert.not_valid_after_utc.isoformat()}

        def record(current):
            out = dict(current or {})
            out["issued"] = dict(out.get("issued") or {}) | {format(cert.serial_number, "x"): entry}
            return out

        self.settings.change(SETTING, record)
        return cert, authority


class EnrollRequest(BaseModel):
    csr: str = Field(min_length=100, max_length=8000)
    device: str = Field("", max_length=80)


def trust_of(hub) -> HubTrust:
    """The hub's `HubTrust`, made (with the county CA, if the store has none) on first use:
    create_app calls this once at start."""
    trust = hub.__dict__.get("trust")
    if trust is None:
        settings = getattr(hub.store, "settings", None)
        trust = hub.__dict__["trust"] = HubTrust(settings if settings is not None else hub.files)
        if hub.store.folder is None:
            _adopt_local(hub.files, trust.settings)
            # `report verify --data` on this machine's folder reads a public copy of the roots
            _copy_roots(hub.files.root / SHARED_ROOTS_FILE.name, trust.roots())
    trust.ensure()
    return trust


def _adopt_local(files: HubFiles, shared: SettingsStore) -> None:
    """A hub that ran on a shared database before the CA moved there kept a CA in its own
    folder (hub/trust.json), and its tablets were enrolled under it. The first such folder to
    start becomes the shared CA; another folder's root is kept as retired, so that the reports
    its tablets signed still verify on every hub process."""
    from inspect_app.hub.store.files import FolderSettings

    if not (files.root / "trust.json").is_file():
        return
    local = FolderSettings(files).get(SETTING) or {}
    if not local.get("ca"):
        return

    def adopt(current):
        if not current or not current.get("ca"):
            return local
        roots = {local["ca"]["root"], *(local.get("retired") or [])}
        known = {current["ca"]["root"], *(current.get("retired") or [])}
        if roots <= known:
            return None
        return current | {"retired": sorted(set(current.get("retired") or []) | (roots - {current["ca"]["root"]}))}

    shared.change(SETTING, adopt)


def _copy_roots(path, roots) -> None:
    """The roots of the shared CA (certificates only, no key) in the local data folder, so that
    `report verify --data <this folder>` on any machine of a shared hub trusts what it signs."""
    from inspect_app.store.durable import atomic_write_bytes

    text = "".join(county_ca.cert_pem(r) for r in roots).encode("ascii")
    try:
        if not path.is_file() or path.read_bytes() != text:
            atomic_write_bytes(path, text, keep_prev=False, mode=0o644)
    except OSError:
        pass  # a convenience copy; the hub itself reads the shared store


router = APIRouter()


@router.get("/api/trust/root")
def root(hub: HubDep):
    return Response(county_ca.cert_pem(trust_of(hub).authority.root), media_type="application/x-pem-file")


@router.post("/api/trust/enroll")
def enroll(body: EnrollRequest, hub: HubDep, acct: Inspector):
    trust = trust_of(hub)
    device = acct.device or body.device or "unknown"
    try:
        cert, authority = trust.issue(body.csr, acct, device)
    except UserError as err:
        return error(400, err)
    return {"certificate": county_ca.cert_pem(cert), "chain": [county_ca.cert_pem(c) for c in authority.path],
            "roots": [county_ca.cert_pem(r) for r in trust.roots()], "county": authority.county,
            "tsa_path": TSA_PATH}


@router.post(TSA_PATH)
async def timestamp(request: Request, hub: HubDep):
    if request.headers.get("content-type", "").split(";")[0].strip() != tsa.QUERY_TYPE:
        raise HTTPException(415, f"Content-Type must be {tsa.QUERY_TYPE}")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > tsa.MAX_QUERY_BYTES:
            raise HTTPException(413, "timestamp query too large")
    key, cert, chain = trust_of(hub).tsa_identity()
    answer = await run_in_threadpool(tsa.respond, bytes(body), key, cert, chain)
    return Response(answer, media_type=tsa.REPLY_TYPE)


__all__ = ["HubTrust", "TSA_PATH", "router", "trust_of"]
