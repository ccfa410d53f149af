"""The hub's API, one router per resource (会话, 同步, 文件, 评审, 报告, 卫健局).

Each router reaches the hub through `deps.hub_of(request)` (the `Hub` on `app.state.hub`),
so a router holds no state of its own and any number of hub processes can serve the same
storage. `create_app` (inspect_app/hub/app.py) includes every router listed in `ROUTERS`.
"""

from inspect_app.hub.routes import blobs, bureau, inspections, reports, session, sync

# The order is the order of matching; the catch-all 404 for unknown /api paths is added
# last by create_app. A new resource (e.g. the county trust chain) adds its module here.
ROUTERS = [session.router, sync.router, blobs.router, inspections.router, reports.router, bureau.router]
from inspect_app.hub.routes import standards  # noqa: E402 - published editions (issue 15)
ROUTERS.append(standards.router)
