"""Where an API request's time goes, answered in its Server-Timing header (bench/hub_load.py
reads it): waiting for a worker thread, for a database connection, reading, scoring. Phases
are added by the code that spends them (add/mark); a request outside the middleware (a test
calling a function directly) records nothing."""

from __future__ import annotations

import contextvars
import time

_phases: contextvars.ContextVar[dict | None] = contextvars.ContextVar("hub_timing", default=None)


def add(name: str, seconds: float) -> None:
    """`seconds` more spent on `name` by the current request."""
    phases = _phases.get()
    if phases is not None:
        phases[name] = phases.get(name, 0.0) + seconds


def mark(name: str) -> None:
    """`name` reached now: the time since the request arrived (e.g. when its handler started)."""
    phases = _phases.get()
    if phases is not None and "_t0" in phases:
        phases[name] = time.perf_counter() - phases["_t0"]


class ServerTiming:
    """ASGI middleware: every /api response says its phases (Server-Timing: name;dur=ms)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not scope.get("path", "").startswith("/api/"):
            await self.app(scope, receive, send)
            return
        phases: dict = {"_t0": time.perf_counter()}
        token = _phases.set(phases)

        async def timed_send(message):
            if message["type"] == "http.response.start":
                total = time.perf_counter() - phases["_t0"]
                value = ", ".join(f"{k};dur={v * 1000:.1f}" for k, v in phases.items() if not k.startswith("_"))
                value = (value + ", " if value else "") + f"total;dur={total * 1000:.1f}"
                message = {**message, "headers": [*message.get("headers", []), (b"server-timing", value.encode())]}
            await send(message)

        try:
            await self.app(scope, receive, timed_send)
        finally:
            _phases.reset(token)


def parse(header: str) -> dict[str, float]:
    """A Server-Timing header as {name: seconds}."""
    out = {}
    for part in header.split(","):
        name, _, dur = part.strip().partition(";dur=")
        try:
            out[name] = float(dur) / 1000
        except ValueError:
            continue
    return out
