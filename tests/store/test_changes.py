"""The device change counter that sync builds on: every change numbered once, in commit order."""

from __future__ import annotations

import json

from inspect_app import services
from inspect_app.store.store import ACTIVE_MAX
from tests.store.helpers import new_workspace, started


def test_changes_since_across_many_inspections_and_reopen(tmp_path):
    ws = new_workspace(tmp_path)
    ids = [started(ws, f"卫生院{i}") for i in range(ACTIVE_MAX + 4)]
    for n, iid in enumerate(ids):
        services.set_clause_note(ws, iid, "1.1.1", f"n{n}")
    services.set_clause_note(ws, ids[0], "1.1.2", "back to the first one")  # re-enters the active set
    everything = ws.store.changes_since(0)
    seqs = [c.seq for c in everything]
    assert seqs == list(range(1, len(seqs) + 1))
    assert {c.file for c in everything} == {"centers", *ids}
    assert everything[-1].entry.new == "back to the first one"
    assert all(c.device == ws.device_id and c.entry.device == ws.device_id for c in everything)

    cut = seqs[len(seqs) // 2]
    assert [c.seq for c in ws.store.changes_since(cut)] == [s for s in seqs if s > cut]
    ws.close()

    reopened = new_workspace(tmp_path)
    assert [c.seq for c in reopened.store.changes_since(0)] == seqs
    assert reopened.device_id == ws.device_id
    services.set_clause_note(reopened, ids[3], "1.1.1", "later")
    assert reopened.store.changes_since(seqs[-1])[0].seq == seqs[-1] + 1


def test_a_save_writes_only_its_inspection_file(tmp_path):
    """One save = one file rewritten, whatever the archive holds (the flat-cost claim)."""
    ws = new_workspace(tmp_path)
    ids = [started(ws, f"卫生院{i}") for i in range(5)]
    data = tmp_path / "data"
    services.set_clause_note(ws, ids[-1], "1.1.1", "warm")
    before = {p: p.stat().st_ino for p in data.rglob("*") if p.is_file()}
    services.set_clause_note(ws, ids[-1], "1.1.1", "again")
    changed = {p for p in data.rglob("*") if p.is_file() and p.stat().st_ino != before.get(p)}
    path = data / "inspections" / f"{ids[-1]}.json"
    assert changed == {path, path.with_name(path.name + ".prev")}  # .prev: a hard link, no copy


def test_every_file_carries_its_schema_version(tmp_path):
    ws = new_workspace(tmp_path)
    started(ws)
    data = tmp_path / "data"
    files = [*data.glob("*.json"), *data.glob("inspections/*.json")]
    assert len(files) == 5  # device, centers, index, changes, one inspection
    for path in files:
        header = json.loads(path.read_bytes())["_file"]
        assert header["schema_version"] >= 1 and header["kind"], path
