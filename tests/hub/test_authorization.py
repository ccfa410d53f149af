"""Every route and role against a real hub process: 401 without a valid token, 403 for what
is not yours (guessed ids of another center included)."""

from __future__ import annotations

import json
import subprocess

import httpx

from inspect_app import paths
from tests.hub.ops import op
from tests.sync.hubproc import PASSWORD

ROUTES = [
    ("GET", "/api/me"), ("POST", "/api/logout"), ("POST", "/api/sync/push"), ("GET", "/api/sync/pull"),
    ("POST", "/api/blobs/missing"), ("PUT", "/api/blobs/" + "0" * 64), ("GET", "/api/blobs/" + "0" * 64),
    ("GET", "/api/inspections"), ("GET", "/api/inspections/x/state"), ("GET", "/api/reports"),
    ("GET", "/api/reports/x"), ("GET", "/api/reports/x/pdf"), ("POST", "/api/reports/x/responses"),
    ("POST", "/api/reports/x/photos"),
    ("GET", "/api/bureau/centers"), ("GET", "/api/bureau/export"),
]


def call(hub, method, path, token=None, **kw):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.request(method, f"{hub.url}{path}", headers=headers, timeout=30, **kw)


def test_nothing_without_a_valid_token(world):
    hub, tokens, _ = world
    for method, path in ROUTES:
        assert call(hub, method, path).status_code == 401, path
        assert call(hub, method, path, "deadbeef.notatoken").status_code == 401, path
        forged = tokens["bureau"].split(".")[0] + ".wrongsecret"
        assert call(hub, method, path, forged).status_code == 401, path
    assert call(hub, "GET", "/api/health").status_code == 200  # liveness only, no data


def test_revoked_token_is_refused_at_once(world):
    hub, tokens, _ = world
    assert call(hub, "GET", "/api/me", tokens["liming"]).status_code == 200
    out = subprocess.run(hub.cli("user", "revoke", "liming"),
                         cwd=paths.PROJECT_ROOT, capture_output=True, text=True, check=True).stdout
    assert "1" in out
    assert call(hub, "GET", "/api/me", tokens["liming"]).status_code == 401


def test_clinic_reads_only_its_own_signed_report(world):
    hub, tokens, photos = world
    t = tokens["clinic1"]
    mine = call(hub, "GET", "/api/reports/insp1", t).json()
    assert mine["revision"] == 1 and mine["center"]["id"] == "c1"  # the signed revision, not the draft 2
    assert [d["suggestion"] for d in mine["deficiencies"]] == ["补齐台账"]
    assert [r["inspection_id"] for r in call(hub, "GET", "/api/reports", t).json()] == ["insp1"]
    assert call(hub, "GET", "/api/reports/insp1", t, params={"revision": 2}).status_code == 403
    assert call(hub, "GET", f"/api/blobs/{photos['insp1']}", t).status_code == 200
    # another center's ids, guessed or real, and ids that do not exist: the same 403
    for iid in ("insp2", "nope", "..%2Finsp2", "insp1%2F..%2Finsp2"):
        assert call(hub, "GET", f"/api/reports/{iid}", t).status_code in (403, 404), iid
    assert call(hub, "GET", "/api/reports/insp2", t).status_code == 403
    assert call(hub, "GET", "/api/reports/insp2/pdf", t).status_code == 403
    assert call(hub, "GET", "/api/reports/nope", t).status_code == 403
    assert call(hub, "POST", "/api/reports/insp2/responses", t,
                json={"clause": "1.1.1", "item": "C-1", "plan": "x"}).status_code == 403
    assert call(hub, "GET", f"/api/blobs/{photos['insp2']}", t).status_code == 403
    for method, path in [("POST", "/api/sync/push"), ("GET", "/api/sync/pull"), ("GET", "/api/inspections"),
                         ("GET", "/api/inspections/insp1/state"), ("GET", "/api/bureau/centers"),
                         ("GET", "/api/bureau/export")]:
        kw = {"json": {"device": "d", "ops": []}} if method == "POST" else {}
        assert call(hub, method, path, t, **kw).status_code == 403, path
    # answering its own deficiency works, and travels as an op
    ok = call(hub, "POST", "/api/reports/insp1/responses", t,
              json={"clause": "1.1.1", "item": "C-1", "plan": "三月底前补齐", "due": "2026-03-31"})
    assert ok.status_code == 200, ok.text
    assert call(hub, "GET", "/api/reports/insp1", t).json()["deficiencies"][0]["response"]["plan"] == "三月底前补齐"
    assert call(hub, "GET", "/api/reports/insp1", tokens["clinic2"]).status_code == 403


