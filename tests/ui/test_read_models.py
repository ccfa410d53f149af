"""The screens' read models and use cases (read_models, services.clear_rating / add_photo /
archive_inspection), through the real store on disk: no browser."""

from __future__ import annotations

import io
import os

import pytest
from PIL import Image

from inspect_app import read_models, services
from inspect_app.errors import UserError
from inspect_app.inspection import ItemResult
from inspect_app.scoring import ClauseLevel, score_inspection
from tests.store.helpers import make_standard, started


def _first_clause(ws, iid):
    return make_standard().clauses()[0]


def test_rate_returns_the_clause_as_it_now_stands(ws, iid):
    clause = _first_clause(ws, iid)
    codes = [i.code for i in clause.items]
    state = read_models.rate(ws, iid, clause.number, codes[0], "met", actor="王芳")
    assert state.finding.items[codes[0]].result is ItemResult.MET
    assert state.rated_items == 1
    state = read_models.rate(ws, iid, clause.number, codes[1], "not_met", actor="王芳")
    assert state.score.level is ClauseLevel.D
    # The read model's score is the full score of what is stored.
    snap = services.snapshot(ws, iid)
    full = score_inspection(make_standard(), {n: f.items for n, f in snap.findings.items()},
                            snap.inspection.prerequisites)
    assert state.score == full.clauses[clause.number] and state.verdict == full.verdict
    assert state.total_items == full.total_items


def test_clearing_a_rating_makes_it_unrated_again_and_is_audited(ws, iid):
    clause = _first_clause(ws, iid)
    code = clause.items[0].code
    read_models.rate(ws, iid, clause.number, code, "met", actor="王芳")
    state = read_models.clear(ws, iid, clause.number, code, actor="王芳")
    assert state.finding.items[code].result is ItemResult.UNRATED and state.rated_items == 0
    entry = [e for e in services.audit_log(ws, iid) if e.action == "rate_item"][-1]
    assert (entry.key, entry.old, entry.new, entry.actor) == (f"{clause.number}/{code}", "met", "unrated", "王芳")
    # Twice the same tap is one change (a double tap is harmless).
    read_models.rate(ws, iid, clause.number, code, "met", actor="王芳")
    read_models.rate(ws, iid, clause.number, code, "met", actor="王芳")
    assert len([e for e in services.audit_log(ws, iid) if e.action == "rate_item"]) == 3


def test_view_is_cached_until_the_file_changes_and_then_rescored(ws, iid):
    first = read_models.inspection_view(ws, iid)
    assert read_models.inspection_view(ws, iid) is first  # unchanged file: no reload, no scoring
    clause = _first_clause(ws, iid)
    services.rate_item(ws, iid, clause.number, clause.items[0].code, "not_met")  # written by someone else
    second = read_models.inspection_view(ws, iid)
    assert second is not first and second.score.clauses[clause.number].rated == 1


def test_opening_clause_after_clause_does_not_reload_the_inspection(ws, iid, monkeypatch):
    """Each clause open saves the bookmark (services.set_current_clause rewrites the file); that
    alone must not make the next open read and validate the whole inspection again."""
    loads = []
    real = read_models._snapshot
    monkeypatch.setattr(read_models, "_snapshot", lambda *a, **k: loads.append(a) or real(*a, **k))
    numbers = [c.number for c in make_standard().clauses() if c.items][:4]
    read_models.clause_state(ws, iid, numbers[0])
    assert len(loads) == 1
    for number in numbers[1:] + numbers[:1]:
        before = read_models._file_key(ws, iid)
        services.set_current_clause(ws, iid, number)
        assert services.get_inspection(ws, iid).current_clause == number
        assert read_models._file_key(ws, iid) != before  # the bookmark was saved: a new file
        state = read_models.clause_state(ws, iid, number)
        assert state.number == number
        assert read_models.inspection_view(ws, iid).inspection.current_clause == number
    assert len(loads) == 1, "a bookmark save reloaded the inspection"
    # A rating is content: the next open reads it (and scores it).
    clause = make_standard().clause(numbers[1])
    services.rate_item(ws, iid, clause.number, clause.items[0].code, "met")
    assert read_models.clause_state(ws, iid, clause.number).score.rated == 1
    assert len(loads) == 2


