"""Use cases the tablet UI and the CLI call: one call = one durable save, returns the new state.

Every content change appends an AuditEntry (actor, device, old → new) in the same save.
Rules that say no raise inspect_app.errors.UserError with Chinese and English text.

Status flow of one revision:
    draft --submit--> submitted --sign--> signed --lock--> locked
    submitted --reopen(reason)--> draft           (the unsigned signatures are dropped)
    signed|locked --new_revision(reason)--> draft (revision + 1; the signed one is frozen)
Content (ratings, notes, evidence, assignments, prerequisites) changes only in draft;
signatures are added only in submitted, after the content is frozen.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from inspect_app import paths
from inspect_app.errors import UserError
from inspect_app.evidence import PhotoStore
from inspect_app.inspection import (
    AuditEntry,
    CenterType,
    EvidenceRecord,
    EvidenceTarget,
    Finding,
    HealthCenter,
    Inspection,
    InspectionStatus,
    ItemRating,
    ItemResult,
    Signature,
    TeamMember,
    TeamRole,
    utc_now,
)
from inspect_app.standard.loader import content_hash, load_standard as read_standard
from inspect_app.standard.model import Clause, Standard
from inspect_app.store import CENTERS, Change, InspectionTx, Store, StoreNotice, new_id
from inspect_app.store.durable import atomic_write_bytes

S = InspectionStatus
STATUS_ZH = {S.DRAFT: "草稿", S.SUBMITTED: "已提交", S.SIGNED: "已签名", S.LOCKED: "已锁定"}

# ---------------------------------------------------------------------------------------------
# Workspace and standards


@dataclass
class Workspace:
    """An opened data folder: the store, the photo store, and the standards in use."""

    data_dir: Path
    store: Store
    photos: PhotoStore
    standards_dir: Path
    _standards: dict[tuple[str, str], Standard] = field(default_factory=dict)

    @property
    def device_id(self) -> str:
        return self.store.device_id

    def notices(self) -> list[StoreNotice]:
        """Repairs the store made (corrupt file restored, format upgraded): show them once."""
        return self.store.take_notices()

    def close(self) -> None:
        self.store.close()


def open_workspace(data_dir: Path | str, standards_dir: Path | str | None = None) -> Workspace:
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "standards").mkdir(exist_ok=True)
    return Workspace(
        data_dir=data_dir,
        store=Store(data_dir),
        photos=PhotoStore.in_data_dir(data_dir),
        standards_dir=Path(standards_dir) if standards_dir else paths.STANDARDS_DIR,
    )


@dataclass(frozen=True)
class StandardInfo:
    path: Path
    id: str
    title: str
    edition: str
    version: str


def standard_version(standard: Standard) -> str:
    """Edition plus content hash: a report names exactly the text that was used."""
    return f"{standard.edition or '-'}+{content_hash(standard)[:12]}"


def list_standards(ws: Workspace) -> list[StandardInfo]:
    """The shipped standards (paths.STANDARDS_DIR) that load cleanly."""
    out = []
    for path in sorted(ws.standards_dir.glob("*.json")):
        if path.name.endswith(".schema.json"):
            continue
        try:
            std = read_standard(path)
        except UserError as err:  # one broken file must not hide the others; say which one
            ws.store.notices.append(StoreNotice(zh=err.zh, en=err.en))
            continue
        ws._standards[(std.id, standard_version(std))] = std
        out.append(StandardInfo(path, std.id, std.title, std.edition, standard_version(std)))
    return out


def load_standard(ws: Workspace, path_or_id: Path | str) -> Standard:
    path = Path(path_or_id)
    if path.suffix == ".json" and path.exists():
        std = read_standard(path)
        ws._standards[(std.id, standard_version(std))] = std
        return std
    for info in list_standards(ws):
        if info.id == str(path_or_id):
            return ws._standards[(info.id, info.version)]
    raise UserError(f"找不到评价标准 {path_or_id}。", f"Standard {path_or_id} was not found.")


def standard_copy_path(ws: Workspace, standard_id: str, version: str) -> Path:
    """Where the exact standard an inspection uses is kept (sync ships and fetches it here)."""
    name = hashlib.sha256(f"{standard_id}|{version}".encode()).hexdigest()[:16]
    return ws.data_dir / "standards" / f"{name}.json"


def standard_for(ws: Workspace, inspection: Inspection) -> Standard:
    """The exact standard an inspection was started with (a copy is kept in data/standards)."""
    key = (inspection.standard_id, inspection.standard_version)
    std = ws._standards.get(key)
    if std is None:
        copy = standard_copy_path(ws, *key)
        if copy.exists():
            std = read_standard(copy)
        else:
            list_standards(ws)
            std = ws._standards.get(key)
        if std is None:
            raise UserError(
                f"找不到本次评审使用的评价标准 {inspection.standard_id}（{inspection.standard_version}）。",
                f"The standard this inspection used ({inspection.standard_id}, "
                f"{inspection.standard_version}) was not found.",
            )
        ws._standards[key] = std
    return std


# ---------------------------------------------------------------------------------------------
# Health centers


def list_centers(ws: Workspace) -> list[HealthCenter]:
    if not ws.store.file(CENTERS).exists():
        return []
    with ws.store.read(CENTERS) as tx:
        return sorted(tx.centers(), key=lambda c: c.name)


def add_center(ws: Workspace, name: str, *, actor: str, code: str = "", county: str = "",
               type: CenterType | str = CenterType.TOWNSHIP, director: str = "",
               small_institution: bool = False) -> HealthCenter:
    name = name.strip()
    if not name:
        raise UserError("请填写机构名称。", "Enter the health center's name.")
    center = HealthCenter(id=new_id(), name=name, code=code.strip(), county=county.strip(),
                          type=CenterType(type), director=director.strip(),
                          small_institution=small_institution)
    with ws.store.write(CENTERS, create=True) as tx:
        if any(c.name == center.name and c.county == center.county for c in tx.centers()):
            raise UserError(f"机构“{name}”已存在。", f"Health center '{name}' already exists.")
        tx.put_center(center)
        tx.audit(actor=actor, action="add_center", key=center.id, new=center.model_dump(mode="json"))
    return center


_CENTER_FIELDS = {"name", "code", "county", "type", "director", "small_institution"}


def edit_center(ws: Workspace, center_id: str, *, actor: str, **changes: Any) -> HealthCenter:
    unknown = set(changes) - _CENTER_FIELDS
    if unknown:
        raise ValueError(f"unknown center fields: {sorted(unknown)}")
    with ws.store.write(CENTERS) as tx:
        old = tx.center(center_id)
        if old is None:
            raise UserError("找不到该机构。", "That health center was not found.")
        new = HealthCenter.model_validate({**old.model_dump(), **changes})
        if not new.name.strip():
            raise UserError("请填写机构名称。", "Enter the health center's name.")
        if new != old:
            tx.put_center(new)
            before, after = old.model_dump(mode="json"), new.model_dump(mode="json")
            diff = {k for k in after if after[k] != before[k]}
            tx.audit(actor=actor, action="edit_center", key=center_id,
                     old={k: before[k] for k in diff}, new={k: after[k] for k in diff})
    return new


def get_center(ws: Workspace, center_id: str) -> HealthCenter:
    """One health center by id; a clear message when it is not here."""
    for center in list_centers(ws):
        if center.id == center_id:
            return center
    raise UserError("找不到该机构，请先添加机构。", "That health center was not found; add it first.")


# ---------------------------------------------------------------------------------------------
# Inspections: start, list, read


@dataclass(frozen=True)
class InspectionSnapshot:
    """Everything scoring, the report and the UI need about one inspection, read at one moment."""

    inspection: Inspection
    findings: dict[str, Finding]  # by clause number
    evidence: list[EvidenceRecord]  # including soft-deleted ones (deleted=True)
    signatures: list[Signature]  # of the current revision

    @property
    def live_evidence(self) -> list[EvidenceRecord]:
        return [e for e in self.evidence if not e.deleted]


def team_with_roles(team: list[TeamMember] | list[str], inspector: str) -> list[TeamMember]:
    """The team as stored: names trimmed and once each, the inspector on this device included, and
    exactly one 评审组长 (leader): the one named, else the inspector on this device; the others are
    评审专家 (experts). A bare name is an expert. The director signs for the center, not the team."""
    inspector = inspector.strip()
    if not inspector:
        raise UserError("请填写本设备的评审人员姓名。", "Enter the name of the inspector using this device.")
    members: list[TeamMember] = []
    seen: dict[str, int] = {}
    for m in team:
        member = m if isinstance(m, TeamMember) else TeamMember(name=m)
        name = member.name.strip()
        if not name:
            continue
        if member.role is TeamRole.DIRECTOR:
            raise UserError(f"{name}：被评机构负责人不是评审组成员，签名时填写。",
                            f"{name}: the center's director is not on the team; they sign at the end.")
        if name in seen:  # the same person twice: keep one, as leader if either entry says so
            if member.role is TeamRole.LEADER:
                members[seen[name]] = TeamMember(name=name, role=TeamRole.LEADER)
            continue
        seen[name] = len(members)
        members.append(TeamMember(name=name, role=member.role))
    leaders = [m.name for m in members if m.role is TeamRole.LEADER]
    if len(leaders) > 1:
        raise UserError(f"评审组长只能有一位（现为：{'、'.join(leaders)}）。",
                        f"Only one team leader (评审组长), not {', '.join(leaders)}.")
    if inspector not in seen:
        members.append(TeamMember(name=inspector, role=TeamRole.EXPERT))
        seen[inspector] = len(members) - 1
    if not leaders:
        members[seen[inspector]] = TeamMember(name=inspector, role=TeamRole.LEADER)
    return members


def start_inspection(ws: Workspace, center_id: str, standard: Standard | StandardInfo | str,
                     team: list[TeamMember] | list[str], inspector: str, *, keep_gps: bool = False) -> Inspection:
    """A new inspection. keep_gps: this inspection's photos keep their location (GPS) in the
    derivative shown and put in the report; off by default (the GPS-free JPEG is used)."""
    center = get_center(ws, center_id)
    if isinstance(standard, StandardInfo):
        standard = load_standard(ws, standard.path)
    elif isinstance(standard, str):
        standard = load_standard(ws, standard)
    inspector = inspector.strip()
    members = team_with_roles(team, inspector)
    version = standard_version(standard)
    copy = standard_copy_path(ws, standard.id, version)
    if not copy.exists():
        atomic_write_bytes(copy, standard.model_dump_json().encode("utf-8"))
    ws._standards[(standard.id, version)] = standard
    inspection = Inspection(id=new_id(), center_id=center.id, standard_id=standard.id,
                            standard_version=version, team=members, inspector=inspector, keep_gps=bool(keep_gps))
    with ws.store.write(inspection.id, create=True) as tx:
        tx.put_inspection(inspection)
        tx.audit(actor=inspector, action="start_inspection", inspection_id=inspection.id,
                 new={"center_id": center.id, "standard_id": standard.id, "standard_version": version,
                      "team": [m.model_dump(mode="json") for m in members], "keep_gps": inspection.keep_gps})
    return inspection


def list_inspections(ws: Workspace, status: InspectionStatus | str | None = None,
                     center_id: str | None = None) -> list[Inspection]:
    """Newest first; reads the small index plus the few recently written files."""
    out = ws.store.list_inspections()
    if status is not None:
        out = [i for i in out if i.status == InspectionStatus(status)]
    if center_id is not None:
        out = [i for i in out if i.center_id == center_id]
    return sorted(out, key=lambda i: i.started_on, reverse=True)


def get_inspection(ws: Workspace, inspection_id: str) -> Inspection:
    with ws.store.read(inspection_id) as tx:
        return tx.inspection()


def snapshot(ws: Workspace, inspection_id: str) -> InspectionSnapshot:
    with ws.store.read(inspection_id) as tx:
        inspection = tx.inspection()
        return InspectionSnapshot(
            inspection=inspection,
            findings=tx.findings(),
            evidence=tx.evidence(),
            signatures=[s for s in tx.signatures() if s.revision == inspection.revision],
        )


def audit_log(ws: Workspace, inspection_id: str | None = None) -> list[AuditEntry]:
    """操作日志 of one inspection (or of the centers list when inspection_id is None)."""
    key = inspection_id or CENTERS
    if not ws.store.file(key).exists():
        return []
    with ws.store.read(key) as tx:
        return tx.audit_log()


def revisions(ws: Workspace, inspection_id: str) -> list[dict]:
    """Frozen copies of earlier signed revisions (raw stored form)."""
    with ws.store.read(inspection_id) as tx:
        return tx.revisions()


def changes_since(ws: Workspace, counter: int) -> list[Change]:
    """For sync: this device's changes numbered above `counter`, in order (see docs/store.md)."""
    return ws.store.changes_since(counter)


