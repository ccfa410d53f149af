"""机构自评 on the hub (inspect_app/hub/self_assessment.py), in process on a real hub folder:
the clinic rates, sees its provisional verdict, submits, and the submission is frozen; only
the center itself writes it; an inspector reviewing the center reads it and its photos."""

from __future__ import annotations

import pytest

from inspect_app.errors import UserError
from inspect_app.hub import self_assessment as sa
from inspect_app.hub.accounts import Role
from inspect_app.hub.ledger import Forbidden
from inspect_app.hub.ledger import may_read_report
from inspect_app.hub.service import Hub
from inspect_app.sync.protocol import Op
from tests.store.helpers import make_standard, rated_items, write_standard
from tests.sync.photos import jpeg_bytes

PASSWORD = "correct-horse-9"


@pytest.fixture
def hub(tmp_path):
    data = tmp_path / "hub"
    data.mkdir()
    write_standard(data / "standards")
    h = Hub(data)
    for user, name, role, center in (("clinic1", "青山镇卫生院", Role.CLINIC, "c1"),
                                     ("clinic2", "绿水社区", Role.CLINIC, "c2"),
                                     ("wangfang", "王芳", Role.INSPECTOR, ""), ("zhaoqiang", "赵强", Role.INSPECTOR, "")):
        h.accounts.add_user(user, PASSWORD, role, name, center)
    return h


def login(hub, user):
    return hub.accounts.login(user, PASSWORD, "test")[1]


def test_clinic_fills_in_submits_and_the_submission_is_frozen(hub):
    clinic = login(hub, "clinic1")
    iid = sa.start(hub, clinic, "test-std", 2026)
    assert sa.start(hub, clinic, "test-std", 2026) == iid  # one per round
    entry = hub.ledger.entry(iid)
    assert entry.stage == "self" and entry.center_id == "c1" and entry.round_id
    with pytest.raises(UserError) as err:
        sa.rate(hub, clinic, iid, "1.1.1", "C-1", "na")
    assert "原因" in err.value.zh
    items = rated_items(make_standard())
    sa.rate(hub, clinic, iid, "1.1.1", "C-1", "not_met")
    sa.set_note(hub, clinic, iid, "1.1.1", "C-1", "制度未更新")
    photo = sa.add_photo(hub, clinic, iid, "1.1.1", "C-1", jpeg_bytes(30, seed=5), "制度.jpg")
    first = sa.progress(hub, iid)
    assert (first.rated, first.total, first.provisional, first.submitted) == (1, len(items), True, False)
    with pytest.raises(UserError) as err:
        sa.submit(hub, clinic, iid, "赵院长", typed="赵院长")
    assert "未自评" in err.value.zh
    for clause, code in items[1:]:
        sa.rate(hub, clinic, iid, clause, code, "met")
    sa.set_prerequisite(hub, clinic, iid, "P1", True)
    done = sa.progress(hub, iid)
    assert done.rated == done.total and not done.provisional
    snap, _, score = sa.view(hub, iid)
    assert snap.findings["1.1.1"].items["C-1"].note == "制度未更新" and [e.id for e in snap.evidence] == [photo.id]
    assert score.clauses["1.1.1"].level.value == "D"
    sa.submit(hub, clinic, iid, "赵院长", typed="赵院长")
    assert sa.progress(hub, iid).submitted and hub.ledger.entry(iid).sealed == (1,)
    with pytest.raises(UserError) as err:
        sa.rate(hub, clinic, iid, "1.1.1", "C-1", "met")
    assert "冻结" in err.value.zh or "已签署" in err.value.zh
    assert sa.view(hub, iid)[0].findings["1.1.1"].items["C-1"].result.value == "not_met"


def test_only_the_center_itself_writes_its_self_assessment(hub):
    clinic, other, inspector = login(hub, "clinic1"), login(hub, "clinic2"), login(hub, "wangfang")
    iid = sa.start(hub, clinic, "test-std", 2026)
    with pytest.raises(Forbidden):
        sa.rate(hub, other, iid, "1.1.1", "C-1", "met")
    # a tablet pushing into the self-assessment, or marking its own inspection as one: refused
    pushed = hub.ledger.push(inspector, [
        Op(device="dev-w", seq=1, inspection_id="rev1", key="inspection.stage", value="self")])
    assert [r.code for r in pushed.rejected] == ["not_yours"]
    with pytest.raises(Forbidden):
        hub.ledger.push(inspector, [Op(device="dev-w", seq=2, inspection_id=iid, key="item/1.1.1/C-1",
                                       value={"result": "met"})])


