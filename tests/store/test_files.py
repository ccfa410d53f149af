"""Durability and repair of single data files: corruption fallback, newer versions, migration."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from tinydb import TinyDB
from tinydb.storages import JSONStorage

from inspect_app import services
from inspect_app.errors import UserError
from inspect_app.store import AtomicJSONStorage, CorruptFileError, NewerSchemaError, Store
from inspect_app.store.durable import prev_path
from tests.store.helpers import new_workspace, started

FIXTURES = Path(__file__).parent / "fixtures"


def _two_saves(tmp_path):
    ws = new_workspace(tmp_path)
    iid = started(ws)
    services.set_clause_note(ws, iid, "1.1.1", "first")
    services.set_clause_note(ws, iid, "1.1.1", "second")
    path = ws.store.file(iid).path
    ws.close()
    return iid, path


CORRUPTIONS = {
    "truncated": lambda raw: raw[: len(raw) // 2],
    "empty": lambda raw: b"",
    "garbage": lambda raw: b"\x00\xff\xfe garbage \x89PNG" * 10,
    # what TinyDB's in-place write leaves when killed between write and truncate
    "extra_data": lambda raw: raw + raw[-40:],
    "not_utf8": lambda raw: raw.replace("second".encode(), "se\xffcond".encode("latin-1")),
    "wrong_shape": lambda raw: b"[1, 2, 3]",
}


@pytest.mark.parametrize("how", sorted(CORRUPTIONS))
def test_corrupt_file_falls_back_to_last_good_copy(tmp_path, how):
    iid, path = _two_saves(tmp_path)
    damaged = CORRUPTIONS[how](path.read_bytes())
    path.write_bytes(damaged)

    ws = new_workspace(tmp_path)
    snap = services.snapshot(ws, iid)
    assert snap.findings["1.1.1"].note == "first"  # the previous save; the last one was in the damaged file
    notices = ws.notices()
    assert len(notices) == 1 and "已损坏" in notices[0].zh and "damaged" in notices[0].en
    aside = list(path.parent.glob(f"{path.name}.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == damaged, "the damaged file is kept, not overwritten"
    # work continues, and change numbers jump past anything the lost save may have used
    before = ws.store.current_seq()
    services.set_clause_note(ws, iid, "1.1.1", "third")
    assert ws.store.current_seq() > before
    assert json.loads(path.read_bytes())["_file"]["last_seq"] == ws.store.current_seq()


def test_corrupt_without_backup_is_refused_and_left_untouched(tmp_path):
    iid, path = _two_saves(tmp_path)
    prev_path(path).unlink()
    path.write_bytes(b'{"inspection": {"1": {"id"')
    ws = new_workspace(tmp_path)
    with pytest.raises(CorruptFileError) as err:
        services.snapshot(ws, iid)
    assert "损坏" in err.value.zh and "damaged" in err.value.en
    with pytest.raises(CorruptFileError):
        services.set_clause_note(ws, iid, "1.1.1", "x")
    assert path.read_bytes() == b'{"inspection": {"1": {"id"'
    assert not list(path.parent.glob("*.corrupt-*"))


def test_file_from_newer_version_is_refused_not_misread(tmp_path):
    iid, path = _two_saves(tmp_path)
    doc = json.loads(path.read_bytes())
    doc["_file"]["schema_version"] = 99
    raw = json.dumps(doc).encode()
    path.write_bytes(raw)
    ws = new_workspace(tmp_path)
    with pytest.raises(NewerSchemaError) as err:
        services.snapshot(ws, iid)
    assert isinstance(err.value, UserError)
    assert "更新版本" in err.value.zh and "newer version" in err.value.message("en")
    with pytest.raises(NewerSchemaError):
        services.set_clause_note(ws, iid, "1.1.1", "x")
    assert path.read_bytes() == raw


def test_v0_folder_is_migrated_and_original_kept(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(FIXTURES / "v0", data)
    ws = services.open_workspace(data, standards_dir=tmp_path)
    centers = services.list_centers(ws)
    assert [c.name for c in centers] == ["旧版卫生院"]
    [insp] = services.list_inspections(ws)
    snap = services.snapshot(ws, insp.id)
    assert snap.findings["1.1.1"].items["C-2"].result == "not_met"
    assert snap.findings["1.1.1"].note == "旧记录"
    assert (data / "inspections" / "old0001.json.v0.bak").exists()
    assert (data / "centers.json.v0.bak").exists()
    doc = json.loads((data / "inspections" / "old0001.json").read_bytes())
    assert doc["_file"]["schema_version"] == 1 and doc["_file"]["kind"] == "inspection"
    assert any("升级" in n.zh for n in ws.notices())
    # the migrated centers file takes new changes
    services.add_center(ws, "新卫生院", actor="王芳")
    assert len(services.list_centers(ws)) == 2


def test_atomic_storage_is_a_durable_tinydb_storage(tmp_path):
    path = tmp_path / "hub.json"
    old = TinyDB(path, storage=JSONStorage)  # a file as TinyDB's stock storage writes it
    old.insert({"a": 1})
    old.close()
    db = TinyDB(path, storage=AtomicJSONStorage)
    assert db.all() == [{"a": 1}]
    db.insert({"b": 2})
    db.close()
    doc = json.loads(path.read_bytes())
    assert doc["_file"]["schema_version"] == 1
    path.write_bytes(path.read_bytes() + b"}")  # Extra data
    db = TinyDB(path, storage=AtomicJSONStorage)
    assert db.all() == [{"a": 1}]  # last good copy: the version before the 2nd insert


def test_index_and_counter_are_rebuilt_from_inspection_files(tmp_path):
    ws = new_workspace(tmp_path)
    ids = [started(ws, f"卫生院{i}") for i in range(3)]
    seq = ws.store.current_seq()
    ws.close()
    data = tmp_path / "data"
    for name in ("index.json", "changes.json", "index.json.prev", "changes.json.prev"):
        (data / name).unlink(missing_ok=True)
    ws = new_workspace(tmp_path)
    assert sorted(i.id for i in services.list_inspections(ws)) == sorted(ids)
    assert ws.store.current_seq() > seq, "the counter never goes back"


def test_damaged_index_is_rebuilt(tmp_path):
    ws = new_workspace(tmp_path)
    ids = [started(ws, f"卫生院{i}") for i in range(10)]  # > active set: some only in the index
    ws.close()
    data = tmp_path / "data"
    (data / "index.json").write_bytes(b"garbage")
    (data / "index.json.prev").write_bytes(b"garbage")
    ws = new_workspace(tmp_path)
    assert sorted(i.id for i in services.list_inspections(ws)) == sorted(ids)


def test_two_store_instances_see_each_others_saves(tmp_path):
    a = new_workspace(tmp_path)
    iid = started(a)
    b = new_workspace(tmp_path)  # as a second process would: its own caches
    services.set_clause_note(a, iid, "1.1.1", "from a")
    assert services.snapshot(b, iid).findings["1.1.1"].note == "from a"
    services.set_clause_note(b, iid, "1.1.2", "from b")
    services.set_clause_note(a, iid, "1.1.3", "from a again")
    snap = services.snapshot(b, iid)
    assert {c: f.note for c, f in snap.findings.items()} == {
        "1.1.1": "from a", "1.1.2": "from b", "1.1.3": "from a again"}
    seqs = [c.seq for c in b.store.changes_since(0)]
    assert seqs == sorted(set(seqs))


def test_store_refuses_path_like_ids(tmp_path):
    store = Store(tmp_path / "data")
    with pytest.raises(UserError):
        store.file("../centers")
