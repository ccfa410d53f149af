"""时间戳 RFC 3161 timestamps: the hub's responder (county TSA certificate issued by the root)
and the tablet's client (a pyHanko `TimeStamper` over httpx, the project's HTTP client).

The responder answers a DER `TimeStampReq` (Content-Type application/timestamp-query) with a
DER `TimeStampResp` (application/timestamp-reply): status granted, and a CMS SignedData over a
TSTInfo holding the request's message imprint and nonce, the hub's clock (UTC) and a fresh
serial number, signed with the TSA key, the signing-certificate-v2 attribute naming the TSA
certificate and the certificates up to the county root embedded.
"""

from __future__ import annotations

import secrets
import ssl
from datetime import datetime, timezone
from functools import lru_cache

import httpx
from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from pyhanko.sign.general import as_signing_certificate_v2, simple_cms_attribute
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError, set_tsp_headers

QUERY_TYPE = "application/timestamp-query"
REPLY_TYPE = "application/timestamp-reply"
MAX_QUERY_BYTES = 16 * 1024
# The county TSA's policy identifier: a UUID OID (X.667, arc 2.25), which needs no registration.
POLICY_OID = "2.25.76935212322280549608990501511421243067"
_HASHES = {"sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512}


def _asn1(cert) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


class TimeStampAnswer(core.Sequence):
    """RFC 3161's TimeStampResp with the token OPTIONAL, as the RFC has it (asn1crypto's own spec
    requires the token, so it can neither write nor read a refusal)."""

    _fields = [("status", tsp.PKIStatusInfo), ("time_stamp_token", cms.ContentInfo, {"optional": True})]


def status_of(answer: bytes) -> str:
    """'granted', 'rejection', … of a DER TimeStampResp."""
    return TimeStampAnswer.load(answer)["status"]["status"].native


def _refusal(status: str, text: str, failure: str) -> bytes:
    return TimeStampAnswer({"status": tsp.PKIStatusInfo({
        "status": tsp.PKIStatus(status), "status_string": [text], "fail_info": tsp.PKIFailureInfo({failure}),
    })}).dump()


def respond(query: bytes, key, cert, chain=(), now: datetime | None = None) -> bytes:
    """A DER TimeStampResp for the DER TimeStampReq `query` (a refusal, not an exception, for a
    bad request: RFC 3161 § 2.4.2)."""
    try:
        req = tsp.TimeStampReq.load(query)
        req.native  # parse it all now: a malformed request is refused here, not half-way  # noqa: B018
        imprint: tsp.MessageImprint = req["message_imprint"]
        md = imprint["hash_algorithm"]["algorithm"].native
        digest = imprint["hashed_message"].native
    except (ValueError, TypeError, KeyError):
        return _refusal("rejection", "malformed request", "bad_data_format")
    if md not in _HASHES or len(digest) != _HASHES[md].digest_size:
        return _refusal("rejection", "unsupported hash algorithm", "bad_alg")
    policy = req["req_policy"].native
    if policy is not None and policy != POLICY_OID:
        return _refusal("rejection", "unsupported policy", "unaccepted_policy")
    when = (now or datetime.now(timezone.utc)).replace(microsecond=0)
    tsa_cert = _asn1(cert)
    info = {
        "version": "v1", "policy": POLICY_OID, "message_imprint": imprint,
        "serial_number": secrets.randbits(63) | 1, "gen_time": when,
        "tsa": asn1_x509.GeneralName(name="directory_name", value=tsa_cert.subject),
    }
    if req["nonce"].native is not None:
        info["nonce"] = req["nonce"]
    tst_info = tsp.TSTInfo(info).dump()

    h = hashes.Hash(hashes.SHA256())
    h.update(tst_info)
    signed_attrs = cms.CMSAttributes([
        simple_cms_attribute("content_type", "tst_info"),
        simple_cms_attribute("signing_time", cms.Time({"utc_time": core.UTCTime(when)})),
        simple_cms_attribute("signing_certificate_v2", as_signing_certificate_v2(tsa_cert)),
        simple_cms_attribute("message_digest", h.finalize()),
    ])
    if isinstance(key, ec.EllipticCurvePrivateKey):
        signature = key.sign(signed_attrs.dump(), ec.ECDSA(hashes.SHA256()))
        sig_alg = "sha256_ecdsa"
    elif isinstance(key, rsa.RSAPrivateKey):
        signature = key.sign(signed_attrs.dump(), padding.PKCS1v15(), hashes.SHA256())
        sig_alg = "sha256_rsa"
    else:  # pragma: no cover - ca.py only makes EC keys and imports EC/RSA
        return _refusal("rejection", "TSA key type unsupported", "system_failure")
    digest_alg = algos.DigestAlgorithm({"algorithm": "sha256"})
    signer_info = cms.SignerInfo({
        "version": "v1",
        "sid": cms.SignerIdentifier({"issuer_and_serial_number": cms.IssuerAndSerialNumber(
            {"issuer": tsa_cert.issuer, "serial_number": tsa_cert.serial_number})}),
        "digest_algorithm": digest_alg,
        "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": sig_alg}),
        "signed_attrs": signed_attrs, "signature": signature,
    })
    signed_data = cms.SignedData({
        "version": "v3", "digest_algorithms": cms.DigestAlgorithms([digest_alg]),
        "encap_content_info": cms.EncapsulatedContentInfo(
            {"content_type": "tst_info", "content": cms.ParsableOctetString(tst_info)}),
        "certificates": [tsa_cert, *[_asn1(c) for c in chain]] if req["cert_req"].native else [],
        "signer_infos": [signer_info],
    })
    token = cms.ContentInfo({"content_type": "signed_data", "content": signed_data})
    return tsp.TimeStampResp({"status": tsp.PKIStatusInfo({"status": tsp.PKIStatus("granted")}),
                              "time_stamp_token": token}).dump()


