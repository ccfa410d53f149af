"""Hub accounts (账号) and tokens: bureau admin (卫健局管理员), inspector (评审专家) with their
devices, clinic (被评机构) bound to one health center.

Passwords and tokens are kept only as salted scrypt hashes. A token reads
`<token id>.<secret>`: the id finds the row, the secret is checked against its hash. A
successful check is remembered in this process for a minute (keyed by a keyed hash, so the
secret never sits in memory as a dictionary key), but revocation is read from the file on
every request, so `hub user revoke` in another process takes effect at once. Rows live in an
AccountStore (the data folder's accounts.json, or PostgreSQL shared by several hub processes).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
import time
from datetime import datetime, timedelta
from dataclasses import dataclass
from enum import StrEnum
from typing import Callable, Protocol

from inspect_app.errors import UserError
from inspect_app.hub.store.base import AccountStore
from inspect_app.inspection import utc_now
from inspect_app.sync.protocol import SAFE_ID

SCRYPT = {"n": 2**14, "r": 8, "p": 1}
TOKEN_CACHE_SECONDS = 60
# A token lives this long (JICENG_HUB_TOKEN_DAYS); a sign-in on the hub's web pages much less.
TOKEN_DAYS = float(os.environ.get("JICENG_HUB_TOKEN_DAYS", "30"))
WEB_SESSION_HOURS = float(os.environ.get("JICENG_HUB_WEB_HOURS", "12"))
# Wrong passwords: this many are free per username (per client address: FREE_CLIENT, as one
# office may sit behind one address), then each further try must wait twice as long as the
# one before, up to MAX_WAIT seconds.
FREE_ATTEMPTS = 5
FREE_CLIENT = 20
FIRST_WAIT = float(os.environ.get("JICENG_HUB_LOGIN_BACKOFF", "1"))  # seconds, doubled per further miss
MAX_WAIT = 15 * 60.0


class TooManyAttempts(UserError):
    """429: too many wrong passwords for this user or from this client; wait and retry."""

    def __init__(self, wait: float) -> None:
        self.retry_after = max(1, int(wait + 0.999))
        super().__init__(f"密码错误次数过多，请 {self.retry_after} 秒后再试。",
                         f"Too many wrong passwords; try again in {self.retry_after} s.")


def backoff(failures: int, free: int = FREE_ATTEMPTS) -> float:
    """Seconds to wait after `failures` wrong passwords in a row: none for the first `free`."""
    return 0.0 if failures < free else min(MAX_WAIT, FIRST_WAIT * 2 ** (failures - free))


class SharedCounts(Protocol):
    """Sign-in misses kept where every hub worker sees them (an AccountStore that has them
    offers `shared_throttle()`: the PostgreSQL store, migration 003)."""

    def wait(self, keys: list[str]) -> float: ...

    def failed(self, keys: list[str], wait_for: Callable[[int], float]) -> None: ...

    def succeeded(self, keys: list[str]) -> None: ...


class Throttle:
    """Failed sign-ins per key (a username, a client address) with exponential backoff: in the
    shared store when it keeps them (`shared`: every hub worker counts the same misses, and a
    restart does not reset them), else in this process. For a known user the count is also
    kept in the user's row in the account store (`Accounts.login`)."""

    def __init__(self, free: int = FREE_ATTEMPTS, clock=time.monotonic, shared: SharedCounts | None = None,
                 prefix: str = "") -> None:
        self.free = free
        self.clock = clock
        self.shared = shared
        self.prefix = prefix  # keeps this throttle's keys apart from another's in the shared table
        self._fails: dict[str, tuple[int, float]] = {}  # key -> (failures, not before)
        self._lock = threading.Lock()

    def _keys(self, keys: tuple[str, ...]) -> list[str]:
        return [self.prefix + k[:200] for k in keys]

    def wait(self, *keys: str) -> float:
        if self.shared is not None:
            return self.shared.wait(self._keys(keys))
        now = self.clock()
        with self._lock:
            return max([0.0] + [self._fails[k][1] - now for k in keys if k in self._fails])

    def failed(self, *keys: str) -> None:
        if self.shared is not None:
            self.shared.failed(self._keys(keys), lambda failures: backoff(failures, self.free))
            return
        now = self.clock()
        with self._lock:
            if len(self._fails) > 100_000:  # bounded memory under a flood of made-up names
                self._fails.clear()
            for k in keys:
                count = self._fails.get(k, (0, 0.0))[0] + 1
                self._fails[k] = (count, now + backoff(count, self.free))

    def succeeded(self, *keys: str) -> None:
        if self.shared is not None:
            self.shared.succeeded(self._keys(keys))
            return
        with self._lock:
            for k in keys:
                self._fails.pop(k, None)