# ---------------------------------------------------------------------------------------------
# Editing rules


def _refuse_unless(inspection: Inspection, *allowed: InspectionStatus) -> None:
    if inspection.status in allowed:
        return
    if inspection.status in (S.SIGNED, S.LOCKED):
        raise UserError(
            f"第 {inspection.revision} 版已签名{'并锁定' if inspection.status is S.LOCKED else ''}，不能再修改。"
            "如需更正，请创建新修订版并说明原因。",
            f"Revision {inspection.revision} is {inspection.status.value} and cannot be changed. "
            "To correct it, start a new revision and give the reason.",
        )
    if inspection.status is S.SUBMITTED:
        raise UserError(
            "评审已提交，等待签名，内容不能修改。如需修改，请先退回草稿。",
            "The inspection was submitted for signing; its content cannot change. "
            "Reopen it as a draft to make changes.",
        )
    raise UserError(
        f"评审当前为“{STATUS_ZH[inspection.status]}”状态，不允许此操作。",
        f"This is not allowed while the inspection is {inspection.status.value}.",
    )


def _clause(standard: Standard, number: str) -> Clause:
    try:
        return standard.clause(number)
    except KeyError:
        raise UserError(f"评价标准中没有条款 {number}。", f"The standard has no clause {number}.") from None


