"""An arena for hostile clients: one real hub process on 127.0.0.1 (the data folder), a small
world of two centers, and the three checks every hostile test makes:

1. the sender gets a clear 4xx (`refused`),
2. every other user's reads and syncs keep working in the same run (`others_still_work`),
3. the hub's files are unchanged apart from what was legitimately accepted (`files_state`).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from inspect_app.hub.accounts import Role
from tests.hub.ops import inspection_ops, op, upload_signature_images
from tests.sync.hubproc import PASSWORD, HubProcess, add_users, start_hub
from tests.sync.photos import random_jpeg

EXTRA_USERS = [
    ("clinic1", "青山镇卫生院", Role.CLINIC, "c1"),
    ("clinic2", "绿水社区", Role.CLINIC, "c2"),
    ("mallory", "马洛", Role.INSPECTOR, ""),  # on no team
]


@dataclass
class Arena:
    hub: HubProcess
    tokens: dict[str, str]
    photos: dict[str, str]  # inspection id -> the photo its evidence names
    counts: dict[str, int] = field(default_factory=dict)  # hostile inputs fired, per class

    def h(self, user: str) -> dict:
        return {"Authorization": f"Bearer {self.tokens[user]}"}

    def call(self, method: str, path: str, user: str | None = None, **kw) -> httpx.Response:
        headers = {**(self.h(user) if user else {}), **kw.pop("headers", {})}
        return httpx.request(method, f"{self.hub.url}{path}", headers=headers, timeout=60, **kw)

    def push(self, user: str, ops: list[dict], device: str | None = None, **kw) -> httpx.Response:
        return self.call("POST", "/api/sync/push", user, json={"protocol": 1, "device": device or f"dev-{user}",
                                                                 "ops": ops}, **kw)

    def fired(self, kind: str, n: int = 1) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + n


def build_arena(data: Path) -> Arena:
    data.mkdir(parents=True, exist_ok=True)
    add_users(data, EXTRA_USERS)
    hub = start_hub(data)
    tokens = {u: hub.token(u) for u in ("wangfang", "liming", "zhaoqiang", "bureau", "clinic1", "clinic2", "mallory")}
    photos = {}
    for user, iid, center, team in (("wangfang", "insp1", "c1", ["王芳", "李明"]), ("zhaoqiang", "insp2", "c2", ["赵强"])):
        jpeg = random_jpeg(20)
        sha = hashlib.sha256(jpeg).hexdigest()
        photos[iid] = sha
        h = {"Authorization": f"Bearer {tokens[user]}"}
        r = httpx.put(f"{hub.url}/api/blobs/{sha}", params={"offset": 0, "total": len(jpeg)}, content=jpeg, headers=h)
        assert r.json()["verified"], r.text
        ops = inspection_ops(f"dev-{user}", iid, center, team, sha)
        ops.insert(7, op(f"dev-{user}", 50, iid, f"audit/a-{iid}",
                         {"id": f"a-{iid}", "actor": team[0], "action": "rate_item", "key": "1.1.1/C-1",
                          "old": None, "new": "not_met", "at": "2026-03-01T09:00:00+00:00"}))
        upload_signature_images(hub.url, h, ops)
        r = httpx.post(f"{hub.url}/api/sync/push", headers=h, json={"device": f"dev-{user}", "ops": ops})
        assert r.status_code == 200 and not r.json()["rejected"], r.text
    # insp1 gets a draft revision 2 (the clinic must not see it yet)
    r = httpx.post(f"{hub.url}/api/sync/push", headers={"Authorization": f"Bearer {tokens['wangfang']}"}, json={
        "device": "dev-wangfang", "ops": [
            op("dev-wangfang", 200, "insp1", "inspection.revision", 2, revision=2),
            op("dev-wangfang", 201, "insp1", "inspection.revision_reason", "复核", revision=2),
            op("dev-wangfang", 202, "insp1", "inspection.status", "draft", revision=2)]})
    assert not r.json()["rejected"], r.text
    return Arena(hub, tokens, photos)


# ---------------------------------------------------------------- check 1: a clear 4xx


def refused(r: httpx.Response, *status: int, mentions: str = "") -> dict:
    """A 4xx with a readable reason (JSON with zh/en or detail), never a 5xx or a traceback."""
    assert 400 <= r.status_code < 500, (r.status_code, r.text[:500])
    if status:
        assert r.status_code in status, (r.status_code, r.text[:500])
    assert "Traceback" not in r.text and "Internal Server Error" not in r.text
    body = r.json()
    text = json.dumps(body, ensure_ascii=False)
    assert body.get("detail") or body.get("zh"), text[:300]
    if mentions:
        assert mentions in text, (mentions, text[:500])
    return body


# ---------------------------------------------------------------- check 2: the others still work


def others_still_work(arena: Arena) -> None:
    """Reads and syncs of every legitimate user, as they were before the attacks."""
    a = arena
    mine = a.call("GET", "/api/reports/insp1", "clinic1")
    assert mine.status_code == 200, mine.text
    assert mine.json()["revision"] == 1 and mine.json()["center"]["name"] == "机构 c1"
    assert [r["inspection_id"] for r in a.call("GET", "/api/reports", "clinic1").json()] == ["insp1"]
    assert a.call("GET", "/api/reports/insp2", "clinic2").status_code == 200
    assert a.call("GET", f"/api/blobs/{a.photos['insp1']}", "clinic1").status_code == 200
    rows = a.call("GET", "/api/bureau/centers", "bureau")
    assert rows.status_code == 200, rows.text
    names = {r["center_id"]: r["name"] for r in rows.json()}
    assert (names["c1"], names["c2"]) == ("机构 c1", "机构 c2"), names
    for user, iid in (("wangfang", "insp1"), ("liming", "insp1"), ("zhaoqiang", "insp2")):
        pulled = a.call("GET", "/api/sync/pull", user, params={"since": 0})
        assert pulled.status_code == 200, pulled.text
        assert iid in pulled.json()["inspections"] and any(o["inspection_id"] == iid for o in pulled.json()["ops"])
        assert a.call("GET", f"/api/blobs/{a.photos[iid]}", user).status_code == 200
        state = a.call("GET", f"/api/inspections/{iid}/state", user)
        assert state.status_code == 200 and state.json()["values"]["inspection.center_id"] in ("c1", "c2")
    assert a.call("GET", "/api/bureau/export", "bureau").status_code == 200


def legit_push_still_accepted(arena: Arena, seq: int) -> None:
    """A team member's ordinary edit of the open revision goes in (and is then pulled)."""
    r = arena.push("liming", [op("dev-liming", seq, "insp1", "item/1.1.2/C-1", {"result": "met"}, revision=2)])
    assert r.status_code == 200 and r.json()["accepted"] == [f"dev-liming:{seq}"], r.text
    pulled = arena.call("GET", "/api/sync/pull", "wangfang", params={"since": 0, "inspection": "insp1"}).json()
    assert any(o["seq"] == seq and o["device"] == "dev-liming" for o in pulled["ops"])


# ---------------------------------------------------------------- check 3: the files


SKIP = ("accounts.json", ".lock")


def files_state(data: Path) -> dict[str, str]:
    """What the hub holds on disk: every file's digest, the index without the scores that
    reading pages may store (a cache), sign-ins excluded (accounts.json holds tokens)."""
    root = data / "hub"
    out = {}
    files = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d != "exports"]  # the export's scratch space, removed after sending
        files += [Path(folder) / n for n in names]
    for path in sorted(files):
        rel = str(path.relative_to(root))
        if not path.is_file() or path.name.startswith(SKIP) or path.name.endswith((".prev", ".tmp")) \
                or "/." in f"/{rel}":
            continue
        if path.name == "index.json":
            doc = json.loads(path.read_bytes())
            for row in doc.get("inspections", {}).values():
                row.pop("score", None)
            out[rel] = hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()
        else:
            out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def assert_unchanged(before: dict[str, str], after: dict[str, str]) -> None:
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    assert not changed, f"hub files changed by refused input: {changed}"


__all__ = ["Arena", "PASSWORD", "assert_unchanged", "build_arena", "files_state", "legit_push_still_accepted",
           "op", "others_still_work", "refused"]
