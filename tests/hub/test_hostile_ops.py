"""Hostile pushes against a real hub on 127.0.0.1 (issue 11, "the hub believes whatever a tablet
pushes"). Each class: (1) the sender gets a clear 4xx naming the op and why, (2) every other
user's reads and syncs keep working in the same run, (3) the hub's files are unchanged apart
from what was legitimately accepted."""

from __future__ import annotations

import gzip
import hashlib

import pytest

from tests.hub.hostile import (
    assert_unchanged,
    build_arena,
    files_state,
    legit_push_still_accepted,
    op,
    others_still_work,
    refused,
)
from tests.hub.ops import signature

COUNTS: dict[str, int] = {}


@pytest.fixture(scope="module")
def arena(tmp_path_factory):
    a = build_arena(tmp_path_factory.mktemp("hostile") / "hub")
    a.counts = COUNTS
    yield a
    a.hub.stop()
    print("\nhostile inputs per class:", dict(sorted(COUNTS.items())))


def fire(arena, kind: str, cases, status=(403, 409, 422)):
    """Each case is (user, ops) or (user, ops, text the refusal must mention)."""
    before = files_state(arena.hub.data)
    for case in cases:
        user, ops, *mention = case
        r = arena.push(user, ops)
        body = refused(r, *status, mentions=mention[0] if mention else "")
        if r.status_code != 403:
            assert body["accepted"] == [] and body["rejected"], body
        arena.fired(kind)
    assert_unchanged(before, files_state(arena.hub.data))
    others_still_work(arena)


def test_an_inspector_cannot_rewrite_what_others_see(arena):
    m = "dev-mallory"
    fake = [op(m, 1, "fake1", "inspection.center_id", "c1"),
            op(m, 2, "fake1", "center", {"id": "c1", "name": "假冒的机构"}),
            op(m, 3, "fake1", "inspection.status", "signed")]
    cases = [
        ("mallory", fake, "签名"),  # a new inspection of c1, "signed" with no signatures
        ("mallory", [op(m, 4, "insp1", "item/1.1.1/C-1", {"result": "met"}, revision=2)]),  # not on the team
        ("mallory", [op(m, 5, "insp1", "center", {"id": "c1", "name": "改名"}, revision=2)]),
        ("zhaoqiang", [op("dev-zhaoqiang", 60, "insp2", "center", {"id": "c1", "name": "改名"})]),  # another center
        ("zhaoqiang", [op("dev-zhaoqiang", 61, "insp2", "inspection.center_id", "c1")]),  # sealed revision
        ("wangfang", [op("dev-wangfang", 300, "insp1", "response/1.1.1/C-1",  # the clinic's answer
                         {"plan": "已整改", "due": "", "photos": [], "by": "clinic1",
                          "at": "2026-03-02T00:00:00+00:00", "revision": 2}, revision=2)], "被评机构"),
        ("wangfang", [op("hub", 301, "insp1", "response/1.1.1/C-1",  # posing as the hub
                         {"plan": "x", "by": "clinic1", "at": "2026-03-02T00:00:00+00:00", "revision": 2},
                         revision=2)]),
        ("wangfang", [op("dev-wangfang", 302, "insp1", "inspection.stage", "self", revision=2)]),  # a fake 自评
        ("bureau", [op("dev-b", 1, "insp1", "item/1.1.1/C-1", {"result": "met"}, revision=2)]),
        ("clinic1", [op("dev-c", 1, "insp1", "response/1.1.1/C-1", {"plan": "x"}, revision=2)]),
    ]
    fire(arena, "authority", cases)
    legit_push_still_accepted(arena, 400)


