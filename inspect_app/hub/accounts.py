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
import secrets
import time
from dataclasses import dataclass
from enum import StrEnum

from inspect_app.errors import UserError
from inspect_app.hub.store.base import AccountStore
from inspect_app.inspection import utc_now
from inspect_app.sync.protocol import SAFE_ID

SCRYPT = {"n": 2**14, "r": 8, "p": 1}
TOKEN_CACHE_SECONDS = 60


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


class Accounts:
    def __init__(self, store: AccountStore) -> None:
        self.store = store
        self._cache_key = secrets.token_bytes(32)
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
    def login(self, username: str, password: str, device: str = "") -> tuple[str, Account]:
        user = self.store.user(username)
        # Hash even for an unknown user, so timing does not tell which names exist.
        stored = user["password"] if user else hash_secret("x")
        ok = check_secret(password, stored) and user is not None and not user.get("disabled")
        if not ok:
            raise UserError("用户名或密码不正确。", "Wrong username or password.")
        token_id = secrets.token_hex(8)
        secret = secrets.token_urlsafe(32)
        self.store.add_token({
            "id": token_id, "user": username, "device": device[:80], "revoked": False,
            "created": utc_now().isoformat(), "secret": hash_secret(secret),
        })
        return f"{token_id}.{secret}", self._account(user, token_id, device)

    def authenticate(self, token: str) -> Account | None:
        token_id, _, secret = token.partition(".")
        if not token_id or not secret:
            return None
        row = self.store.token(token_id)
        if row is None or row["revoked"]:
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
