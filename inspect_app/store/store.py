"""The data folder: one small file per inspection, transactions, the device change counter.

Layout (see docs/store.md):
    data/device.json              this device's id (written once)
    data/centers.json             health centers + their audit entries (TinyDB)
    data/inspections/<id>.json    one inspection: meta, findings, evidence, signatures,
                                  audit entries, frozen revisions (TinyDB)
    data/index.json               summaries of inspections not in the active set
    data/changes.json             change-counter base + the active set (recently written files)
    data/.lock                    cross-process write lock (fcntl)

The device change counter (`seq`) numbers every audit entry on this device, strictly
increasing in commit order. Each file's header keeps its own last_seq; changes.json keeps
a base and the few files being written now ("active"), so that the current counter is
max(base, last_seq of active files) and no save has to write a second file. A file leaves
the active set only after its summary and last_seq are copied into index.json.
"""

from __future__ import annotations

import re
import secrets
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from pydantic import ValidationError
from tinydb import Query
from tinydb.table import Document

from inspect_app.errors import UserError
from inspect_app.inspection import (
    AuditEntry,
    EvidenceRecord,
    Finding,
    HealthCenter,
    Inspection,
    Signature,
    utc_now,
)

from .datafile import DataFile
from .errors import CorruptFileError, DamagedInspection, NewerSchemaError, StoreNotice
from .locks import WorkspaceLock
from .migrations import HEADER
from .storage import transaction_db

ACTIVE_MAX = 8
SEQ_GAP_AFTER_REPAIR = 1000  # skip ahead after a repair so a lost save's numbers are never reused
CENTERS = "centers"
_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

# The paired browser a change comes through ("平板A (pd-1a2b3c4d)"), set per request/session by
# the app's pairing gate (inspect_app/ui/pairing.py); "" when the app runs on loopback only.
audit_client: ContextVar[str] = ContextVar("audit_client", default="")


def new_id() -> str:
    return secrets.token_hex(8)


@dataclass(frozen=True)
class Change:
    """One audit entry with its place in this device's change order."""

    seq: int
    device: str
    file: str  # "centers" or the inspection id
    entry: AuditEntry


class Tx:
    """One read or write transaction on one file (TinyDB tables over the cached document)."""

    def __init__(self, store: "Store", key: str, doc: dict, writable: bool) -> None:
        self.store = store
        self.key = key
        self.doc = doc
        self.writable = writable
        self.db, self.storage = transaction_db(doc)
        self._seq: int | None = None

    def table(self, name: str):
        # cache_size=0: TinyDB's query cache would go stale when another process writes.
        return self.db.table(name, cache_size=0)

    # The two operations of every save (append an audit entry, replace one finding) work on
    # the TinyDB document directly: TinyDB's insert/upsert copy the whole table twice and
    # rescan it for the next id, which at ~1500 entries cost more than the fsync.
    def _raw(self, name: str) -> dict:
        table = self.doc.get(name)
        if table is None:
            table = self.doc[name] = {}
        return table

    def _append(self, name: str, doc: dict) -> None:
        raw = self._raw(name)
        doc_id = str(len(raw) + 1)
        if doc_id in raw:  # ids are not dense (something was removed): fall back to max + 1
            doc_id = str(max(int(k) for k in raw) + 1)
        raw[doc_id] = doc
        self.storage.dirty = True

    def _find(self, name: str, field: str, value: str) -> tuple[str | None, dict | None]:
        for doc_id, doc in self._raw(name).items():
            if doc.get(field) == value:
                return doc_id, doc
        return None, None

    def _put(self, name: str, field: str, doc: dict) -> None:
        doc_id, _ = self._find(name, field, doc[field])
        if doc_id is None:
            self._append(name, doc)
        else:
            self._raw(name)[doc_id] = doc
            self.storage.dirty = True

    def next_seq(self) -> int:
        if not self.writable:
            raise RuntimeError("read transaction cannot write")
        if self._seq is None:
            self._seq = self.store._reserve_seq(self)
        self._seq += 1
        return self._seq

    def last_seq(self) -> int:
        return int(self.doc.get(HEADER, {}).get("last_seq", 0))

    def audit(self, *, actor: str, action: str, key: str = "", old: object = None,
              new: object = None, reason: str = "", inspection_id: str = "") -> AuditEntry:
        entry = AuditEntry(id=new_id(), actor=actor, device=self.store.device_id,
                           inspection_id=inspection_id, action=action, key=key,
                           old=old, new=new, reason=reason, client=audit_client.get())
        doc = entry.model_dump(mode="json")
        if not doc.get("client"):
            doc.pop("client", None)  # entries made on loopback stay as they were
        doc["seq"] = self.next_seq()
        self._append("audit", doc)
        return entry

    def audit_log(self) -> list[AuditEntry]:
        return [_audit_entry(d) for d in self.table("audit").all()]

    def changes_since(self, counter: int) -> list[Change]:
        return [
            Change(int(d["seq"]), d.get("device", ""), self.key, _audit_entry(d))
            for d in self.table("audit").all()
            if int(d.get("seq", 0)) > counter
        ]