def test_nothing_lands_in_a_signed_revision(arena):
    w = "dev-wangfang"
    sig = signature("insp1", "赵强", "leader")
    cases = [
        ("wangfang", [op(w, 310, "insp1", "signature/1/leader/王芳", None)], "已签署"),  # tombstone
        ("wangfang", [op(w, 311, "insp1", "signature/1/leader/赵强", sig)], "已签署"),  # a new signature
        ("wangfang", [op(w, 312, "insp1", "audit/a-insp1",  # a rewritten audit entry
                         {"id": "a-insp1", "actor": "王芳", "action": "rate_item", "key": "1.1.1/C-1",
                          "old": None, "new": "met", "at": "2026-03-01T09:00:00+00:00"})], "日志"),
        ("wangfang", [op(w, 313, "insp1", "audit/a-new",  # a new entry recording an edit of r1
                         {"id": "a-new", "actor": "王芳", "action": "rate_item", "at": "2026-03-01T09:00:00+00:00"})]),
        ("wangfang", [op(w, 314, "insp1", "item/1.1.1/C-1", {"result": "met"})], "已签署"),
        ("wangfang", [op(w, 315, "insp1", "inspection.status", "draft")], "状态"),
        ("wangfang", [op(w, 316, "insp1", "advice/1.1.1/C-1", None)]),
        ("wangfang", [op(w, 317, "insp1", "inspection.status", "signed", revision=2)], "签名"),  # r2 unsigned
    ]
    # a report/<rev> whose blob is not a signed PDF: 102 bytes of text, a PDF without signature
    junk = b"this is not a signed PDF, only text pretending to be one" + b"." * 46
    unsigned = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    for n, data in enumerate((junk, unsigned)):
        sha = hashlib.sha256(data).hexdigest()
        r = arena.call("PUT", f"/api/blobs/{sha}", "wangfang", params={"offset": 0, "total": len(data)}, content=data)
        assert r.json()["verified"]
        cases.append(("wangfang", [op(w, 320 + n, "insp1", "report/1", {"sha256": sha, "report_id": "R1"})], "报告"))
    cases.append(("wangfang", [op(w, 330, "insp1", "report/1", {"sha256": "ab" * 32})], "尚未上传"))
    before = files_state(arena.hub.data)
    fire(arena, "sealed", cases)
    assert_unchanged(before, files_state(arena.hub.data))
    export = arena.call("GET", "/api/bureau/export", "bureau")
    assert export.status_code == 200 and export.headers["content-type"] == "application/zip"


BIG = 2**62


def malformed_ops():
    w, i = "dev-wangfang", "insp1"
    base = dict(device=w, inspection_id=i, revision=2)
    out = [
        op(w, 500, i, "item/1.1.9/C-1", {"result": "met"}, revision=BIG),  # a 2^62 revision
        op(w, 501, i, "item/1.1.9/C-1", {"result": "met"}, revision="x"),  # not an integer
        op(w, 2**70, i, "item/1.1.9/C-1", {"result": "met"}, revision=2),  # beyond 64 bits
        op(w, 0, i, "item/1.1.9/C-1", {"result": "met"}, revision=2),
        op(w, 502, i, "inspection.started_on", "not-a-date", revision=2),
        op(w, 503, i, "signature/2/leader/王芳", {"signer": "王芳"}, revision=2),  # missing fields
        op(w, 504, i, "signature/2/leader/王芳", signature(i, "王芳", "leader", 1), revision=2),  # wrong revision
        op(w, 505, i, "item/1.1.9/C-1", {"result": "maybe"}, revision=2),
        op(w, 506, i, "item/1.1.9/C-1", {"result": "met", "extra": 1}, revision=2),
        op(w, 507, i, "note/1.1.9", "x" * 20_000, revision=2),
        op(w, 508, i, "evidence/e9", {"id": "e9", "inspection_id": i, "sha256": "nothex"}, revision=2),
        op(w, 509, i, "evidence/e9", {"id": "other", "inspection_id": i, "sha256": "ab" * 32}, revision=2),
        op(w, 510, i, "unknown/key", 1, revision=2),
        op(w, 511, i, "inspection.revision", 7, revision=2),
        op(w, 512, i, "inspection.team", [{"name": "x", "role": "boss"}], revision=2),
        op(w, 513, i, "inspection.status", "archived", revision=2),
        op(w, 514, i, "report/2", {"sha256": "ab" * 32, "evil": True}, revision=2),
        op(w, 515, i, "item/1.1.9/C-1", {"result": "met", "note": 1e300}, revision=2),
        {**op(w, 516, i, "item/1.1.9/C-1", {"result": "met"}, revision=2), "supersedes": [f"d:{n}" for n in range(500)]},
        {**op(w, 517, i, "item/1.1.9/C-1", {"result": "met"}, revision=2), "supersedes": ["../../etc"]},
        {**base, "seq": 518, "key": "note/1.1.9", "value": "x", "author": "a" * 5000},
        {**base, "seq": 519, "key": "note/1.1.9", "value": "x", "device": "../../x"},
        {**base, "seq": 520, "key": "note/1.1.9", "value": "x", "inspection_id": "../insp1"},
        {**base, "seq": 521, "key": "note/1.1.9", "value": "x", "unexpected": 1},
        op(w, 522, i, "revision/2", {"deep": _nest(40)}, revision=2),
        op(w, 523, i, "revision/2", {"n": 2**80}, revision=2),
        op(w, 524, i, "revision/2", {"list": list(range(5000))}, revision=2),
        op(w, 525, i, "inspection.assignments", {str(n): "x" for n in range(300)}, revision=2),
        "not an op",
        [1, 2, 3],
        None,
    ]
    return out


