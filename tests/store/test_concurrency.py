"""No lost update: threads in one process and two processes write the same inspection file."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading

from inspect_app import services
from tests.store.helpers import make_standard, new_workspace, rated_items, started

THREADS = 6
SAVES_PER_THREAD = 40


def test_threads_hammering_one_inspection_lose_nothing(tmp_path):
    ws = new_workspace(tmp_path)
    iid = started(ws)
    items = rated_items(make_standard())
    errors: list[BaseException] = []
    barrier = threading.Barrier(THREADS)

    def worker(t: int) -> None:
        try:
            barrier.wait()
            for n in range(SAVES_PER_THREAD):
                clause, code = items[(t * SAVES_PER_THREAD + n) % len(items)]
                # each thread owns its notes: the note text says who wrote it last
                services.set_item_note(ws, iid, clause, code, f"t{t}-{n}", actor=f"T{t}")
                services.set_clause_note(ws, iid, clause, f"clause t{t}-{n}", actor=f"T{t}")
        except BaseException as err:  # pragma: no cover - reported below
            errors.append(err)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(THREADS)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors

    fresh = new_workspace(tmp_path)  # read back from disk, not from the writer's cache
    log = services.audit_log(fresh, iid)
    notes = [e for e in log if e.action == "set_item_note"]
    assert len(notes) == THREADS * SAVES_PER_THREAD
    assert {e.new for e in notes} == {f"t{t}-{n}" for t in range(THREADS) for n in range(SAVES_PER_THREAD)}
    assert len([e for e in log if e.action == "set_clause_note"]) == THREADS * SAVES_PER_THREAD
    # the file holds, for every item, the note of the last audit entry that touched it
    snap = services.snapshot(fresh, iid)
    last = {}
    for e in notes:
        last[e.key] = e.new
    for key, note in last.items():
        clause, code = key.split("/")
        assert snap.findings[clause].items[code].note == note
    seqs = [c.seq for c in fresh.store.changes_since(0)]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), "one counter, no duplicates, no holes"


CHILD = textwrap.dedent("""
    import sys
    from pathlib import Path
    from inspect_app import services
    root, iid, tag, count = Path(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
    ws = services.open_workspace(root / "data", standards_dir=root / "standards")
    for n in range(count):
        services.set_clause_note(ws, iid, "1.1.%d" % (n % 3 + 1), "%s-%d" % (tag, n), actor=tag)
""")


def test_two_processes_on_one_folder_lose_nothing(tmp_path):
    ws = new_workspace(tmp_path)
    iid = started(ws)
    count = 60
    procs = [subprocess.Popen([sys.executable, "-c", CHILD, str(tmp_path), iid, tag, str(count)])
             for tag in ("ui", "cli")]
    # and this process writes too, to a different inspection, sharing the change counter
    other = started(ws, "另一卫生院")
    for n in range(count):
        services.set_clause_note(ws, other, "1.2.1", f"main-{n}")
    assert [p.wait(timeout=120) for p in procs] == [0, 0]

    fresh = new_workspace(tmp_path)
    written = {e.new for e in services.audit_log(fresh, iid) if e.action == "set_clause_note"}
    assert written == {f"{tag}-{n}" for tag in ("ui", "cli") for n in range(count)}
    seqs = [c.seq for c in fresh.store.changes_since(0)]
    assert len(seqs) == len(set(seqs)) and seqs == sorted(seqs)