def _item(clause: Clause, code: str):
    for item in clause.items:
        if item.code == code:
            return item
    raise UserError(f"条款 {clause.number} 中没有评价要点 {code}。",
                    f"Clause {clause.number} has no item {code}.")


class _Edit(Protocol):
    def __call__(self, tx: InspectionTx, inspection: Inspection, standard: Standard) -> Any: ...


def _edit(ws: Workspace, inspection_id: str, change: _Edit, *allowed: InspectionStatus) -> Any:
    with ws.store.write(inspection_id) as tx:
        inspection = tx.inspection()
        _refuse_unless(inspection, *(allowed or (S.DRAFT,)))
        return change(tx, inspection, standard_for(ws, inspection))


def _actor(actor: str | None, inspection: Inspection) -> str:
    return (actor or inspection.inspector or "").strip() or "unknown"


def _finding(tx: InspectionTx, inspection: Inspection, clause_number: str) -> Finding:
    return tx.finding(clause_number) or Finding(inspection_id=inspection.id, clause_number=clause_number)


def _save_finding(tx: InspectionTx, finding: Finding, actor: str) -> Finding:
    finding = finding.model_copy(update={"updated_by": actor, "updated_at": utc_now()})
    tx.put_finding(finding)
    return finding


def set_current_clause(ws: Workspace, inspection_id: str, clause_number: str) -> Inspection:
    """Where the inspector left off (resume). A bookmark, not content: no audit entry, and a
    no-op on signed or locked revisions."""
    def change(tx: InspectionTx, inspection: Inspection, standard: Standard) -> Inspection:
        if inspection.status in (S.SIGNED, S.LOCKED) or inspection.current_clause == clause_number:
            return inspection
        if clause_number:
            _clause(standard, clause_number)
        inspection = inspection.model_copy(update={"current_clause": clause_number})
        tx.put_inspection(inspection)
        return inspection

    return _edit(ws, inspection_id, change, *S)


