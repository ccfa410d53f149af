"""Before a server listens (the tablet app and the hub alike): a port another program holds
is said in words, in Chinese and English, before any start-up work. Without this the app
printed its address as if it were running, then uvicorn's "[Errno 98] error while attempting
to bind … address already in use", and stopped: a second `make run` beside a first one."""

from __future__ import annotations

import errno
import socket

from inspect_app.errors import UserError


def ensure_port_free(host: str, port: int) -> None:
    """Raise UserError when `host:port` cannot be bound because something listens there.
    Bound as uvicorn binds (SO_REUSEADDR: a port a stopped server left in TIME_WAIT is free).
    Any other problem with the address is left to the server, which names it."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    except socket.gaierror:
        return
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as err:
            if err.errno != errno.EADDRINUSE:
                return
            raise UserError(
                f"端口 {port} 已被占用（也许本程序已在运行）。请关闭占用它的程序，或用 --port 换一个端口。",
                f"Port {port} is already in use (perhaps this program is already running). "
                "Stop that program, or choose another port with --port.") from None
