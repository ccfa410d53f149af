"""The bureau (卫健局): every center in one table, and the export of every signed report."""

from __future__ import annotations

import orjson
from fastapi import APIRouter
from fastapi.responses import Response

from inspect_app.hub import lanes, timing
from inspect_app.hub.reports import centers_table
from inspect_app.hub.routes.deps import Admin, HubDep, PageAdmin
from inspect_app.hub.service import export_response

router = APIRouter()


@router.get("/api/bureau/centers")
async def bureau_centers(acct: PageAdmin, hub: HubDep):
    # In the pages' threads (hub/lanes.py), not behind the tablets' syncs. 2,000 rows of plain
    # values: encoded with orjson directly (FastAPI's generic encoder alone takes ~0.7 s for them)
    def table() -> bytes:
        timing.mark("handler")  # Server-Timing: when the handler's thread started (after the account check)
        return orjson.dumps(centers_table(hub.ledger, hub.data_dir))

    return Response(await lanes.run("pages", table), media_type="application/json")


@router.get("/api/bureau/export")
def bureau_export(acct: Admin, hub: HubDep):
    return export_response(hub)


@router.get("/api/bureau/quarantine")
def bureau_quarantine(acct: Admin, hub: HubDep):
    """隔离的变更: stored ops that fail the door (e.g. stored before it existed). They are left
    out of every state, pull and page; each is listed with its inspection and why."""
    return hub.ledger.quarantined()