def rate_item(ws: Workspace, inspection_id: str, clause_number: str, item_code: str,
              result: ItemResult | str, *, na_reason: str = "", actor: str | None = None) -> Finding:
    """评分: met / not_met / na (with a reason) / unrated (clear)."""
    try:
        result = ItemResult(result)
    except ValueError:
        raise UserError(f"无效的评价结果：{result}", f"Invalid result: {result}") from None
    na_reason = na_reason.strip()
    if result is ItemResult.NA and not na_reason:
        raise UserError("选择“不适用”时必须填写原因。", "Give a reason when marking an item not applicable.")

    def change(tx: InspectionTx, inspection: Inspection, standard: Standard) -> Finding:
        clause = _clause(standard, clause_number)
        item = _item(clause, item_code)
        if clause.derived is not None or item.derived is not None:
            raise UserError(
                f"{clause.number} {item_code} 由其他条款的评审结果自动判定，无需评分。",
                f"{clause.number} {item_code} is judged from other clauses' results; it is not rated by hand.",
            )
        who = _actor(actor, inspection)
        finding = _finding(tx, inspection, clause_number)
        old = finding.items.get(item_code, ItemRating())
        if old.result is result and old.na_reason == (na_reason if result is ItemResult.NA else ""):
            return finding
        new = old.model_copy(update={
            "result": result,
            "na_reason": na_reason if result is ItemResult.NA else "",
            "rated_by": who if result is not ItemResult.UNRATED else "",
            "rated_at": utc_now() if result is not ItemResult.UNRATED else None,
        })
        finding = finding.model_copy(update={"items": {**finding.items, item_code: new}})
        tx.audit(actor=who, action="rate_item", inspection_id=inspection.id,
                 key=f"{clause_number}/{item_code}", old=old.result.value, new=result.value,
                 reason=new.na_reason)
        return _save_finding(tx, finding, who)

    return _edit(ws, inspection_id, change)


