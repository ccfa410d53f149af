"""Inspections (评审) as the team and the bureau read them: the list and one merged state."""

from __future__ import annotations

from fastapi import APIRouter

from inspect_app.hub.accounts import Role
from inspect_app.hub.ledger import Forbidden, may_read
from inspect_app.hub.reports import state_view
from inspect_app.hub.routes.deps import Anyone, HubDep

router = APIRouter()


@router.get("/api/inspections")
def inspections(acct: Anyone, hub: HubDep):
    if acct.role is Role.CLINIC:
        raise Forbidden()
    return [{"id": e.id, "center_id": e.center_id, "revision": e.revision, "status": e.status,
             "sealed": list(e.sealed)} for e in hub.ledger.readable_entries(acct)]


@router.get("/api/inspections/{inspection_id}/state")
def inspection_state(inspection_id: str, acct: Anyone, hub: HubDep, revision: int | None = None):
    if not may_read(acct, hub.ledger.entry(inspection_id)):
        raise Forbidden()
    return state_view(hub.ledger.state(inspection_id, revision))
