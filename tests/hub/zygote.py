"""Start the real hub fast, again and again, for the kill test (tests/hub/test_hub_kill.py).

Run as `python -m tests.hub.zygote DATA PORT`. It imports the hub once, then for every line
"spawn" on stdin forks a child (and for "kill" SIGKILLs that child and reaps it) that opens the data folder afresh (as a restarted hub does:
a push a kill interrupted is finished first) and serves the real API with uvicorn on
127.0.0.1:PORT; it answers with the child's pid. The test SIGKILLs the child, never this
process; a fork costs milliseconds where a cold start costs seconds, so 100 kills fit in a
test run.
"""

from __future__ import annotations

import os
import signal
import sys


def main() -> None:
    data, port = sys.argv[1], int(sys.argv[2])
    import uvicorn

    from inspect_app.hub.app import create_app

    async def _noop(scope, receive, send):  # uvicorn imports its protocol classes here, once
        pass

    uvicorn.Config(_noop, host="127.0.0.1", port=port, log_level="error").load()

    child = 0
    for line in sys.stdin:
        if line.strip() == "kill":  # SIGKILL the serving child, and reap it
            if child:
                os.kill(child, signal.SIGKILL)
                os.waitpid(child, 0)
                child = 0
            print("dead", flush=True)
            continue
        if line.strip() != "spawn":
            continue
        child = pid = os.fork()
        if pid == 0:
            os.setsid()
            app = create_app(data, web=False)
            uvicorn.run(app, host="127.0.0.1", port=port, log_level="error", access_log=False)
            os._exit(0)
        print(pid, flush=True)


if __name__ == "__main__":
    main()
