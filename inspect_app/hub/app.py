"""The hub's HTTP API (县级中心): sync for tablets, reports for clinics, overview for the bureau.

Every route except /api/health and /api/login needs `Authorization: Bearer <token>`:
no token or a bad/revoked one → 401; a good token asking for what is not its own → 403
(also for ids that do not exist, so guessing ids tells nothing).
"""

import hashlib
import os
import shutil
import tempfile
import zlib
from pathlib import Path
from typing import Annotated

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect
from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel, Field, ValidationError

from inspect_app.errors import UserError
from inspect_app.hub.accounts import Account, Accounts, Role
from inspect_app.hub.ledger import Forbidden, Ledger, may_read, may_read_report
from inspect_app.hub.reports import (
    centers_table,
    report_view,
    revisions,
    snapshot,
    standard_from_bytes,
    state_view,
)
from inspect_app.hub.storage import HubFiles, start_writeback, write_all
from inspect_app.inspection import utc_now
from inspect_app.sync.protocol import (
    PROTOCOL_VERSION,
    SAFE_ID,
    SHA256_HEX,
    BlobResult,
    MissingRequest,
    MissingResult,
    Op,
    PushRequest,
    PushResult,
    Rejection,
)

MAX_BLOB_BYTES = 64 * 1024 * 1024
MAX_BATCH_COUNT = 256
MAX_MANIFEST = MAX_BATCH_COUNT * 80
MAX_PUSH_BYTES = 256 * 1024 * 1024  # a push, uncompressed


class Hub:
    """The hub's parts on one data folder (shared by the API and the web pages)."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.files = HubFiles(self.data_dir)
        self.accounts = Accounts(self.files)
        self.ledger = Ledger(self.files, check=self.check_op)
        self._photos = None

    @property
    def photos(self):
        """The hub's photo store (<data>/hub/photos): clinics' rectification photos are ingested
        here like a tablet's, then their originals are kept as blobs for the tablets."""
        if self._photos is None:
            from inspect_app.evidence import PhotoStore

            self._photos = PhotoStore(self.files.root / "photos")
        return self._photos

    def check_op(self, op: Op) -> Rejection | None:
        """On arrival, an op's blob must be what the op says: the signed PDF is this inspection's
        revision, the standard file is the named edition with that content hash. (The blob's
        bytes were already re-hashed against its name when it was uploaded.) A blob not here yet
        is not judged: the pages say the PDF has not arrived, scoring falls back to the folders."""
        value = op.value if isinstance(op.value, dict) else {}
        sha = str(value.get("sha256", ""))
        if not (op.key == "standard" or op.key.startswith("report/")) or not self.files.has_blob(sha):
            return None
        path = self.files.blob_path(sha)
        if op.key == "standard":
            if standard_from_bytes(path.read_bytes(), str(value.get("id", "")), str(value.get("version", ""))):
                return None
            return Rejection(id=op.id, code="bad_standard",
                             zh="随评审上传的评价标准文件与其声明的标准或版本不符，已拒收。",
                             en="The standard file sent with the inspection is not the standard/version it names; refused.")
        from inspect_app.report.export import report_content

        try:
            doc, _ = report_content(path)
            same = doc["inspection"]["id"] == op.inspection_id and int(doc["inspection"]["revision"]) == int(
                op.key.split("/")[1])
        except (UserError, KeyError, TypeError, ValueError):
            same = False
        if same:
            return None
        return Rejection(id=op.id, code="bad_report", zh="上传的签署报告不是该评审该版本的报告，已拒收。",
                         en="The signed report sent is not this inspection's revision; refused.")

    def report_pdf(self, inspection_id: str, revision: int) -> Path | None:
        """The signed PDF of a revision: the one the tablet signed and sent, if it did."""
        snap = snapshot(inspection_id, self.ledger.state(inspection_id))
        ref = snap.report_pdf.get(revision)
        if ref and self.files.has_blob(ref["sha256"]):
            return self.files.blob_path(ref["sha256"])
        return None


class LoginRequest(BaseModel):
    username: str
    password: str
    device: str = ""


class ResponseRequest(BaseModel):
    """整改回复 of a clinic to one deficiency."""

    clause: str
    item: str
    plan: str = Field(min_length=1, max_length=4000)
    due: str = Field("", max_length=20)  # YYYY-MM-DD
    photos: list[str] = Field(default_factory=list, max_length=20)