def test_a_save_validates_only_what_it_changed_and_reads_as_a_fresh_snapshot(ws, iid, monkeypatch):
    """After a tap the view is read again, but only the finding the save replaced is validated;
    the result is what reading and scoring everything afresh gives."""
    from inspect_app.inspection import Finding
    from inspect_app.scoring import score_inspection

    std = make_standard()
    clauses = [c for c in std.clauses() if c.items and c.derived is None][:3]
    for c in clauses:
        read_models.rate(ws, iid, c.number, c.items[0].code, "met")
    validated = []
    real = Finding.model_validate
    monkeypatch.setattr(Finding, "model_validate", classmethod(lambda cls, d, **k: validated.append(d) or real(d, **k)))
    state = read_models.rate(ws, iid, clauses[1].number, clauses[1].items[0].code, "not_met")
    assert {d["clause_number"] for d in validated} == {clauses[1].number}  # the save reads it too
    monkeypatch.setattr(Finding, "model_validate", real)
    view = read_models.inspection_view(ws, iid)
    fresh = services.snapshot(ws, iid)
    assert view.snap.findings == fresh.findings and view.snap.evidence == fresh.evidence
    ratings = {n: f.items for n, f in fresh.findings.items()}
    assert view.full == score_inspection(view.standard, ratings, fresh.inspection.prerequisites)
    assert state.score == view.score.clauses[clauses[1].number]


def test_another_process_writing_the_file_is_seen(ws, iid, tmp_path):
    before = read_models.inspection_view(ws, iid)
    other = services.open_workspace(ws.data_dir, ws.standards_dir)  # a second opener of the folder
    clause = _first_clause(ws, iid)
    services.rate_item(other, iid, clause.number, clause.items[0].code, "met")
    other.close()
    os.utime(ws.store.file(iid).path)  # same second and size could look alike; times differ anyway
    after = read_models.inspection_view(ws, iid)
    assert after.score.rated_items == before.score.rated_items + 1


def test_next_unrated_skips_finished_clauses(ws, iid):
    std = make_standard()
    first, second = std.clauses()[0], std.clauses()[1]
    for item in first.items:
        read_models.rate(ws, iid, first.number, item.code, "met")
    view = read_models.inspection_view(ws, iid)
    assert view.next_unrated() == second.number
    assert view.next_unrated(second.number) not in (first.number, second.number)


def _jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (320, 240), (20, 120, 60)).save(buf, "JPEG")
    return buf.getvalue()


def test_add_photo_ingests_and_attaches_in_one_call(ws, iid):
    clause = _first_clause(ws, iid)
    record = services.add_photo(ws, iid, _jpeg(), "诊室.jpg", clause_number=clause.number,
                                item_code=clause.items[0].code, actor="王芳")
    assert ws.photos.has(record.sha256)
    [stored] = services.snapshot(ws, iid).live_evidence
    assert stored.id == record.id and stored.target.item_code == clause.items[0].code
    with pytest.raises(UserError):  # not a picture: refused, nothing attached
        services.add_photo(ws, iid, b"not a photo", "记录.txt", clause_number=clause.number)
    assert len(services.snapshot(ws, iid).live_evidence) == 1


def test_archive_takes_an_inspection_off_the_list_and_back(ws, iid):
    assert services.archive_inspection(ws, iid, actor="王芳").archived
    assert [i.archived for i in services.list_inspections(ws)] == [True]
    assert not services.archive_inspection(ws, iid, False, actor="王芳").archived
    assert [e.action for e in services.audit_log(ws, iid)].count("archive_inspection") == 2


def test_a_note_longer_than_the_limit_is_refused_with_the_figure(ws, iid):
    clause = _first_clause(ws, iid)
    with pytest.raises(UserError) as err:
        services.set_item_note(ws, iid, clause.number, clause.items[0].code, "记" * (services.NOTE_LIMIT + 1))
    assert str(services.NOTE_LIMIT) in err.value.zh and str(services.NOTE_LIMIT) in err.value.en
    services.set_item_note(ws, iid, clause.number, clause.items[0].code, "记" * services.NOTE_LIMIT)


def test_inspection_labels_tell_two_visits_of_one_center_apart(ws):
    from inspect_app.ui_state import inspection_label

    a, b = started(ws), None
    center = services.list_centers(ws)[0]
    b = services.start_inspection(ws, center.id, "test-std", ["王芳"], inspector="王芳").id
    labels = {inspection_label(center.name, services.get_inspection(ws, i)) for i in (a, b)}
    assert len(labels) == 2 and all(center.name in label for label in labels)
