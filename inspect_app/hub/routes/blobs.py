"""Blobs (文件): photos, signature images, signed PDFs and standard files, by SHA-256.

Uploads are resumable (PUT from an offset) or whole in one stream (batch); every blob is
hashed as it streams in and kept only if its bytes match its name. The bytes go to the hub's
BlobStore (the data folder or an S3 object store); "verified" is answered only once the store
holds the blob. Which blob a request is writing right now is a lease in the shared store, so
two hub processes never write the same one.
"""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from inspect_app.hub.ledger import Forbidden
from inspect_app.hub.routes.deps import Anyone, BlobUser, HubDep
from inspect_app.hub.service import Hub
from inspect_app.hub.store import BlobWriter
from inspect_app.sync.protocol import SHA256_HEX, BlobResult, MissingRequest, MissingResult

MAX_BLOB_BYTES = 64 * 1024 * 1024
MAX_BATCH_COUNT = 256
MAX_MANIFEST = MAX_BATCH_COUNT * 80
MAX_MISSING = 20_000

router = APIRouter()


@router.post("/api/blobs/missing", response_model=MissingResult)
def blobs_missing(body: MissingRequest, acct: BlobUser, hub: HubDep):
    """Which of these the sender must upload. A blob the sender may not read counts as missing
    (and its partial upload as none): the answer never tells whether the hub holds a blob."""
    shas = [s for s in body.shas[:MAX_MISSING] if SHA256_HEX.match(s)]
    missing, partial = [], {}
    for s in shas:
        if not hub.blobs.has(s):
            missing.append(s)
            if n := hub.blobs.staged(s):
                partial[s] = n
        elif not knows(hub, acct, s):
            missing.append(s)
    return MissingResult(missing=missing, partial=partial)


MISMATCH = {"zh": "上传的内容与其校验值不符，未保存。", "en": "The bytes sent do not match their hash; not kept.",
            "detail": "上传的内容与其校验值不符，未保存。 The bytes sent do not match their hash; not kept."}


def over_quota() -> HTTPException:
    return HTTPException(413, "上传配额已满：已上传但尚未被任何评审引用的文件过多，请先同步变更或等待清理。 "
                              "Upload quota reached: too many uploaded files that no change names yet; "
                              "sync the changes first or wait for the clean-up.")


# Refusals of a malformed upload, in both languages like every other refusal of the hub.
TOO_MANY_BYTES = "上传的字节数多于声明的大小。 More bytes arrived than the upload announced."
BAD_HASH_OR_SIZE = ("文件名不是有效的 SHA-256，或大小超出限制。 "
                    "The name is not a valid SHA-256, or the size is out of bounds.")
BAD_MANIFEST = ("批量上传清单无效（应为 sha256:大小,…，不重复，数量与大小在限制内）。 "
                "The batch manifest is not valid (sha256:size,… without repeats, within the limits).")


def knows(hub: Hub, acct, sha: str) -> bool:
    """The account may learn that the hub holds `sha`: it may read it, or uploaded it."""
    return hub.ledger.possession.holds(acct.username, sha) or hub.ledger.blob_readable(acct, sha)


async def _prove(hub: Hub, acct, sha: str, request: Request, total: int) -> BlobResult:
    """The hub holds `sha` but the sender may not know it: it shows the bytes instead (hashed,
    not stored again); if they match, it holds them (see policy.Possession)."""
    digest, got = hashlib.sha256(), 0
    async for chunk in request.stream():
        got += len(chunk)
        if got > total:
            raise HTTPException(422, TOO_MANY_BYTES)
        digest.update(chunk)
    if got == total and digest.hexdigest() == sha:
        await run_in_threadpool(hub.ledger.possession.record, acct.username, [sha])
        return BlobResult(sha256=sha, received=got, complete=True, verified=True)
    return JSONResponse(BlobResult(sha256=sha, received=0, complete=False, verified=False).model_dump()
                        | MISMATCH, status_code=422)


