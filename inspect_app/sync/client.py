"""Talking to the hub over HTTP (同步客户端): one `sync_once` = capture, photos, push, pull.

Order matters for safety, not for correctness: photos go first so that a record never
reaches others long before its photo; a photo counts as sent only when the hub answers that
the bytes it holds hash to the photo's SHA-256. Every step can stop half-way (no network,
tablet switched off) and the next run continues where it stopped: ops not acknowledged are
sent again (the hub ignores repeats), an upload resumes from the byte count the hub reports.
"""

from __future__ import annotations

import gzip
import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from inspect_app.errors import UserError
from inspect_app.inspection import utc_now
from inspect_app.sync.engine import SyncEngine
from inspect_app.sync.merge import fold
from inspect_app.sync.protocol import (
    MISSING_BLOB,
    PROTOCOL_VERSION,
    SHA256_HEX,
    HubOp,
    Op,
    PushResult,
    Rejection,
    blob_refs,
)

PUSH_BATCH = 20000  # ops per push request (a 250-clause visit is ~2,000)
UPLOAD_PIECE = 1024 * 1024
BATCH_BYTES = 64 * 1024 * 1024  # the hub makes a batch durable at its end, then answers
BATCH_COUNT = 200  # the hub takes at most 256 per batch


class HubRefused(UserError):
    """401/403: the hub will not take this tablet's sign-in or request."""


class HubUnreachable(UserError):
    """No network to the hub: nothing is lost, sync retries later."""


@dataclass
class SyncReport:
    captured: int = 0
    pushed: int = 0
    duplicates: int = 0
    rejected: int = 0
    pulled: int = 0
    photos_sent: int = 0
    photos_skipped: int = 0
    photos_fetched: int = 0
    reports_signed: int = 0
    standards_fetched: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0
    requests: int = 0
    messages: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)  # per step, for the benchmark


def _header_bytes(headers: httpx.Headers) -> int:
    return sum(len(k) + len(v) + 4 for k, v in headers.raw)


