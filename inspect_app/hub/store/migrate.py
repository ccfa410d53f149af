"""`hub migrate`: move a county hub's data folder into the shared stores (PostgreSQL + S3).

Everything is copied with its own numbers: ops keep their hub_seq (so every tablet's pull
cursor stays right when it next syncs with the new hub), accounts and tokens keep their ids
and hashes (nobody signs in again), blobs keep their names and are re-hashed as they stream
into the object store. The hub's settings come too: the county CA and TSA (hub/trust.json,
so tablets enrolled by the county hub verify against the new one) and the bureau's editions
(working copies as blobs, and the catalogue). Nothing in the folder changes.

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
        copied["settings"] = _copy_settings(Path(source), src, dst, out)
        return _compare(src, dst, copied, out, _settings_lines(Path(source), src, dst))
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


def _compare(src, dst, copied, out, extra=()) -> bool:
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
    lines.extend(extra)
    ok = True
    out(f"{'':22}{'folder':>18}{'target':>18}")
    for name, left, right in lines:
        same = left == right
        ok &= same
        out(f"{name:22}{left!s:>18}{right!s:>18}  {'ok' if same else '不一致 MISMATCH'}")
    out("迁移完成，全部一致。 Migration complete: everything matches." if ok else
        "迁移后有不一致之处（见上），请检查后再切换。 Something differs (above): check before switching over.")
    return ok


# ---------------------------------------------------------------- settings (trust, editions)


def _folder_settings(source: Path, src) -> tuple[dict[str, dict], dict[str, bytes]]:
    """The folder's settings documents as the shared store keeps them, and the blobs they need."""
    from inspect_app.hub.standard_editions import SETTING as EDITIONS
    from inspect_app.hub.standard_editions import folder_document

    docs = {name: src.settings.get(name) for name in src.settings.names()}
    editions, files = folder_document(source)
    if editions is not None:
        docs[EDITIONS] = editions
    return {k: v for k, v in docs.items() if v is not None}, files


def _copy_settings(source: Path, src, dst, out) -> int:
    """Each document is written only where the target has none; one the target holds with
    other content (a shared hub that made its own CA first) stops the migration."""
    docs, files = _folder_settings(source, src)
    for sha, data in files.items():
        if not dst.blobs.has(sha) and not dst.blobs.put(sha, data):
            raise UserError(f"标准文件 {sha[:12]}… 未能写入目标文件库，迁移已停止。",
                            f"Standard copy {sha[:12]}… could not be stored in the target; stopped.")
    copied = 0
    for name, doc in sorted(docs.items()):
        wrote = []

        def fill(current, doc=doc, wrote=wrote):
            if current is not None:
                return None  # the target's own stays; compared below
            wrote[:] = [1]
            return doc

        after = dst.settings.change(name, fill)
        if canonical_json(after) != canonical_json(doc):
            raise UserError(f"目标数据库已有不同的中心设置 {name}（例如另一套县级根证书），迁移已停止；"
                            "请换一个空的目标，或先确认应保留哪一份。",
                            f"The target already holds a different hub setting {name!r} (e.g. another county "
                            "CA); stopped. Use an empty target, or decide which one to keep first.")
        copied += len(wrote)
    out(f"已复制 copied: {copied} hub settings ({', '.join(sorted(docs)) or 'none'})")
    return copied


def _settings_digest(docs: dict[str, dict]) -> str:
    return hashlib.sha256(canonical_json(dict(sorted(docs.items())))).hexdigest()


def _settings_lines(source: Path, src, dst) -> list[tuple]:
    docs, files = _folder_settings(source, src)
    there = {name: dst.settings.get(name) for name in docs}
    return [("settings sha256", _settings_digest(docs)[:16], _settings_digest(there)[:16]),
            ("edition copies", len(files), sum(1 for sha in files if dst.blobs.has(sha)))]