class CentersTx(Tx):
    def centers(self) -> list[HealthCenter]:
        return [HealthCenter.model_validate(d) for d in self.table("centers").all()]

    def center(self, center_id: str) -> HealthCenter | None:
        doc = self.table("centers").get(Query().id == center_id)
        return HealthCenter.model_validate(doc) if doc else None

    def put_center(self, center: HealthCenter) -> None:
        self.table("centers").upsert(center.model_dump(mode="json"), Query().id == center.id)


class InspectionTx(Tx):
    @property
    def inspection_id(self) -> str:
        return self.key

    def inspection(self) -> Inspection:
        doc = self.table("inspection").get(doc_id=1)
        if doc is None:
            raise UserError(f"找不到评审记录 {self.key}。", f"Inspection {self.key} was not found.")
        try:
            return Inspection.model_validate(dict(doc))
        except ValidationError as err:
            raise unreadable_inspection(self.key, self.store.file(self.key).path, dict(doc), err) from None

    def put_inspection(self, inspection: Inspection) -> None:
        self.table("inspection").upsert(Document(inspection.model_dump(mode="json"), doc_id=1))

    def finding(self, clause_number: str) -> Finding | None:
        _, doc = self._find("findings", "clause_number", clause_number)
        return Finding.model_validate(doc) if doc else None

    def put_finding(self, finding: Finding) -> None:
        self._put("findings", "clause_number", finding.model_dump(mode="json"))

    def findings(self) -> dict[str, Finding]:
        return {d["clause_number"]: Finding.model_validate(dict(d)) for d in self.table("findings").all()}

    def evidence(self) -> list[EvidenceRecord]:
        return [EvidenceRecord.model_validate(dict(d)) for d in self.table("evidence").all()]

    def put_evidence(self, record: EvidenceRecord) -> None:
        self._put("evidence", "id", record.model_dump(mode="json"))

    def signatures(self) -> list[Signature]:
        return [Signature.model_validate(dict(d)) for d in self.table("signatures").all()]

    def add_signature(self, signature: Signature) -> None:
        self.table("signatures").insert(signature.model_dump(mode="json"))

    def freeze_revision(self) -> None:
        """Keep a copy of the current revision (meta, findings, evidence, signatures)."""
        meta = dict(self.table("inspection").get(doc_id=1) or {})
        self.table("revisions").insert({
            "revision": meta.get("revision", 1),
            "inspection": meta,
            "findings": [dict(d) for d in self.table("findings").all()],
            "evidence": [dict(d) for d in self.table("evidence").all()],
            "signatures": [dict(d) for d in self.table("signatures").all()],
            "frozen_at": utc_now().isoformat(),
        })

    def revisions(self) -> list[dict]:
        return [dict(d) for d in self.table("revisions").all()]


