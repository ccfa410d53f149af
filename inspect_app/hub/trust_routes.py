"""The hub's part of the chain of trust (县级根证书, 平板注册, 时间戳服务).

Storage: `<data>/hub/trust.json`, a hub data file like accounts.json (crash-safe commit, `.prev`
fallback, the hub's one write lock), mode 0600 because it holds the CA and TSA keys:

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
from inspect_app.inspection import utc_now
from inspect_app.store.datafile import DataFile
from inspect_app.store.durable import SECRET_MODE
from inspect_app.store.migrations import CURRENT_VERSIONS
from inspect_app.trust import ca as county_ca
from inspect_app.trust import tsa

CURRENT_VERSIONS.setdefault("hub_trust", 1)
COUNTY_ENV = "JICENG_COUNTY"
TSA_PATH = "/api/tsa"


class HubTrust:
    """The county CA and TSA kept in the hub's data folder; made on first use."""

    def __init__(self, files: HubFiles) -> None:
        self.files = files
        self.file = DataFile(files.root / "trust.json", "hub_trust", files.lock, mode=SECRET_MODE)
        self._authority: county_ca.Authority | None = None
        self._tsa = None
        self._key = None

    # -- reading -------------------------------------------------------------------------
    def exists(self) -> bool:
        doc = self.file.load() or {}
        return bool(doc.get("ca"))

    def _load(self) -> bool:
        doc = self.file.load() or {}
        if not doc.get("ca"):
            return False
        key = (doc["ca"]["issuer"], doc["tsa"]["cert"])
        if self._key != key:
            c = doc["ca"]
            self._authority = county_ca.Authority(
                key=county_ca.load_key(c["key"]), cert=county_ca.load_cert(c["issuer"]),
                chain=tuple(county_ca.load_cert(p) for p in c.get("chain", [])), county=c["county"])
            self._tsa = (county_ca.load_key(doc["tsa"]["key"]), county_ca.load_cert(doc["tsa"]["cert"]))
            self._key = key
        return True

    def ensure(self, county: str = "") -> county_ca.Authority:
        """The county CA, made now if this hub has none (first start)."""
        if not self._load():
            with self.files.lock.exclusive():
                if not self._load():
                    self._commit(county_ca.new_root(county or os.environ.get(COUNTY_ENV, "")), "generated")
            self._load()
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
        authority = self.ensure()
        doc = self.file.load() or {}
        return [authority.root, *[county_ca.load_cert(p) for p in doc.get("retired", [])]]

    def info(self) -> dict:
        authority = self.ensure()
        doc = self.file.load() or {}
        root = authority.root
        return {"county": authority.county, "source": doc["ca"].get("source", ""),
                "root_subject": root.subject.rfc4514_string(), "root_sha256": county_ca.fingerprint(root),
                "issuer_subject": authority.cert.subject.rfc4514_string(),
                "not_after": root.not_valid_after_utc.isoformat(), "issued": len(doc.get("issued", {}))}

    # -- writing -------------------------------------------------------------------------
    def _commit(self, authority: county_ca.Authority, source: str, *, retire: list[str] = ()) -> None:
        tsa_key, tsa_cert = county_ca.new_tsa(authority)
        doc = self.files.tables(self.file, "issued")
        doc["ca"] = {"county": authority.county, "source": source, "root": county_ca.cert_pem(authority.root),
                     "issuer": county_ca.cert_pem(authority.cert),
                     "chain": [county_ca.cert_pem(c) for c in authority.chain],
                     "key": county_ca.key_pem(authority.key), "created": utc_now().isoformat()}
        doc["tsa"] = {"key": county_ca.key_pem(tsa_key), "cert": county_ca.cert_pem(tsa_cert)}
        doc["retired"] = sorted(set(doc.get("retired") or []) | set(retire))
        self.file.commit(doc)

    def import_pkcs12(self, data: bytes, passphrase: str | None, county: str = "") -> county_ca.Authority:
        """Replace the county CA by a real CA's key and certificate (PKCS#12). A root this hub
        made before is kept as retired: the reports it issued for still verify here."""
        authority = county_ca.from_pkcs12(data, passphrase, county)
        with self.files.lock.exclusive():
            doc = self.file.load() or {}
            retire = [doc["ca"]["root"]] if doc.get("ca") else []
            new_root = county_ca.cert_pem(authority.root)
            self._commit(authority, "imported", retire=[r for r in retire if r != new_root])
        self._key = None
        self._load()
        return self._authority

    def issue(self, csr_pem: str, account: Account, device: str):
        authority = self.ensure()
        csr = county_ca.check_csr(csr_pem)
        cert = county_ca.issue_device_certificate(authority, csr, inspector=account.name or account.username,
                                                  username=account.username, device=device)
        with self.files.lock.exclusive():
            doc = self.files.tables(self.file, "issued")
            doc["issued"][format(cert.serial_number, "x")] = {
                "username": account.username, "device": device, "subject": cert.subject.rfc4514_string(),
                "at": utc_now().isoformat(), "not_after": cert.not_valid_after_utc.isoformat()}
            self.file.commit(doc)
        return cert, authority


class EnrollRequest(BaseModel):
    csr: str = Field(min_length=100, max_length=8000)
    device: str = Field("", max_length=80)


def trust_of(hub) -> HubTrust:
    """The hub's `HubTrust`, made (with the county CA, if the folder has none) on first use:
    create_app calls this once at start."""
    trust = hub.__dict__.get("trust")
    if trust is None:
        trust = hub.__dict__["trust"] = HubTrust(hub.files)
    trust.ensure()
    return trust


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
