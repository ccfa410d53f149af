"""Sign-in (登录), who am I, sign-out; and the open liveness check."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from inspect_app.errors import UserError
from inspect_app.hub.routes.deps import Anyone, HubDep, error
from inspect_app.sync.protocol import PROTOCOL_VERSION

router = APIRouter()


class LoginRequest(BaseModel):
    username: str
    password: str
    device: str = ""


@router.get("/api/health")
def health():
    return {"ok": True, "protocol": PROTOCOL_VERSION}


@router.post("/api/login")
def login(body: LoginRequest, hub: HubDep):
    try:
        token, acct = hub.accounts.login(body.username, body.password, body.device)
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
