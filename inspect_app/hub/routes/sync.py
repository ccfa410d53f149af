"""Sync for inspectors' tablets (同步): push ops, pull others' ops.

A push is hostile until the door (inspect_app/hub/policy.py) has seen it: the body is capped
before it is read whole, must be UTF-8 JSON of bounded depth, and every op must fit its key
kind's schema and be the sender's to make. A push is one atomic step: if any op is refused,
nothing of it is stored, and the answer is 4xx (400/413 for the body, 422 for a malformed
op, 409 for an op the rules refuse, 403 for an inspection that is not the sender's team's)
with every refused op named and why; its body is still a PushResult, so the tablet marks the
refused ops and sends the others again.
"""

from __future__ import annotations

import zlib

import orjson
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from inspect_app.hub import lanes
from inspect_app.hub.policy import parse_ops
from inspect_app.hub.routes.deps import HubDep, Inspector
from inspect_app.sync.protocol import PROTOCOL_VERSION, PushResult, SAFE_ID

MAX_PLAIN_PUSH = 32 * 1024 * 1024  # a push as sent (plain or gzip-compressed)
MAX_PUSH_BYTES = 64 * 1024 * 1024  # a push, uncompressed (a 250-clause visit is ~2 MB)

router = APIRouter()


def refused(status: int, zh: str, en: str, **extra) -> JSONResponse:
    return JSONResponse({"detail": f"{zh} {en}", "zh": zh, "en": en, **extra}, status_code=status)


async def read_capped(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it passes `limit` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, f"请求过大（超过 {limit // (1024 * 1024)} MB）。 The request is larger than "
                                 f"{limit // (1024 * 1024)} MB.")
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > limit:
            raise HTTPException(413, f"请求过大（超过 {limit // (1024 * 1024)} MB）。 The request is larger than "
                                     f"{limit // (1024 * 1024)} MB.")
    return bytes(data)


def parse_json(raw: bytes) -> object:
    """UTF-8 JSON, nested at most 1024 deep, integers within 64 bits (orjson's own limits)."""
    if not raw.strip():
        raise HTTPException(400, "请求内容为空，应为 JSON。 The request body is empty; JSON expected.")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as err:
        raise HTTPException(400, f"请求内容不是有效的 UTF-8 JSON（{str(err)[:120]}）。 "
                                 f"The request body is not valid UTF-8 JSON ({str(err)[:120]}).")


@router.post("/api/sync/push", response_model=PushResult)
async def push(request: Request, acct: Inspector, hub: HubDep):
    """Ops as JSON (PushRequest), optionally gzip-compressed (Content-Encoding: gzip): a
    first sync sends all of a visit's changes in one compressed request."""
    raw = await read_capped(request, MAX_PLAIN_PUSH)
    if request.headers.get("content-encoding", "").lower() == "gzip":
        raw = await run_in_threadpool(_gunzip, raw, MAX_PUSH_BYTES)
    body = await run_in_threadpool(parse_json, raw)
    if not isinstance(body, dict) or not isinstance(body.get("ops"), list):
        return refused(422, "同步请求格式不正确：应为含 ops 列表的 JSON 对象。",
                       "The push is malformed: a JSON object with an ops list is expected.")
    if body.get("protocol", PROTOCOL_VERSION) != PROTOCOL_VERSION:
        return refused(400, "平板上的软件版本与中心不一致，请先升级。", "The tablet's app version does not match the hub; update it first.")
    if not isinstance(body.get("device", ""), str) or not SAFE_ID.match(body.get("device") or "x"):
        return refused(422, "同步请求的设备号格式不正确。", "The push's device id is malformed.")
    ops, bad = await run_in_threadpool(parse_ops, body["ops"])
    if bad:
        shown = "；".join(r.zh for r in bad[:5])
        return refused(422, f"{len(bad)} 条变更格式不正确，整次同步已拒收，未保存任何内容：{shown}",
                       f"{len(bad)} change(s) are malformed; the whole push was refused and nothing was stored: "
                       + "; ".join(r.en for r in bad[:5]),
                       accepted=[], duplicates=[], rejected=[r.model_dump() for r in bad])
    result = await lanes.run("sync", hub.ledger.push, acct, ops)  # bounded (hub/lanes.py): pages keep their threads
    if result.rejected:  # nothing of this push was stored (one atomic step)
        first = result.rejected[0]
        status = 422 if any(r.code == "malformed" for r in result.rejected) else 409
        return refused(status, f"中心拒收了 {len(result.rejected)} 条变更，本次同步未保存任何内容：{first.zh}",
                       f"The hub refused {len(result.rejected)} change(s); nothing of this push was stored: {first.en}",
                       **result.model_dump(mode="json"))
    if result.accepted:  # the touched centers are scored by the process's scorer, so the bureau's table only reads
        from inspect_app.hub.reports import ScoreQueue

        ScoreQueue.of(hub.ledger, hub.data_dir).add({o.inspection_id for o in ops})
    return result


@router.get("/api/sync/pull")
async def pull(acct: Inspector, hub: HubDep, since: int = 0, inspection: str = "", exclude_device: str = ""):
    if not 0 <= since < 2**63:
        raise HTTPException(422, "since 超出范围。 since is out of range.")

    def answer() -> dict:
        result, ids = hub.ledger.pull(acct, since, exclude_device, inspection)
        return {**result.model_dump(mode="json"), "inspections": ids}

    return await lanes.run("sync", answer)  # bounded with the pushes (hub/lanes.py)


def _gunzip(raw: bytes, limit: int) -> bytes:
    out = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = out.decompress(raw, limit)
    except zlib.error:
        raise HTTPException(400, "gzip 压缩内容已损坏。 The gzip body is damaged.")
    if out.unconsumed_tail:
        raise HTTPException(413, f"解压后超过 {limit // (1024 * 1024)} MB。 The push is larger than "
                                 f"{limit // (1024 * 1024)} MB uncompressed.")
    return data