def set_item_note(ws: Workspace, inspection_id: str, clause_number: str, item_code: str,
                  note: str, *, actor: str | None = None) -> Finding:
    def change(tx: InspectionTx, inspection: Inspection, standard: Standard) -> Finding:
        _item(_clause(standard, clause_number), item_code)
        who = _actor(actor, inspection)
        finding = _finding(tx, inspection, clause_number)
        old = finding.items.get(item_code, ItemRating())
        if old.note == note:
            return finding
        finding = finding.model_copy(update={"items": {**finding.items,
                                                       item_code: old.model_copy(update={"note": note})}})
        tx.audit(actor=who, action="set_item_note", inspection_id=inspection.id,
                 key=f"{clause_number}/{item_code}", old=old.note, new=note)
        return _save_finding(tx, finding, who)

    return _edit(ws, inspection_id, change)


def set_clause_note(ws: Workspace, inspection_id: str, clause_number: str, note: str, *,
                    actor: str | None = None) -> Finding:
    def change(tx: InspectionTx, inspection: Inspection, standard: Standard) -> Finding:
        _clause(standard, clause_number)
        who = _actor(actor, inspection)
        finding = _finding(tx, inspection, clause_number)
        if finding.note == note:
            return finding
        tx.audit(actor=who, action="set_clause_note", inspection_id=inspection.id,
                 key=clause_number, old=finding.note, new=note)
        return _save_finding(tx, finding.model_copy(update={"note": note}), who)

    return _edit(ws, inspection_id, change)


def set_rectification(ws: Workspace, inspection_id: str, clause_number: str, item_code: str,
                      advice: str, *, actor: str | None = None) -> Finding:
    """整改建议 for one item (item_code "" = for the clause as a whole); empty text removes it."""
    def change(tx: InspectionTx, inspection: Inspection, standard: Standard) -> Finding:
        clause = _clause(standard, clause_number)
        if item_code:
            _item(clause, item_code)
        who = _actor(actor, inspection)
        finding = _finding(tx, inspection, clause_number)
        old = finding.rectification.get(item_code, "")
        text = advice.strip()
        if old == text:
            return finding
        rect = {k: v for k, v in finding.rectification.items() if k != item_code}
        if text:
            rect[item_code] = text
        tx.audit(actor=who, action="set_rectification", inspection_id=inspection.id,
                 key=f"{clause_number}/{item_code}" if item_code else clause_number, old=old, new=text)
        return _save_finding(tx, finding.model_copy(update={"rectification": rect}), who)

    return _edit(ws, inspection_id, change)


