"""评价标准分发: the editions the bureau published (GET /api/standards) and each file by hash."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from inspect_app.hub.routes.deps import Anyone, HubDep
from inspect_app.hub.standard_editions import catalogue
from inspect_app.sync.protocol import SHA256_HEX

router = APIRouter()


@router.get("/api/standards")
def published_standards(acct: Anyone, hub: HubDep):
    """{id: {sha256, version, title, edition, published_at, by}} of every published edition."""
    return catalogue(hub)


@router.get("/api/standards/{sha}")
def standard_file(sha: str, acct: Anyone, hub: HubDep):
    # Only what the bureau published is served here: knowing another blob's hash reads nothing.
    if not SHA256_HEX.match(sha) or sha not in {e.get("sha256") for e in catalogue(hub).values()} \
            or not hub.blobs.has(sha):
        return Response(status_code=404)
    return Response(hub.blobs.read(sha), media_type="application/json; charset=utf-8")
