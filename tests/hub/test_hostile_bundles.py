"""Hostile sync bundles (issue 11): `hub import` on the hub machine, and import on a tablet, go
through the same door as a push. Each bad bundle gets a clear message (exit 2, Chinese then
English, no traceback), nothing is imported, zip-slip names and symlinks write nothing
anywhere, and the hub keeps serving everyone else."""

from __future__ import annotations

import io
import json
import stat
import struct
import subprocess
import sys
import zipfile

import pytest

from inspect_app import paths
from inspect_app.errors import UserError
from inspect_app.sync.bundle import import_bundle, read_bundle
from tests.hub.hostile import assert_unchanged, build_arena, files_state, op, others_still_work


@pytest.fixture(scope="module")
def arena(tmp_path_factory):
    a = build_arena(tmp_path_factory.mktemp("bundles") / "hub")
    yield a
    a.hub.stop()


def zip_of(entries: dict[str, bytes], *, symlinks: dict[str, str] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, target)
    return buf.getvalue()


def meta(ops, **extra) -> bytes:
    return json.dumps({"protocol": 1, "device": "dev-x", "created": "2026-03-01T00:00:00Z", "ops": ops, **extra}).encode()


def lying_sizes(data: bytes) -> bytes:
    """A zip whose headers say bundle.json is 10 bytes while it inflates to much more."""
    raw = bytearray(data)
    for sig, off in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        i = raw.find(sig)
        struct.pack_into("<I", raw, i + off, 10)
    return bytes(raw)


def bad_bundles() -> list[tuple[str, bytes, str]]:
    """(name, zip bytes, words the refusal must carry)."""
    big = zip_of({"bundle.json": b" " * (70 * 1024 * 1024)})
    return [
        ("not a zip", b"hello, not a zip", "同步包无法读取"),
        ("bundle.json is a list", zip_of({"bundle.json": b"[1, 2, 3]"}), "JSON 对象"),
        ("no bundle.json", zip_of({"other.txt": b"x"}), "bundle.json"),
        ("missing ops", zip_of({"bundle.json": json.dumps({"protocol": 1}).encode()}), "ops"),
        ("ops not a list", zip_of({"bundle.json": meta({"a": 1})}), "ops"),
        ("bad op types", zip_of({"bundle.json": meta([1, "x", None, {"seq": "s"}])}), "格式不正确"),
        ("deep JSON", zip_of({"bundle.json": b"[" * 200_000 + b"]" * 200_000}), "JSON"),
        ("int beyond 64 bits", zip_of({"bundle.json": b'{"protocol":1,"ops":[' + b"9" * 50 + b"]}"}), "格式不正确"),
        ("2^62 revision", zip_of({"bundle.json": meta([op("dev-x", 1, "insp1", "note/1.1.1", "x", revision=2**62)])}),
         "格式不正确"),
        ("not-a-date", zip_of({"bundle.json": meta([op("dev-x", 2, "zz1", "inspection.started_on", "not-a-date")])}),
         "格式不正确"),
        ("other protocol", zip_of({"bundle.json": meta([], protocol=99)}), "不兼容"),
        ("huge bundle.json (declared)", big, "上限"),
        ("huge bundle.json (lying header)", lying_sizes(zip_of({"bundle.json": meta([]) + b" " * 5_000_000})),
         "同步包"),
    ]


def run_import(data, path):
    return subprocess.run([sys.executable, "main.py", "--data", str(data), "hub", "import", str(path)],
                          cwd=paths.PROJECT_ROOT, capture_output=True, text=True, timeout=120)


def test_bad_bundles_are_refused_with_a_clear_message(arena, tmp_path):
    before = files_state(arena.hub.data)
    for name, data, words in bad_bundles():
        path = tmp_path / f"{abs(hash(name))}.zip"
        path.write_bytes(data)
        out = run_import(arena.hub.data, path)
        assert out.returncode == 2, (name, out.stdout, out.stderr)
        assert "Traceback" not in out.stderr and words in out.stderr, (name, out.stderr[-500:])
        arena.fired("bundle")
    assert_unchanged(before, files_state(arena.hub.data))
    others_still_work(arena)


def test_zip_slip_names_and_symlinks_write_nothing(arena, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    sha = "ab" * 32
    data = zip_of({"bundle.json": meta([]), "../../outside/evil.txt": b"x", f"blobs/../../{sha}": b"x",
                   "/tmp/abs-evil.txt": b"x"},
                  symlinks={f"blobs/{sha}": "/etc/passwd", "link": str(outside)})
    path = tmp_path / "slip.zip"
    path.write_bytes(data)
    before = files_state(arena.hub.data)
    out = run_import(arena.hub.data, path)
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr
    assert list(outside.iterdir()) == [] and not (tmp_path.parent / "evil.txt").exists()
    assert_unchanged(before, files_state(arena.hub.data))  # a symlink "blob" does not hash to its name
    arena.fired("bundle", 5)
    others_still_work(arena)


def test_the_door_judges_imported_ops_like_pushed_ones(arena, tmp_path):
    """A bundle from a tablet that edits a signed revision: the edit is refused, by name."""
    data = zip_of({"bundle.json": meta([op("dev-x", 1, "insp1", "item/1.1.1/C-1", {"result": "met"})])})
    path = tmp_path / "sealed.zip"
    path.write_bytes(data)
    before = files_state(arena.hub.data)
    out = run_import(arena.hub.data, path)
    assert out.returncode == 0 and "拒收 1" in out.stdout and "已签署" in out.stdout, out.stdout
    assert_unchanged(before, files_state(arena.hub.data))
    arena.fired("bundle")


def test_a_tablet_refuses_the_same_bundles(tmp_path, standards):
    from tests.sync.hubproc import Tablet

    tablet = Tablet(tmp_path / "tab", standards)
    try:
        for name, data, _ in bad_bundles():
            path = tmp_path / f"t{abs(hash(name))}.zip"
            path.write_bytes(data)
            with pytest.raises(UserError) as err:
                import_bundle(tablet.engine, path)
            assert err.value.zh and err.value.en, name
        assert tablet.engine.known_inspections() == []
    finally:
        tablet.close()


def test_read_bundle_keeps_only_blobs_that_hash_to_their_name():
    import hashlib

    good = b"photo bytes"
    sha = hashlib.sha256(good).hexdigest()
    buf = io.BytesIO(zip_of({"bundle.json": meta([]), f"blobs/{sha}": good, f"blobs/{'cd' * 32}": b"liar"}))
    ops, blobs = read_bundle(buf)
    assert ops == [] and list(blobs) == [sha]
