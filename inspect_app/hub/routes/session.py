"""Sign-in (登录), who am I, sign-out; and the open liveness check."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from inspect_app.errors import UserError
from inspect_app.hub.accounts import TooManyAttempts
from inspect_app.hub.routes.deps import Anyone, HubDep, error
from inspect_app.sync.protocol import PROTOCOL_VERSION

router = APIRouter()


class LoginRequest(BaseModel):
    username: str = Field(max_length=200)
    password: str = Field(max_length=1000)
    device: str = Field("", max_length=200)


@router.get("/api/health")
def health():
    return {"ok": True, "protocol": PROTOCOL_VERSION}


@router.post("/api/login")
def login(body: LoginRequest, request: Request, hub: HubDep):
    """A token for the right password. Wrong passwords are throttled per username and per
    client address (429 with Retry-After, also for the right password while it lasts)."""
    try:
        token, acct = hub.accounts.login(body.username, body.password, body.device,
                                         client=request.client.host if request.client else "")
    except TooManyAttempts as err:
        response = error(429, err, retry_after=err.retry_after)
        response.headers["Retry-After"] = str(err.retry_after)
        return response
    except UserError as err:
        return error(401, err)
    return {"token": token, "username": acct.username, "name": acct.name, "role": acct.role.value,
            "center_id": acct.center_id}


@router.get("/api/me")
def me(acct: Anyone):
    return {"username": acct.username, "name": acct.name, "role": acct.role.value, "center_id": acct.center_id}


@router.post("/api/logout")
def logout(acct: Anyone, hub: HubDep):
    hub.accounts.revoke(acct.username, acct.token_id)
    return {"ok": True}
