"""The one place sync touches the tablet's store and photo folder (本机数据适配).

Sync sees an inspection as a flat map of keys to JSON values (see protocol.py); this module
reads that map out of the store and writes merged values back in, through the store's own
transactions. Every write leaves one audit entry (action sync_merge, or resolve_conflict for
a person's choice of a non-rating key; a rating, note or suggestion a person picks goes
through the services' own use case and its audit entry), and a signed or locked revision is
never written.
"""

from __future__ import annotations

import hashlib
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from inspect_app import paths, services
from inspect_app.evidence import PhotoStore
from inspect_app.inspection import (
    EvidenceRecord,
    Finding,
    HealthCenter,
    Inspection,
    ItemRating,
    Signature,
)
from inspect_app.store import CENTERS, Store
from inspect_app.sync import keys
from inspect_app.sync.keys import signature_key_of as signature_key
from inspect_app.sync.protocol import AFTER_SIGNING_PREFIXES, SEALED_STATUSES, SHARED_INSPECTION_FIELDS

SYNC_MERGE = "sync_merge"  # the audit action of values a merge wrote (others' changes)
FlatState = dict[str, Any]  # key -> JSON value: what sync compares (not the domain snapshot)


class LocalSide:
    """The tablet's store and photos, as sync needs them."""

    def __init__(self, data_dir: Path, store: Store | None = None, photos: PhotoStore | None = None,
                 standards_dir: Path | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.store = store or Store(self.data_dir)
        self.photos = photos or PhotoStore.in_data_dir(self.data_dir)
        self.standards_dir = Path(standards_dir) if standards_dir else paths.STANDARDS_DIR
        self._workspace: services.Workspace | None = None
        self._file_hashes: dict[Path, tuple[tuple[int, int], str]] = {}

    @property
    def workspace(self) -> services.Workspace:
        """The same store and photos as a services workspace (for the report engineer's API)."""
        if self._workspace is None:
            self._workspace = services.Workspace(data_dir=self.data_dir, store=self.store, photos=self.photos,
                                                 standards_dir=self.standards_dir)
        return self._workspace

    def file_sha256(self, path: Path) -> str:
        """SHA-256 of a file, remembered while its size and mtime stay the same."""
        st = path.stat()
        stamp = (st.st_size, st.st_mtime_ns)
        known = self._file_hashes.get(path)
        if known and known[0] == stamp:
            return known[1]
        digest = hashlib.sha256()
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        self._file_hashes[path] = (stamp, digest.hexdigest())
        return digest.hexdigest()

    def standard_file(self, standard_id: str, version: str) -> Path:
        """Where services keeps the copy of the standard an inspection was started with."""
        return services.standard_copy_path(self.workspace, standard_id, version)

    def standard_entry(self, inspection: Inspection) -> dict | None:
        """The `standard` value: the exact file this inspection is scored with, by content hash."""
        if not inspection.standard_id:
            return None
        path = self.standard_file(inspection.standard_id, inspection.standard_version)
        if not path.is_file():
            return None
        return {"sha256": self.file_sha256(path), "id": inspection.standard_id,
                "version": inspection.standard_version, "file": path.name}

    @property
    def device_id(self) -> str:
        return self.store.device_id

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the store's write lock: no rating is saved between reading and writing back."""
        with self.store.lock.exclusive():
            yield

    # -- what changed ----------------------------------------------------------------------
    def counter(self) -> int:
        return self.store.current_seq()

    def changed_since(self, counter: int) -> set[str] | None:
        """Inspection ids with changes above `counter`; None means "look at all of them"."""
        changes = self.store.changes_since(counter)
        if any(c.file == CENTERS for c in changes):
            return None  # a center was edited: every inspection of it carries the center
        return {c.file for c in changes}

    def inspection_ids(self) -> list[str]:
        return self.store.inspection_ids()

    # -- reading ---------------------------------------------------------------------------
    def snapshot(self, inspection_id: str) -> tuple[int, FlatState]:
        """(current revision, key -> JSON value) of one inspection."""
        with self.store.read(inspection_id) as tx:
            inspection = tx.inspection()
            findings = tx.findings()
            evidence = tx.evidence()
            signatures = tx.signatures()
            audit = [d for d in tx.table("audit").all()]
        out: FlatState = {}
        meta = inspection.model_dump(mode="json")
        for field in SHARED_INSPECTION_FIELDS:
            out[keys.header_key(field)] = meta[field]
        center = self._center(inspection.center_id)
        if center is not None:
            out["center"] = center.model_dump(mode="json")
        standard = self.standard_entry(inspection)
        if standard is not None:
            out["standard"] = standard
        for number, finding in findings.items():
            for code, rating in finding.items.items():
                out[keys.item_key(number, code)] = rating.model_dump(mode="json")
            if finding.note:
                out[keys.note_key(number)] = finding.note
            if finding.disagreement_reason:
                out[keys.reason_key(number)] = finding.disagreement_reason
            for code, advice in finding.rectification.items():
                out[keys.advice_key(number, code)] = advice
            for code, due in finding.rectification_due.items():  # 整改时限
                out[keys.due_key(number, code)] = due
            for code, dept in finding.rectification_dept.items():  # 责任科室
                out[keys.dept_key(number, code)] = dept
        for record in evidence:
            out[keys.evidence_key(record.id)] = record.model_dump(mode="json")
        for sig in signatures:
            value = sig.model_dump(mode="json")
            out[signature_key(value)] = value
        for doc in audit:
            if doc.get("action") == SYNC_MERGE:
                continue  # this tablet's own record of what a merge wrote: kept here, not sent (no echo)
            value = {k: v for k, v in dict(doc).items() if k != "seq"}
            out[keys.audit_key(value["id"])] = value
        return inspection.revision, out

    def _center(self, center_id: str) -> HealthCenter | None:
        if not center_id or not self.store.file(CENTERS).exists():
            return None
        with self.store.read(CENTERS) as tx:
            return tx.center(center_id)

    # -- writing back ----------------------------------------------------------------------
    def resolve(self, inspection_id: str, key: str, value: Any, author: str = "") -> None:
        """A person settled a conflict on this tablet: written through the services' rules like
        any edit of theirs (draft only, N/A needs a reason, derived items are not rated, an
        audit entry), so a refusal reaches the screen as a sentence and nothing is written."""
        parsed = keys.parse(key)
        ws, who = self.workspace, author or None
        kind = parsed.kind if parsed else ""
        if kind == "item" and isinstance(value, dict):
            services.rate_item(ws, inspection_id, parsed.clause, parsed.code, str(value.get("result", "unrated")),
                               na_reason=str(value.get("na_reason") or ""), actor=who)
            if "note" in value:
                services.set_item_note(ws, inspection_id, parsed.clause, parsed.code, str(value.get("note") or ""),
                                       actor=who)
        elif kind == "note":
            services.set_clause_note(ws, inspection_id, parsed.clause, str(value or ""), actor=who)
        elif kind == "advice":
            services.set_rectification(ws, inspection_id, parsed.clause, parsed.code, str(value or ""), actor=who)
        elif kind in ("due", "dept"):
            part = {"due" if kind == "due" else "department": str(value or "")}
            services.set_rectification_details(ws, inspection_id, parsed.clause, parsed.code, **part, actor=who)
        else:  # header fields, evidence, …: the sync write, with its status check and audit entry
            self.apply(inspection_id, {key: value}, actor=author or "", action="resolve_conflict")

    def apply(self, inspection_id: str, values: dict[str, Any], *, actor: str = "",
              action: str = SYNC_MERGE) -> dict[str, Any]:
        """Write merged values (other devices' changes) into the store in one save, with one
        audit entry naming the keys (`actor` empty: "sync"). A signed or locked revision is
        never written: values for it other than the signing trail (signatures, audit, answers,
        the PDF) are left out, unless they open a later revision. Returns what was left out."""
        if not values:
            return {}
        values, held = self._unsealed(inspection_id, values)
        if not values:
            return held
        center = values.get("center")
        if isinstance(center, dict):
            with self.store.write(CENTERS, create=True) as tx:
                tx.put_center(HealthCenter.model_validate(center))
        exists = self.store.file(inspection_id).exists()
        with self.store.write(inspection_id, create=True) as tx:
            header = {k.removeprefix("inspection."): v for k, v in values.items() if k.startswith("inspection.")}
            if exists:
                current = tx.inspection().model_dump(mode="json")
            else:
                current = {"id": inspection_id, "center_id": "", "standard_id": "", "standard_version": ""}
            written = sorted(k for k in values if not k.startswith("audit/"))
            if written:  # who changed what here, in the trail (pulled audit entries are the trail itself)
                named = [k for k in written if not k.startswith("inspection.")]
                named += ["inspection.*"] if len(named) < len(written) else []
                text = ",".join(named)
                tx.audit(actor=actor or "sync", action=action, inspection_id=inspection_id,
                         key=text if len(text) <= 300 else text[:299] + "…", new=len(written))  # hub: ≤ 400
            if header or not exists:
                tx.put_inspection(Inspection.model_validate({**current, **header, "id": inspection_id}))
            findings: dict[str, Finding] = {}

            def finding(number: str) -> Finding:
                if number not in findings:
                    findings[number] = tx.finding(number) or Finding(inspection_id=inspection_id, clause_number=number)
                return findings[number]

            audit = tx.table("audit")
            known_audit = {d.get("id") for d in audit.all()}
            known_sigs = {signature_key(s.model_dump(mode="json")) for s in tx.signatures()}
            for key, value in values.items():
                parsed = keys.parse(key)
                head = parsed.kind if parsed else ""
                number, code = (parsed.clause, parsed.code) if parsed else ("", "")
                if head == "item" and isinstance(value, dict):
                    f = finding(number)
                    findings[number] = f.model_copy(update={"items": {**f.items, code: ItemRating.model_validate(value)}})
                elif head == "note":
                    findings[number] = finding(number).model_copy(update={"note": str(value or "")})
                elif head == "reason":
                    findings[number] = finding(number).model_copy(update={"disagreement_reason": str(value or "")})
                elif head == "advice":
                    f = finding(number)
                    rect = {k: v for k, v in f.rectification.items() if k != code}
                    if value:  # None (removed elsewhere) or "" leaves no suggestion
                        rect[code] = str(value)
                    findings[number] = f.model_copy(update={"rectification": rect})
                elif head in ("due", "dept"):  # 整改时限 / 责任科室: like 整改建议
                    attr = "rectification_due" if head == "due" else "rectification_dept"
                    f = finding(number)
                    kept = {k: v for k, v in getattr(f, attr).items() if k != code}
                    if value:
                        kept[code] = str(value)
                    findings[number] = f.model_copy(update={attr: kept})
                elif head == "evidence" and isinstance(value, dict):
                    tx.put_evidence(EvidenceRecord.model_validate(value))
                elif head == "signature" and value is None and key in known_sigs:
                    # dropped on another tablet (reopen): remove it here too
                    tx.table("signatures").remove(lambda d, k=key: signature_key(dict(d)) == k)
                    known_sigs.discard(key)
                elif head == "signature" and isinstance(value, dict) and key not in known_sigs:
                    tx.add_signature(Signature.model_validate(value))
                elif head == "audit" and isinstance(value, dict) and value.get("id") not in known_audit:
                    audit.insert(dict(value))  # no "seq": not one of this device's changes
            for f in findings.values():
                tx.put_finding(f)
        return held

    def _unsealed(self, inspection_id: str, values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """(values that may be written, values held back because their revision is sealed here)."""
        if not self.store.file(inspection_id).exists():
            return values, {}
        with self.store.read(inspection_id) as tx:
            inspection = tx.inspection()
        if inspection.status.value not in SEALED_STATUSES:
            return values, {}
        incoming = values.get("inspection.revision")
        if isinstance(incoming, int) and incoming > inspection.revision:
            return values, {}  # a teammate opened a later revision: its header and changes land
        keep = {k: v for k, v in values.items() if k.startswith(AFTER_SIGNING_PREFIXES)}
        return keep, {k: v for k, v in values.items() if k not in keep}

    # -- photos ----------------------------------------------------------------------------
    def has_blob(self, sha: str) -> bool:
        """The original bytes are on this tablet (what the hub must receive)."""
        try:
            return self.photos.has_original(sha)
        except Exception:
            return False

    def blob_path(self, sha: str) -> Path:
        return self.photos.original_path(sha)

    def put_blob(self, sha: str, data: bytes, kind: str, *, keep_gps: bool = False) -> None:
        """Keep a blob received from the hub or a bundle (hash checked by the photo store); it
        travels on under its own hash. keep_gps: an inspection that keeps GPS holds it."""
        self.photos.put_received(sha, data, kind="png" if kind == "png" else "photo", keep_gps=keep_gps)