def set_prerequisite(ws: Workspace, inspection_id: str, prerequisite_id: str, met: bool | None, *,
                     actor: str | None = None) -> Inspection:
    """前置条件: met True/False, or None to clear."""
    def change(tx: InspectionTx, inspection: Inspection, standard: Standard) -> Inspection:
        if prerequisite_id not in {p.id for p in standard.prerequisites}:
            raise UserError(f"评价标准中没有前置条件 {prerequisite_id}。",
                            f"The standard has no prerequisite {prerequisite_id}.")
        old = inspection.prerequisites.get(prerequisite_id)
        if old == met and prerequisite_id in inspection.prerequisites:
            return inspection
        inspection = inspection.model_copy(
            update={"prerequisites": {**inspection.prerequisites, prerequisite_id: met}})
        tx.put_inspection(inspection)
        tx.audit(actor=_actor(actor, inspection), action="set_prerequisite", inspection_id=inspection.id,
                 key=prerequisite_id, old=old, new=met)
        return inspection

    return _edit(ws, inspection_id, change)


def assign_chapter(ws: Workspace, inspection_id: str, chapter_number: str, member: str, *,
                   actor: str | None = None) -> Inspection:
    """分工: a team member takes a chapter ("" unassigns it)."""
    def change(tx: InspectionTx, inspection: Inspection, standard: Standard) -> Inspection:
        if chapter_number not in {c.number for c in standard.chapters}:
            raise UserError(f"评价标准中没有第 {chapter_number} 章。",
                            f"The standard has no chapter {chapter_number}.")
        if member and member not in {m.name for m in inspection.team}:
            raise UserError(f"{member} 不是评审组成员。", f"{member} is not on the team.")
        old = inspection.assignments.get(chapter_number, "")
        if old == member:
            return inspection
        assignments = {k: v for k, v in inspection.assignments.items() if k != chapter_number}
        if member:
            assignments[chapter_number] = member
        inspection = inspection.model_copy(update={"assignments": assignments})
        tx.put_inspection(inspection)
        tx.audit(actor=_actor(actor, inspection), action="assign_chapter", inspection_id=inspection.id,
                 key=chapter_number, old=old, new=member)
        return inspection

    return _edit(ws, inspection_id, change)


class IngestedPhoto(Protocol):
    """What evidence.PhotoStore.ingest returns (StoredPhoto)."""

    sha256: str
    width: int
    height: int
    captured_at: Any
    original_name: str


def ingest_photo(ws: Workspace, inspection_id: str, data: bytes, original_name: str = "") -> IngestedPhoto:
    """Store a photo taken for this inspection under its GPS policy (Inspection.keep_gps): the
    GPS-free JPEG always, plus the variant with the location when the inspection keeps it.
    Raises evidence.PhotoRejected (a UserError) for a file that is not a usable photo."""
    inspection = get_inspection(ws, inspection_id)
    return ws.photos.ingest(data, original_name, keep_gps=inspection.keep_gps)


def attach_evidence(ws: Workspace, inspection_id: str, photo: IngestedPhoto, *, clause_number: str = "",
                    item_code: str = "", caption: str = "", actor: str | None = None) -> EvidenceRecord:
    """佐证材料: link an already-ingested photo to the inspection, a clause, or one item."""
    if not ws.photos.has(photo.sha256):
        raise UserError("照片尚未保存到本设备，请重新拍摄或选择。",
                        "The photo is not stored on this device; take or pick it again.")

    def change(tx: InspectionTx, inspection: Inspection, standard: Standard) -> EvidenceRecord:
        if item_code and not clause_number:
            raise ValueError("item_code needs clause_number")
        if clause_number:
            clause = _clause(standard, clause_number)
            if item_code:
                _item(clause, item_code)
        who = _actor(actor, inspection)
        record = EvidenceRecord(
            id=new_id(), inspection_id=inspection.id,
            target=EvidenceTarget(clause_number=clause_number, item_code=item_code),
            sha256=photo.sha256, original_name=getattr(photo, "original_name", "") or "",
            width=photo.width, height=photo.height, captured_at=getattr(photo, "captured_at", None),
            added_by=who, caption=caption.strip(),
        )
        tx.put_evidence(record)
        tx.audit(actor=who, action="attach_evidence", inspection_id=inspection.id,
                 key=record.id, new={"sha256": record.sha256, "clause": clause_number, "item": item_code})
        return record

    return _edit(ws, inspection_id, change)