def _nest(depth):
    v = {}
    for _ in range(depth):
        v = {"a": v}
    return v


def test_values_are_bounded_one_schema_per_key_kind(arena):
    cases = [("wangfang", [o]) for o in malformed_ops()]
    fire(arena, "malformed value", cases, status=(422,))
    # a good op in the same push as a bad one is not stored either (one atomic step), and the
    # answer names the bad one
    good = op("dev-wangfang", 600, "insp1", "item/1.1.3/C-1", {"result": "met"}, revision=2)
    bad = op("dev-wangfang", 601, "insp1", "inspection.started_on", "not-a-date", revision=2)
    before = files_state(arena.hub.data)
    body = refused(arena.push("wangfang", [good, bad]), 422, mentions="dev-wangfang:601")
    assert [r["id"] for r in body["rejected"]] == ["dev-wangfang:601"] and body["accepted"] == []
    assert_unchanged(before, files_state(arena.hub.data))
    arena.fired("malformed value")
    # the good one goes in on its own
    assert arena.push("wangfang", [good]).json()["accepted"] == ["dev-wangfang:600"]
    others_still_work(arena)


def bodies():
    deep = b'{"device":"d","ops":[' + b"[" * 100_000 + b"]" * 100_000 + b"]}"
    bomb = gzip.compress(b'{"device":"d","ops":[' + b" " * (80 * 1024 * 1024) + b"]}")
    return [
        ("empty", b"", {}),
        ("not json", b"hello", {}),
        ("invalid utf-8", b'{"device":"d","ops":[],"x":"\xff\xfe"}', {}),
        ("deep nesting", deep, {}),
        ("int beyond 64 bits", b'{"device":"d","ops":[{"device":"d","seq":' + b"9" * 40 + b',"inspection_id":"insp1","key":"note/1"}]}', {}),
        ("top-level list", b"[1,2,3]", {}),
        ("ops not a list", b'{"device":"d","ops":{"a":1}}', {}),
        ("bad device", b'{"device":"../x","ops":[]}', {}),
        ("other protocol", b'{"protocol":99,"device":"d","ops":[]}', {}),
        ("bad gzip", b"\x1f\x8b\x08\x00garbage", {"Content-Encoding": "gzip"}),
        ("gzip bomb", bomb, {"Content-Encoding": "gzip"}),
        ("40 MB plain JSON", b'{"device":"d","ops":[' + b" " * (40 * 1024 * 1024) + b"]}", {}),
        ("too many ops", b'{"device":"d","ops":[' + b",".join([b"1"] * 20_001) + b"]}", {}),
    ]


def test_bad_bodies_get_a_clear_4xx(arena):
    before = files_state(arena.hub.data)
    for name, raw, headers in bodies():
        r = arena.call("POST", "/api/sync/push", "wangfang", content=raw,
                       headers={"Content-Type": "application/json", **headers})
        refused(r)
        arena.fired("bad body")
    for path, raw in (("/api/login", b"x" * (2 * 1024 * 1024)), ("/api/blobs/missing", b"{"),
                      ("/api/reports/insp1/responses", b"[]"), ("/api/login", b"\xff")):
        refused(arena.call("POST", path, "clinic1", content=raw, headers={"Content-Type": "application/json"}))
        arena.fired("bad body")
    assert_unchanged(before, files_state(arena.hub.data))
    others_still_work(arena)