class Role(StrEnum):
    ADMIN = "admin"  # 卫健局管理员: sees every center
    INSPECTOR = "inspector"  # 评审专家: reads and writes the inspections they are on
    CLINIC = "clinic"  # 被评机构: reads its own center's signed reports, answers deficiencies


ROLE_ZH = {Role.ADMIN: "卫健局管理员", Role.INSPECTOR: "评审专家", Role.CLINIC: "被评机构"}


@dataclass(frozen=True)
class Account:
    username: str
    name: str
    role: Role
    center_id: str = ""
    token_id: str = ""
    device: str = ""

    @property
    def names(self) -> set[str]:
        """How this person may appear in an inspection's team list."""
        return {n for n in (self.username, self.name) if n}


def hash_secret(secret: str, salt: bytes | None = None, params: dict | None = None) -> dict:
    salt = salt or secrets.token_bytes(16)
    params = params or SCRYPT
    digest = hashlib.scrypt(secret.encode("utf-8"), salt=salt, maxmem=64 * 1024 * 1024, dklen=32, **params)
    return {"salt": salt.hex(), "hash": digest.hex(), **params}


def check_secret(secret: str, stored: dict) -> bool:
    params = {k: int(stored[k]) for k in ("n", "r", "p")}
    fresh = hash_secret(secret, bytes.fromhex(stored["salt"]), params)
    return hmac.compare_digest(fresh["hash"], stored["hash"])


def _stored_wait(user: dict | None) -> float:
    """What the user's row says is left of its wait (another process may have counted the misses)."""
    try:
        until = datetime.fromisoformat(user["retry_after"]) if user and user.get("retry_after") else None
    except (TypeError, ValueError):
        return 0.0
    return max(0.0, (until - utc_now()).total_seconds()) if until else 0.0