def _audit_entry(doc: dict) -> AuditEntry:
    return AuditEntry.model_validate({k: v for k, v in doc.items() if k != "seq"})


class Store:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.inspections_dir = self.data_dir / "inspections"
        self.inspections_dir.mkdir(parents=True, exist_ok=True)
        self.lock = WorkspaceLock(self.data_dir / ".lock")
        self.notices: list[StoreNotice] = []
        self._files: dict[str, DataFile] = {}
        self._rebuild_needed = False
        # Inspection files that cannot be listed as they are (damaged with no good copy, newer
        # format, unknown values): key -> DamagedInspection, shown by name instead of vanishing.
        self.damaged: dict[str, DamagedInspection] = {}
        self._device = self._meta_file("device.json", "device")
        self._changes = self._meta_file("changes.json", "changes")
        self._index = self._meta_file("index.json", "index")
        self.device_id = self._ensure_device()
        with self.lock.exclusive():
            self._remove_stale_temp_files()
            self._changes_doc()
            self._index_doc()

    # -- files -----------------------------------------------------------------------------
    def _meta_file(self, name: str, kind: str) -> DataFile:
        return DataFile(self.data_dir / name, kind, self.lock, self.notices.append,
                        self._bookkeeping_repaired)

    def _bookkeeping_repaired(self, _: DataFile) -> None:
        self._rebuild_needed = True

    def _data_repaired(self, _: DataFile) -> None:
        # The lost save's seq numbers may already have left the device: never reuse them.
        with self.lock.exclusive():
            ch = self._changes_doc()
            ch["base"] = self._current_seq(ch) + SEQ_GAP_AFTER_REPAIR
            self._changes.commit(ch)

    def _remove_stale_temp_files(self) -> None:
        # Temp files exist only while a writer holds the lock: any seen under the lock are
        # leftovers of a killed writer.
        for folder in (self.data_dir, self.inspections_dir):
            for pattern in (".*.tmp", ".*.prevtmp"):
                for path in folder.glob(pattern):
                    path.unlink(missing_ok=True)

    def file(self, key: str) -> DataFile:
        df = self._files.get(key)
        if df is None:
            if key == CENTERS:
                df = DataFile(self.data_dir / "centers.json", "centers", self.lock,
                              self.notices.append, self._data_repaired)
            else:
                if not _ID_RE.match(key):
                    raise UserError(f"无效的评审编号：{key}", f"Invalid inspection id: {key}")
                df = DataFile(self.inspections_dir / f"{key}.json", "inspection", self.lock,
                              self.notices.append, self._data_repaired)
            self._files[key] = df
        return df

    def inspection_ids(self) -> list[str]:
        return sorted(p.stem for p in self.inspections_dir.glob("*.json") if _ID_RE.match(p.stem))

    # -- transactions ----------------------------------------------------------------------
    @contextmanager
    def write(self, key: str, *, create: bool = False) -> Iterator[Tx]:
        """One durable save: everything done on the yielded Tx is committed at once, or not at all."""
        with self.lock.exclusive():
            df = self.file(key)
            doc = df.load()
            if doc is None:
                if not create:
                    raise _missing(key)
                doc = {HEADER: {"last_seq": 0}}
            tx = _tx_class(key)(self, key, doc, writable=True)
            try:
                yield tx
            except BaseException:
                df.invalidate()  # the cached document may hold half a change
                raise
            if tx.storage.dirty or tx._seq is not None:
                if tx._seq is not None:
                    doc.setdefault(HEADER, {})["last_seq"] = tx._seq
                df.commit(doc)

    @contextmanager
    def read(self, key: str) -> Iterator[Tx]:
        with self.lock.mutex:
            doc = self.file(key).load()
            if doc is None:
                raise _missing(key)
            yield _tx_class(key)(self, key, doc, writable=False)

    # -- device and change counter ---------------------------------------------------------
    def _ensure_device(self) -> str:
        with self.lock.exclusive():
            doc = self._device.load()
            if doc is None:
                doc = {"device": {"id": f"dev-{secrets.token_hex(6)}", "created_at": utc_now().isoformat()}}
                self._device.commit(doc)
            return doc["device"]["id"]

    def _changes_doc(self) -> dict:
        try:
            doc = self._changes.load()
        except CorruptFileError:
            doc = None
            self._rebuild_needed = True
        if doc is None or self._rebuild_needed:
            doc = self.rebuild()
        return doc

    def _index_doc(self) -> dict:
        try:
            doc = self._index.load()
        except CorruptFileError:
            doc = None
        if doc is None or self._rebuild_needed:
            self.rebuild()
            doc = self._index.load()
        return doc

    def _file_seq(self, key: str) -> int:
        try:
            return self.file(key).last_seq()
        except (CorruptFileError, NewerSchemaError):
            return SEQ_GAP_AFTER_REPAIR  # unknowable: make sure later numbers jump past it

    def _current_seq(self, ch: dict, tx: Tx | None = None) -> int:
        seq = int(ch.get("base", 0))
        for key in ch.get("active", []):
            seq = max(seq, tx.last_seq() if tx is not None and key == tx.key else self._file_seq(key))
        return seq

    def current_seq(self) -> int:
        with self.lock.mutex:
            return self._current_seq(self._changes_doc())

    def _reserve_seq(self, tx: Tx) -> int:
        """Called (under the write lock) before a transaction numbers its first change."""
        ch = self._changes_doc()
        seq = self._current_seq(ch, tx)
        active = list(ch.get("active", []))
        if tx.key not in active:
            active.append(tx.key)
            evicted, active = active[:-ACTIVE_MAX], active[-ACTIVE_MAX:]
            if evicted:
                self._index_put([k for k in evicted if k != CENTERS])
            ch = {"base": seq, "active": active}
            self._changes.commit(ch)
        return seq

    # -- index -----------------------------------------------------------------------------
    def _summary(self, key: str) -> dict | None:
        path = self.file(key).path
        try:
            doc = self.file(key).load()
        except (CorruptFileError, NewerSchemaError) as err:
            if key != CENTERS:
                self.damaged[key] = DamagedInspection(key, path, err.zh, err.en)
            return None
        if not doc:
            return None
        meta = doc.get("inspection", {}).get("1")
        if meta is None:
            if key != CENTERS:
                self.damaged[key] = DamagedInspection(
                    key, path, f"评审文件 {path.name} 中没有评审信息，无法显示。文件保持原样未被修改，请联系技术支持。",
                    f"Inspection file {path.name} holds no inspection header and cannot be shown. "
                    f"It was left untouched; contact support.")
            return None
        self.damaged.pop(key, None)
        return {"inspection": meta, "last_seq": int(doc.get(HEADER, {}).get("last_seq", 0))}

    def _index_put(self, keys: list[str]) -> None:
        if not keys:
            return
        index = self._index.load() or {"inspections": {}}
        for key in keys:
            summary = self._summary(key)
            if summary is not None:
                index.setdefault("inspections", {})[key] = summary
        self._index.commit(index)

    def rebuild(self) -> dict:
        """Recompute index.json and changes.json from the inspection files themselves."""
        with self.lock.exclusive():
            self._rebuild_needed = False
            inspections = {}
            seq = self._file_seq(CENTERS) if self.file(CENTERS).exists() else 0
            for key in self.inspection_ids():
                summary = self._summary(key)
                if summary is not None:
                    inspections[key] = summary
                    seq = max(seq, summary["last_seq"])
            self._index.commit({"inspections": inspections})
            try:
                old = self._changes.load() or {}
            except CorruptFileError:
                old = {}
            gap = SEQ_GAP_AFTER_REPAIR if old or seq else 0
            ch = {"base": max(seq, int(old.get("base", 0))) + gap, "active": []}
            self._changes.commit(ch)
            return ch

    def list_inspections(self) -> list[Inspection]:
        with self.lock.mutex:
            ch = self._changes_doc()
            index = self._index_doc()
            metas = {k: v["inspection"] for k, v in index.get("inspections", {}).items()}
            for key in ch.get("active", []):
                if key != CENTERS:
                    summary = self._summary(key)
                    if summary is not None:
                        metas[key] = summary["inspection"]
            out: list[Inspection] = []
            for key, meta in metas.items():
                try:
                    out.append(Inspection.model_validate(meta))
                except ValidationError as err:  # one odd file never hides the others
                    self.damaged[key] = unreadable_inspection(key, self.file(key).path, meta, err)
                else:
                    self.damaged.pop(key, None)
            self._note_unlisted(set(metas))
            return out

    def _note_unlisted(self, listed: set[str]) -> None:
        """Inspection files on disk that neither index nor active set lists (a damaged file the
        index dropped): try each, so it is named in `damaged` instead of vanishing."""
        for key in self.inspection_ids():
            if key not in listed and key not in self.damaged:
                self._summary(key)

    def damaged_inspections(self) -> list[DamagedInspection]:
        """The inspection files that could not be listed, with what happened (bilingual)."""
        with self.lock.mutex:
            return [self.damaged[k] for k in sorted(self.damaged)]

    def changes_since(self, counter: int) -> list[Change]:
        """Every audit entry numbered above `counter` on this device, in commit order."""
        with self.lock.mutex:
            ch = self._changes_doc()
            index = self._index_doc()
            keys = {CENTERS, *ch.get("active", [])}
            keys.update(k for k, v in index.get("inspections", {}).items() if v["last_seq"] > counter)
            out: list[Change] = []
            for key in keys:
                if not self.file(key).exists():
                    continue
                with self.read(key) as tx:
                    if tx.last_seq() > counter:
                        out.extend(tx.changes_since(counter))
            return sorted(out, key=lambda c: c.seq)

    def take_notices(self) -> list[StoreNotice]:
        with self.lock.mutex:
            out, self.notices[:] = list(self.notices), []
            return out

    def close(self) -> None:
        self.lock.close()