@router.put("/api/blobs/{sha}", response_model=BlobResult)
async def put_blob(sha: str, request: Request, acct: BlobUser, hub: HubDep,
                   offset: Annotated[int, Query(ge=0)] = 0, total: Annotated[int, Query(ge=1)] = 1):
    """Upload (part of) a blob from `offset`; when `total` bytes are in, the hub checks the
    SHA-256 and keeps the blob only if it matches. An interrupted upload resumes from the
    `received` count this or /api/blobs/missing reports."""
    if not SHA256_HEX.match(sha) or total > MAX_BLOB_BYTES:
        raise HTTPException(422, BAD_HASH_OR_SIZE)
    if await run_in_threadpool(hub.blobs.has, sha):
        if offset == 0 and not await run_in_threadpool(knows, hub, acct, sha):
            return await _prove(hub, acct, sha, request, total)
        return BlobResult(sha256=sha, received=total, complete=True, verified=True)
    if total - offset > await run_in_threadpool(hub.quota_left, acct.username):
        raise over_quota()
    if not await run_in_threadpool(hub.store.leases.claim, [sha]):
        return JSONResponse(BlobResult(sha256=sha, received=0, complete=False).model_dump(), status_code=409)
    try:
        have = await run_in_threadpool(hub.blobs.staged, sha)
        if offset != have:
            return JSONResponse(BlobResult(sha256=sha, received=have, complete=False).model_dump(), status_code=409)
        writer = await run_in_threadpool(hub.blobs.writer, sha, have)
        try:
            async for chunk in request.stream():
                if writer.received + len(chunk) > total:
                    raise HTTPException(422, TOO_MANY_BYTES)
                writer.write(chunk)
        except HTTPException:
            await run_in_threadpool(writer.discard)
            raise
        except Exception:  # the tablet went away mid-upload: keep what arrived for the resume
            await run_in_threadpool(writer.stage)
            return JSONResponse(BlobResult(sha256=sha, received=writer.received, complete=False).model_dump(),
                                status_code=409)
        if writer.received < total:
            await run_in_threadpool(writer.stage)
            return BlobResult(sha256=sha, received=writer.received, complete=False)
        if not await run_in_threadpool(writer.finish):
            return JSONResponse(BlobResult(sha256=sha, received=0, complete=False, verified=False).model_dump()
                                | MISMATCH, status_code=422)
        await run_in_threadpool(hub.ledger.possession.record, acct.username, [sha], {sha: writer.received})
        return BlobResult(sha256=sha, received=writer.received, complete=True, verified=True)
    finally:
        await run_in_threadpool(hub.store.leases.release, [sha])


@router.post("/api/blobs/batch")
async def put_blobs(request: Request, acct: BlobUser, hub: HubDep, manifest: str = Query(max_length=MAX_MANIFEST)):
    """Several whole blobs in one stream, in the order and sizes `manifest` names
    ("sha:size,sha:size,…"). Each is hashed as it arrives and kept only if it matches.
    Durability is per batch: every blob is written, then the store makes all durable at
    once (the folder: fsync each, rename, fsync the folder once), and only then does the
    answer list the verified ones. A cut stream keeps the finished blobs and the started one
    as a resumable partial."""
    try:
        wanted = [(sha, int(size)) for sha, size in (part.split(":") for part in manifest.split(","))]
    except ValueError:
        raise HTTPException(422, BAD_MANIFEST)
    if len(wanted) > MAX_BATCH_COUNT or any(not SHA256_HEX.match(s) or not 0 < n <= MAX_BLOB_BYTES
                                            for s, n in wanted) or len({s for s, _ in wanted}) != len(wanted):
        raise HTTPException(422, BAD_MANIFEST)
    shas = [s for s, _ in wanted]
    if sum(n for _, n in wanted) > await run_in_threadpool(hub.quota_left, acct.username):
        raise over_quota()
    if not await run_in_threadpool(hub.store.leases.claim, shas):
        # an earlier request (e.g. from before a cut) is still finishing these
        return JSONResponse({"verified": [], "failed": [], "busy": shas}, status_code=409)
    try:
        answer = await _receive_batch(hub, request, wanted)
        # a database write: in a thread, never on the event loop (it stalled every request of
        # the process, the bureau's table too, while it waited for a connection under load)
        await run_in_threadpool(hub.ledger.possession.record, acct.username, answer["verified"], dict(wanted))
        return answer
    finally:
        await run_in_threadpool(hub.store.leases.release, shas)


async def _receive_batch(hub: Hub, request: Request, wanted: list[tuple[str, int]]) -> dict:
    done: list[BlobWriter] = []
    cut: BlobWriter | None = None
    stream = request.stream()
    buf = memoryview(b"")
    try:
        for sha, size in wanted:
            cut = await run_in_threadpool(hub.blobs.writer, sha, 0)
            got = 0
            while got < size:
                if not buf:
                    buf = memoryview(await stream.__anext__())
                take, buf = buf[: size - got], buf[size - got:]  # views: no copies
                cut.write(take)
                got += len(take)
            getattr(cut, "end", lambda: None)()  # the folder starts writing it out now
            done.append(cut)
            cut = None
    except (StopAsyncIteration, ClientDisconnect):
        pass  # cut short: what finished is kept; the started one resumes by PUT
    except BaseException:  # e.g. cancelled when the tablet vanished: keep what arrived, durably
        hub.blobs.finish_batch(done, cut)
        raise
    verified, failed = await run_in_threadpool(hub.blobs.finish_batch, done, cut)
    return {"verified": verified, "failed": failed}


@router.get("/api/blobs/{sha}")
def get_blob(sha: str, acct: Anyone, hub: HubDep):
    if not SHA256_HEX.match(sha) or not hub.blobs.has(sha) or not hub.ledger.blob_readable(acct, sha):
        raise Forbidden()
    derivative = hub.photo_for(acct, sha)
    if derivative is not None:  # a photo, for someone who gets the GPS-free copy
        return Response(derivative, media_type="image/jpeg", headers={"X-Jiceng-Derivative-Of": sha})
    return hub.blob_response(sha)