def test_inspector_reads_and_writes_only_inspections_they_are_on(world):
    hub, tokens, photos = world
    t = tokens["zhaoqiang"]
    push = {"device": "dev-zhaoqiang", "ops": [op("dev-zhaoqiang", 50, "insp1", "item/1.1.2/C-1", {"result": "met"})]}
    assert call(hub, "POST", "/api/sync/push", t, json=push).status_code == 403
    assert call(hub, "GET", "/api/sync/pull", t, params={"inspection": "insp1"}).status_code == 403
    pulled = call(hub, "GET", "/api/sync/pull", t).json()
    assert {o["inspection_id"] for o in pulled["ops"]} == {"insp2"} and pulled["inspections"] == ["insp2"]
    assert call(hub, "GET", "/api/inspections/insp1/state", t).status_code == 403
    assert call(hub, "GET", "/api/reports/insp1", t).status_code == 403
    assert call(hub, "GET", f"/api/blobs/{photos['insp1']}", t).status_code == 403
    assert call(hub, "GET", "/api/bureau/centers", t).status_code == 403
    assert call(hub, "POST", "/api/reports/insp2/responses", t,
                json={"clause": "1.1.1", "item": "C-1", "plan": "x"}).status_code == 403
    assert [i["id"] for i in call(hub, "GET", "/api/inspections", t).json()] == ["insp2"]
    # a team member by name (李明) reads insp1
    assert call(hub, "GET", "/api/inspections/insp1/state", tokens["liming"]).status_code == 200


def test_bureau_sees_every_center_but_does_not_push(world):
    hub, tokens, _ = world
    t = tokens["bureau"]
    rows = call(hub, "GET", "/api/bureau/centers", t).json()
    assert [(r["center_id"], r["below_c"]) for r in rows] == [("c1", 1), ("c2", 1)]
    assert call(hub, "GET", "/api/reports/insp2", t).status_code == 200
    assert call(hub, "POST", "/api/sync/push", t, json={"device": "d", "ops": []}).status_code == 403
    export = call(hub, "GET", "/api/bureau/export", t)
    assert export.status_code == 200 and export.headers["content-type"] == "application/zip"


def test_user_cli_adds_lists_and_refuses_bad_input(hub):
    run = lambda *a, **kw: subprocess.run(hub.cli("user", *a),
                                          cwd=paths.PROJECT_ROOT, capture_output=True, text=True, **kw)
    assert run("add", "clinic9", "--role", "clinic", "--center", "c9", "--password-stdin",
               input="long-enough-pw\n").returncode == 0
    assert run("add", "clinic10", "--role", "clinic", "--password-stdin", input="long-enough-pw\n").returncode == 2
    listing = run("list").stdout
    assert "clinic9" in listing and "c9" in listing
    raw = json.dumps(hub.store().accounts.users())  # the rows as stored (accounts.json or PostgreSQL)
    assert "long-enough-pw" not in raw and PASSWORD not in raw  # only salted scrypt hashes
    assert httpx.post(f"{hub.url}/api/login", json={"username": "clinic9", "password": "long-enough-pw"}).status_code == 200
    assert httpx.post(f"{hub.url}/api/login", json={"username": "clinic9", "password": "wrong"}).status_code == 401
