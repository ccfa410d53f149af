"""On the tablet, errors name what happened in the user's language (issue 11):

- a full disk gives a message, not a raw OSError: store writes, photo ingest, report export. The
  disk is real: a 6 MB tmpfs mounted for the test (we are root in CI); where mounting is not
  allowed, RLIMIT_FSIZE makes the kernel refuse the write (EFBIG) in a child process instead;
- an inspection file with an unknown status stays listed, with a repair notice, instead of
  hiding every inspection;
- a damaged file with no good copy is named, not made to vanish.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from inspect_app import services
from inspect_app.store.errors import DamagedInspection, StorageError
from inspect_app.ui import reports
from tests.evidence import evidence_photos
from tests.store.helpers import new_workspace, started

ROOT = Path(__file__).resolve().parents[2]


def _try_mount(folder: Path, size: str) -> bool:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                          capture_output=True)
    return done.returncode == 0


@pytest.fixture
def small_disk():
    folder = Path("/tmp") / f"jiceng-small-disk-{uuid.uuid4().hex[:8]}"
    if not _try_mount(folder, "6m"):
        pytest.skip("cannot mount a tmpfs here (not root); the RLIMIT_FSIZE test covers the refusal")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)
        shutil.rmtree(folder, ignore_errors=True)


def _fill(folder: Path) -> Path:
    """Write until the file system says ENOSPC: the disk is then really full."""
    filler = folder / "filler.bin"
    chunk = b"\0" * 65536
    with open(filler, "wb") as fh:
        try:
            while True:
                fh.write(chunk)
                fh.flush()
        except OSError as exc:
            assert exc.errno == 28  # ENOSPC, from the kernel
    # the last partial buffer may still sit in the file object: nothing to do, the disk is full
    return filler


def _no_temps(folder: Path) -> list[str]:
    return [str(p) for p in folder.rglob("*.tmp")]


def test_full_disk_gives_a_message_for_saves_photos_and_reports(small_disk):
    from tests.ui.test_report_downloads import _locked

    ws = new_workspace(small_disk)
    iid = started(ws)
    locked = _locked(ws, "白云镇卫生院")
    clause = services.standard_for(ws, services.get_inspection(ws, iid)).clauses()[0]
    item = clause.items[0].code
    services.set_item_note(ws, iid, clause.number, item, "保存前的备注")
    photo = evidence_photos.noisy_jpeg(1200, 900)
    filler = _fill(small_disk)
    try:
        with pytest.raises(StorageError) as err:
            services.set_item_note(ws, iid, clause.number, item, "满盘时的备注" * 150)
        assert "存储空间已满" in err.value.zh and "storage is full" in err.value.en
        assert err.value.errno == 28 and str(err.value) == err.value.zh  # a sentence, not [Errno 28]
        # what was saved before is intact, and no half-written temp file is left
        finding = services.snapshot(ws, iid).findings[clause.number]
        assert finding.items[item].note == "保存前的备注"
        assert _no_temps(small_disk) == []

        with pytest.raises(StorageError, match="照片未能保存"):
            services.ingest_photo(ws, iid, photo, "p.jpg")
        assert _no_temps(small_disk) == []

        with pytest.raises(StorageError) as rep:
            reports.make_signed_report(ws, locked)
        assert "签章报告未能保存" in rep.value.zh
    finally:
        filler.unlink()
    # space again: the same save now goes through
    services.set_item_note(ws, iid, clause.number, item, "腾出空间后的备注")
    assert services.snapshot(ws, iid).findings[clause.number].items[item].note == "腾出空间后的备注"
    ws.close()


_CHILD = r"""
import resource, signal, sys, json
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from tests.store.helpers import new_workspace, started
from inspect_app import services
from inspect_app.store.errors import StorageError
root = Path(sys.argv[1])
ws = new_workspace(root)
iid = started(ws)
clause = services.standard_for(ws, services.get_inspection(ws, iid)).clauses()[0]
size = max(p.stat().st_size for p in (root / "data" / "inspections").glob("*.json"))
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)   # the kernel then answers EFBIG instead of killing
resource.setrlimit(resource.RLIMIT_FSIZE, (size + 2000, size + 2000))
try:
    services.set_item_note(ws, iid, clause.number, clause.items[0].code, "很长的备注" * 190)
except StorageError as exc:
    print(json.dumps({"zh": exc.zh, "errno": exc.errno}))
else:
    print(json.dumps({"zh": "saved"}))
"""


def test_a_write_the_kernel_refuses_is_a_message_in_a_limited_process(tmp_path):
    """RLIMIT_FSIZE: the kernel refuses to grow a file past the limit (EFBIG), on any machine."""
    done = subprocess.run([sys.executable, "-c", _CHILD, str(tmp_path), str(ROOT)], capture_output=True,
                          text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    said = json.loads(done.stdout.strip().splitlines()[-1])
    assert said["errno"] == 27 and "存储空间已满" in said["zh"], said


def _inspection_file(ws, iid: str) -> Path:
    return ws.data_dir / "inspections" / f"{iid}.json"


def _rewrite(path: Path, change) -> None:
    doc = json.loads(path.read_bytes())
    change(doc)
    path.write_text(json.dumps(doc, ensure_ascii=False))
    for side in path.parent.glob(path.name + ".prev"):
        side.unlink()


def test_unknown_status_is_listed_with_a_repair_notice_and_hides_nothing(tmp_path):
    ws = new_workspace(tmp_path)
    good = started(ws, "青山镇卫生院")
    odd = started(ws, "白云镇卫生院")
    _rewrite(_inspection_file(ws, odd), lambda d: d["inspection"]["1"].update(status="archived-2027"))
    ws.close()

    ws = new_workspace(tmp_path)  # a fresh start reads the file from disk
    listed = [i.id for i in services.list_inspections(ws)]
    assert listed == [good]
    damaged = services.damaged_inspections(ws)
    assert [d.key for d in damaged] == [odd]
    assert "状态“archived-2027”无法识别" in damaged[0].zh and "archived-2027" in damaged[0].en
    assert "需要修复" in damaged[0].zh and damaged[0].path.name == f"{odd}.json"
    with pytest.raises(DamagedInspection):
        services.get_inspection(ws, odd)
    assert _inspection_file(ws, odd).exists()  # left untouched
    ws.close()


def test_a_damaged_file_with_no_good_copy_is_named_not_hidden(tmp_path):
    ws = new_workspace(tmp_path)
    good = started(ws, "青山镇卫生院")
    broken = started(ws, "白云镇卫生院")
    path = _inspection_file(ws, broken)
    ws.close()
    path.write_bytes(b'{"inspection": {"1": {"id": "' + broken.encode() + b'", "sta')  # cut mid-write
    for side in path.parent.glob(path.name + ".prev"):
        side.unlink()
    for meta in ("index.json", "changes.json"):  # as after a crash: the bookkeeping is rebuilt
        (tmp_path / "data" / meta).unlink()

    ws = new_workspace(tmp_path)
    assert [i.id for i in services.list_inspections(ws)] == [good]
    damaged = services.damaged_inspections(ws)
    assert [d.key for d in damaged] == [broken]
    assert path.name in damaged[0].zh and "损坏" in damaged[0].zh and "damaged" in damaged[0].en
    assert path.exists()
    ws.close()
