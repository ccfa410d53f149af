"""Blobs (文件): photos, signature images, signed PDFs and standard files, by SHA-256.

Uploads are resumable (PUT from an offset) or whole in one stream (batch); every blob is
re-hashed on arrival and kept only if its bytes match its name.
"""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import FileResponse, JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from inspect_app.hub.ledger import Forbidden
from inspect_app.hub.routes.deps import Anyone, BlobUser, HubDep
from inspect_app.hub.service import Hub
from inspect_app.hub.storage import start_writeback, write_all
from inspect_app.sync.protocol import SHA256_HEX, BlobResult, MissingRequest, MissingResult

MAX_BLOB_BYTES = 64 * 1024 * 1024
MAX_BATCH_COUNT = 256
MAX_MANIFEST = MAX_BATCH_COUNT * 80

router = APIRouter()


@router.post("/api/blobs/missing", response_model=MissingResult)
def blobs_missing(body: MissingRequest, acct: BlobUser, hub: HubDep):
    shas = [s for s in body.shas if SHA256_HEX.match(s)]
    missing = [s for s in shas if not hub.files.has_blob(s)]
    partial = {s: n for s in missing if (n := hub.files.partial_size(s))}
    return MissingResult(missing=missing, partial=partial)


@router.put("/api/blobs/{sha}", response_model=BlobResult)
async def put_blob(sha: str, request: Request, acct: BlobUser, hub: HubDep,
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


@router.post("/api/blobs/batch")
async def put_blobs(request: Request, acct: BlobUser, hub: HubDep, manifest: str = Query(max_length=MAX_MANIFEST)):
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
        return await _receive_batch(hub, request, wanted)
    finally:
        hub.files.in_flight.difference_update(s for s, _ in wanted)


async def _receive_batch(hub: Hub, request: Request, wanted: list[tuple[str, int]]) -> dict:
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


@router.get("/api/blobs/{sha}")
def get_blob(sha: str, acct: Anyone, hub: HubDep):
    if not SHA256_HEX.match(sha) or not hub.files.has_blob(sha) or not hub.ledger.blob_readable(acct, sha):
        raise Forbidden()
    return FileResponse(hub.files.blob_path(sha), media_type="application/octet-stream")
