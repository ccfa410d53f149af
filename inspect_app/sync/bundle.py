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


def read_bundle(path: Path | str) -> tuple[list[Op], dict[str, bytes]]:
    try:
        with zipfile.ZipFile(path) as zf:
            meta = json.loads(zf.read("bundle.json"))
            blobs = {}
            for name in zf.namelist():
                sha = name.removeprefix("blobs/")
                if name.startswith("blobs/") and SHA256_HEX.match(sha):
                    data = zf.read(name)
                    if hashlib.sha256(data).hexdigest() == sha:  # a damaged photo is left out, not kept
                        blobs[sha] = data
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as err:
        raise UserError(f"同步包无法读取（{err}）。请重新导出。", f"The sync bundle cannot be read ({err}). Export it again.") from err
    if meta.get("protocol") != PROTOCOL_VERSION:
        raise UserError("同步包来自不兼容的软件版本。", "The bundle comes from an incompatible app version.")
    return [Op.model_validate(o) for o in meta["ops"]], blobs


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