def test_an_inspector_reviewing_the_center_reads_the_submitted_self_assessment(hub):
    clinic = login(hub, "clinic1")
    iid = sa.start(hub, clinic, "test-std", 2026)
    for clause, code in rated_items(make_standard()):
        sa.rate(hub, clinic, iid, clause, code, "met")
    photo = sa.add_photo(hub, clinic, iid, "1.1.1", "C-1", jpeg_bytes(30, seed=6), "a.jpg")
    sa.set_prerequisite(hub, clinic, iid, "P1", True)
    wang, zhao = login(hub, "wangfang"), login(hub, "zhaoqiang")
    review = [Op(device="dev-w", seq=1, inspection_id="rev1", key="inspection.center_id", value="c1"),
              Op(device="dev-w", seq=2, inspection_id="rev1", key="inspection.team",
                 value=[{"name": "王芳", "role": "leader"}])]
    assert not hub.ledger.push(wang, review).rejected
    assert iid not in [e.id for e in hub.ledger.readable_entries(wang)]  # a draft stays the center's own
    sa.submit(hub, clinic, iid, "赵院长", strokes=[[(10, 10), (40, 60), (90, 20)]])
    assert iid in [e.id for e in hub.ledger.readable_entries(wang)]
    assert iid not in [e.id for e in hub.ledger.readable_entries(zhao)]  # not on a team for c1
    assert hub.ledger.blob_readable(wang, photo.sha256) and not hub.ledger.blob_readable(zhao, photo.sha256)
    pulled, ids = hub.ledger.pull(wang, 0)
    assert iid in ids and any(o.key == "item/1.1.1/C-1" for o in pulled.ops if o.inspection_id == iid)


def test_a_recorded_sample_cannot_be_drawn_again(hub):
    wang = login(hub, "wangfang")
    first = [Op(device="dev-w", seq=1, inspection_id="city1", key="inspection.team", value=[{"name": "王芳", "role": "leader"}]),
             Op(device="dev-w", seq=2, inspection_id="city1", key="inspection.sample", value=["1.1.1", "2.1.1"]),
             Op(device="dev-w", seq=3, inspection_id="city1", key="inspection.sample_rule", value="seed=1;share=0.3;recommended=yes")]
    assert not hub.ledger.push(wang, first).rejected
    again = hub.ledger.push(wang, [Op(device="dev-w", seq=4, inspection_id="city1", key="inspection.sample",
                                      value=["1.2.1"], supersedes=["dev-w:2"])])
    assert [r.code for r in again.rejected] == ["not_yours"] and "不能重新抽取" in again.rejected[0].zh


def test_bureau_rows_sort_by_consistency_lowest_first_and_without_one_last():
    rows = [{"name": "甲", "consistency": 0.9}, {"name": "乙", "consistency": None}, {"name": "丙", "consistency": 0.5},
            {"name": "丁", "consistency": 1.0}]
    assert [r["name"] for r in sorted(rows, key=lambda r: sa.bureau_sort_key(r, "consistency"))] == ["丙", "甲", "丁", "乙"]


def _filled(hub, clinic):
    iid = sa.start(hub, clinic, "test-std", 2026)
    for clause, code in rated_items(make_standard()):
        sa.rate(hub, clinic, iid, clause, code, "met")
    sa.add_photo(hub, clinic, iid, "1.1.1", "C-1", jpeg_bytes(30, seed=7), "a.jpg")
    sa.set_prerequisite(hub, clinic, iid, "P1", True)
    return iid


