"""Worker threads by class of request (issue 14): pages never wait behind tablet syncs.

Each hub process serves its requests' blocking work from threads. Every sync `def` route and
every `run_in_threadpool` share one pool (anyio's default, 40 threads); while 200 tablets sync,
their pushes, pulls and uploads hold all of it and a bureau or clinic page waited seconds for
a thread before its handler even started (Server-Timing "handler", bench/hub_load.py).

    pages   the bureau's table and the reports people read: a few threads of their own
    sync    tablets' pushes and pulls: bounded, so they neither take every thread nor crowd
            the interpreter (pushes take turns on the hub_seq counter row anyway)

`run(lane, fn, *args)` runs `fn` in a thread of that lane; `current()` says which lane the
code runs in, so the database pool (store/postgres.py Pool) gives page reads connections of
their own too. The limiters belong to the running
event loop (one per hub process; a test client may start others).
"""

from __future__ import annotations

import asyncio
import contextvars
import os
import weakref

from anyio import CapacityLimiter, to_thread

# threads per lane and process; JICENG_HUB_PAGE_THREADS / JICENG_HUB_SYNC_THREADS for a bench
SIZES = {"pages": int(os.environ.get("JICENG_HUB_PAGE_THREADS", "4")),
         "sync": int(os.environ.get("JICENG_HUB_SYNC_THREADS", "8"))}

_lane: contextvars.ContextVar[str] = contextvars.ContextVar("hub_lane", default="")


def current() -> str:
    """The lane of the running code ("" outside any: the shared pool, a test, a script)."""
    return _lane.get()

_limiters: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, CapacityLimiter]]" = (
    weakref.WeakKeyDictionary())


def limiter(lane: str) -> CapacityLimiter:
    of_loop = _limiters.setdefault(asyncio.get_running_loop(), {})
    if lane not in of_loop:
        of_loop[lane] = CapacityLimiter(SIZES[lane])
    return of_loop[lane]


async def run(lane: str, fn, *args, **kwargs):
    """`fn(*args, **kwargs)` in a thread of `lane` (the current context goes with it)."""
    def call():
        token = _lane.set(lane)
        try:
            return fn(*args, **kwargs)
        finally:
            _lane.reset(token)

    return await to_thread.run_sync(call, limiter=limiter(lane))