def _error(status: int, err: UserError) -> JSONResponse:
    return JSONResponse({"detail": err.zh, "zh": err.zh, "en": err.en}, status_code=status)


def create_app(data_dir: Path, *, web: bool = True):
    hub = Hub(data_dir)
    api = FastAPI(title="Jiceng Inspect hub", docs_url=None, redoc_url=None, openapi_url=None)
    api.state.hub = hub

    @api.exception_handler(Forbidden)
    async def _forbidden(_: Request, err: Forbidden):
        return _error(403, err)

    @api.exception_handler(UserError)
    async def _user_error(_: Request, err: UserError):
        return _error(400, err)

    def account(authorization: Annotated[str | None, Header()] = None) -> Account:
        scheme, _, token = (authorization or "").partition(" ")
        found = hub.accounts.authenticate(token.strip()) if scheme.lower() == "bearer" else None
        if found is None:
            raise HTTPException(401, "请先登录（令牌缺失、无效或已被撤销）。 Sign in first (token missing, invalid or revoked).",
                                headers={"WWW-Authenticate": "Bearer"})
        return found

    def role(*roles: Role):
        def check(acct: Annotated[Account, Depends(account)]) -> Account:
            if acct.role not in roles:
                raise Forbidden()
            return acct
        return check

    Inspector = Annotated[Account, Depends(role(Role.INSPECTOR))]
    Anyone = Annotated[Account, Depends(account)]
    Admin = Annotated[Account, Depends(role(Role.ADMIN))]
    BlobUser = Annotated[Account, Depends(role(Role.INSPECTOR, Role.CLINIC))]

    # -- open ----------------------------------------------------------------------------
    @api.get("/api/health")
    def health():
        return {"ok": True, "protocol": PROTOCOL_VERSION}

    @api.post("/api/login")
    def login(body: LoginRequest):
        try:
            token, acct = hub.accounts.login(body.username, body.password, body.device)
        except UserError as err:
            return _error(401, err)
        return {"token": token, "username": acct.username, "name": acct.name, "role": acct.role.value,
                "center_id": acct.center_id}

    # -- any signed-in account -----------------------------------------------------------
    @api.get("/api/me")
    def me(acct: Anyone):
        return {"username": acct.username, "name": acct.name, "role": acct.role.value, "center_id": acct.center_id}

    @api.post("/api/logout")
    def logout(acct: Anyone):
        hub.accounts.revoke(acct.username, acct.token_id)
        return {"ok": True}

    # -- sync (inspectors' tablets) ------------------------------------------------------
    @api.post("/api/sync/push", response_model=PushResult)
    async def push(request: Request, acct: Inspector):
        """Ops as JSON (PushRequest), optionally gzip-compressed (Content-Encoding: gzip): a
        first sync sends all of a visit's changes in one compressed request."""
        raw = await request.body()
        if request.headers.get("content-encoding", "").lower() == "gzip":
            raw = await run_in_threadpool(_gunzip, raw, MAX_PUSH_BYTES)
        try:
            body = PushRequest.model_validate_json(raw)
        except ValidationError as err:
            return JSONResponse({"detail": err.errors(include_url=False, include_context=False)}, status_code=422)
        if body.protocol != PROTOCOL_VERSION:
            raise UserError("平板上的软件版本与中心不一致，请先升级。", "The tablet's app version does not match the hub; update it first.")
        return await run_in_threadpool(hub.ledger.push, acct, body.ops)

    @api.get("/api/sync/pull")
    def pull(acct: Inspector, since: int = 0, inspection: str = "", exclude_device: str = ""):
        result, ids = hub.ledger.pull(acct, since, exclude_device, inspection)
        return {**result.model_dump(mode="json"), "inspections": ids}

    @api.post("/api/blobs/missing", response_model=MissingResult)
    def blobs_missing(body: MissingRequest, acct: BlobUser):
        shas = [s for s in body.shas if SHA256_HEX.match(s)]
        missing = [s for s in shas if not hub.files.has_blob(s)]
        partial = {s: n for s in missing if (n := hub.files.partial_size(s))}
        return MissingResult(missing=missing, partial=partial)

    @api.put("/api/blobs/{sha}", response_model=BlobResult)
    async def put_blob(sha: str, request: Request, acct: BlobUser,
                       offset: Annotated[int, Query(ge=0)] = 0, total: Annotated[int, Query(ge=1)] = 1):
        """Upload (part of) a blob from `offset`; when `total` bytes are in, the hub checks the
        SHA-256 and keeps the file only if it matches. An interrupted upload resumes from the
        `received` count this or /api/blobs/missing reports."""
        if not SHA256_HEX.match(sha) or total > MAX_BLOB_BYTES:
            raise HTTPException(422, "bad hash or size")
        if hub.files.has_blob(sha):
            return BlobResult(sha256=sha, received=total, complete=True, verified=True)
        if sha in hub.files.in_flight:
            return JSONResponse(BlobResult(sha256=sha, received=0, complete=False).model_dump(), status_code=409)
        have = hub.files.partial_size(sha)
        if offset != have:
            return JSONResponse(BlobResult(sha256=sha, received=have, complete=False).model_dump(), status_code=409)
        size = have
        hub.files.in_flight.add(sha)
        try:
            with hub.files.partial_writer(sha, have) as write:
                async for chunk in request.stream():
                    if size + len(chunk) > total:
                        raise HTTPException(422, "more bytes than announced")
                    write(chunk)
                    size += len(chunk)
        except HTTPException:
            hub.files.partial_path(sha).unlink(missing_ok=True)
            raise
        except Exception:  # the tablet went away mid-upload: keep what arrived for the resume
            return JSONResponse(BlobResult(sha256=sha, received=size, complete=False).model_dump(), status_code=409)
        finally:
            hub.files.in_flight.discard(sha)
        if size < total:
            return BlobResult(sha256=sha, received=size, complete=False)
        if not hub.files.finish_partial(sha):
            return JSONResponse(BlobResult(sha256=sha, received=0, complete=False, verified=False).model_dump(),
                                status_code=422)
        return BlobResult(sha256=sha, received=size, complete=True, verified=True)

    @api.post("/api/blobs/batch")
    async def put_blobs(request: Request, acct: BlobUser, manifest: str = Query(max_length=MAX_MANIFEST)):
        """Several whole blobs in one stream, in the order and sizes `manifest` names
        ("sha:size,sha:size,…"). Each is hashed as it arrives and kept only if it matches.
        Durability is per batch: every file is written, then all are fsynced, renamed and
        their folder fsynced once, and only then does the answer list the verified ones. A
        cut stream keeps the finished blobs and the started one as a resumable partial."""
        try:
            wanted = [(sha, int(size)) for sha, size in (part.split(":") for part in manifest.split(","))]
        except ValueError:
            raise HTTPException(422, "bad manifest")
        if len(wanted) > MAX_BATCH_COUNT or any(not SHA256_HEX.match(s) or not 0 < n <= MAX_BLOB_BYTES
                                                for s, n in wanted) or len({s for s, _ in wanted}) != len(wanted):
            raise HTTPException(422, "bad manifest")
        busy = [s for s, _ in wanted if s in hub.files.in_flight]
        if busy:  # an earlier request (e.g. from before a cut) is still finishing these
            return JSONResponse({"verified": [], "failed": [], "busy": busy}, status_code=409)
        hub.files.in_flight.update(s for s, _ in wanted)
        try:
            return await receive_batch(request, wanted)
        finally:
            hub.files.in_flight.difference_update(s for s, _ in wanted)

    async def receive_batch(request: Request, wanted: list[tuple[str, int]]) -> dict:
        done: list[tuple[str, int, str]] = []
        cut: tuple[str, int] | None = None
        stream = request.stream()
        buf = memoryview(b"")
        try:
            for sha, size in wanted:
                fd = hub.files.open_partial(sha)
                cut = (sha, fd)
                digest = hashlib.sha256()
                got = 0
                while got < size:
                    if not buf:
                        buf = memoryview(await stream.__anext__())
                    take, buf = buf[: size - got], buf[size - got:]  # views: no copies
                    write_all(fd, take)
                    digest.update(take)
                    got += len(take)
                start_writeback(fd)
                done.append((sha, fd, digest.hexdigest()))
                cut = None
        except (StopAsyncIteration, ClientDisconnect):
            pass  # cut short: what finished is kept; the started one resumes by PUT
        except BaseException:  # e.g. cancelled when the tablet vanished: keep what arrived, durably
            hub.files.finish_batch(done, cut)
            raise
        verified, failed = await run_in_threadpool(hub.files.finish_batch, done, cut)
        return {"verified": verified, "failed": failed}

    @api.get("/api/blobs/{sha}")
    def get_blob(sha: str, acct: Anyone):
        if not SHA256_HEX.match(sha) or not hub.files.has_blob(sha) or not hub.ledger.blob_readable(acct, sha):
            raise Forbidden()
        return FileResponse(hub.files.blob_path(sha), media_type="application/octet-stream")

    # -- inspections (team and bureau) ---------------------------------------------------
    @api.get("/api/inspections")
    def inspections(acct: Anyone):
        if acct.role is Role.CLINIC:
            raise Forbidden()
        return [{"id": e.id, "center_id": e.center_id, "revision": e.revision, "status": e.status,
                 "sealed": list(e.sealed)} for e in hub.ledger.readable_entries(acct)]

    @api.get("/api/inspections/{inspection_id}/state")
    def inspection_state(inspection_id: str, acct: Anyone, revision: int | None = None):
        if not may_read(acct, hub.ledger.entry(inspection_id)):
            raise Forbidden()
        return state_view(hub.ledger.state(inspection_id, revision))

    # -- reports (clinic, team, bureau) --------------------------------------------------
    def readable_revision(acct: Account, inspection_id: str, revision: int | None) -> int:
        entry = hub.ledger.entry(inspection_id) if SAFE_ID.match(inspection_id) else None
        if entry is None:
            raise Forbidden()
        if revision is None:
            revision = max(entry.sealed) if acct.role is Role.CLINIC and entry.sealed else entry.revision
        if not may_read_report(acct, entry, revision):
            raise Forbidden()
        return revision

    @api.get("/api/reports")
    def reports(acct: Anyone):
        rows = []
        for entry in hub.ledger.entries():
            for rev in revisions(hub.ledger, entry.id):
                if may_read_report(acct, entry, rev["revision"]):
                    rows.append({"inspection_id": entry.id, "center_id": entry.center_id, **rev})
        return rows

    @api.get("/api/reports/{inspection_id}")
    def report(inspection_id: str, acct: Anyone, revision: int | None = None):
        rev = readable_revision(acct, inspection_id, revision)
        return report_view(hub.ledger, inspection_id, rev, hub.data_dir)

    @api.get("/api/reports/{inspection_id}/pdf")
    def report_pdf(inspection_id: str, acct: Anyone, revision: int | None = None):
        rev = readable_revision(acct, inspection_id, revision)
        path = hub.report_pdf(inspection_id, rev)
        if path is None:
            raise HTTPException(404, "该版本的签署报告尚未同步到中心。 The signed PDF of this revision has not reached the hub yet.")
        return FileResponse(path, media_type="application/pdf", filename=f"{inspection_id}-r{rev}.pdf")

    @api.post("/api/reports/{inspection_id}/photos")
    async def clinic_photo(inspection_id: str, request: Request,
                           acct: Annotated[Account, Depends(role(Role.CLINIC))], name: str = Query("", max_length=200)):
        """A rectification photo (整改照片) from the clinic: the body is the file's bytes. It is
        ingested like a tablet's photo (refused if it is not a usable photo) and kept as a blob
        by the SHA-256 of the original; answer with that hash in `photos` of a response."""
        readable_revision(acct, inspection_id, None)
        data = bytearray()
        async for chunk in request.stream():
            data += chunk
            if len(data) > MAX_BLOB_BYTES:
                raise HTTPException(413, "too large")
        return await run_in_threadpool(ingest_clinic_photo, hub, bytes(data), name)

    @api.post("/api/reports/{inspection_id}/responses")
    def respond(inspection_id: str, body: ResponseRequest, acct: Annotated[Account, Depends(role(Role.CLINIC))]):
        rev = readable_revision(acct, inspection_id, None)
        return answer_deficiency(hub, acct, inspection_id, rev, body)

    # -- bureau --------------------------------------------------------------------------
    @api.get("/api/bureau/centers")
    def bureau_centers(acct: Admin):
        return centers_table(hub.ledger, hub.data_dir)

    @api.get("/api/bureau/export")
    def bureau_export(acct: Admin):
        return export_response(hub)

    @api.api_route("/api/{rest:path}", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
    def no_such_api(rest: str):
        """Unknown /api paths answer 404 here instead of falling through to the web app."""
        raise HTTPException(404)

    if web:
        from inspect_app.hub.web import mount_web

        return mount_web(api, hub)  # the API routes above win; Flet serves every other path
    return api


def _gunzip(raw: bytes, limit: int) -> bytes:
    out = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = out.decompress(raw, limit)
    except zlib.error:
        raise HTTPException(422, "bad gzip body")
    if out.unconsumed_tail:
        raise HTTPException(413, "push too large")
    return data


def ingest_clinic_photo(hub: Hub, data: bytes, name: str = "") -> dict:
    """Ingest through the evidence store (orientation, GPS stripped, thumbnails; PhotoRejected
    for anything else), then keep the original as a blob the tablets fetch and re-verify."""
    stored = hub.photos.ingest(data, name)
    if not hub.files.has_blob(stored.sha256):
        hub.files.append_partial(stored.sha256, 0, hub.photos.original_bytes(stored.sha256))
        if not hub.files.finish_partial(stored.sha256):
            raise UserError("照片保存失败，请重新上传。", "The photo could not be stored; upload it again.")
    return {"sha256": stored.sha256, "name": stored.original_name, "width": stored.width, "height": stored.height}


def answer_deficiency(hub: Hub, acct: Account, inspection_id: str, revision: int, body: ResponseRequest) -> dict:
    """Record a clinic's rectification plan as an op, so it travels to the inspectors' tablets."""
    view = report_view(hub.ledger, inspection_id, revision, hub.data_dir)
    if not any(d["clause"] == body.clause and d["item"] == body.item for d in view["deficiencies"]):
        raise UserError("报告中没有这一问题项。", "This deficiency is not in the report.")
    for sha in body.photos:
        if not SHA256_HEX.match(sha) or not hub.files.has_blob(sha):
            raise UserError("整改照片尚未上传完成，请重新上传。", "A rectification photo has not finished uploading; upload it again.")
    key = f"response/{body.clause}/{body.item}"
    state = hub.ledger.state(inspection_id)
    supersedes = state[key].head_ids if key in state else []
    value = {"plan": body.plan, "due": body.due, "photos": body.photos, "by": acct.username,
             "at": utc_now().isoformat(), "revision": revision}
    op = hub.ledger.append_hub_op(inspection_id, revision, key, value, acct.username, supersedes)
    return {"ok": True, "id": op.id}


def export_signed_reports(hub: Hub) -> tuple[Path, list[str]]:
    """全部签署报告 for the bureau, made by the report engineer's `export_bundle` (PDFs,
    manifest.csv + manifest.json read back from each signed file, one zip). Returns the zip's
    path inside a temporary folder (the caller removes the folder) and the signed revisions
    whose PDF has not reached the hub yet ("<inspection>-r<revision>")."""
    from inspect_app.report.export import export_bundle

    exports = hub.files.root / "exports"
    exports.mkdir(exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="export-", dir=exports))
    pdfs, missing = [], []
    for entry in sorted(hub.ledger.entries(), key=lambda e: e.id):
        snap = snapshot(entry.id, hub.ledger.state(entry.id)) if entry.sealed else None
        for rev in entry.sealed:
            path = hub.report_pdf(entry.id, rev)
            if path is None:
                missing.append(f"{entry.id}-r{rev}")
                continue
            rid = str(snap.report_pdf[rev].get("report_id", ""))
            name = f"{rid if SAFE_ID.match(rid) else f'{entry.id}-r{rev}'}.pdf"
            target = folder / name
            try:
                os.link(path, target)  # same disk: no copy of a 100 MB PDF
            except OSError:
                shutil.copyfile(path, target)
            pdfs.append(target)
    result = export_bundle(pdfs, folder)  # out_dir = where the PDFs are: nothing copied again
    return result.zip_path, missing


def export_response(hub: Hub) -> FileResponse:
    zip_path, missing = export_signed_reports(hub)
    return FileResponse(zip_path, media_type="application/zip", filename=zip_path.name,
                        headers={"X-Reports-Missing": ",".join(missing)},
                        background=BackgroundTask(shutil.rmtree, zip_path.parent, ignore_errors=True))