def remove_evidence(ws: Workspace, inspection_id: str, evidence_id: str, reason: str, *,
                    actor: str | None = None) -> EvidenceRecord:
    """Soft delete: the record stays (deleted=True, with the reason) and the photo file stays."""
    reason = reason.strip()
    if not reason:
        raise UserError("删除佐证材料时必须填写原因。", "Give a reason for removing evidence.")

    def change(tx: InspectionTx, inspection: Inspection, standard: Standard) -> EvidenceRecord:
        record = next((e for e in tx.evidence() if e.id == evidence_id), None)
        if record is None:
            raise UserError("找不到该佐证材料。", "That evidence was not found.")
        if record.deleted:
            return record
        record = record.model_copy(update={"deleted": True, "deleted_reason": reason})
        tx.put_evidence(record)
        tx.audit(actor=_actor(actor, inspection), action="remove_evidence", inspection_id=inspection.id,
                 key=record.id, old={"deleted": False}, new={"deleted": True}, reason=reason)
        return record

    return _edit(ws, inspection_id, change)


_ROLE_ZH = {TeamRole.LEADER: "评审组长", TeamRole.EXPERT: "评审专家", TeamRole.DIRECTOR: "被评机构负责人"}


def add_signature(ws: Workspace, inspection_id: str, signer: str, role: TeamRole | str,
                  png: bytes, *, actor: str | None = None) -> Signature:
    """签名: the PNG is stored content-addressed in the photo folder, the record here."""
    signer = signer.strip()
    if not signer:
        raise UserError("请填写签名人姓名。", "Enter the signer's name.")
    role = TeamRole(role)
    stored = ws.photos.put_png(png)

    def change(tx: InspectionTx, inspection: Inspection, standard: Standard) -> Signature:
        roles = {m.name: m.role for m in inspection.team}
        if role is not TeamRole.DIRECTOR and signer not in roles:
            raise UserError(f"{signer} 不是评审组成员。", f"{signer} is not on the team.")
        if role is not TeamRole.DIRECTOR and roles[signer] is not role:
            raise UserError(f"{signer} 在评审组中的角色不是{_ROLE_ZH[role]}。",
                            f"{signer} is not the team's {role.value}.")
        signature = Signature(inspection_id=inspection.id, signer=signer, role=role,
                              image_sha256=stored.sha256, revision=inspection.revision)
        tx.add_signature(signature)
        tx.audit(actor=_actor(actor, inspection), action="add_signature", inspection_id=inspection.id,
                 key=f"{role.value}:{signer}", new=stored.sha256)
        return signature

    return _edit(ws, inspection_id, change, S.SUBMITTED)


def missing_ratings(standard: Standard, findings: dict[str, Finding]) -> list[str]:
    """'clause/item' of every item rated by hand that has no result yet."""
    out = []
    for clause in standard.clauses():
        if clause.derived is not None:
            continue
        items = findings[clause.number].items if clause.number in findings else {}
        for item in clause.items:
            if item.derived is None and items.get(item.code, ItemRating()).result is ItemResult.UNRATED:
                out.append(f"{clause.number}/{item.code}")
    return out


def _set_status(tx: InspectionTx, inspection: Inspection, status: InspectionStatus, actor: str,
                reason: str = "", **extra: Any) -> Inspection:
    new = inspection.model_copy(update={"status": status, **extra})
    tx.put_inspection(new)
    tx.audit(actor=actor, action=f"status_{status.value}", inspection_id=inspection.id, key="status",
             old=inspection.status.value, new=status.value, reason=reason)
    return new