def test_submit_needs_the_directors_name_and_a_signature(hub):
    clinic = login(hub, "clinic1")
    iid = _filled(hub, clinic)
    for director, kw, says in (("", {"typed": "赵院长"}, "负责人姓名"), ("赵院长", {}, "签名"),
                               ("赵院长", {"strokes": [[(5, 5)]]}, "签名"),  # a tap is not a signature
                               ("赵院长", {"typed": "李四"}, "一致")):
        with pytest.raises(UserError) as err:
            sa.submit(hub, clinic, iid, director, **kw)
        assert says in err.value.zh
    assert not sa.progress(hub, iid).submitted and hub.ledger.entry(iid).sealed == ()
    # the door itself refuses a submission without the director's signature, whoever writes it
    with pytest.raises(UserError) as err:
        hub.ledger.append_hub_op(iid, 1, "inspection.status", "signed", clinic.username, [], account=clinic)
    assert "负责人签字" in err.value.zh
    # and a self-assessment is signed by its director only
    with pytest.raises(UserError):
        hub.ledger.append_hub_op(iid, 1, "signature/1/leader/x", {"signer": "x"}, clinic.username, [], account=clinic)


def test_submitted_self_assessment_has_a_county_signed_report_for_clinic_and_bureau(hub, tmp_path):
    import subprocess
    import sys

    from inspect_app.hub.trust_routes import trust_of
    from inspect_app.report.export import report_content
    from inspect_app.report.verify import verify_report
    from inspect_app.trust import ca
    from inspect_app.trust.roots import TrustRoot

    clinic = login(hub, "clinic1")
    iid = _filled(hub, clinic)
    assert sa.ensure_report(hub, clinic, iid) is None  # a draft has no signed report
    sha = sa.submit(hub, clinic, iid, "赵院长", strokes=[[(10, 10), (40, 60), (90, 20), (150, 80)]])
    assert sha and sa.report_sha(hub, iid) == sha and hub.report_pdf(iid, 1) == sha
    assert sa.ensure_report(hub, clinic, iid) == sha  # made once
    snap, _, _ = sa.view(hub, iid)
    [sig] = snap.signatures
    assert (sig.signer, sig.role.value, sig.revision) == ("赵院长", "director", 1) and hub.blobs.has(sig.image_sha256)
    assert any(m.name == "赵院长" and m.role.value == "director" for m in snap.inspection.team)
    pdf = hub.blobs.read(sha)
    doc, _ = report_content(pdf)
    assert doc["inspection"]["id"] == iid and doc["inspection"]["stage"] == "self"
    assert [s["signer"] for s in doc["signatures"]] == ["赵院长"]
    roots = trust_of(hub).roots()
    check = verify_report(pdf, roots=[TrustRoot(r, "county") for r in roots])
    assert check.code == 0 and check.timestamp, check.problems  # county-issued, county timestamp
    assert check.signer_info.subject.startswith("CN=赵院长") and sa.HUB_SIGNER_UNIT in check.signer_info.subject
    # `python main.py report verify` with the hub's root as --trust: exit 0; without it: untrusted (3)
    (tmp_path / "self.pdf").write_bytes(pdf)
    (tmp_path / "root.pem").write_text(ca.cert_pem(roots[0]))
    main = [sys.executable, "main.py", "report", "verify", str(tmp_path / "self.pdf")]
    assert subprocess.run(main + ["--trust", str(tmp_path / "root.pem")], capture_output=True, timeout=120).returncode == 0
    assert subprocess.run(main, capture_output=True, timeout=120).returncode == 3
    # the clinic and the bureau may download it; another clinic may not
    hub.accounts.add_user("bureau", PASSWORD, Role.ADMIN, "卫健局", "")
    entry = hub.ledger.entry(iid)
    assert may_read_report(clinic, entry, 1) and may_read_report(login(hub, "bureau"), entry, 1)
    assert not may_read_report(login(hub, "clinic2"), entry, 1)
    # the signed PDF cannot be replaced, and nothing else is written after submission
    with pytest.raises(UserError):
        hub.ledger.append_hub_op(iid, 1, "report/1", {"sha256": sig.image_sha256}, clinic.username,
                                 hub.ledger.state(iid)["report/1"].head_ids, account=clinic)
    with pytest.raises(UserError):
        hub.ledger.append_hub_op(iid, 1, "signature/1/director/李四", sig.model_dump(mode="json"), clinic.username, [],
                                 account=clinic)


def test_typed_signature_is_the_name_drawn_and_the_same_each_time():
    png = sa.typed_signature_png("赵院长")
    assert png == sa.typed_signature_png("赵院长") and png != sa.typed_signature_png("钱院长")
    from io import BytesIO

    from PIL import Image

    with Image.open(BytesIO(png)) as img:
        assert img.size == (sa.SIGNATURE_W, sa.SIGNATURE_H) and img.getchannel("A").getbbox() is not None