def test_malformed_uploads_are_refused_in_both_languages(arena):
    """A photo upload with a malformed name, size or batch manifest: a 422 that says what is
    wrong in Chinese and English, like every other refusal; nothing stored, others unaffected."""
    before = files_state(arena.hub.data)
    sha = "ab" * 32
    for params in ({"manifest": "zz:1"}, {"manifest": f"{sha}:0"}, {"manifest": f"{sha}:1,{sha}:1"},
                   {"manifest": f"{sha}"}):
        body = refused(arena.call("POST", "/api/blobs/batch", "wangfang", params=params, content=b"x"), 422,
                       mentions="批量上传清单无效")
        assert "The batch manifest is not valid" in body["detail"]
        arena.fired("bad body")
    for name, total in (("not-a-hash", 1), (sha, 10 ** 12)):
        body = refused(arena.call("PUT", f"/api/blobs/{name}", "wangfang", params={"offset": 0, "total": total},
                                  content=b"x"), 422, mentions="不是有效的 SHA-256")
        assert "not a valid SHA-256" in body["detail"]
        arena.fired("bad body")
    body = refused(arena.call("PUT", f"/api/blobs/{sha}", "wangfang", params={"offset": 0, "total": 2},
                              content=b"three"), 422, mentions="多于声明的大小")
    assert "More bytes arrived" in body["detail"]
    arena.fired("bad body")
    assert_unchanged(before, files_state(arena.hub.data))
    others_still_work(arena)


def test_knowing_a_hash_is_not_enough_to_read_a_blob(arena):
    victim = arena.photos["insp1"]  # insp1's photo; mallory and clinic2 may not read it
    before_missing = arena.call("POST", "/api/blobs/missing", "mallory", json={"shas": [victim]}).json()
    assert before_missing["missing"] == [victim] and before_missing["partial"] == {}  # tells nothing
    arena.fired("blob read")
    # mallory references the hash from evidence of a new inspection of her own: the op is hers
    # to make, but it does not open the blob
    ops = [op("dev-mallory", 10, "own1", "inspection.center_id", "c9"),
           op("dev-mallory", 11, "own1", "evidence/e1", {"id": "e1", "inspection_id": "own1", "sha256": victim})]
    assert arena.push("mallory", ops).status_code == 200
    for user in ("mallory", "clinic2", "zhaoqiang"):
        refused(arena.call("GET", f"/api/blobs/{victim}", user), 403)
        assert arena.call("POST", "/api/blobs/missing", user, json={"shas": [victim]}).json()["missing"] == [victim]
        arena.fired("blob read", 2)
    # an upload claim without the bytes proves nothing either
    refused(arena.call("PUT", f"/api/blobs/{victim}", "mallory", params={"offset": 0, "total": 5}, content=b"wrong"), 422)
    refused(arena.call("GET", f"/api/blobs/{victim}", "mallory"), 403)
    arena.fired("blob read", 2)
    others_still_work(arena)


def test_a_stored_op_that_fails_the_door_is_quarantined_not_fatal(arena):
    """An op stored before the door existed (written into the file by hand here) is left out of
    every state and pull, listed for the bureau, and stops nothing else."""
    import json

    path = arena.hub.data / "hub" / "inspections" / "insp2.json"
    doc = json.loads(path.read_text())
    top = max(v["hub_seq"] for v in doc["ops"].values())
    doc["ops"]["legacy:1"] = {"device": "legacy", "seq": 1, "inspection_id": "insp2", "revision": 1,
                              "key": "inspection.started_on", "value": "not-a-date", "supersedes": [],
                              "author": "", "at": None, "hub_seq": top}
    doc["ops"]["legacy:2"] = {"device": "legacy", "seq": 2, "inspection_id": "insp2", "revision": "x",
                              "key": "note/1.1.1", "value": "x", "hub_seq": top}  # not even an op
    path.write_text(json.dumps(doc))
    (arena.hub.data / "hub" / "inspections" / "insp2.json.prev").unlink(missing_ok=True)
    others_still_work(arena)
    # the inspection holding it still takes its team's pushes
    r = arena.push("zhaoqiang", [op("dev-zhaoqiang", 90, "insp2", "item/1.1.2/C-1", {"result": "met"}, revision=2)])
    assert r.status_code == 200 and r.json()["accepted"] == ["dev-zhaoqiang:90"], r.text
    notice = arena.call("GET", "/api/bureau/quarantine", "bureau")
    assert notice.status_code == 200 and sorted(q["id"] for q in notice.json()) == ["legacy:1", "legacy:2"], notice.text
    arena.fired("quarantine")


def test_counts_of_the_classes_fired(arena, figures):
    """The closing table of issue 11 (inputs per class; each test above checked 0 broken for others)."""
    others_still_work(arena)
    figures("hostile pushes per class: " + ", ".join(f"{k} {v}" for k, v in sorted(COUNTS.items())))