def submit(ws: Workspace, inspection_id: str, *, actor: str | None = None) -> Inspection:
    """提交: every hand-rated item has a result and every prerequisite an answer."""
    def change(tx: InspectionTx, inspection: Inspection, standard: Standard) -> Inspection:
        missing = missing_ratings(standard, tx.findings())
        if missing:
            shown = "、".join(missing[:5]) + ("…" if len(missing) > 5 else "")
            raise UserError(f"还有 {len(missing)} 个评价要点未评分（{shown}），不能提交。",
                            f"{len(missing)} items are not rated yet ({shown}); cannot submit.")
        open_prereqs = [p.id for p in standard.prerequisites if inspection.prerequisites.get(p.id) is None]
        if open_prereqs:
            raise UserError(f"前置条件未填写：{'、'.join(open_prereqs)}。",
                            f"Prerequisites not answered: {', '.join(open_prereqs)}.")
        return _set_status(tx, inspection, S.SUBMITTED, _actor(actor, inspection))

    return _edit(ws, inspection_id, change)


def reopen(ws: Workspace, inspection_id: str, reason: str, *, actor: str | None = None) -> Inspection:
    """退回草稿 before signing: signatures already given for this revision no longer count."""
    reason = reason.strip()
    if not reason:
        raise UserError("退回修改时必须填写原因。", "Give a reason for reopening.")

    def change(tx: InspectionTx, inspection: Inspection, standard: Standard) -> Inspection:
        tx.table("signatures").remove(lambda d: d.get("revision") == inspection.revision)
        return _set_status(tx, inspection, S.DRAFT, _actor(actor, inspection), reason)

    return _edit(ws, inspection_id, change, S.SUBMITTED)


def sign(ws: Workspace, inspection_id: str, *, actor: str | None = None) -> Inspection:
    """签署完成: needs the team leader's and the center director's signatures on this revision."""
    def change(tx: InspectionTx, inspection: Inspection, standard: Standard) -> Inspection:
        roles = {s.role for s in tx.signatures() if s.revision == inspection.revision}
        lacking = [r for r in (TeamRole.LEADER, TeamRole.DIRECTOR) if r not in roles]
        if lacking:
            zh = {"leader": "评审组长", "director": "被评机构负责人"}
            raise UserError(f"还缺少签名：{'、'.join(zh[r.value] for r in lacking)}。",
                            f"Missing signatures: {', '.join(r.value for r in lacking)}.")
        return _set_status(tx, inspection, S.SIGNED, _actor(actor, inspection), finished_on=utc_now())

    return _edit(ws, inspection_id, change, S.SUBMITTED)


def lock(ws: Workspace, inspection_id: str, *, actor: str | None = None) -> Inspection:
    """锁定: the signed revision is final (e.g. its report went to the bureau)."""
    def change(tx: InspectionTx, inspection: Inspection, standard: Standard) -> Inspection:
        return _set_status(tx, inspection, S.LOCKED, _actor(actor, inspection))

    return _edit(ws, inspection_id, change, S.SIGNED)


def new_revision(ws: Workspace, inspection_id: str, reason: str, *, actor: str | None = None) -> Inspection:
    """更正: after signing, changes go into a new draft revision; the signed one is kept frozen."""
    reason = reason.strip()
    if not reason:
        raise UserError("创建新修订版时必须填写原因。", "Give a reason for the new revision.")

    def change(tx: InspectionTx, inspection: Inspection, standard: Standard) -> Inspection:
        tx.freeze_revision()
        new = inspection.model_copy(update={"status": S.DRAFT, "revision": inspection.revision + 1,
                                            "revision_reason": reason, "finished_on": None})
        tx.put_inspection(new)
        tx.audit(actor=_actor(actor, inspection), action="new_revision", inspection_id=inspection.id,
                 key="revision", old=inspection.revision, new=new.revision, reason=reason)
        return new

    return _edit(ws, inspection_id, change, S.SIGNED, S.LOCKED)
