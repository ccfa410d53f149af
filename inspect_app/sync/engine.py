"""The tablet's side of sync (本机同步台账): turn local edits into ops, merge others' ops in.

Files under <data>/sync/ (written through the store's crash-safe DataFile):
    state.json          next op number, hub cursor, store counter already captured, photos
                        the hub confirmed, last sync outcome
    ops/<id>.json       every op of one inspection this tablet knows (its own and others'),
                        whether the hub acknowledged it, and the "shadow": the value of each
                        key as of the last capture or merge

`capture` compares the store with the shadow and writes one op per changed key, superseding
the ops that were live for that key: what the author saw. `merge` adds others' ops and
writes the merged values back, so an edit made here and not yet captured is captured first
and never overwritten. Photos are never deleted here; `confirmed` says which ones the hub
holds for good (verified, and named by an op it acknowledged), for anyone who wants to free
space: the hub removes a blob no op names 48 h after it arrived, so "verified" alone is not
enough (state.json's list is what the hub verified; a blob the hub lost is taken off it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from inspect_app.inspection import utc_now
from inspect_app.store.datafile import DataFile
from inspect_app.store.locks import WorkspaceLock
from inspect_app.store.migrations import CURRENT_VERSIONS, HEADER
from inspect_app.sync import keys
from inspect_app.sync.local import LocalSide
from inspect_app.sync.merge import KeyValue, fold
from inspect_app.sync.protocol import (
    BLOB_FILE,
    REMOVABLE_PREFIXES,
    SAFE_ID,
    SHA256_HEX,
    Op,
    Rejection,
    blob_refs,
    canonical_json,
)

for _kind in ("sync_state", "sync_ops"):
    CURRENT_VERSIONS.setdefault(_kind, 1)

_MISSING = object()
BLOB_KEYS = ("evidence/", "signature/", "report/", "response/", "standard")  # keys whose values name blobs


@dataclass(frozen=True)
class Conflict:
    """两位评审员对同一项给出了不同结果: shown on the tablet until a person picks one."""

    inspection_id: str
    key: str
    candidates: list[Op]


class SyncEngine:
    def __init__(self, data_dir: Path, local: LocalSide | None = None,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self.data_dir = Path(data_dir)
        self.local = local or LocalSide(self.data_dir)
        self.clock = clock
        self.root = self.data_dir / "sync"
        (self.root / "ops").mkdir(parents=True, exist_ok=True)
        self.lock = WorkspaceLock(self.root / ".lock")
        self.state_file = DataFile(self.root / "state.json", "sync_state", self.lock)
        self._ops_files: dict[str, DataFile] = {}
        self._shares: dict[str, str] = {}  # original -> the derivative it travels as (stable once made)

    @property
    def device(self) -> str:
        return self.local.device_id

    # -- files ---------------------------------------------------------------------------------
    def _ops_file(self, inspection_id: str) -> DataFile:
        if not SAFE_ID.match(inspection_id):
            raise ValueError(inspection_id)
        f = self._ops_files.get(inspection_id)
        if f is None:
            f = DataFile(self.root / "ops" / f"{inspection_id}.json", "sync_ops", self.lock)
            self._ops_files[inspection_id] = f
        return f

    def state(self) -> dict:
        doc = self.state_file.load() or {}
        return dict(doc.get("state", {}))

    def update_state(self, **changes: Any) -> dict:
        with self.lock.exclusive():
            doc = self.state_file.load() or {}
            state = dict(doc.get("state", {})) | changes
            self.state_file.commit({HEADER: dict(doc.get(HEADER, {})), "state": state})
            return state

    def _log(self, inspection_id: str) -> dict:
        doc = self._ops_file(inspection_id).load() or {}
        return {"ops": dict(doc.get("ops", {})), "shadow": dict(doc.get("shadow", {})), HEADER: dict(doc.get(HEADER, {}))}

    def known_inspections(self) -> list[str]:
        return sorted(p.stem for p in (self.root / "ops").glob("*.json") if SAFE_ID.match(p.stem))

    def ops(self, inspection_id: str) -> list[Op]:
        return [Op.model_validate(_op_fields(v)) for v in self._log(inspection_id)["ops"].values()]

    def merged(self, inspection_id: str) -> dict[str, KeyValue]:
        return fold(self.ops(inspection_id))

    def _reserve(self, count: int) -> int:
        """Numbers for `count` new ops, committed before any op uses them (a crash leaves a gap,
        never a number used twice)."""
        with self.lock.exclusive():
            first = int(self.state().get("next_seq", 1))
            self.update_state(next_seq=first + count)
            return first

    # -- capture local edits -------------------------------------------------------------------
    def capture(self) -> int:
        """Write an op for every key the store changed since the last capture. Returns how many."""
        made = 0
        with self.local.locked(), self.lock.exclusive():
            since = int(self.state().get("captured_counter", 0))
            now = self.local.counter()
            changed = self.local.changed_since(since) if since else None
            ids = self.local.inspection_ids() if changed is None else sorted(changed)
            for iid in ids:
                if SAFE_ID.match(iid):
                    made += self._capture_one(iid)
            self.update_state(captured_counter=now)
        return made

    def _capture_one(self, inspection_id: str) -> int:
        try:
            revision, snap = self.local.snapshot(inspection_id)
        except Exception:
            return 0  # not readable as an inspection (yet): the store reports it, sync skips it
        if snap.get("inspection.stage") == "self":
            return 0  # a center's self-assessment is written on the hub only; tablets read it
        log = self._log(inspection_id)
        shadow = log["shadow"]
        self._shared_photos(snap, shadow)
        changed = [k for k, v in snap.items() if shadow.get(k, _MISSING) != v]
        # A key that is gone here (signature dropped by reopen, note emptied) is sent as a
        # tombstone, so the removal reaches the hub and the other tablets.
        for key, value in shadow.items():
            if key not in snap and value is not None and key.startswith(REMOVABLE_PREFIXES):
                snap[key] = None
                changed.append(key)
        if not changed:
            return 0
        # Headers first, so the hub knows team and center before the findings arrive; the status
        # last, so that "signed" reaches the hub after the edits that were made before signing.
        changed.sort(key=lambda k: (k == "inspection.status", not k.startswith(("inspection.", "center", "standard")), k))
        heads = fold(Op.model_validate(_op_fields(v)) for v in log["ops"].values())
        first = self._reserve(len(changed))
        at = self.clock()
        author = self._author(inspection_id)
        for n, key in enumerate(changed):
            op = Op(device=self.device, seq=first + n, inspection_id=inspection_id, revision=revision, key=key,
                    value=snap[key], supersedes=heads[key].head_ids if key in heads else [],
                    author=author or "", at=at)
            log["ops"][op.id] = op.model_dump(mode="json") | {"acked": False}
            shadow[key] = snap[key]
        self._ops_file(inspection_id).commit(log)
        return len(changed)

    def _shared_photos(self, snap: dict[str, Any], shadow: dict[str, Any]) -> None:
        """What leaves the tablet is the GPS-free derivative, not the original (issue 11):
        unless the inspection keeps GPS, an evidence value names the derivative's hash
        (PhotoStore.share; the original stays on this tablet, mapped to it). A photo already
        sent under its original's hash (before this rule, or while the inspection kept GPS)
        keeps that hash, so what others hold, and sealed revisions, stay as they were."""
        if snap.get("inspection.keep_gps") is True:
            return
        for key, value in snap.items():
            if not key.startswith("evidence/") or not isinstance(value, dict):
                continue
            sha = value.get("sha256")
            if not isinstance(sha, str) or not SHA256_HEX.match(sha):
                continue
            before = shadow.get(key)
            if isinstance(before, dict) and before.get("sha256") == sha:
                continue
            shared = self._shares.get(sha)
            if shared is None:
                try:
                    shared = self.local.photos.share(sha)
                except Exception:  # noqa: BLE001 - not in the photo store (yet): sent as recorded
                    continue
                if len(self._shares) > 100_000:
                    self._shares.clear()
                self._shares[sha] = shared
            if shared != sha:
                snap[key] = value | {"sha256": shared}

    def _local_photos(self, key: str, value: Any) -> Any:
        """The way back: an evidence value naming a derivative this tablet made is written
        into the store with the original it was made from (what the screens and the report use)."""
        if not key.startswith("evidence/") or not isinstance(value, dict):
            return value
        sha = value.get("sha256")
        if not isinstance(sha, str) or not SHA256_HEX.match(sha):
            return value
        original = self.local.photos.original_of(sha)
        return value if original == sha else value | {"sha256": original}

    def _author(self, inspection_id: str) -> str:
        try:
            with self.local.store.read(inspection_id) as tx:
                return tx.inspection().inspector
        except Exception:
            return ""

    def add_op(self, inspection_id: str, revision: int, key: str, value: Any, author: str = "") -> Op:
        """An op that is not read from the store (the signed PDF of a revision), superseding
        the values this tablet has seen for that key."""
        with self.lock.exclusive():
            log = self._log(inspection_id)
            heads = fold(Op.model_validate(_op_fields(v)) for v in log["ops"].values() if v["key"] == key)
            seq = self._reserve(1)
            op = Op(device=self.device, seq=seq, inspection_id=inspection_id, revision=revision, key=key,
                    value=value, supersedes=heads[key].head_ids if key in heads else [], author=author,
                    at=self.clock())
            log["ops"][op.id] = op.model_dump(mode="json") | {"acked": False}
            self._ops_file(inspection_id).commit(log)
        return op

    # -- signed reports ------------------------------------------------------------------------
    def reports_to_send(self) -> list[tuple[str, int]]:
        """(inspection, revision) locked on this tablet whose signed PDF no op names yet."""
        out = []
        for iid in self.known_inspections():
            raw = self._log(iid)["ops"].values()
            locked = {int(v["revision"]) for v in raw if v["device"] == self.device
                      and v["key"] == "inspection.status" and v["value"] == "locked" and not v.get("rejected")}
            have = {keys.parse(v["key"]).revision for v in raw if v["key"].startswith("report/")}
            out += [(iid, rev) for rev in sorted(locked - have)]
        return out

    # -- blobs that are files of the tablet, not photos ----------------------------------------
    def _file_blobs(self) -> dict[str, Path]:
        """sha -> file for this tablet's own `standard` and `report/<rev>` ops."""
        out: dict[str, Path] = {}
        for iid in self.known_inspections():
            for v in self._log(iid)["ops"].values():
                if v["device"] != self.device or not (v["key"] == "standard" or v["key"].startswith("report/")):
                    continue
                value = v.get("value") if isinstance(v.get("value"), dict) else {}
                sha, name = str(value.get("sha256", "")), str(value.get("file", ""))
                if SHA256_HEX.match(sha) and BLOB_FILE.match(name):
                    folder = "standards" if v["key"] == "standard" else "reports"
                    out[sha] = self.data_dir / folder / name
        return out

    def has_blob(self, sha: str, files: dict[str, Path] | None = None) -> bool:
        files = self._file_blobs() if files is None else files
        if sha in files:
            return files[sha].is_file()
        return self.local.has_blob(sha)

    def blob_path(self, sha: str) -> Path:
        return self._file_blobs().get(sha) or self.local.blob_path(sha)

    # -- clinic answers ------------------------------------------------------------------------
    def responses(self, inspection_id: str) -> dict[tuple[str, str], dict]:
        """整改回复 the clinic wrote on the hub, by (clause, item); photos are in the photo store."""
        out = {}
        for key, kv in self.merged(inspection_id).items():
            parsed = keys.parse(key)
            if parsed and parsed.kind == "response" and isinstance(kv.value, dict):
                out[(parsed.clause, parsed.code)] = kv.value
        return out

    # -- outgoing ------------------------------------------------------------------------------
    def pending_ops(self) -> list[Op]:
        """Ops the hub has not acknowledged (own and relayed), oldest first per device."""
        return [Op.model_validate(v) for v in self.pending_op_values()]

    def pending_op_values(self) -> list[dict]:
        """The same as stored JSON (what a push sends), without a validation round trip."""
        out = []
        for iid in self.known_inspections():
            for v in self._log(iid)["ops"].values():
                if not v.get("acked") and not v.get("rejected"):
                    out.append(_op_fields(v))
        return sorted(out, key=lambda o: (o["inspection_id"], o["device"], o["seq"]))

    def mark_pushed(self, acked: Iterable[str], rejected: Iterable[Rejection]) -> None:
        acked = set(acked)
        rejected = {r.id: r for r in rejected}
        with self.lock.exclusive():
            for iid in self.known_inspections():
                log = self._log(iid)
                touched = False
                for oid, v in log["ops"].items():
                    if oid in acked and not v.get("acked"):
                        log["ops"][oid] = v | {"acked": True}
                        touched = True
                    elif oid in rejected and not v.get("rejected"):
                        r = rejected[oid]
                        log["ops"][oid] = v | {"rejected": {"code": r.code, "zh": r.zh, "en": r.en}}
                        touched = True
                if touched:
                    self._ops_file(iid).commit(log)

    def rejections(self) -> list[dict]:
        out = []
        for iid in self.known_inspections():
            for oid, v in self._log(iid)["ops"].items():
                if v.get("rejected"):
                    out.append({"id": oid, "inspection_id": iid, "key": v["key"], **v["rejected"]})
        return out

    def photo_refs(self) -> list[str]:
        """Hashes of photos/signatures this tablet's inspections point to."""
        shas: set[str] = set()
        for iid in self.known_inspections():
            for v in self._log(iid)["ops"].values():
                if v["key"].startswith(BLOB_KEYS):
                    shas.update(blob_refs(Op.model_validate(_op_fields(v))))
        return sorted(shas)

    def pending_photos(self) -> list[str]:
        """Photos on this tablet that the hub has not yet confirmed (never to be deleted)."""
        confirmed = set(self.state().get("confirmed", []))
        files = self._file_blobs()
        return [s for s in self.photo_refs() if s not in confirmed and self.has_blob(s, files)]

    def confirm_photos(self, shas: Iterable[str]) -> None:
        """The hub answered that it holds these (re-hashed): not uploaded again, unless an op
        naming one is still to be pushed and the hub no longer has it (client.upload_photos)."""
        with self.lock.exclusive():
            confirmed = set(self.state().get("confirmed", [])) | set(shas)
            self.update_state(confirmed=sorted(confirmed))

    def unconfirm_photos(self, shas: Iterable[str]) -> None:
        """The hub says it does not hold these after all (its clean-up removed an upload no op
        named for 48 h, e.g. after a push that failed): they are pending again."""
        drop = set(shas)
        if not drop:
            return
        with self.lock.exclusive():
            confirmed = set(self.state().get("confirmed", []))
            if confirmed & drop:
                self.update_state(confirmed=sorted(confirmed - drop))

    def pushed_blobs(self) -> set[str]:
        """Blobs an op the hub acknowledged names: the hub keeps those for good (its clean-up
        removes only blobs no op names)."""
        out: set[str] = set()
        for iid in self.known_inspections():
            for v in self._log(iid)["ops"].values():
                if v.get("acked") and v["key"].startswith(BLOB_KEYS):
                    out.update(blob_refs(Op.model_validate(_op_fields(v))))
        return out

    def pending_op_blobs(self) -> set[str]:
        """Blobs named by ops not yet acknowledged (what the hub must hold when they arrive)."""
        out: set[str] = set()
        for v in self.pending_op_values():
            if v["key"].startswith(BLOB_KEYS):
                out.update(blob_refs(Op.model_validate(v)))
        return out

    def confirmed(self, sha: str) -> bool:
        """Sent for good: the hub verified the bytes and acknowledged an op naming them. A blob
        the hub holds while no op names it there is not, as the hub removes it after its grace."""
        return sha in set(self.state().get("confirmed", [])) and sha in self.pushed_blobs()

    # -- incoming ------------------------------------------------------------------------------
    def merge(self, ops: Iterable[Op], acked: bool = True) -> int:
        """Add others' ops (from the hub: acked; from a bundle: to relay) and write the merged
        values back into the store. Returns how many ops were new here."""
        by_iid: dict[str, list[Op]] = {}
        for op in ops:
            by_iid.setdefault(op.inspection_id, []).append(Op.model_validate(_op_fields(op.model_dump())))
        new = 0
        with self.local.locked(), self.lock.exclusive():
            self.capture()  # an edit not yet captured must become an op before anything lands on it
            for iid, group in by_iid.items():
                if SAFE_ID.match(iid):
                    new += self._merge_one(iid, group, acked)
        return new

    def _merge_one(self, inspection_id: str, ops: list[Op], acked: bool) -> int:
        log = self._log(inspection_id)
        stored = log["ops"]
        touched: set[str] = set()
        for op in ops:
            if op.id in stored:
                if acked and not stored[op.id].get("acked"):
                    stored[op.id] = stored[op.id] | {"acked": True}
                continue
            stored[op.id] = op.model_dump(mode="json") | {"acked": acked}
            touched.add(op.key)
        new = len(touched)
        if not touched and not ops:
            return 0
        state = fold(Op.model_validate(_op_fields(v)) for v in stored.values())
        shadow = log["shadow"]
        before = dict(shadow)
        writes: dict[str, Any] = {}
        for key in touched:
            kv = state[key]
            own = [op for op in kv.live if op.device == self.device]
            desired = own[0].value if (kv.conflict and own) else kv.value
            if shadow.get(key, _MISSING) != desired:
                writes[key] = self._local_photos(key, desired)
            shadow[key] = desired
        if writes:
            # Header fields must all be present to create an inspection seen here for the first time.
            if not self.local.store.file(inspection_id).exists():
                for key, kv in state.items():
                    if key.startswith("inspection.") or key == "center":
                        writes.setdefault(key, kv.value)
                        shadow[key] = kv.value
            held = self.local.apply(inspection_id, writes)
            for key in held:  # a sealed revision here was not written: the shadow stays as the store is
                if key in before:
                    shadow[key] = before[key]
                else:
                    shadow.pop(key, None)
        self._ops_file(inspection_id).commit(log)
        # What we just wrote is not this device's change: do not capture it back as one.
        return new

    # -- conflicts -----------------------------------------------------------------------------
    def conflicts(self, inspection_id: str | None = None) -> list[Conflict]:
        ids = [inspection_id] if inspection_id else self.known_inspections()
        out = []
        for iid in ids:
            for key, kv in sorted(self.merged(iid).items()):
                if kv.conflict:
                    out.append(Conflict(iid, key, list(kv.live)))
        return out

    def resolve(self, inspection_id: str, key: str, value: Any, author: str = "") -> Op:
        """A person picked (or typed) the value of a conflicted key: write it here and send an
        op that supersedes every competing value."""
        with self.local.locked(), self.lock.exclusive():
            self.capture()
            log = self._log(inspection_id)
            state = fold(Op.model_validate(_op_fields(v)) for v in log["ops"].values())
            # Through the services' rules (status, N/A reason, audit): a refusal raises here and
            # nothing is written or sent.
            self.local.resolve(inspection_id, key, value, author)
            revision, flat = self.local.snapshot(inspection_id)
            self._shared_photos(flat, log["shadow"])
            value = flat.get(key, value)  # what the store now holds (rated_by/at as the services set them)
            seq = self._reserve(1)
            op = Op(device=self.device, seq=seq, inspection_id=inspection_id, revision=revision, key=key,
                    value=value, supersedes=state[key].head_ids if key in state else [], author=author,
                    at=self.clock())
            log["ops"][op.id] = op.model_dump(mode="json") | {"acked": False}
            log["shadow"][key] = value
            self._ops_file(inspection_id).commit(log)
            # The key is now an op; the audit entry the write made is captured (and travels) next time.
        return op

    # -- status --------------------------------------------------------------------------------
    def pending_count(self) -> int:
        return len(self.pending_op_values()) + len(self.pending_photos())


def _op_fields(value: dict) -> dict:
    return {k: v for k, v in value.items() if k not in ("acked", "rejected", "hub_seq")}


def same_value(a: Any, b: Any) -> bool:
    return canonical_json(a) == canonical_json(b)
