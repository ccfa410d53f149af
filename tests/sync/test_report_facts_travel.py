"""The bureau's report facts travel tablet → hub → tablet like the other finding fields, against
a real hub process on 127.0.0.1 (issue 10): 整改时限 / 责任科室 per problem (also clause-wide, as
"-"), the center's cover facts, 评审单位 and the team's work units and titles; a removal travels
too; and the hub's door bounds the new values (a due date that is no date, a 300-character
department, a negative bed count are refused before anything is stored)."""

from __future__ import annotations

import httpx

from inspect_app import services
from inspect_app.inspection import TeamMember
from inspect_app.sync import keys
from tests.hub.ops import op
from tests.sync.scenario import auth, two_tablets


def _push(hub, device: str, ops: list[dict]) -> httpx.Response:
    return httpx.post(f"{hub.url}/api/sync/push", json={"protocol": 1, "device": device, "ops": ops},
                      headers=auth(hub, "wangfang"), timeout=30)


def _finding(tablet, iid, clause="1.1.1"):
    return services.snapshot(tablet.ws, iid).findings[clause]


def test_rectification_details_and_cover_facts_reach_the_other_tablet(tmp_path, hub, standards):
    a, b, iid = two_tablets(tmp_path, hub, standards, first_rating="not_met")
    try:
        center_id = services.get_inspection(a.ws, iid).center_id
        services.edit_center(a.ws, center_id, actor="王芳", address="青山县人民路18号",
                             registration_code="PDY12345-3", population_served=32500, beds=45,
                             medical_staff=61, contact="刘梅 0731-1234567")
        services.set_evaluation_facts(a.ws, iid, reviewing_body="青山县卫生健康局",
                                      team=[TeamMember(name="李明", unit="青山县人民医院", title="主任医师")])
        services.set_rectification_details(a.ws, iid, "1.1.1", "C-1", due="2026-06-30", department="公共卫生科")
        services.set_rectification_details(a.ws, iid, "1.1.1", "", due="2026-07-31", department="院办")
        a.sync()
        b.sync()

        sent = {v["key"]: v["value"] for v in hub.ops_of(iid).values()}
        assert sent[keys.due_key("1.1.1", "C-1")] == "2026-06-30"
        assert sent["dept/1.1.1/-"] == "院办"  # clause-wide, keyed like 整改建议

        got = _finding(b, iid)
        assert got.rectification_due == {"C-1": "2026-06-30", "": "2026-07-31"}
        assert got.rectification_dept == {"C-1": "公共卫生科", "": "院办"}
        center = services.get_center(b.ws, center_id)
        assert (center.address, center.registration_code, center.population_served, center.beds,
                center.medical_staff, center.contact) == ("青山县人民路18号", "PDY12345-3", 32500, 45, 61,
                                                          "刘梅 0731-1234567")
        inspection = services.get_inspection(b.ws, iid)
        assert inspection.reviewing_body == "青山县卫生健康局"
        member = next(m for m in inspection.team if m.name == "李明")
        assert (member.unit, member.title) == ("青山县人民医院", "主任医师")

        # a removal on B travels back to A; the other value stays
        services.set_rectification_details(b.ws, iid, "1.1.1", "C-1", due="")
        b.sync()
        a.sync()
        back = _finding(a, iid)
        assert back.rectification_due == {"": "2026-07-31"}
        assert back.rectification_dept["C-1"] == "公共卫生科"
    finally:
        a.close()
        b.close()


def test_the_hub_door_bounds_the_new_values(tmp_path, hub, standards):
    a, b, iid = two_tablets(tmp_path, hub, standards, first_rating="not_met")
    try:
        center_id = services.get_inspection(a.ws, iid).center_id
        center = services.get_center(a.ws, center_id).model_dump(mode="json")
        device = "hostile-wangfang"
        cases = [
            (keys.due_key("1.1.1", "C-1"), "明天"),  # not a date
            (keys.dept_key("1.1.1", "C-1"), "科" * 300),  # longer than a department's name
            ("center", {**center, "beds": -5}),  # a negative count
            ("center", {**center, "address": "路" * 500}),
            ("inspection.reviewing_body", "局" * 500),
        ]
        before = len(hub.ops_of(iid))
        for n, (key, value) in enumerate(cases, start=1):
            r = _push(hub, device, [op(device, n, iid, key, value)])
            assert r.status_code in (409, 422), (key, r.status_code, r.text)
            assert "rejected" in r.text, r.text
            if key.startswith("due/"):
                assert "YYYY-MM-DD" in r.text, r.text  # its own reason
        assert len(hub.ops_of(iid)) == before  # nothing stored
        ok = _push(hub, device, [op(device, 99, iid, keys.due_key("1.1.1", "C-1"), "2026-06-30")])
        assert ok.status_code == 200, ok.text
    finally:
        a.close()
        b.close()


def test_a_due_date_the_hub_would_refuse_is_refused_at_entry(tmp_path):
    """What the door refuses never gets stored on a tablet (it would hold back the whole push)."""
    from inspect_app.errors import UserError
    from tests.store.helpers import new_workspace, started

    ws = new_workspace(tmp_path)
    try:
        iid = started(ws, "青山镇卫生院")
        services.rate_item(ws, iid, "1.1.1", "C-1", "not_met")
        for bad in ("明天", "2026-6-30", "2026-02-30"):
            try:
                services.set_rectification_details(ws, iid, "1.1.1", "C-1", due=bad)
            except UserError as err:
                assert "年-月-日" in err.message("zh") and "YYYY-MM-DD" in err.message("en")
            else:
                raise AssertionError(f"{bad!r} was stored")
        with_dept = services.set_rectification_details(ws, iid, "1.1.1", "C-1", due="2026-06-30", department="院办")
        assert (with_dept.rectification_due, with_dept.rectification_dept) == ({"C-1": "2026-06-30"}, {"C-1": "院办"})
    finally:
        ws.close()
