"""The hub's HTTP API (县级中心): sync for tablets, reports for clinics, overview for the bureau.

`create_app` only assembles: the hub service (inspect_app/hub/service.py) on `app.state.hub`,
one router per resource (inspect_app/hub/routes/), the error handlers, and the web pages
(web.py) behind every path the API does not own. Every route except /api/health and
/api/login needs `Authorization: Bearer <token>` (see routes/deps.py).
"""

import os
import threading
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request

from inspect_app.errors import UserError
from inspect_app.hub.ledger import Forbidden
from inspect_app.hub.routes import ROUTERS
from inspect_app.hub.routes.deps import BodyLimit, error
from inspect_app.hub.store import StoreUnavailable
from inspect_app.hub import trust_routes
from inspect_app.hub.timing import ServerTiming
from inspect_app.hub.service import Hub


def create_app(data_dir: Path, *, web: bool = True, store=None):
    hub = Hub(data_dir, store)
    api = FastAPI(title="Jiceng Inspect hub", docs_url=None, redoc_url=None, openapi_url=None)
    api.state.hub = hub

    @api.exception_handler(Forbidden)
    async def _forbidden(_: Request, err: Forbidden):
        return error(403, err)

    @api.exception_handler(UserError)
    async def _user_error(_: Request, err: UserError):
        return error(400, err)

    @api.exception_handler(StoreUnavailable)
    async def _store_down(_: Request, err: StoreUnavailable):
        # The database or the object store did not answer: nothing was half-written; retry.
        return error(503, err, store=err.what)

    for router in ROUTERS:
        api.include_router(router)
    api.include_router(trust_routes.router)  # county CA (made now on first start), enrollment, RFC 3161 TSA
    trust_routes.trust_of(hub)

    @api.api_route("/api/{rest:path}", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
    def no_such_api(rest: str):
        """Unknown /api paths answer 404 here instead of falling through to the web app."""
        raise HTTPException(404)

    api.add_middleware(BodyLimit)  # small-JSON routes: refused before being read when too large
    api.add_middleware(ServerTiming)  # outermost: each /api answer says where its time went
    if os.environ.get("JICENG_HUB_CLEAN", "1") != "0":  # abandoned uploads, unreferenced blobs
        threading.Thread(target=hub.keep_clean, name="hub-clean-up", daemon=True).start()
    if web:
        from inspect_app.hub.web import mount_web

        return mount_web(api, hub)  # the API routes above win; Flet serves every other path
    return api
