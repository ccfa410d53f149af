"""Sign-in timing of the hub: does the answer's time tell which usernames exist? (issue 11)

Times `Accounts.login` with a wrong password for a known user and for unknown users (fresh
names, so no throttling kicks in), N of each, interleaved, and prints the medians and their
ratio. Baseline in the same run: one bare scrypt with the hub's parameters (the floor of a
sign-in). Before the fix an unknown name cost two scrypts (ratio ~1.7); now both cost one.

    .venv/bin/python bench/hub_login_timing.py [N]
"""

from __future__ import annotations

import hashlib
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from inspect_app.errors import UserError  # noqa: E402
from inspect_app.hub.accounts import SCRYPT, Accounts, Role  # noqa: E402
from inspect_app.hub.store import open_store  # noqa: E402


def timed(fn) -> float:
    start = time.perf_counter()
    try:
        fn()
    except UserError:
        pass
    return time.perf_counter() - start


def main(n: int = 15) -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(Path(folder))
        accounts = Accounts(store.accounts)
        accounts.add_user("known1", "long-enough-pw", Role.INSPECTOR)
        accounts.throttle.free = accounts.client_throttle.free = 10**9  # measure the check, not the throttle
        known, unknown, floor = [], [], []
        for i in range(n):
            known.append(timed(lambda: accounts.login("known1", f"wrong-{i}")))
            unknown.append(timed(lambda: accounts.login(f"nobody{i}", f"wrong-{i}")))
            floor.append(timed(lambda: hashlib.scrypt(b"x", salt=b"s" * 16, maxmem=64 * 1024 * 1024, dklen=32, **SCRYPT)))
        store.close()
    k, u, f = (statistics.median(v) * 1000 for v in (known, unknown, floor))
    print(f"sign-in with a wrong password, median of {n}: known user {k:.1f} ms, unknown user {u:.1f} ms, "
          f"unknown/known = {u / k:.2f}")
    print(f"baseline: one scrypt {f:.1f} ms; known/scrypt = {k / f:.2f}, unknown/scrypt = {u / f:.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
