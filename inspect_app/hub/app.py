"""The hub's HTTP API (县级中心): sync for tablets, reports for clinics, overview for the bureau.

Every route except /api/health and /api/login needs `Authorization: Bearer <token>`:
no token or a bad/revoked one → 401; a good token asking for what is not its own → 403
(also for ids that do not exist, so guessing ids tells nothing).
"""

import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import Annotated

from starlette.requests import ClientDisconnect
from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from pydantic import BaseModel, Field

from inspect_app.errors import UserError
from inspect_app.hub.accounts import Account, Accounts, Role
from inspect_app.hub.ledger import Forbidden, Ledger, may_read, may_read_report
from inspect_app.hub.reports import centers_table, report_view, revisions, snapshot, state_view
from inspect_app.hub.storage import HubFiles
from inspect_app.store.durable import fsync_dir
from inspect_app.inspection import utc_now
from inspect_app.sync.protocol import (
    PROTOCOL_VERSION,
    SAFE_ID,
    SHA256_HEX,
    BlobResult,
    MissingRequest,
    MissingResult,
    PullResult,
    PushRequest,
    PushResult,
)

MAX_BLOB_BYTES = 64 * 1024 * 1024


class Hub:
    """The hub's parts on one data folder (shared by the API and the web pages)."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.files = HubFiles(self.data_dir)
        self.accounts = Accounts(self.files)
        self.ledger = Ledger(self.files)

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
    def push(body: PushRequest, acct: Inspector):
        if body.protocol != PROTOCOL_VERSION:
            raise UserError("平板上的软件版本与中心不一致，请先升级。", "The tablet's app version does not match the hub; update it first.")
        return hub.ledger.push(acct, body.ops)

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
        have = hub.files.partial_size(sha)
        if offset != have:
            return JSONResponse(BlobResult(sha256=sha, received=have, complete=False).model_dump(), status_code=409)
        size = have
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
        if size < total:
            return BlobResult(sha256=sha, received=size, complete=False)
        if not hub.files.finish_partial(sha):
            return JSONResponse(BlobResult(sha256=sha, received=0, complete=False, verified=False).model_dump(),
                                status_code=422)
        return BlobResult(sha256=sha, received=size, complete=True, verified=True)

    @api.post("/api/blobs/batch")
    async def put_blobs(request: Request, acct: BlobUser, manifest: str = Query(max_length=8000)):
        """Several whole blobs in one stream, in the order and sizes `manifest` names
        ("sha:size,sha:size,…"). Each is hashed as it arrives and kept only if it matches;
        the answer lists the verified ones, after the folder holding them is fsynced. A cut
        stream keeps the finished blobs and the started one as a resumable partial."""
        try:
            wanted = [(sha, int(size)) for sha, size in (part.split(":") for part in manifest.split(","))]
        except ValueError:
            raise HTTPException(422, "bad manifest")
        if len(wanted) > 64 or any(not SHA256_HEX.match(s) or not 0 < n <= MAX_BLOB_BYTES for s, n in wanted):
            raise HTTPException(422, "bad manifest")
        verified, failed = [], []
        stream = request.stream()
        leftover = b""
        try:
            for sha, size in wanted:
                digest = hashlib.sha256()
                got = 0
                with hub.files.partial_writer(sha, 0) as write:
                    while got < size:
                        chunk = leftover or await stream.__anext__()
                        leftover = b""
                        take = chunk[: size - got]
                        leftover = chunk[size - got:]
                        write(take)
                        digest.update(take)
                        got += len(take)
                if hub.files.keep_partial(sha, digest.hexdigest()):
                    verified.append(sha)
                else:
                    failed.append(sha)
        except (StopAsyncIteration, ClientDisconnect):
            pass  # cut short: what finished is kept; the started one resumes by PUT
        if verified:
            fsync_dir(hub.files.blobs_dir)
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
        return Response(export_zip(hub), media_type="application/zip",
                        headers={"Content-Disposition": 'attachment; filename="reports.zip"'})

    @api.api_route("/api/{rest:path}", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
    def no_such_api(rest: str):
        """Unknown /api paths answer 404 here instead of falling through to the web app."""
        raise HTTPException(404)

    if web:
        from inspect_app.hub.web import mount_web

        return mount_web(api, hub)  # the API routes above win; Flet serves every other path
    return api


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


def export_zip(hub: Hub) -> bytes:
    """Every signed PDF the hub holds and a manifest.json describing them."""
    buffer = io.BytesIO()
    manifest = []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as zf:
        for entry in sorted(hub.ledger.entries(), key=lambda e: e.id):
            for rev in entry.sealed:
                path = hub.report_pdf(entry.id, rev)
                name = f"{entry.center_id}/{entry.id}-r{rev}.pdf"
                manifest.append({"inspection_id": entry.id, "center_id": entry.center_id, "revision": rev,
                                 "file": name if path else None, "present": path is not None})
                if path:
                    zf.write(path, name)
        zf.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    return buffer.getvalue()
