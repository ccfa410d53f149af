"""Service rules, each through the real store on disk."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from inspect_app import services
from inspect_app.errors import UserError
from inspect_app.evidence import PhotoStore
from inspect_app.inspection import InspectionStatus as S, TeamMember, TeamRole
from tests.evidence import evidence_photos
from tests.store.helpers import make_standard, new_workspace, rated_items, started


def _png(color=(0, 0, 0, 255)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGBA", (120, 40), color).save(buf, "PNG")
    return buf.getvalue()


def _jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 10, 10)).save(buf, "JPEG")
    return buf.getvalue()


def _rate_all(ws, iid):
    for clause, code in rated_items(make_standard()):
        services.rate_item(ws, iid, clause, code, "met")
    services.set_prerequisite(ws, iid, "P1", True)


def _signed(ws, iid):
    _rate_all(ws, iid)
    services.submit(ws, iid)
    services.add_signature(ws, iid, "王芳", TeamRole.LEADER, _png())
    services.add_signature(ws, iid, "赵院长", TeamRole.DIRECTOR, _png((0, 0, 255, 255)))
    return services.sign(ws, iid)


def _refused(zh_part: str, fn, *args, **kw):
    with pytest.raises(UserError) as err:
        fn(*args, **kw)
    assert zh_part in err.value.zh and err.value.en and err.value.en != err.value.zh
    return err.value


# -- centers and standards -----------------------------------------------------------------

def test_centers_add_edit_list_with_audit(ws):
    c = services.add_center(ws, " 青山镇卫生院 ", actor="王芳", county="青山县")
    assert c.name == "青山镇卫生院"
    _refused("已存在", services.add_center, ws, "青山镇卫生院", actor="王芳", county="青山县")
    _refused("机构名称", services.add_center, ws, "  ", actor="王芳")
    edited = services.edit_center(ws, c.id, actor="李明", director="赵院长")
    assert edited.director == "赵院长"
    assert [x.director for x in services.list_centers(ws)] == ["赵院长"]
    log = services.audit_log(ws)
    assert [e.action for e in log] == ["add_center", "edit_center"]
    assert log[1].old == {"director": ""} and log[1].new == {"director": "赵院长"} and log[1].actor == "李明"


def test_standards_are_listed_and_loaded(ws):
    [info] = services.list_standards(ws)
    assert info.id == "test-std" and info.version.startswith("2024+")
    assert services.load_standard(ws, "test-std").id == "test-std"
    _refused("找不到评价标准", services.load_standard, ws, "nope")


def test_start_inspection_keeps_the_standard_it_used(ws, iid, tmp_path):
    insp = services.get_inspection(ws, iid)
    assert insp.status is S.DRAFT and insp.revision == 1 and insp.inspector == "王芳"
    assert insp.standard_version == services.list_standards(ws)[0].version
    (tmp_path / "standards" / "test-std.json").unlink()  # shipped standards change later
    fresh = new_workspace(tmp_path)
    assert services.standard_for(fresh, insp).id == "test-std"
    services.rate_item(fresh, iid, "1.1.1", "C-1", "met")


def test_start_inspection_needs_a_known_center_and_an_inspector(ws):
    _refused("找不到该机构", services.start_inspection, ws, "nope", "test-std", ["王芳"], "王芳")
    c = services.add_center(ws, "某中心", actor="王芳")
    _refused("评审人员", services.start_inspection, ws, c.id, "test-std", [], " ")


def test_start_inspection_gps_policy_is_off_by_default_and_audited(ws, iid):
    assert services.get_inspection(ws, iid).keep_gps is False
    center = services.list_centers(ws)[0]
    kept = services.start_inspection(ws, center.id, "test-std", ["王芳"], "王芳", keep_gps=True)
    assert services.get_inspection(ws, kept.id).keep_gps is True
    [entry] = [e for e in services.audit_log(ws, kept.id) if e.action == "start_inspection"]
    assert entry.new["keep_gps"] is True and entry.actor == "王芳"
    [entry] = [e for e in services.audit_log(ws, iid) if e.action == "start_inspection"]
    assert entry.new["keep_gps"] is False


def _gps_of(path) -> dict:
    with Image.open(path) as image:
        return dict(image.getexif().get_ifd(evidence_photos.GPS_IFD))


def test_ingest_photo_follows_the_inspections_gps_policy(ws, iid):
    center = services.list_centers(ws)[0]
    keep = services.start_inspection(ws, center.id, "test-std", ["王芳"], "王芳", keep_gps=True).id
    data = evidence_photos.jpeg(gps=True)
    stored = services.ingest_photo(ws, keep, data, "门诊.jpg")
    assert stored.has_gps
    # The keep_gps variant has the location; the default derivative (viewer, other inspections) not.
    assert _gps_of(ws.photos.stored_path(stored.sha256, keep_gps=True))[1] == "N"
    assert _gps_of(ws.photos.stored_path(stored.sha256)) == {}
    assert b"GPS" not in ws.photos.stored_path(stored.sha256).read_bytes()
    services.attach_evidence(ws, keep, stored, clause_number="1.1.1")

    other = evidence_photos.jpeg(gps=True, taken="2024:06:01 09:00:00")  # different bytes, same GPS
    plain = services.ingest_photo(ws, iid, other, "药房.jpg")  # a default (keep_gps off) inspection
    assert plain.has_gps
    assert ws.photos.stored_path(plain.sha256, keep_gps=True) == ws.photos.stored_path(plain.sha256)
    assert _gps_of(ws.photos.stored_path(plain.sha256, keep_gps=True)) == {}


def test_list_inspections_by_status(ws, iid):
    other = started(ws, "另一中心")
    _signed(ws, other)
    assert [i.id for i in services.list_inspections(ws, S.DRAFT)] == [iid]
    assert [i.id for i in services.list_inspections(ws, "signed")] == [other]
    assert len(services.list_inspections(ws)) == 2


# -- rating ---------------------------------------------------------------------------------

def test_rate_item_records_who_when_and_audit(ws, iid):
    f = services.rate_item(ws, iid, "1.1.1", "C-1", "met", actor="李明")
    assert f.items["C-1"].result == "met" and f.items["C-1"].rated_by == "李明" and f.items["C-1"].rated_at
    f = services.rate_item(ws, iid, "1.1.1", "C-1", "not_met")
    assert f.items["C-1"].rated_by == "王芳"
    entries = [e for e in services.audit_log(ws, iid) if e.action == "rate_item"]
    assert [(e.old, e.new, e.key) for e in entries] == [("unrated", "met", "1.1.1/C-1"),
                                                        ("met", "not_met", "1.1.1/C-1")]
    assert entries[0].device == ws.device_id


def test_not_applicable_needs_a_reason(ws, iid):
    _refused("原因", services.rate_item, ws, iid, "1.1.1", "A-1", "na")
    _refused("原因", services.rate_item, ws, iid, "1.1.1", "A-1", "na", na_reason="   ")
    f = services.rate_item(ws, iid, "1.1.1", "A-1", "na", na_reason="本机构无住院部")
    assert f.items["A-1"].na_reason == "本机构无住院部"
    assert services.audit_log(ws, iid)[-1].reason == "本机构无住院部"
    f = services.rate_item(ws, iid, "1.1.1", "A-1", "met")
    assert f.items["A-1"].na_reason == ""


def test_rating_refuses_unknown_clause_item_result_and_derived(ws, iid):
    _refused("没有条款", services.rate_item, ws, iid, "9.9.9", "C-1", "met")
    _refused("没有评价要点", services.rate_item, ws, iid, "1.1.1", "C-9", "met")
    _refused("无效", services.rate_item, ws, iid, "1.1.1", "C-1", "maybe")
    _refused("自动判定", services.rate_item, ws, iid, "2.3.1", "C", "met")


def test_same_rating_twice_is_not_a_new_change(ws, iid):
    services.rate_item(ws, iid, "1.1.1", "C-1", "met")
    seq = ws.store.current_seq()
    services.rate_item(ws, iid, "1.1.1", "C-1", "met")
    assert ws.store.current_seq() == seq


def test_notes_rectification_prerequisite_assignment(ws, iid):
    services.set_item_note(ws, iid, "1.1.2", "B-1", "制度未更新")
    services.set_clause_note(ws, iid, "1.1.2", "整体较好")
    services.set_rectification(ws, iid, "1.1.2", "B-1", "三个月内修订制度")
    f = services.set_rectification(ws, iid, "1.1.2", "", "加强培训")
    assert f.rectification == {"B-1": "三个月内修订制度", "": "加强培训"}
    f = services.set_rectification(ws, iid, "1.1.2", "B-1", "")
    assert f.rectification == {"": "加强培训"}
    assert f.items["B-1"].note == "制度未更新" and f.note == "整体较好"
    insp = services.set_prerequisite(ws, iid, "P1", False)
    assert insp.prerequisites == {"P1": False}
    _refused("前置条件", services.set_prerequisite, ws, iid, "P9", True)
    insp = services.assign_chapter(ws, iid, "2", "李明")
    assert insp.assignments == {"2": "李明"}
    _refused("不是评审组成员", services.assign_chapter, ws, iid, "1", "路人")
    _refused("没有第", services.assign_chapter, ws, iid, "7", "李明")
    assert services.assign_chapter(ws, iid, "2", "").assignments == {}
    actions = [e.action for e in services.audit_log(ws, iid)]
    assert actions.count("set_rectification") == 3 and actions.count("assign_chapter") == 2


def test_current_clause_resumes(ws, iid, tmp_path):
    services.set_current_clause(ws, iid, "2.1.3")
    assert services.get_inspection(new_workspace(tmp_path), iid).current_clause == "2.1.3"
    _refused("没有条款", services.set_current_clause, ws, iid, "8.8.8")


# -- evidence and signatures -----------------------------------------------------------------

def test_attach_and_remove_evidence(ws, iid):
    photo = PhotoStore.in_data_dir(ws.data_dir).ingest(_jpeg(), "IMG_0001.jpg")
    rec = services.attach_evidence(ws, iid, photo, clause_number="1.1.1", item_code="C-1", caption="消毒记录")
    assert rec.sha256 == photo.sha256 and rec.target.item_code == "C-1" and rec.width > 0
    _refused("原因", services.remove_evidence, ws, iid, rec.id, " ")
    removed = services.remove_evidence(ws, iid, rec.id, "拍错了")
    assert removed.deleted and removed.deleted_reason == "拍错了"
    snap = services.snapshot(ws, iid)
    assert len(snap.evidence) == 1 and snap.live_evidence == []
    assert services.audit_log(ws, iid)[-1].reason == "拍错了"
    assert ws.photos.has(photo.sha256), "soft delete keeps the photo"
    _refused("没有条款", services.attach_evidence, ws, iid, photo, clause_number="9.9")


def test_attach_evidence_needs_an_ingested_photo(ws, iid):
    class Fake:
        sha256, width, height, captured_at, original_name = "0" * 64, 1, 1, None, ""

    _refused("照片", services.attach_evidence, ws, iid, Fake())


# -- status flow ------------------------------------------------------------------------------

def test_submit_needs_every_item_rated_and_prerequisites(ws, iid):
    err = _refused("未评分", services.submit, ws, iid)
    assert "1.1.1/C-1" in err.zh
    for clause, code in rated_items(make_standard()):
        services.rate_item(ws, iid, clause, code, "met")
    _refused("前置条件", services.submit, ws, iid)
    services.set_prerequisite(ws, iid, "P1", True)
    assert services.submit(ws, iid).status is S.SUBMITTED


def test_submitted_content_is_frozen_until_reopened(ws, iid):
    _rate_all(ws, iid)
    services.submit(ws, iid)
    _refused("已提交", services.rate_item, ws, iid, "1.1.1", "C-1", "not_met")
    services.add_signature(ws, iid, "王芳", TeamRole.LEADER, _png())
    _refused("原因", services.reopen, ws, iid, "")
    insp = services.reopen(ws, iid, "漏评一项")
    assert insp.status is S.DRAFT
    assert services.snapshot(ws, iid).signatures == [], "signatures on changed content do not count"
    services.rate_item(ws, iid, "1.1.1", "C-1", "not_met")


def test_signing_needs_leader_and_director(ws, iid):
    _rate_all(ws, iid)
    _refused("不允许", services.sign, ws, iid)  # still a draft
    _refused("评审", services.add_signature, ws, iid, "王芳", "leader", _png())  # not submitted yet
    services.submit(ws, iid)
    _refused("不是评审组成员", services.add_signature, ws, iid, "路人", "expert", _png())
    services.add_signature(ws, iid, "王芳", TeamRole.LEADER, _png())
    err = _refused("被评机构负责人", services.sign, ws, iid)
    assert "director" in err.en
    services.add_signature(ws, iid, "赵院长", TeamRole.DIRECTOR, _png((0, 0, 255, 255)))
    insp = services.sign(ws, iid)
    assert insp.status is S.SIGNED and insp.finished_on is not None
    sigs = services.snapshot(ws, iid).signatures
    assert {s.role for s in sigs} == {TeamRole.LEADER, TeamRole.DIRECTOR}
    assert all(ws.photos.has(s.image_sha256) for s in sigs)


def test_signed_and_locked_revisions_are_immutable(ws, iid):
    _signed(ws, iid)
    for fn, args in [
        (services.rate_item, ("1.1.1", "C-1", "not_met")),
        (services.set_clause_note, ("1.1.1", "x")),
        (services.set_rectification, ("1.1.1", "C-1", "x")),
        (services.set_prerequisite, ("P1", False)),
        (services.assign_chapter, ("1", "李明")),
        (services.remove_evidence, ("x", "y")),
        (services.submit, ()),
    ]:
        err = _refused("已签名", fn, ws, iid, *args)
        assert "new revision" in err.en
    assert services.set_current_clause(ws, iid, "1.1.2").current_clause == "", "bookmark: no-op"
    services.lock(ws, iid)
    _refused("已签名并锁定", services.rate_item, ws, iid, "1.1.1", "C-1", "not_met")
    _refused("已签名并锁定", services.lock, ws, iid)


def test_new_revision_after_signing_keeps_the_signed_one(ws, iid):
    _signed(ws, iid)
    services.lock(ws, iid)
    _refused("原因", services.new_revision, ws, iid, " ")
    insp = services.new_revision(ws, iid, "机构补交材料，更正 1.1.1")
    assert (insp.status, insp.revision, insp.revision_reason) == (S.DRAFT, 2, "机构补交材料，更正 1.1.1")
    f = services.rate_item(ws, iid, "1.1.1", "C-1", "not_met")
    assert f.items["C-1"].result == "not_met"
    [frozen] = services.revisions(ws, iid)
    assert frozen["revision"] == 1 and frozen["inspection"]["status"] == "locked"
    old = {d["clause_number"]: d for d in frozen["findings"]}
    assert old["1.1.1"]["items"]["C-1"]["result"] == "met"
    assert len(frozen["signatures"]) == 2
    assert services.snapshot(ws, iid).signatures == [], "revision 2 must be signed again"
    entry = next(e for e in services.audit_log(ws, iid) if e.action == "new_revision")
    assert (entry.old, entry.new, entry.reason) == (1, 2, "机构补交材料，更正 1.1.1")
    statuses = [e.new for e in services.audit_log(ws, iid) if e.key == "status"]
    assert statuses == ["submitted", "signed", "locked"]


def test_snapshot_feeds_scoring(ws, iid):
    from inspect_app import scoring

    _rate_all(ws, iid)
    snap = services.snapshot(ws, iid)
    std = services.standard_for(ws, snap.inspection)
    assert set(snap.findings) == {c.number for c in std.clauses() if c.derived is None}
    assert hasattr(scoring, "score_inspection")


def test_team_roles_leader_is_the_named_one_else_this_device(ws):
    center = services.add_center(ws, "白云社区卫生服务中心", actor="王芳")
    # Nobody named leader: the inspector on this device leads, the others are experts.
    ins = services.start_inspection(ws, center.id, "test-std", ["张三", " 李堃 ", "张三"], "王珺")
    assert [(m.name, m.role) for m in ins.team] == [
        ("张三", TeamRole.EXPERT), ("李堃", TeamRole.EXPERT), ("王珺", TeamRole.LEADER)]
    assert services.get_inspection(ws, ins.id).team == ins.team
    # Someone else named leader: the inspector on this device is an expert.
    team = [TeamMember(name="张三", role=TeamRole.LEADER), TeamMember(name="王珺")]
    ins = services.start_inspection(ws, center.id, "test-std", team, "王珺")
    assert [(m.name, m.role) for m in ins.team] == [("张三", TeamRole.LEADER), ("王珺", TeamRole.EXPERT)]
    # Two leaders, or the director on the team, are refused in both languages.
    two = [TeamMember(name="张三", role=TeamRole.LEADER), TeamMember(name="李四", role=TeamRole.LEADER)]
    _refused("评审组长只能有一位", services.start_inspection, ws, center.id, "test-std", two, "王珺")
    director = [TeamMember(name="赵院长", role=TeamRole.DIRECTOR)]
    _refused("被评机构负责人", services.start_inspection, ws, center.id, "test-std", director, "王珺")


def test_signature_role_must_be_the_members_role(ws, iid):
    _rate_all(ws, iid)
    services.submit(ws, iid)
    _refused("角色不是评审组长", services.add_signature, ws, iid, "李明", TeamRole.LEADER, _png())
    services.add_signature(ws, iid, "李明", TeamRole.EXPERT, _png())
