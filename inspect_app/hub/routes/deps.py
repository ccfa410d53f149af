"""What every hub router needs: the hub, the signed-in account, role checks, error bodies.

Every route except /api/health and /api/login needs `Authorization: Bearer <token>`: no
token or a bad/expired/revoked one → 401; a good token asking for what is not its own →
403 (also for ids that do not exist, so guessing ids tells nothing).
"""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request
from fastapi.responses import JSONResponse

from inspect_app.errors import UserError
from inspect_app.hub import lanes, timing
from inspect_app.hub.accounts import Account, Role
from inspect_app.hub.ledger import Forbidden
from inspect_app.hub.service import Hub


def hub_of(request: Request) -> Hub:
    return request.app.state.hub


async def _hub(request: Request) -> Hub:
    return hub_of(request)  # async: FastAPI would hand a plain function a pool thread of its own


HubDep = Annotated[Hub, Depends(_hub)]


def error(status: int, err: UserError, **extra) -> JSONResponse:
    return JSONResponse({"detail": err.zh, "zh": err.zh, "en": err.en, **extra}, status_code=status)


def account(request: Request, authorization: Annotated[str | None, Header()] = None) -> Account:
    timing.mark("thread")  # Server-Timing: when a worker thread took the request up
    t0 = time.perf_counter()
    scheme, _, token = (authorization or "").partition(" ")
    found = hub_of(request).accounts.authenticate(token.strip()) if scheme.lower() == "bearer" else None
    timing.add("auth", time.perf_counter() - t0)
    if found is None:
        raise HTTPException(401, "请先登录（令牌缺失、无效、已过期或已被撤销）。 "
                                 "Sign in first (token missing, invalid, expired or revoked).",
                            headers={"WWW-Authenticate": "Bearer"})
    return found


def role(*roles: Role):
    def check(acct: Annotated[Account, Depends(account)]) -> Account:
        if acct.role not in roles:
            raise Forbidden()
        return acct
    return check


def page_role(*roles: Role):
    """The account check of a page read (the bureau's table, a report), in the pages' own
    threads (hub/lanes.py): never queued behind tablets' syncs for a thread."""
    async def check(request: Request, authorization: Annotated[str | None, Header()] = None) -> Account:
        acct = await lanes.run("pages", account, request, authorization)
        if roles and acct.role not in roles:
            raise Forbidden()
        return acct
    return check


Anyone = Annotated[Account, Depends(account)]
Inspector = Annotated[Account, Depends(role(Role.INSPECTOR))]
Admin = Annotated[Account, Depends(role(Role.ADMIN))]
Clinic = Annotated[Account, Depends(role(Role.CLINIC))]
BlobUser = Annotated[Account, Depends(role(Role.INSPECTOR, Role.CLINIC))]
PageAdmin = Annotated[Account, Depends(page_role(Role.ADMIN))]
PageReader = Annotated[Account, Depends(page_role())]


# Requests that carry a small JSON body (sign-in, answers, lists of hashes) are refused before
# they are read when they announce more than this; the push, blob uploads and photos stream
# and cap themselves.
MAX_JSON_BODY = 1024 * 1024
STREAMING = ("/api/sync/push", "/api/blobs/", "/api/self/")


class BodyLimit:
    """ASGI middleware: 413 for a small-JSON /api request announcing more than MAX_JSON_BODY,
    411 for one that does not say its length (chunked)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["method"] in ("POST", "PUT", "PATCH"):
            path = scope.get("path", "")
            capped = path == "/api/blobs/missing" or not path.startswith(STREAMING)
            if path.startswith("/api/") and capped and not path.endswith("/photos"):
                limit = 8 * MAX_JSON_BODY if path == "/api/blobs/missing" else MAX_JSON_BODY
                headers = dict(scope.get("headers") or [])
                length = headers.get(b"content-length")
                status = None
                if length is None and b"chunked" in headers.get(b"transfer-encoding", b""):
                    status, zh, en = 411, "请求须声明长度。", "The request must state its length."
                elif length is not None and (not length.isdigit() or int(length) > limit):
                    status, zh, en = 413, f"请求过大（超过 {limit >> 20} MB）。", f"The request is larger than {limit >> 20} MB."
                if status is not None:
                    response = JSONResponse({"detail": f"{zh} {en}", "zh": zh, "en": en}, status_code=status)
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)