class Accounts:
    def __init__(self, store: AccountStore) -> None:
        self.store = store
        self._cache_key = secrets.token_bytes(32)
        # An unknown username is checked against this, so it costs one scrypt like a known one.
        self._dummy_row: dict | None = None
        offered = getattr(store, "shared_throttle", None)
        shared = offered() if callable(offered) else None  # every hub worker counts the same misses
        self.throttle = Throttle(FREE_ATTEMPTS, shared=shared, prefix="user:")  # per username
        self.client_throttle = Throttle(FREE_CLIENT, shared=shared, prefix="client:")  # per client address
        self._verified: dict[bytes, tuple[str, float]] = {}

    # -- users -------------------------------------------------------------------------------
    def add_user(self, username: str, password: str, role: Role, name: str = "", center_id: str = "") -> None:
        if not SAFE_ID.match(username):
            raise UserError("用户名只能包含字母、数字、下划线和短横线。", "A username may hold only letters, digits, _ and -.")
        if len(password) < 8:
            raise UserError("密码至少 8 位。", "The password needs at least 8 characters.")
        if role is Role.CLINIC and not center_id:
            raise UserError("机构账号必须绑定一个机构（--center）。", "A clinic account must be bound to a center (--center).")
        added = self.store.add_user({
            "username": username, "name": name or username, "role": role.value,
            "center_id": center_id if role is Role.CLINIC else "",
            "password": hash_secret(password), "disabled": False, "created": utc_now().isoformat(),
        })
        if not added:
            raise UserError(f"用户 {username} 已存在。", f"User {username} already exists.")

    def users(self) -> list[dict]:
        live: dict[str, int] = {}
        for t in self.store.tokens():
            if not t["revoked"]:
                live[t["user"]] = live.get(t["user"], 0) + 1
        rows = [{k: user[k] for k in ("username", "name", "role", "center_id", "disabled")}
                | {"tokens": live.get(user["username"], 0)} for user in self.store.users()]
        return sorted(rows, key=lambda r: r["username"])

    def revoke(self, username: str, token_id: str | None = None, disable: bool = False) -> int:
        """Revoke a user's tokens (or one of them); `disable` also refuses new sign-ins."""
        if self.store.user(username) is None:
            raise UserError(f"没有用户 {username}。", f"No user {username}.")
        if disable:
            self.store.update_user(username, {"disabled": True})
        return self.store.revoke_tokens(username, token_id, utc_now().isoformat())

    # -- sign-in and tokens -------------------------------------------------------------------
    def login(self, username: str, password: str, device: str = "", *, client: str = "",
              lifetime: timedelta | None = None) -> tuple[str, Account]:
        """A new token for the right password. Wrong ones are throttled per username and per
        `client` (the caller's address): TooManyAttempts (429) while waiting, even for the
        right password. `lifetime`: how long the token lives (default TOKEN_DAYS)."""
        user_key = username[:100]
        user = self.store.user(username) if SAFE_ID.match(username) else None
        wait = max(self.throttle.wait(user_key), self.client_throttle.wait(client) if client else 0.0,
                   _stored_wait(user))
        if wait > 0:
            raise TooManyAttempts(wait)
        # One scrypt whether or not the user exists, so timing does not tell which names exist.
        stored = user["password"] if user else self._dummy()
        ok = check_secret(password, stored) and user is not None and not user.get("disabled")
        if not ok:
            self.throttle.failed(user_key)
            if client:
                self.client_throttle.failed(client)
            if user is not None:  # shared by every hub process, kept across restarts
                failures = int(user.get("failed_logins", 0)) + 1
                until = utc_now() + timedelta(seconds=backoff(failures))
                self.store.update_user(username, {"failed_logins": failures, "retry_after": until.isoformat()})
            raise UserError("用户名或密码不正确。", "Wrong username or password.")
        self.throttle.succeeded(user_key)
        if user.get("failed_logins"):
            self.store.update_user(username, {"failed_logins": 0, "retry_after": ""})
        token_id = secrets.token_hex(8)
        secret = secrets.token_urlsafe(32)
        now = utc_now()
        self.store.add_token({
            "id": token_id, "user": username, "device": device[:80], "revoked": False,
            "created": now.isoformat(), "secret": hash_secret(secret),
            "expires": (now + (lifetime or timedelta(days=TOKEN_DAYS))).isoformat(),
        })
        return f"{token_id}.{secret}", self._account(user, token_id, device)

    def _dummy(self) -> dict:
        # Any well-formed record will do: nothing hashes to it, and checking costs one scrypt.
        if self._dummy_row is None:
            self._dummy_row = {"salt": secrets.token_bytes(16).hex(), "hash": secrets.token_bytes(32).hex(), **SCRYPT}
        return self._dummy_row

    @staticmethod
    def _expired(row: dict) -> bool:
        try:
            if row.get("expires"):
                return utc_now() >= datetime.fromisoformat(row["expires"])
            return utc_now() >= datetime.fromisoformat(row["created"]) + timedelta(days=TOKEN_DAYS)
        except (KeyError, TypeError, ValueError):
            return True

    def still_valid(self, account: Account | None) -> bool:
        """The session behind `account` still holds: its token is neither revoked nor expired and
        the user is not disabled (the web pages ask before every page they draw)."""
        if account is None or not account.token_id:
            return False
        row = self.store.token(account.token_id)
        if row is None or row["revoked"] or row.get("user") != account.username or self._expired(row):
            return False
        user = self.store.user(account.username)
        return user is not None and not user.get("disabled")

    def authenticate(self, token: str) -> Account | None:
        token_id, _, secret = token.partition(".")
        if not token_id or not secret:
            return None
        row = self.store.token(token_id)
        if row is None or row["revoked"] or self._expired(row):
            return None
        user = self.store.user(row["user"])
        if user is None or user.get("disabled"):
            return None
        cache_key = hmac.new(self._cache_key, token.encode(), "sha256").digest()
        cached = self._verified.get(cache_key)
        if not (cached and cached[0] == token_id and cached[1] > time.monotonic()):
            if not check_secret(secret, row["secret"]):
                return None
            if len(self._verified) > 10_000:
                self._verified.clear()
            self._verified[cache_key] = (token_id, time.monotonic() + TOKEN_CACHE_SECONDS)
        return self._account(user, token_id, row.get("device", ""))

    @staticmethod
    def _account(user: dict, token_id: str, device: str) -> Account:
        return Account(user["username"], user.get("name", ""), Role(user["role"]), user.get("center_id", ""),
                       token_id, device)
