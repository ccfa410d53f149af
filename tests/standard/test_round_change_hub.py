"""The bureau table's 较上轮变化 (change since the center's previous round), against the real hub."""

from __future__ import annotations

import httpx

from tests.hub.ops import op


def _push(hub, token, device, iid, results, round_id):
    ops = [op(device, 1, iid, "inspection.center_id", "c1"),
           op(device, 2, iid, "inspection.standard_id", "test-std"),
           op(device, 3, iid, "inspection.team", [{"name": "王芳", "role": "expert"}]),
           op(device, 4, iid, "inspection.round_id", round_id),
           op(device, 5, iid, "center", {"id": "c1", "name": "机构 c1", "county": "青山县"}),
           *(op(device, 6 + n, iid, f"item/1.1.1/{code}", {"result": r}) for n, (code, r) in enumerate(results.items()))]
    r = httpx.post(f"{hub.url}/api/sync/push", headers={"Authorization": f"Bearer {token}"},
                   json={"device": device, "ops": ops})
    assert r.status_code == 200 and not r.json()["rejected"], r.text


def test_the_bureau_table_shows_the_change_since_the_previous_round(hub):
    token = hub.token("wangfang")
    _push(hub, token, "dev-a", "round1", {"C-1": "not_met"}, "2024")  # 1.1.1: D
    bureau = {"Authorization": f"Bearer {hub.token('bureau')}"}
    [row] = [r for r in httpx.get(f"{hub.url}/api/bureau/centers", headers=bureau).json() if r["center_id"] == "c1"]
    assert not row.get("change")  # no previous round yet
    _push(hub, token, "dev-a", "round2", {"C-1": "met", "C-2": "met", "B-1": "not_met"}, "2025")  # 1.1.1: C
    [row] = [r for r in httpx.get(f"{hub.url}/api/bureau/centers", headers=bureau).json() if r["center_id"] == "c1"]
    assert row["inspection_id"] == "round2"
    assert row["change"] == "结论不变；1 条可比：升 1、降 0、持平 0", row["change"]