class HubClient:
    """A signed-in connection to the hub (token from /api/login)."""

    def __init__(self, base_url: str, token: str = "", *, transport: httpx.BaseTransport | None = None,
                 timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = httpx.Client(base_url=self.base_url, timeout=timeout, transport=transport,
                                 headers={"Authorization": f"Bearer {token}"} if token else {})
        self.report = SyncReport()

    def close(self) -> None:
        self.http.close()

    def login(self, username: str, password: str, device: str = "") -> dict:
        r = self.request("POST", "/api/login", json={"username": username, "password": password, "device": device})
        body = r.json()
        self.http.headers["Authorization"] = f"Bearer {body['token']}"
        return body

    def request(self, method: str, url: str, **kwargs) -> httpx.Response:
        try:
            response = self.http.request(method, url, **kwargs)
        except httpx.TransportError as err:
            raise HubUnreachable(f"无法连接县级中心（{type(err).__name__}），数据已保存在本机，稍后会自动重试。",
                            f"Cannot reach the hub ({type(err).__name__}); everything is kept on this tablet "
                            "and sync will retry.") from err
        request = response.request
        self.report.requests += 1
        self.report.bytes_sent += len(request.method) + len(str(request.url.raw_path)) + _header_bytes(request.headers) \
            + int(request.headers.get("content-length") or 0)
        self.report.bytes_received += _header_bytes(response.headers) + len(response.content)
        if response.status_code == 401:
            raise HubRefused("中心拒绝了登录凭据（令牌无效或已撤销），请重新登录。",
                             "The hub refused this tablet's sign-in (token invalid or revoked); sign in again.")
        if response.status_code == 403:
            raise HubRefused("中心拒绝访问：本账号不在该评审的评审组中。",
                             "The hub refused: this account is not on that inspection's team.")
        if url == "/api/sync/push" and response.status_code in (409, 422) and b'"rejected"' in response.content:
            return response  # the hub refused named ops and stored nothing: push() marks them, sends the rest
        if response.status_code in (400, 422) and url in ("/api/sync/push", "/api/sync/pull", "/api/blobs/missing"):
            raise UserError(f"中心无法处理本次同步请求：{response.text[:300]}",
                            f"The hub could not handle this sync request: {response.text[:300]}")
        if response.status_code == 503:  # a store behind the hub is down: the hub says which, in words
            try:
                body = response.json()
                zh, en = str(body["zh"]), str(body["en"])
            except (ValueError, KeyError, TypeError):
                zh, en = "县级中心暂时无法处理同步，数据已保存在本机，稍后会自动重试。", "The hub is unavailable; sync will retry."
            raise HubUnreachable(zh, en)
        if response.status_code >= 500:
            raise UserError(f"县级中心出错（{response.status_code}），稍后重试。",
                            f"The hub failed ({response.status_code}); sync will retry.")
        return response


def sync_once(engine: SyncEngine, client: HubClient, *, fetch_photos: bool = True) -> SyncReport:
    """One full round. Raises UserError (no network, refused) after saving what it could."""
    from inspect_app.sync.editions import fetch_editions

    client.report = report = SyncReport()
    steps = [("capture", lambda: setattr(report, "captured", engine.capture())),
             ("enroll", lambda: ensure_enrolled(engine, client)),  # before signing: reports get the county key
             ("reports", lambda: sign_reports(engine, client)),
             ("photos", lambda: upload_photos(engine, client)),
             ("push", lambda: push(engine, client)),
             ("pull", lambda: pull(engine, client))]
    if fetch_photos:
        steps.append(("fetch", lambda: fetch_missing_photos(engine, client)))
    steps.append(("editions", lambda: fetch_editions(engine, client)))  # editions the bureau published (sync/editions.py)
    for name, step in steps:
        start = time.perf_counter()
        step()
        report.seconds[name] = time.perf_counter() - start
    report.messages += [r["zh"] for r in engine.rejections()]
    engine.update_state(last_synced=utc_now().isoformat(), last_error="")
    return report


def _token_tag(client: HubClient) -> str:
    token = client.http.headers.get("Authorization", "")
    return hashlib.sha256(token.encode()).hexdigest()[:16] if token else ""


def enroll_device(client: HubClient, data_dir: Path, device: str):
    """平板注册: make a key here, send its CSR, keep the county certificate the hub issues
    (inspector, device, county), its chain and root (trust/device.py). The key never leaves."""
    from inspect_app.trust import device as county_device
    from inspect_app.trust.ca import load_cert

    key = county_device.new_key()
    r = client.request("POST", "/api/trust/enroll", json={"csr": county_device.make_csr(key, device), "device": device})
    if r.status_code != 200:
        body = r.json() if r.headers.get("content-type", "").startswith("application/json") else {}
        raise UserError(f"县级中心未签发签章证书（{r.status_code}）：{body.get('zh', '')}",
                        f"The hub issued no signing certificate ({r.status_code}): {body.get('en', '')}")
    body = r.json()
    chain = [load_cert(p) for p in body["chain"]]
    enrollment = county_device.save(
        data_dir, key, load_cert(body["certificate"]), chain, [load_cert(p) for p in body["roots"]],
        hub_url=client.base_url, tsa_url=client.base_url + body.get("tsa_path", "/api/tsa"),
        county=str(body.get("county", "")), username="")
    (enrollment.folder / "county-token.txt").write_text(_token_tag(client), encoding="ascii")
    return enrollment


def ensure_enrolled(engine: SyncEngine, client: HubClient) -> None:
    """Enroll once per sign-in (a new token), so the certificate names who signed in on this device."""
    from inspect_app.trust import device as county_device

    found = county_device.load(engine.data_dir)
    tag_file = county_device.folder(engine.data_dir) / "county-token.txt"
    tag = tag_file.read_text(encoding="ascii").strip() if tag_file.is_file() else ""
    if found is not None and found.hub_url == client.base_url and tag == _token_tag(client):
        return
    try:
        enroll_device(client, engine.data_dir, engine.device)
    except (HubUnreachable, HubRefused):
        raise
    except (UserError, ValueError, KeyError, TypeError) as err:  # an older hub, or a refusal: sign locally
        client.report.messages.append(getattr(err, "zh", f"签章证书注册失败：{err}"))


def sign_reports(engine: SyncEngine, client: HubClient) -> None:
    """A revision locked on this tablet gets its signed PDF from the report engineer's API
    (built and signed once, kept as <data>/reports/<report id>.pdf) and an op `report/<rev>`
    naming the file's SHA-256; the PDF then travels like a photo and the hub re-hashes it."""
    for iid, revision in engine.reports_to_send():
        from inspect_app import services
        from inspect_app.report.export import signed_report  # fpdf2, pyHanko: only when needed

        ws = engine.local.workspace
        try:
            inspection = services.get_inspection(ws, iid)
            if inspection.revision != revision or inspection.status.value != "locked":
                continue  # a later revision is open here: only the current one can be signed
            signed = signed_report(ws, iid)
        except UserError as err:  # e.g. a configured certificate with a wrong passphrase
            client.report.messages.append(err.zh)
            continue
        value = {"sha256": engine.local.file_sha256(signed.path), "report_id": signed.report_id,
                 "content_sha256": signed.content_sha256, "bytes": signed.path.stat().st_size,
                 "file": signed.path.name}
        engine.add_op(iid, revision, f"report/{revision}", value, author=inspection.inspector)
        client.report.reports_signed += 1


def upload_photos(engine: SyncEngine, client: HubClient) -> None:
    """Photos, signature images, the standard file and signed PDFs the hub has not confirmed,
    and, in the same question, those the hub confirmed that ops still to be pushed name: the
    hub removes an upload no op names 48 h after it arrived, so a tablet whose push failed
    and that comes back later sends such a blob again before the ops that name it."""
    unconfirmed = engine.pending_photos()
    files = engine._file_blobs()
    recheck = sorted(s for s in engine.pending_op_blobs() - set(unconfirmed) if engine.has_blob(s, files))
    send_blobs(engine, client, unconfirmed + recheck, recheck=set(recheck), files=files)


def send_blobs(engine: SyncEngine, client: HubClient, pending: list[str], *, recheck: set[str] = frozenset(),
               files: dict[str, Path] | None = None) -> None:
    """Ask the hub which of `pending` (held here) it lacks and upload those (resuming partial
    uploads). `recheck`: blobs already confirmed, asked about again: one the hub lacks is
    unconfirmed and sent; one it holds is not counted as skipped."""
    if not pending:
        return
    answer = client.request("POST", "/api/blobs/missing", json={"shas": pending}).json()
    missing = set(answer["missing"])
    engine.unconfirm_photos(missing & set(recheck))  # the hub lost them (its clean-up): pending again
    # The hub has these already (it checked their hash when it took them).
    already = [s for s in pending if s not in missing and s not in recheck]
    engine.confirm_photos(already)
    client.report.photos_skipped += len(already)
    files = engine._file_blobs() if files is None else files
    path = lambda sha: files.get(sha) or engine.local.blob_path(sha)  # noqa: E731
    resume = [s for s in pending if s in missing and answer["partial"].get(s)]
    for sha in resume:
        upload_one(engine, client, sha, int(answer["partial"][sha]), path(sha))
    fresh = [s for s in pending if s in missing and s not in resume]
    batch: list[tuple[str, Path, int]] = []
    size = 0
    for sha in fresh:
        p = path(sha)
        n = p.stat().st_size
        batch.append((sha, p, n))
        size += n
        if size >= BATCH_BYTES or len(batch) >= BATCH_COUNT:
            upload_batch(engine, client, batch)
            batch, size = [], 0
    if batch:
        upload_batch(engine, client, batch)


LEASE_RETRIES = 6  # 0.25 s doubling: about 16 s in all before the sync says "later"


def lease_wait(attempt: int) -> float:
    return min(0.25 * 2 ** attempt, 8.0)


def upload_batch(engine: SyncEngine, client: HubClient, batch: list[tuple[str, Path, int]]) -> None:
    """Whole files back to back in one request; the hub answers which ones it verified (after
    making the whole batch durable)."""
    manifest = ",".join(f"{sha}:{n}" for sha, _, n in batch)

    def body():
        for _, path, n in batch:
            with open(path, "rb", buffering=0) as fh:
                sent = 0
                while sent < n and (chunk := fh.read(min(UPLOAD_PIECE, n - sent))):
                    sent += len(chunk)
                    yield chunk

    for attempt in range(LEASE_RETRIES + 1):
        r = client.request("POST", "/api/blobs/batch", params={"manifest": manifest}, content=body(),
                           headers={"Content-Type": "application/octet-stream",
                                    "Content-Length": str(sum(n for _, _, n in batch))})
        answer = r.json()
        if r.status_code != 409:
            break
        if attempt == LEASE_RETRIES:
            raise UserError("中心仍在处理上一次中断的上传，稍后会自动重试。",
                            "The hub is still finishing an interrupted upload; sync will retry shortly.")
        # 409: another request (often this tablet's own, cut off a moment ago) still holds these
        # blobs; the hub lets go as soon as it notices the cut, so wait a little and ask again.
        time.sleep(lease_wait(attempt))
    engine.confirm_photos(answer.get("verified", []))  # only what the hub re-hashed and kept
    client.report.photos_sent += len(answer.get("verified", []))
    paths = {sha: p for sha, p, _ in batch}
    for sha in answer.get("failed", []):
        upload_one(engine, client, sha, 0, paths[sha])


def upload_one(engine: SyncEngine, client: HubClient, sha: str, offset: int, path: Path | None = None) -> None:
    data = (path or engine.blob_path(sha)).read_bytes()
    total = len(data)
    for _attempt in range(3):
        if offset > total:
            offset = 0
        r = client.request("PUT", f"/api/blobs/{sha}", params={"offset": offset, "total": total},
                           content=data[offset:], headers={"Content-Type": "application/octet-stream"})
        body = r.json()
        if r.status_code == 200 and body.get("verified"):
            engine.confirm_photos([sha])  # only now: the hub re-hashed what it holds
            client.report.photos_sent += 1
            return
        if r.status_code == 409:
            offset = int(body.get("received", 0))  # resume where the hub's copy ends
            time.sleep(lease_wait(_attempt))  # the copy may still be held by a request just cut off
            continue
        if r.status_code == 422:
            offset = 0  # the hub's copy did not match the hash and was dropped: send it whole
            continue
        offset = int(body.get("received", offset))
    raise UserError(f"照片 {sha[:12]}… 未能上传，下次同步会继续。", f"Photo {sha[:12]}… did not upload; the next sync continues.")


PUSH_MENDS = 2  # pushes again after uploading blobs the hub refused a push for lacking


def push(engine: SyncEngine, client: HubClient) -> None:
    """Every op the hub has not acknowledged, in one gzip-compressed request per PUSH_BATCH.
    The hub refuses a push naming a photo it does not hold (MISSING_BLOB: it lost it to its
    clean-up between our upload and this push, or never got it): nothing of it is stored, so
    the photos are uploaded again and the rest pushed again. An op whose photo this tablet does
    not hold either is held back (kept, not marked refused: sent once the photo is here)."""
    pending = engine.pending_op_values()
    held: set[str] = set()
    for start in range(0, len(pending), PUSH_BATCH):
        batch = pending[start:start + PUSH_BATCH]
        for attempt in range(PUSH_MENDS + 1):
            batch = [o for o in batch if _op_id(o) not in held]
            if not batch:
                break
            result = _push_batch(engine, client, batch)
            lacking = [r for r in result.rejected if r.code == MISSING_BLOB]
            refused = [r for r in result.rejected if r.code != MISSING_BLOB]
            engine.mark_pushed([*result.accepted, *result.duplicates], refused)
            client.report.pushed += len(result.accepted)
            client.report.duplicates += len(result.duplicates)
            client.report.rejected += len(refused)
            if not lacking or attempt == PUSH_MENDS:
                break  # stored, or refused by the rules (the rest goes next sync, as ever), or still lacking
            done = {r.id for r in refused}
            batch = [o for o in batch if _op_id(o) not in done]
            held |= _mend_blobs(engine, client, lacking, batch)


def _op_id(value: dict) -> str:
    return f"{value['device']}:{value['seq']}"


def _push_batch(engine: SyncEngine, client: HubClient, batch: list[dict]) -> PushResult:
    body = {"protocol": PROTOCOL_VERSION, "device": engine.device, "ops": batch}
    raw = gzip.compress(_dumps(body), compresslevel=5, mtime=0)
    r = client.request("POST", "/api/sync/push", content=raw,
                       headers={"Content-Type": "application/json", "Content-Encoding": "gzip"})
    return PushResult.model_validate_json(r.content)


def _mend_blobs(engine: SyncEngine, client: HubClient, lacking: list[Rejection], batch: list[dict]) -> set[str]:
    """Upload again the blobs the hub refused ops for lacking; returns the ids of the ops whose
    blobs this tablet does not hold (held back from the push, with a message)."""
    by_id = {_op_id(o): o for o in batch}
    files = engine._file_blobs()
    shas: set[str] = set()
    held: set[str] = set()
    for r in lacking:
        named = set(r.blobs) or (set(blob_refs(Op.model_validate(by_id[r.id]))) if r.id in by_id else set())
        named = {s for s in named if SHA256_HEX.match(s)}
        if all(engine.has_blob(s, files) for s in named):
            shas |= named
            continue
        held.add(r.id)
        lost = next((s for s in named if not engine.has_blob(s, files)), "")
        client.report.messages.append(f"变更 {r.id} 的照片 {lost[:12]}… 中心和本机都没有，该变更暂不发送（已保留）。")
    engine.unconfirm_photos(shas)
    # Sent whole without asking first: the hub just said it lacks them (a hub process's memory
    # of a blob another process's clean-up removed may still answer "held" to a question).
    path = lambda sha: files.get(sha) or engine.local.blob_path(sha)  # noqa: E731
    todo = [(sha, path(sha), path(sha).stat().st_size) for sha in sorted(shas)]
    for start in range(0, len(todo), BATCH_COUNT):
        upload_batch(engine, client, todo[start:start + BATCH_COUNT])
    return held


def _dumps(value) -> bytes:
    try:
        import orjson

        return orjson.dumps(value)
    except ImportError:  # the store's fallback too
        import json

        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def pull(engine: SyncEngine, client: HubClient) -> None:
    cursor = int(engine.state().get("cursor", 0))
    from_start = cursor == 0
    ids: list[str] = []
    while True:
        body = client.request("GET", "/api/sync/pull", params={"since": cursor, "exclude_device": engine.device}).json()
        ops = [HubOp.model_validate(o) for o in body["ops"]]
        client.report.pulled += engine.merge(ops, acked=True)
        cursor = int(body["cursor"])
        engine.update_state(cursor=cursor)
        ids = body.get("inspections", [])
        if not body.get("more"):
            break
    # An inspection shared with this account after our cursor passed its early ops: fetch it whole.
    known = set(engine.state().get("fetched", []))
    if from_start:  # a pull from 0 already brought everything this account may read
        known.update(ids)
        engine.update_state(fetched=sorted(known))
    for iid in ids:
        if iid in known:
            continue
        since = 0
        while True:
            body = client.request("GET", "/api/sync/pull", params={"since": since, "inspection": iid,
                                                                       "exclude_device": engine.device}).json()
            client.report.pulled += engine.merge([HubOp.model_validate(o) for o in body["ops"]], acked=True)
            since = int(body["cursor"])
            if not body.get("more"):
                break
        known.add(iid)
        engine.update_state(fetched=sorted(known))


def fetch_standard(engine: SyncEngine, client: HubClient, ref) -> None:
    """The standard a teammate started the inspection with, if this tablet lacks it: kept
    where services looks for it (data/standards), after checking hash, id and content."""
    from inspect_app import services
    from inspect_app.standard.loader import loads_standard
    from inspect_app.store.durable import atomic_write_bytes

    if not isinstance(ref, dict) or not SHA256_HEX.match(str(ref.get("sha256", ""))):
        return
    target = engine.local.standard_file(str(ref.get("id", "")), str(ref.get("version", "")))
    if target.is_file():
        return
    r = client.http.get(f"/api/blobs/{ref['sha256']}")
    if r.status_code != 200 or hashlib.sha256(r.content).hexdigest() != ref["sha256"]:
        return  # not there yet, or damaged in transit: the next sync tries again
    try:
        standard = loads_standard(r.content.decode("utf-8"))
    except (UserError, UnicodeDecodeError):
        return
    if standard.id != ref.get("id") or services.standard_version(standard) != ref.get("version"):
        return
    atomic_write_bytes(target, r.content)
    client.report.standards_fetched += 1


def fetch_missing_photos(engine: SyncEngine, client: HubClient) -> None:
    """Photos and signatures others took, so this tablet can show them."""
    kinds: dict[str, str] = {}
    keeps: set[str] = set()  # photos of an inspection that keeps GPS: kept with their location
    for iid in engine.known_inspections():
        ops = engine.ops(iid)
        held = fold(ops).get("inspection.keep_gps")
        keep = held is not None and held.value is True
        for op in ops:
            if op.device == engine.device:
                continue
            if op.key.startswith("report/"):
                continue  # the signed PDF stays on the hub; tablets do not store PDFs as photos
            if op.key == "standard":
                fetch_standard(engine, client, op.value)
                continue
            for sha in blob_refs(op):
                kinds[sha] = "png" if op.key.startswith("signature/") else "photo"
                if keep:
                    keeps.add(sha)
    for sha, kind in sorted(kinds.items()):
        if engine.local.photos.has(sha):
            continue
        r = client.http.get(f"/api/blobs/{sha}")
        if r.status_code != 200:
            continue  # not on the hub yet: the next sync tries again
        try:
            engine.local.put_blob(sha, r.content, kind, keep_gps=sha in keeps)
        except UserError:
            continue  # damaged in transit: hash refused by the photo store; retried next time
        engine.confirm_photos([sha])
        client.report.photos_fetched += 1


__all__ = ["HubClient", "HubRefused", "SyncReport", "sync_once", "upload_photos", "push", "pull", "Op"]
