"""Reports (评审报告): what clinics, teams and the bureau read; the clinic's answers and photos."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Query, Request
from starlette.concurrency import run_in_threadpool

from inspect_app.hub.accounts import Account, Role
from inspect_app.hub.ledger import Forbidden, may_read_report
from inspect_app.hub.reports import report_view, revisions
from inspect_app.hub.routes.blobs import MAX_BLOB_BYTES
from inspect_app.hub import lanes
from inspect_app.hub.routes.deps import Anyone, Clinic, HubDep, PageReader
from inspect_app.hub.service import Hub, ResponseRequest, answer_deficiency, ingest_clinic_photo
from inspect_app.sync.protocol import SAFE_ID

router = APIRouter()


def readable_revision(hub: Hub, acct: Account, inspection_id: str, revision: int | None) -> int:
    """The revision `acct` reads: a clinic its center's latest signed one, others the current."""
    entry = hub.ledger.entry(inspection_id) if SAFE_ID.match(inspection_id) else None
    if entry is None:
        raise Forbidden()
    if revision is None:
        revision = max(entry.sealed) if acct.role is Role.CLINIC and entry.sealed else entry.revision
    if not may_read_report(acct, entry, revision):
        raise Forbidden()
    return revision


@router.get("/api/reports")
def reports(acct: Anyone, hub: HubDep):
    rows = []
    for entry in hub.ledger.entries():
        for rev in revisions(hub.ledger, entry.id):
            if may_read_report(acct, entry, rev["revision"]):
                rows.append({"inspection_id": entry.id, "center_id": entry.center_id, **rev})
    return rows


@router.get("/api/reports/{inspection_id}")
async def report(inspection_id: str, acct: PageReader, hub: HubDep, revision: int | None = None):
    def view() -> dict:  # in the pages' threads (hub/lanes.py), not behind the tablets' syncs
        rev = readable_revision(hub, acct, inspection_id, revision)
        return report_view(hub.ledger, inspection_id, rev, hub.data_dir)

    return await lanes.run("pages", view)


@router.get("/api/reports/{inspection_id}/pdf")
def report_pdf(inspection_id: str, acct: Anyone, hub: HubDep, revision: int | None = None):
    rev = readable_revision(hub, acct, inspection_id, revision)
    sha = hub.report_pdf(inspection_id, rev)
    if sha is None:
        raise HTTPException(404, "该版本的签署报告尚未同步到中心。 The signed PDF of this revision has not reached the hub yet.")
    return hub.blob_response(sha, "application/pdf", f"{inspection_id}-r{rev}.pdf")


@router.post("/api/reports/{inspection_id}/photos")
async def clinic_photo(inspection_id: str, request: Request, acct: Clinic, hub: HubDep,
                       name: str = Query("", max_length=200)):
    """A rectification photo (整改照片) from the clinic: the body is the file's bytes. It is
    ingested like a tablet's photo (refused if it is not a usable photo) and kept as a blob;
    answer with that hash in `photos` of a response."""
    await run_in_threadpool(readable_revision, hub, acct, inspection_id, None)  # a database read: off the event loop
    limit = min(MAX_BLOB_BYTES, await run_in_threadpool(hub.quota_left, acct.username))
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > limit:
            raise HTTPException(413, "照片过大或上传配额已满。 The photo is too large or the upload quota is reached.")
    return await run_in_threadpool(ingest_clinic_photo, hub, bytes(data), name, acct.username)


@router.post("/api/reports/{inspection_id}/responses")
def respond(inspection_id: str, body: ResponseRequest, acct: Clinic, hub: HubDep):
    rev = readable_revision(hub, acct, inspection_id, None)
    return answer_deficiency(hub, acct, inspection_id, rev, body)
