"""Photo numbers (P-001 …) are given when a photo is attached, stored on the record, never reused
after a removal and never changed by later photos, so a note citing P-004 still means P-004."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from inspect_app import services
from inspect_app.inspection import EvidenceRecord, InspectionStatus
from inspect_app.report.builder import build_report
from inspect_app.report.content import SUSPECT_DAYS, photo_numbers, suspect_reason
from inspect_app.report.source import report_input
from tests.report.fixtures import jpeg
from tests.report.workflow import pdftotext, walk


def _record(i: int, number: str = "", at: int = 0) -> EvidenceRecord:
    return EvidenceRecord(id=f"e{i}", inspection_id="x", sha256=f"{i:064x}", number=number,
                          added_at=datetime(2026, 12, 1, tzinfo=timezone.utc) + timedelta(minutes=at or i))


def test_numbers_at_attach_survive_removal_and_later_photos(tmp_path):
    ws = services.open_workspace(tmp_path / "data")
    try:
        iid = walk(ws, lock=False, photos=0)
        services.new_revision(ws, iid, "补拍照片", actor="王喆")
        attach = lambda seed, clause: services.attach_evidence(  # noqa: E731
            ws, iid, ws.photos.ingest(jpeg(seed), f"{seed}.jpg"), clause_number=clause, actor="李彧")
        first = [attach(s, c) for s, c in ((1, "2.2.2"), (2, "1.1.1"), (3, "2.1.1"))]
        assert [r.number for r in first] == ["P-001", "P-002", "P-003"]  # attach order, not clause order
        services.remove_evidence(ws, iid, first[1].id, "拍错", actor="李彧")
        fourth = attach(4, "1.1.1")
        assert fourth.number == "P-004"  # P-002 is never given again
        data = report_input(ws, iid)
        built = build_report(data)
        numbers = {p.record.id: p.number for p in built.content.photos}
        assert numbers == {first[0].id: "P-001", first[2].id: "P-003", fourth.id: "P-004"}
        assert built.content.photos_by_clause["1.1.1"][0].number == "P-004"
        text = pdftotext(built.pdf)
        assert "P-004" in text and "P-002" not in text
    finally:
        ws.close()


def test_legacy_and_concurrent_numbers_stay_unique():
    # records from before numbers existed get the next free ones, in the order they were added
    assert photo_numbers([_record(1, "P-001"), _record(2), _record(3, "P-002")]) == {
        "e1": "P-001", "e2": "P-003", "e3": "P-002"}
    # two tablets numbered offline at once: one number, two photos -> the later one is P-004-2
    assert photo_numbers([_record(1, "P-004", at=1), _record(2, "P-004", at=2)]) == {"e1": "P-004", "e2": "P-004-2"}
    assert services.next_photo_number([_record(1, "P-004"), _record(2, "P-004-2")]) == "P-005"
    assert services.next_photo_number([]) == "P-001"


def test_a_photo_taken_far_outside_the_visit_is_flagged(tmp_path):
    start = datetime(2026, 12, 1, 1, 0, tzinfo=timezone.utc)
    end = start + timedelta(days=1)
    old = _record(1).model_copy(update={"captured_at": datetime(2024, 5, 3, tzinfo=timezone.utc)})
    near = _record(2).model_copy(update={"captured_at": start - timedelta(days=SUSPECT_DAYS - 1)})
    assert "2024-05-03" in suspect_reason(old, start, end, "Asia/Shanghai")
    assert suspect_reason(near, start, end, "Asia/Shanghai") == ""
    assert suspect_reason(_record(3), start, end, "Asia/Shanghai") == ""  # no EXIF time: nothing to say

    from tests.report.fixtures import synthetic_input
    data = synthetic_input(tmp_path)
    evidence = list(data.evidence)
    evidence[2] = evidence[2].model_copy(update={"captured_at": datetime(2022, 3, 1, tzinfo=timezone.utc)})
    built = build_report(type(data)(**{**data.__dict__, "evidence": evidence}))
    flagged = [p for p in built.content.photos if p.suspect]
    assert [p.number for p in flagged] == [evidence[2].number]
    text = pdftotext(built.pdf)
    assert "【存疑】" in text and "2022-03-01" in text
    assert built.content.inspection.status is InspectionStatus.LOCKED
