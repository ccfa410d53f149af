"""`hub migrate`: move a county hub's data folder into the shared stores (PostgreSQL + S3).

Everything is copied with its own numbers: ops keep their hub_seq (so every tablet's pull
cursor stays right when it next syncs with the new hub), accounts and tokens keep their ids
and hashes (nobody signs in again), blobs keep their names and are re-hashed as they stream
into the object store. Nothing in the folder changes.

Re-runnable: whatever the target already holds identically is skipped; an op the target
holds under the same id with other content, or another op under the same hub_seq, stops
the migration with a message (the target was written by something else). At the end the
counts and a hash of each side are compared and printed; the answer is True only when
every line matches.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from inspect_app.errors import UserError
from inspect_app.hub.store import open_store
from inspect_app.sync.protocol import canonical_json


def _ops_digest(ops: list[dict]) -> str:
    digest = hashlib.sha256()
    for op in sorted(ops, key=lambda v: v["hub_seq"]):
        digest.update(canonical_json(op))
    return digest.hexdigest()


def _ledger_digest(ledger) -> tuple[int, str]:
    """(op count, SHA-256 over every inspection's ops in hub_seq order, by inspection id)."""
    digest = hashlib.sha256()
    count = 0
    for row in sorted(ledger.rows(), key=lambda r: r["id"]):
        ops = ledger.ops(row["id"])
        count += len(ops)
        digest.update(row["id"].encode() + b"\0" + _ops_digest(ops).encode())
    return count, digest.hexdigest()


def _accounts_digest(accounts) -> str:
    users = sorted(accounts.users(), key=lambda r: r["username"])
    tokens = sorted(accounts.tokens(), key=lambda r: r["id"])
    return hashlib.sha256(canonical_json({"users": users, "tokens": tokens})).hexdigest()


def migrate_folder(source: Path, database: str, blobs: str = "", out: Callable[[str], None] = print) -> bool:
    if not (Path(source) / "hub").is_dir():
        raise UserError(f"{source} 不是县级中心的数据目录（缺少 hub/）。", f"{source} is not a hub data folder (no hub/).")
    if not database:
        raise UserError("请用 --to 指定目标数据库 postgresql://…", "Name the target database with --to postgresql://…")
    src = open_store(Path(source))
    dst = open_store(Path(source), database, blobs)
    try:
        copied = _copy(src, dst, out)
        return _compare(src, dst, copied, out)
    finally:
        src.close()
        dst.close()


def _copy(src, dst, out) -> dict:
    copied = {"users": 0, "tokens": 0, "inspections": 0, "ops": 0, "blobs": 0}
    # accounts: same rows, same hashes
    for user in src.accounts.users():
        if dst.accounts.user(user["username"]) is None and dst.accounts.add_user(user):
            copied["users"] += 1
    for token in src.accounts.tokens():
        if dst.accounts.token(token["id"]) is None:
            dst.accounts.add_token(token)
            copied["tokens"] += 1
    # blobs first: an op never arrives before the photo it names
    for sha in src.blobs.shas():
        if dst.blobs.has(sha):
            continue
        writer = dst.blobs.writer(sha, 0)
        for chunk in src.blobs.iter(sha):
            writer.write(chunk)
        if not writer.finish():
            raise UserError(f"文件 {sha[:12]}… 在原目录中已损坏（内容与其哈希不符），迁移已停止。",
                            f"Blob {sha[:12]}… is damaged in the folder (its bytes do not match its hash); stopped.")
        copied["blobs"] += 1
    # ledger: rows, ops with their hub_seq, centers, blob holders, counters
    holders: dict[str, list[str]] = {}
    for sha in _all_holders(src):
        holders[sha] = src.ledger.blob_holders(sha)
    for row in sorted(src.ledger.rows(), key=lambda r: r["id"]):
        added = dst.ledger.restore(row, src.ledger.ops(row["id"]),
                                   [sha for sha, iids in holders.items() if row["id"] in iids])
        copied["ops"] += added
        copied["inspections"] += 1 if added else 0
    for center_id, value in src.ledger.centers().items():
        dst.ledger.restore_center(center_id, value)
    dst.ledger.raise_counters({"hub_seq": src.ledger.top(), "hub_device_seq": _device_seq(src)})
    out(f"已复制 copied: {copied['users']} users, {copied['tokens']} tokens, {copied['blobs']} blobs, "
        f"{copied['ops']} ops in {copied['inspections']} inspections")
    return copied


def _all_holders(store) -> list[str]:
    shas: set[str] = set()
    for row in store.ledger.rows():
        for op in store.ledger.ops(row["id"]):
            from inspect_app.sync.protocol import Op, blob_refs

            shas.update(blob_refs(Op.model_validate({k: v for k, v in op.items() if k != "hub_seq"})))
    return sorted(shas)


def _device_seq(store) -> int:
    return max([int(op["seq"]) for row in store.ledger.rows() for op in store.ledger.ops(row["id"])
                if op["device"] == "hub"] or [0])


def _compare(src, dst, copied, out) -> bool:
    lines = []
    a, b = src.ledger.counts(), dst.ledger.counts()
    for key in ("inspections", "ops", "centers", "blob_refs"):
        lines.append((key, a[key], b[key]))
    src_ops, src_hash = _ledger_digest(src.ledger)
    dst_ops, dst_hash = _ledger_digest(dst.ledger)
    lines.append(("ops sha256", src_hash[:16], dst_hash[:16]))
    lines.append(("accounts sha256", _accounts_digest(src.accounts)[:16], _accounts_digest(dst.accounts)[:16]))
    src_blobs = set(src.blobs.shas())
    missing = [s for s in src_blobs if not dst.blobs.has(s)]
    damaged = []
    for sha in sorted(src_blobs - set(missing)):  # every blob in the target, re-hashed from its bytes
        digest = hashlib.sha256()
        for chunk in dst.blobs.iter(sha):
            digest.update(chunk)
        if digest.hexdigest() != sha:
            damaged.append(sha)
    lines.append(("blobs", len(src_blobs), len(src_blobs) - len(missing)))
    lines.append(("blobs re-hashed ok", len(src_blobs), len(src_blobs) - len(missing) - len(damaged)))
    ok = True
    out(f"{'':22}{'folder':>18}{'target':>18}")
    for name, left, right in lines:
        same = left == right
        ok &= same
        out(f"{name:22}{left!s:>18}{right!s:>18}  {'ok' if same else '不一致 MISMATCH'}")
    out("迁移完成，全部一致。 Migration complete: everything matches." if ok else
        "迁移后有不一致之处（见上），请检查后再切换。 Something differs (above): check before switching over.")
    return ok