@lru_cache(maxsize=1)
def _default_tls() -> ssl.SSLContext:
    return ssl.create_default_context()


def _tls(url: str):
    """Certificate checking for an https hub; none to set up for plain http on the county LAN
    (building a default TLS context loads the CA bundle: ~0.2 s per request otherwise)."""
    return _default_tls() if url.lower().startswith("https:") else False


class HubTimeStamper(TimeStamper):
    """pyHanko's timestamp client for the hub's /api/tsa, over httpx. A short connect timeout:
    signing offline must not hang, it signs without a timestamp and says so."""

    def __init__(self, url: str, timeout: float = 5.0) -> None:
        super().__init__()
        self.url = url
        self.timeout = httpx.Timeout(timeout, connect=min(timeout, 3.0))

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        try:
            async with httpx.AsyncClient(timeout=self.timeout, verify=_tls(self.url)) as client:
                r = await client.post(self.url, content=req.dump(), headers=set_tsp_headers({}))
        except httpx.HTTPError as exc:
            raise TimestampRequestError(f"timestamp server unreachable: {type(exc).__name__}") from exc
        if r.status_code != 200 or r.headers.get("content-type", "").split(";")[0] != REPLY_TYPE:
            raise TimestampRequestError(f"timestamp server answered {r.status_code}")
        try:
            status = status_of(r.content)
        except ValueError as exc:
            raise TimestampRequestError("timestamp server answer is malformed") from exc
        if status not in ("granted", "granted_with_mods"):
            raise TimestampRequestError(f"timestamp server refused: {status}")
        return tsp.TimeStampResp.load(r.content)


class LoopbackTSA:
    """`respond` behind a small threaded HTTP server on 127.0.0.1, for tests and the benchmark
    (the hub itself answers at /api/tsa). `url` to post to; `stop()` when done."""

    def __init__(self, key, cert, chain=()) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                size = int(self.headers.get("Content-Length") or 0)
                if self.headers.get("Content-Type") != QUERY_TYPE or size > MAX_QUERY_BYTES:
                    self.send_response(415)
                    self.end_headers()
                    return
                answer = respond(self.rfile.read(size), key, cert, chain)
                self.send_response(200)
                self.send_header("Content-Type", REPLY_TYPE)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/tsa"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(5)


__all__ = ["HubTimeStamper", "LoopbackTSA", "MAX_QUERY_BYTES", "POLICY_OID", "QUERY_TYPE", "REPLY_TYPE", "TimeStampAnswer", "respond",
           "status_of"]
