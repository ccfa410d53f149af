"""The bureau places and titles on the hub (no command line), distributes the placed edition, and a
tablet fetches it by hash: against the real hub process on 127.0.0.1 (folder backend)."""

from __future__ import annotations

import hashlib
from types import SimpleNamespace

import httpx
import pytest

from inspect_app import services
from inspect_app.errors import UserError
from inspect_app.hub.standard_editions import catalogue, editions, move_item, open_work, publish, set_group_title
from inspect_app.standard.loader import loads_standard
from inspect_app.sync.editions import fetch_editions


def test_the_bureau_places_titles_and_distributes_and_a_tablet_fetches_the_placed_edition(hub, tmp_path):
    township = next(s for s in editions(hub.data) if s.id == "township-2018")
    assert open_work(township) == {"unplaced": [("0.0.1", "C-2", "提供预防保健服务。"),
                                                ("0.0.1", "C-3", "提供综合性、连续性的健康管理服务。")],
                                   "untitled": ["2.1"]}
    with pytest.raises(UserError, match="--title"):
        move_item(hub.data, "township-2018", "0.0.1/C-2", "1.1.1")
    move_item(hub.data, "township-2018", "0.0.1/C-2", "1.1.1", title="功能定位", by="卫健局张")
    move_item(hub.data, "township-2018", "0.0.1/C-3", "1.1.1", by="卫健局张")
    assert open_work(next(s for s in editions(hub.data) if s.id == "township-2018")) == {"unplaced": [], "untitled": ["1.1", "2.1"]}  # the new clause's section needs a title too
    set_group_title(hub.data, "township-2018", "1.1", "功能任务", by="卫健局张")
    placed = set_group_title(hub.data, "township-2018", "2.1", "基本医疗服务", by="卫健局张")
    assert open_work(placed) == {"unplaced": [], "untitled": []} and len(placed.placements) == 4
    store = hub.store()
    try:
        entry = publish(hub.data, store.blobs, "township-2018", by="卫健局张")
    finally:
        store.close()
    assert catalogue(hub.data)["township-2018"]["sha256"] == entry["sha256"]

    token = hub.token("wangfang")
    listed = httpx.get(f"{hub.url}/api/standards", headers={"Authorization": f"Bearer {token}"}).json()
    assert listed["township-2018"]["sha256"] == entry["sha256"]
    assert httpx.get(f"{hub.url}/api/standards", timeout=10).status_code == 401
    other = hashlib.sha256(b"x").hexdigest()
    assert httpx.get(f"{hub.url}/api/standards/{other}", headers={"Authorization": f"Bearer {token}"}).status_code == 404

    ws = services.open_workspace(tmp_path / "tablet")
    client = hub.client("wangfang")
    try:
        engine = SimpleNamespace(local=SimpleNamespace(workspace=ws))
        assert fetch_editions(engine, client) == 1
        assert fetch_editions(engine, client) == 0  # already here, same hash
        infos = [i for i in services.list_standards(ws) if i.id == "township-2018"]
        assert len(infos) == 1  # the published edition supersedes the shipped file
        std = services.load_standard(ws, "township-2018")
        assert not any(c.unplaced for c in std.clauses()) and std.clause("1.1.1").title == "功能定位"
        assert loads_standard((tmp_path / "tablet" / "standards" / "editions" / "township-2018.json").read_text("utf-8")) == std
        # the home screen's standard card (ui/context.standards) shows the published edition too
        from inspect_app.paths import STANDARDS_DIR
        from inspect_app.standard.loader import list_standards

        [card] = [i for i in list_standards(STANDARDS_DIR, published=tmp_path / "tablet" / "standards" / "editions")
                  if i.id == "township-2018"]
        assert card.clause_count == 19 and "19 条" in card.coverage_zh
    finally:
        client.close()
        ws.close()
