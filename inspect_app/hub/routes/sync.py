"""Sync for inspectors' tablets (同步): push ops, pull others' ops."""

from __future__ import annotations

import zlib

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from inspect_app.errors import UserError
from inspect_app.hub.routes.deps import HubDep, Inspector
from inspect_app.sync.protocol import PROTOCOL_VERSION, PushRequest, PushResult

MAX_PUSH_BYTES = 256 * 1024 * 1024  # a push, uncompressed

router = APIRouter()


@router.post("/api/sync/push", response_model=PushResult)
async def push(request: Request, acct: Inspector, hub: HubDep):
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


@router.get("/api/sync/pull")
def pull(acct: Inspector, hub: HubDep, since: int = 0, inspection: str = "", exclude_device: str = ""):
    result, ids = hub.ledger.pull(acct, since, exclude_device, inspection)
    return {**result.model_dump(mode="json"), "inspections": ids}


def _gunzip(raw: bytes, limit: int) -> bytes:
    out = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = out.decompress(raw, limit)
    except zlib.error:
        raise HTTPException(422, "bad gzip body")
    if out.unconsumed_tail:
        raise HTTPException(413, "push too large")
    return data
