"""What every hub router needs: the hub, the signed-in account, role checks, error bodies.

Every route except /api/health and /api/login needs `Authorization: Bearer <token>`: no
token or a bad/expired/revoked one → 401; a good token asking for what is not its own →
403 (also for ids that do not exist, so guessing ids tells nothing).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request
from fastapi.responses import JSONResponse

from inspect_app.errors import UserError
from inspect_app.hub.accounts import Account, Role
from inspect_app.hub.ledger import Forbidden
from inspect_app.hub.service import Hub


def hub_of(request: Request) -> Hub:
    return request.app.state.hub


HubDep = Annotated[Hub, Depends(hub_of)]


def error(status: int, err: UserError, **extra) -> JSONResponse:
    return JSONResponse({"detail": err.zh, "zh": err.zh, "en": err.en, **extra}, status_code=status)


def account(request: Request, authorization: Annotated[str | None, Header()] = None) -> Account:
    scheme, _, token = (authorization or "").partition(" ")
    found = hub_of(request).accounts.authenticate(token.strip()) if scheme.lower() == "bearer" else None
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


Anyone = Annotated[Account, Depends(account)]
Inspector = Annotated[Account, Depends(role(Role.INSPECTOR))]
Admin = Annotated[Account, Depends(role(Role.ADMIN))]
Clinic = Annotated[Account, Depends(role(Role.CLINIC))]
BlobUser = Annotated[Account, Depends(role(Role.INSPECTOR, Role.CLINIC))]