def _tx_class(key: str) -> type[Tx]:
    return CentersTx if key == CENTERS else InspectionTx


def unreadable_inspection(key: str, path: Path, meta: dict, err: ValidationError) -> DamagedInspection:
    """An inspection header this app cannot read: say which value, and that nothing was changed."""
    first = err.errors()[0] if err.errors() else {}
    field = ".".join(str(p) for p in first.get("loc", ())) or "?"
    value = meta.get(field) if isinstance(meta, dict) and field in meta else first.get("input", "")
    value = str(value)[:40]
    center = str(meta.get("center_id", "")) if isinstance(meta, dict) else ""
    if field == "status":
        zh_what, en_what = f"状态“{value}”无法识别", f"its status '{value}' is not one this app knows"
    else:
        zh_what, en_what = f"字段 {field} 的值“{value}”无法识别", f"its field {field} has a value it cannot read ('{value}')"
    return DamagedInspection(
        key, path,
        f"评审记录 {key}（机构 {center}）需要修复：{zh_what}。该文件可能由更新版本的应用写入或被改动过；"
        f"文件保持原样未被修改，其他评审不受影响。请升级应用，或将文件 {path.name} 交技术支持修复。",
        f"Inspection {key} (center {center}) needs repair: {en_what}. The file may come from a newer "
        f"app version or have been edited; it was left untouched and other inspections are not "
        f"affected. Update the app, or give {path.name} to support for repair.")


def _missing(key: str) -> UserError:
    if key == CENTERS:
        return UserError("还没有添加任何机构。", "No health centers have been added yet.")
    return UserError(f"找不到评审记录 {key}。", f"Inspection {key} was not found.")
