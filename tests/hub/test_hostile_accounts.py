"""Accounts against hostile clients (issue 11): wrong passwords are throttled (per user, per
client, with backoff and a clear 429), an unknown user costs the same one scrypt as a known
one, tokens expire, logging out revokes the token, `hub user revoke --disable` ends an open
page session at its next request, and `hub --tls` serves https with a printed fingerprint."""

from __future__ import annotations

import hashlib
import re
import ssl
import subprocess
import sys
import time
from datetime import timedelta

import httpx
import pytest

from inspect_app import paths
from inspect_app.hub import accounts as accounts_mod
from inspect_app.hub.accounts import Accounts, Role, Throttle, TooManyAttempts
from inspect_app.hub.store import open_store
from inspect_app.errors import UserError
from tests.hub.hostile import assert_unchanged, build_arena, files_state, others_still_work, refused
from tests.support.net import free_port
from tests.sync.hubproc import PASSWORD


@pytest.fixture(scope="module")
def arena(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JICENG_HUB_LOGIN_BACKOFF", "60")  # the first wait outlasts this slow machine's requests
        a = build_arena(tmp_path_factory.mktemp("accounts") / "hub")
    yield a
    a.hub.stop()


def login(arena, user, password):
    return httpx.post(f"{arena.hub.url}/api/login", json={"username": user, "password": password}, timeout=30)


def test_wrong_passwords_are_throttled_and_the_others_keep_working(arena):
    before = files_state(arena.hub.data)
    codes = [login(arena, "liming", f"wrong-{n}").status_code for n in range(5)]
    assert codes == [401] * 5
    r = login(arena, "liming", "wrong-6")
    body = refused(r, 429, mentions="秒后再试")
    assert int(r.headers["Retry-After"]) > 50 and body["en"].startswith("Too many wrong passwords")
    # while it lasts, the right password does not help (guessing cannot go on at full speed)
    refused(login(arena, "liming", PASSWORD), 429)
    arena.fired("throttle", 7)
    # other users sign in and work as before; the hub's files did not change (tokens aside)
    assert login(arena, "wangfang", PASSWORD).status_code == 200
    assert_unchanged(before, files_state(arena.hub.data))
    others_still_work(arena)
    # liming's existing token still works: throttling guards sign-in, not sessions
    assert httpx.get(f"{arena.hub.url}/api/me", headers=arena.h("liming")).status_code == 200


def test_backoff_doubles_per_user_and_per_client():
    now = [0.0]
    t = Throttle(free=3, clock=lambda: now[0])
    for _ in range(3):
        assert t.wait("u") == 0
        t.failed("u")
    assert t.wait("u") == pytest.approx(1.0)
    now[0] += 1.0
    t.failed("u")
    assert t.wait("u") == pytest.approx(2.0)
    now[0] += 2.0
    t.failed("u")
    assert t.wait("u") == pytest.approx(4.0)
    t.succeeded("u")
    assert t.wait("u") == 0


def test_an_unknown_user_costs_one_scrypt_like_a_known_one(tmp_path, monkeypatch):
    store = open_store(tmp_path)
    accounts = Accounts(store.accounts)
    accounts.add_user("known1", "long-enough-pw", Role.INSPECTOR)
    calls = []
    real = hashlib.scrypt
    monkeypatch.setattr(accounts_mod.hashlib, "scrypt", lambda *a, **kw: calls.append(1) or real(*a, **kw))
    for user in ("known1", "nobody-here"):
        calls.clear()
        with pytest.raises(UserError):
            accounts.login(user, "wrong-password")
        assert len(calls) == 1, (user, len(calls))
    store.close()


def test_tokens_expire_and_web_sessions_end_on_revoke(tmp_path):
    store = open_store(tmp_path)
    accounts = Accounts(store.accounts)
    accounts.add_user("bureau1", "long-enough-pw", Role.ADMIN)
    token, acct = accounts.login("bureau1", "long-enough-pw")
    row = store.accounts.token(acct.token_id)
    assert abs(accounts_mod.datetime.fromisoformat(row["expires"]) - accounts_mod.utc_now()
               - timedelta(days=accounts_mod.TOKEN_DAYS)) < timedelta(minutes=1)
    assert accounts.authenticate(token) is not None and accounts.still_valid(acct)
    old, old_acct = accounts.login("bureau1", "long-enough-pw", lifetime=timedelta(seconds=-1))
    assert accounts.authenticate(old) is None and not accounts.still_valid(old_acct)  # expired
    # `hub user revoke --disable` in another process: the open page's next draw sees it
    out = subprocess.run([sys.executable, "main.py", "--data", str(tmp_path), "hub", "user", "revoke", "bureau1",
                          "--disable"], cwd=paths.PROJECT_ROOT, capture_output=True, text=True, check=True).stdout
    assert "Revoked" in out
    assert not accounts.still_valid(acct) and accounts.authenticate(token) is None
    with pytest.raises(UserError):
        accounts.login("bureau1", "long-enough-pw")
    store.close()


def test_logout_revokes_the_token(arena):
    token = arena.hub.token("zhaoqiang")
    h = {"Authorization": f"Bearer {token}"}
    assert httpx.get(f"{arena.hub.url}/api/me", headers=h).status_code == 200
    assert httpx.post(f"{arena.hub.url}/api/logout", headers=h).status_code == 200
    refused(httpx.get(f"{arena.hub.url}/api/me", headers=h), 401)
    arena.fired("session", 2)
    others_still_work(arena)


def test_too_many_attempts_names_the_wait():
    err = TooManyAttempts(2.2)
    assert err.retry_after == 3 and "3 秒" in err.zh and "3 s" in err.en


def test_hub_tls_self_signed_with_its_fingerprint_printed(tmp_path):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "main.py", "--data", str(tmp_path), "hub", "--tls", "--port", str(port)],
                            cwd=paths.PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = []
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not any("SHA-256" in line for line in lines):
            lines.append(proc.stdout.readline())
        text = "".join(lines)
        assert "https://127.0.0.1" in text, text
        printed = re.search(r"SHA-256: ([0-9A-F:]{95})", text).group(1)
        for _ in range(300):
            try:
                r = httpx.get(f"https://127.0.0.1:{port}/api/health", verify=False, timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert r.status_code == 200
        pem = ssl.get_server_certificate(("127.0.0.1", port))
        served = hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem)).hexdigest().upper()
        assert printed.replace(":", "") == served
        with pytest.raises(httpx.TransportError):  # plain http is not answered on the TLS port
            httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2)
        assert (tmp_path / "hub" / "tls" / "cert.pem").is_file()
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def test_a_users_wrong_passwords_count_across_restarts_and_workers(tmp_path, monkeypatch):
    """The per-user count lives in the shared account store: a second hub process (or the same
    one after a restart) sees the misses the first one counted and keeps the user waiting."""
    monkeypatch.setattr(accounts_mod, "FIRST_WAIT", 60.0)  # a wait no slow machine outlives
    store = open_store(tmp_path)
    first = Accounts(store.accounts)
    first.add_user("liming", "right-password", Role.INSPECTOR)
    for _ in range(accounts_mod.FREE_ATTEMPTS):
        with pytest.raises(UserError):
            first.login("liming", "wrong-password")
    restarted = Accounts(open_store(tmp_path).accounts)  # nothing in its memory
    with pytest.raises(TooManyAttempts):
        restarted.login("liming", "right-password")
    # the wait is over: the right password works, and the count starts again from zero
    store.accounts.update_user("liming", {"retry_after": "2000-01-01T00:00:00+00:00"})
    token, account = Accounts(open_store(tmp_path).accounts).login("liming", "right-password")
    assert account.username == "liming" and token
    assert store.accounts.user("liming")["failed_logins"] == 0
