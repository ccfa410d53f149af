"""Sync by file when there is no network (同步包): a zip with ops and the photos they need.

    bundle.json        {"protocol", "device", "created", "ops": [...]}
    blobs/<sha256>     original bytes of every photo/signature the ops point to, when present

Importing follows exactly the rules of a network sync: known ops are ignored (idempotent),
the hub refuses changes to signed revisions, conflicting values stay visible as conflicts,
and every blob is checked against its hash before it is kept.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

from inspect_app.errors import UserError
from inspect_app.inspection import utc_now
from inspect_app.sync.engine import SyncEngine
from inspect_app.sync.protocol import PROTOCOL_VERSION, SHA256_HEX, Op, PushResult, blob_refs


def export_bundle(engine: SyncEngine, path: Path | str) -> Path:
    """Every op this tablet knows (its own and relayed) plus the photos it holds for them."""
    engine.capture()
    ops = [op for iid in engine.known_inspections() for op in engine.ops(iid)]
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("bundle.json", json.dumps({
            "protocol": PROTOCOL_VERSION, "device": engine.device, "created": utc_now().isoformat(),
            "ops": [op.model_dump(mode="json") for op in ops]}, ensure_ascii=False))
        files = engine._file_blobs()  # the standard file and signed PDFs travel too
        for sha in sorted({s for op in ops for s in blob_refs(op)}):
            if engine.has_blob(sha, files):
                zf.write(files.get(sha) or engine.local.blob_path(sha), f"blobs/{sha}")
    tmp.replace(path)
    return path


# Size caps (a bundle is hostile until read): the zip file, the names it holds, bundle.json as
# declared in the zip and as actually inflated, each blob, and all blobs together.
MAX_BUNDLE_FILE = 4 * 1024**3
MAX_ENTRIES = 100_000
MAX_BUNDLE_JSON = 64 * 1024**2
MAX_BLOB = 64 * 1024**2
MAX_BLOBS_TOTAL = 8 * 1024**3


def _bad(zh: str, en: str) -> UserError:
    return UserError(f"同步包无法导入：{zh}。未导入任何内容。", f"The sync bundle cannot be imported: {en}. Nothing was imported.")


def _read_capped(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """An entry's bytes, never more than `limit` whatever its header declares."""
    if info.file_size > limit:
        raise _bad(f"{info.filename} 声明的大小超过上限（{limit // 1024**2} MB）",
                   f"{info.filename} declares more than {limit // 1024**2} MB")
    with zf.open(info) as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise _bad(f"{info.filename} 解压后超过上限", f"{info.filename} inflates beyond its limit")
    return data


def read_bundle(path) -> tuple[list[Op], dict[str, bytes]]:
    """The ops and blobs of a bundle, through the same door as a push (inspect_app/hub/policy):
    bounded sizes, UTF-8 JSON of bounded depth, every op fitting its key kind's schema. Only
    `bundle.json` and `blobs/<sha256>` entries are read, into memory: no name in the zip ever
    becomes a path, so `../` names and symlinks write nothing anywhere."""
    import orjson

    from inspect_app.hub.policy import malformed_rejection, op_problem, parse_ops

    try:
        if isinstance(path, (str, Path)) and Path(path).stat().st_size > MAX_BUNDLE_FILE:
            raise _bad("文件过大", "the file is too large")
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_ENTRIES:
                raise _bad("包含的文件过多", "it holds too many entries")
            meta_info = next((i for i in infos if i.filename == "bundle.json"), None)
            if meta_info is None:
                raise _bad("缺少 bundle.json", "bundle.json is missing")
            try:
                meta = orjson.loads(_read_capped(zf, meta_info, MAX_BUNDLE_JSON))
            except orjson.JSONDecodeError as err:
                raise _bad(f"bundle.json 不是有效的 JSON（{str(err)[:80]}）", f"bundle.json is not valid JSON ({str(err)[:80]})")
            blobs, total = {}, 0
            for info in infos:
                sha = info.filename.removeprefix("blobs/")
                if not (info.filename.startswith("blobs/") and SHA256_HEX.match(sha)) or info.is_dir():
                    continue
                total += info.file_size
                if total > MAX_BLOBS_TOTAL:
                    raise _bad("照片总量超过上限", "its photos together exceed the limit")
                data = _read_capped(zf, info, MAX_BLOB)
                if hashlib.sha256(data).hexdigest() == sha:  # a damaged photo is left out, not kept
                    blobs[sha] = data
    except (OSError, KeyError, ValueError, RuntimeError, EOFError, zipfile.BadZipFile, NotImplementedError) as err:
        if isinstance(err, UserError):
            raise
        raise UserError(f"同步包无法读取（{err}）。请重新导出。", f"The sync bundle cannot be read ({err}). Export it again.") from err
    if not isinstance(meta, dict):
        raise _bad("bundle.json 应为 JSON 对象", "bundle.json must be a JSON object")
    if meta.get("protocol") != PROTOCOL_VERSION:
        raise UserError("同步包来自不兼容的软件版本。", "The bundle comes from an incompatible app version.")
    if not isinstance(meta.get("ops"), list):
        raise _bad("bundle.json 缺少变更列表 ops", "bundle.json has no ops list")
    ops, bad = parse_ops(meta["ops"])
    # a bundle is judged whole: a value that fits no schema refuses it (a push names it per op)
    bad += [malformed_rejection(op.id, f"{op.key[:80]}: {problem}") for op in ops if (problem := op_problem(op))]
    if bad:
        shown = "；".join(r.zh.removesuffix("，已拒收，未保存任何内容。") for r in bad[:3])
        raise _bad(f"{len(bad)} 条变更格式不正确：{shown}", f"{len(bad)} change(s) are malformed: "
                   + "; ".join(r.en.removesuffix("; refused, nothing was stored.") for r in bad[:3]))
    return ops, blobs


def import_bundle(engine: SyncEngine, path: Path | str) -> int:
    """Into another tablet: merge the ops (they will be relayed to the hub on its next sync)."""
    ops, blobs = read_bundle(path)
    kinds = {s: ("png" if op.key.startswith("signature/") else "photo")
             for op in ops if not op.key.startswith("report/") and op.key != "standard" for s in blob_refs(op)}
    for sha, data in blobs.items():
        if sha in kinds and not engine.local.photos.has(sha):
            engine.local.put_blob(sha, data, kinds[sha])
    return engine.merge([op for op in ops if op.device != engine.device], acked=False)


def import_bundle_into_hub(hub, path: Path | str) -> PushResult:
    """Into the hub (run by the bureau on the hub machine: `hub import`)."""
    ops, blobs = read_bundle(path)
    for sha, data in blobs.items():
        if not hub.blobs.has(sha):
            hub.blobs.put(sha, data)  # re-hashed by the store; kept only if it matches
    return hub.ledger.push(None, ops, trusted=True)
