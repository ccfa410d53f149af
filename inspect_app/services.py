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
from inspect_app.fonts import check_all, check_drawable
from inspect_app.inspection import (
    AuditEntry,
    CenterType,
    EvidenceRecord,
    EvidenceTarget,
    Finding,
    FrozenReportFacts,
    HealthCenter,
    Inspection,
    InspectionStatus,
    ItemRating,
    OverallAssessment,
    ItemResult,
    Signature,
    Stage,
    TeamMember,
    TeamRole,
    utc_now,
)
from inspect_app.standard.loader import load_standard as read_standard, standard_version
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


def list_standards(ws: Workspace) -> list[StandardInfo]:
    """The shipped standards (paths.STANDARDS_DIR) that load cleanly; an edition the bureau published
    (fetched into data/standards/editions by sync/editions.py) supersedes the shipped file of its id."""
    out = []
    published = sorted((ws.data_dir / "standards" / "editions").glob("*.json"))
    superseded = {p.stem for p in published}
    for path in [p for p in sorted(ws.standards_dir.glob("*.json")) if p.stem not in superseded] + published:
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
    # Unplaced items (未归位) are the bureau's to place (`standard place`): not rated, scored or shown.
    return std.assessable()


# ---------------------------------------------------------------------------------------------
# Health centers


def list_centers(ws: Workspace) -> list[HealthCenter]:
    if not ws.store.file(CENTERS).exists():
        return []
    with ws.store.read(CENTERS) as tx:
        return sorted(tx.centers(), key=lambda c: c.name)


def add_center(ws: Workspace, name: str, *, actor: str, code: str = "", county: str = "",
               type: CenterType | str = CenterType.TOWNSHIP, director: str = "",
               small_institution: bool = False, **facts: Any) -> HealthCenter:
    """`facts`: the optional cover facts (address, registration_code, population_served, beds,
    medical_staff, contact); see HealthCenter."""
    name = name.strip()
    if not name:
        raise UserError("请填写机构名称。", "Enter the health center's name.")
    unknown = set(facts) - _CENTER_FACTS
    if unknown:
        raise ValueError(f"unknown center fields: {sorted(unknown)}")
    center = HealthCenter(id=new_id(), name=name, code=code.strip(), county=county.strip(),
                          type=CenterType(type), director=director.strip(),
                          small_institution=small_institution, **facts)
    check_center_text(center)
    with ws.store.write(CENTERS, create=True) as tx:
        if any(c.name == center.name and c.county == center.county for c in tx.centers()):
            raise UserError(f"机构“{name}”已存在。", f"Health center '{name}' already exists.")
        tx.put_center(center)
        tx.audit(actor=actor, action="add_center", key=center.id, new=center.model_dump(mode="json"))
    return center


_CENTER_FACTS = {"address", "registration_code", "population_served", "beds", "medical_staff", "contact"}


def check_center_text(center: HealthCenter) -> None:
    """Every text of a center reaches the screens and the report cover: drawable or refused."""
    fields = {"name": "center_name", "code": "center_code", "county": "center_county"}
    for key, value in center.model_dump().items():
        if isinstance(value, str):
            check_drawable(value, fields.get(key, "center_facts"))
_CENTER_FIELDS = {"name", "code", "county", "type", "director", "small_institution"} | _CENTER_FACTS


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
        check_center_text(new)
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
    # What the hub also knows of an inspection (hub/reports.snapshot fills these from merged
    # ops; a tablet's own read leaves them empty). One snapshot type for both sides.
    center: HealthCenter | None = None
    responses: dict[tuple[str, str], dict] = field(default_factory=dict)  # 整改回复 by (clause, item)
    report_pdf: dict[int, dict] = field(default_factory=dict)  # signed PDF blob per revision
    conflicts: list = field(default_factory=list)  # sync.merge.KeyValue of conflicted keys
    standard_ref: dict | None = None  # {"sha256", "id", "version", "file"}: the copy the tablet sent

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
                members[seen[name]] = members[seen[name]].model_copy(update={"role": TeamRole.LEADER})
            continue
        seen[name] = len(members)
        members.append(TeamMember(name=name, role=member.role, unit=member.unit.strip(), title=member.title.strip()))
    leaders = [m.name for m in members if m.role is TeamRole.LEADER]
    if len(leaders) > 1:
        raise UserError(f"评审组长只能有一位（现为：{'、'.join(leaders)}）。",
                        f"Only one team leader (评审组长), not {', '.join(leaders)}.")
    if inspector not in seen:
        members.append(TeamMember(name=inspector, role=TeamRole.EXPERT))
        seen[inspector] = len(members) - 1
    if not leaders:
        members[seen[inspector]] = members[seen[inspector]].model_copy(update={"role": TeamRole.LEADER})
    for m in members:
        check_all("team", m.name, m.unit, m.title)
    return members


def start_inspection(ws: Workspace, center_id: str, standard: Standard | StandardInfo | str,
                     team: list[TeamMember] | list[str], inspector: str, *, keep_gps: bool = False,
                     stage: Stage | str = Stage.COUNTY, round_id: str = "", sample: list[str] | None = None,
                     sample_rule: str = "", show_self_ratings: bool = False) -> Inspection:
    """A new inspection. keep_gps: this inspection's photos keep their location (GPS) in the
    derivative shown and put in the report; off by default (the GPS-free JPEG is used).
    stage/round_id/sample: its place in the review chain (review_chain.start_stage draws the
    sample and names the round; a plain start is a county review outside any round)."""
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
                            standard_version=version, team=members, inspector=inspector, keep_gps=bool(keep_gps),
                            stage=Stage(stage), round_id=round_id, sample=list(sample or []),
                            sample_rule=sample_rule, show_self_ratings=bool(show_self_ratings))
    with ws.store.write(inspection.id, create=True) as tx:
        tx.put_inspection(inspection)
        tx.audit(actor=inspector, action="start_inspection", inspection_id=inspection.id,
                 new={"center_id": center.id, "standard_id": standard.id, "standard_version": version,
                      "team": [m.model_dump(mode="json") for m in members], "keep_gps": inspection.keep_gps,
                      "stage": inspection.stage.value, "round_id": round_id, "sample": inspection.sample,
                      "sample_rule": sample_rule})
    return inspection


def list_inspections(ws: Workspace, status: InspectionStatus | str | None = None,
                     center_id: str | None = None, *, include_self: bool = False) -> list[Inspection]:
    """Newest first; reads the small index plus the few recently written files. Centers'
    self-assessments pulled for comparison (stage self) are left out unless include_self."""
    out = ws.store.list_inspections()
    if not include_self:
        out = [i for i in out if i.stage is not Stage.SELF]
    if status is not None:
        out = [i for i in out if i.status == InspectionStatus(status)]
    if center_id is not None:
        out = [i for i in out if i.center_id == center_id]
    return sorted(out, key=lambda i: i.started_on, reverse=True)


def damaged_inspections(ws: Workspace) -> list:
    """Inspection files that could not be listed (damaged with no good copy, a newer format, an
    unknown status): each a store.errors.DamagedInspection naming the file and what to do. The
    home screen lists them with a repair notice; every other inspection is listed as usual."""
    ws.store.list_inspections()
    return ws.store.damaged_inspections()


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
        if inspection.stage is Stage.SELF:
            raise UserError("机构自评由机构在中心网页上填写，平板上只能查看。",
                            "A center's self-assessment is filled in on the hub pages; a tablet only reads it.")
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
    check_drawable(na_reason, "na_reason")

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
    _check_note(note)

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
    _check_note(note)

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
    check_drawable(advice, "rectification")

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
    check_drawable(caption, "caption")
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
            added_by=who, caption=caption.strip(), number=next_photo_number(tx.evidence()),
        )
        tx.put_evidence(record)
        tx.audit(actor=who, action="attach_evidence", inspection_id=inspection.id,
                 key=record.id, new={"sha256": record.sha256, "clause": clause_number, "item": item_code})
        return record

    return _edit(ws, inspection_id, change)


def next_photo_number(records: list[EvidenceRecord]) -> str:
    """照片编号 for a photo attached now: one above every number this inspection has given,
    removed photos included (a number is never reused), P-001 first."""
    highest = len([r for r in records if not r.number])  # records from before numbers existed
    for r in records:
        digits = r.number.removeprefix("P-").split("-")[0]
        if digits.isdigit():
            highest = max(highest, int(digits))
    return f"P-{highest + 1:03d}"


def remove_evidence(ws: Workspace, inspection_id: str, evidence_id: str, reason: str, *,
                    actor: str | None = None) -> EvidenceRecord:
    """Soft delete: the record stays (deleted=True, with the reason) and the photo file stays."""
    reason = reason.strip()
    if not reason:
        raise UserError("删除佐证材料时必须填写原因。", "Give a reason for removing evidence.")
    check_drawable(reason, "reason")

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
    check_drawable(signer, "signer")
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


def missing_ratings(standard: Standard, findings: dict[str, Finding],
                    sample: list[str] | None = None) -> list[str]:
    """'clause/item' of every item rated by hand that has no result yet (of the sampled
    clauses only, for a re-check on a sample)."""
    out = []
    chosen = set(sample or ())
    for clause in standard.clauses():
        if clause.derived is not None or (chosen and clause.number not in chosen):
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
        missing = missing_ratings(standard, tx.findings(), inspection.sample)
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
    check_drawable(reason, "reason")

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
        return _set_status(tx, inspection, S.SIGNED, _actor(actor, inspection), finished_on=utc_now(),
                           frozen=_report_facts(ws, tx, inspection, center))

    center = get_center(ws, get_inspection(ws, inspection_id).center_id)
    return _edit(ws, inspection_id, change, S.SUBMITTED)


def lock(ws: Workspace, inspection_id: str, *, actor: str | None = None) -> Inspection:
    """锁定: the signed revision is final (e.g. its report went to the bureau)."""
    def change(tx: InspectionTx, inspection: Inspection, standard: Standard) -> Inspection:
        # signed on another tablet and synced here: freeze what this device holds now
        frozen = inspection.frozen or _report_facts(ws, tx, inspection, center)
        return _set_status(tx, inspection, S.LOCKED, _actor(actor, inspection), frozen=frozen)

    center = get_center(ws, get_inspection(ws, inspection_id).center_id)
    return _edit(ws, inspection_id, change, S.SIGNED)


def _report_facts(ws: Workspace, tx: InspectionTx, inspection: Inspection, center: HealthCenter) -> FrozenReportFacts:
    """封存: the copy of everything the signed revision's report prints besides its findings
    (which the revision already owns): the center's facts, the team, the exact standard copy
    (its SHA-256), the report number and the photos' numbers."""
    from inspect_app.report.content import report_id as report_number  # pure: the one numbering rule

    copy = standard_copy_path(ws, inspection.standard_id, inspection.standard_version)
    sha = hashlib.sha256(copy.read_bytes()).hexdigest() if copy.is_file() else ""
    report_id = report_number(inspection)
    return FrozenReportFacts(
        center=center, team=list(inspection.team), standard_id=inspection.standard_id,
        standard_version=inspection.standard_version, standard_sha256=sha, report_id=report_id,
        photo_numbers={e.id: e.number for e in tx.evidence() if e.number},
    )


def new_revision(ws: Workspace, inspection_id: str, reason: str, *, actor: str | None = None) -> Inspection:
    """更正: after signing, changes go into a new draft revision; the signed one is kept frozen."""
    reason = reason.strip()
    if not reason:
        raise UserError("创建新修订版时必须填写原因。", "Give a reason for the new revision.")
    check_drawable(reason, "reason")

    def change(tx: InspectionTx, inspection: Inspection, standard: Standard) -> Inspection:
        tx.freeze_revision()
        new = inspection.model_copy(update={"status": S.DRAFT, "revision": inspection.revision + 1,
                                            "revision_reason": reason, "finished_on": None, "frozen": None})
        tx.put_inspection(new)
        tx.audit(actor=_actor(actor, inspection), action="new_revision", inspection_id=inspection.id,
                 key="revision", old=inspection.revision, new=new.revision, reason=reason)
        return new

    return _edit(ws, inspection_id, change, S.SIGNED, S.LOCKED)


# ---------------------------------------------------------------------------------------------
# What the bureau's report prints besides the ratings


def set_overall_assessment(ws: Workspace, inspection_id: str, *, achievements: str | None = None,
                           problems: str | None = None, opinion: str | None = None,
                           actor: str | None = None) -> Inspection:
    """总体评价 (主要成效 / 主要问题 / 总体意见), written by the team leader; printed after the
    verdict. None leaves a part as it is; draft revisions only."""
    check_all("assessment", achievements, problems, opinion)

    def change(tx: InspectionTx, inspection: Inspection, standard: Standard) -> Inspection:
        who = _actor(actor, inspection)
        leaders = [m.name for m in inspection.team if m.role is TeamRole.LEADER]
        if leaders and who not in leaders:
            raise UserError(f"总体评价由评审组长（{'、'.join(leaders)}）填写。",
                            f"The overall assessment is written by the team leader ({', '.join(leaders)}).")
        old = inspection.assessment
        parts = {"achievements": achievements, "problems": problems, "opinion": opinion}
        update = {k: v.strip() for k, v in parts.items() if v is not None}
        for k, v in update.items():
            if len(v) > ASSESSMENT_LIMIT:
                raise UserError(f"总体评价每部分最多 {ASSESSMENT_LIMIT} 字（现 {len(v)} 字）。",
                                f"Each part of the overall assessment holds at most {ASSESSMENT_LIMIT} characters "
                                f"(now {len(v)}).")
        if all(getattr(old, k) == v for k, v in update.items()):
            return inspection
        new_assessment = OverallAssessment(**{**old.model_dump(), **update, "by": who, "at": utc_now()})
        inspection = inspection.model_copy(update={"assessment": new_assessment})
        tx.put_inspection(inspection)
        tx.audit(actor=who, action="set_overall_assessment", inspection_id=inspection.id, key="assessment",
                 old={k: getattr(old, k) for k in update}, new=update)
        return inspection

    return _edit(ws, inspection_id, change)


ASSESSMENT_LIMIT = 2000


def set_rectification_details(ws: Workspace, inspection_id: str, clause_number: str, item_code: str, *,
                              due: str | None = None, department: str | None = None,
                              actor: str | None = None) -> Finding:
    """整改时限 and 责任科室 of one problem (item_code "" = the clause as a whole); None leaves a
    value as it is, "" removes it. The date is YYYY-MM-DD (the hub refuses anything else)."""
    check_all("rectification_details", due, department)
    if due and due.strip():
        try:
            from datetime import date as _date

            due = _date.fromisoformat(due.strip()).isoformat() if len(due.strip()) == 10 else None
        except ValueError:
            due = None
        if due is None:
            raise UserError("整改时限请按 年-月-日 填写，如 2026-03-31。", "Give the due date as YYYY-MM-DD, e.g. 2026-03-31.")
    if department and len(department.strip()) > 200:
        raise UserError("责任科室最多 200 字。", "The responsible department holds at most 200 characters.")

    def change(tx: InspectionTx, inspection: Inspection, standard: Standard) -> Finding:
        clause = _clause(standard, clause_number)
        if item_code:
            _item(clause, item_code)
        who = _actor(actor, inspection)
        finding = _finding(tx, inspection, clause_number)
        update = {}
        for field_name, value in (("rectification_due", due), ("rectification_dept", department)):
            if value is None:
                continue
            current = dict(getattr(finding, field_name))
            if current.get(item_code, "") == value.strip():
                continue
            tx.audit(actor=who, action=f"set_{field_name}", inspection_id=inspection.id,
                     key=f"{clause_number}/{item_code}" if item_code else clause_number,
                     old=current.get(item_code, ""), new=value.strip())
            current.pop(item_code, None)
            if value.strip():
                current[item_code] = value.strip()
            update[field_name] = current
        if not update:
            return finding
        return _save_finding(tx, finding.model_copy(update=update), who)

    return _edit(ws, inspection_id, change)


def set_evaluation_facts(ws: Workspace, inspection_id: str, *, stage: str | None = None,
                         reviewing_body: str | None = None, time_zone: str | None = None,
                         team: list[TeamMember] | None = None, actor: str | None = None) -> Inspection:
    """评价阶段, 评审单位, the inspection's time zone, and the team's work units and titles
    (`team`: members matched by name; only unit and title are taken). Draft revisions only."""
    from inspect_app.inspection import EvaluationStage

    check_drawable(reviewing_body, "evaluation_facts")
    for m in team or []:
        check_all("team", m.unit, m.title)

    def change(tx: InspectionTx, inspection: Inspection, standard: Standard) -> Inspection:
        update: dict[str, Any] = {}
        if stage is not None:
            try:
                update["stage"] = EvaluationStage(stage)
            except ValueError:
                raise UserError(f"未知的评价阶段 {stage}。", f"Unknown evaluation stage {stage}.") from None
        if reviewing_body is not None:
            update["reviewing_body"] = reviewing_body.strip()
        if time_zone is not None:
            update["time_zone"] = time_zone.strip() or "Asia/Shanghai"
        if team is not None:
            given = {m.name.strip(): m for m in team}
            update["team"] = [m.model_copy(update={"unit": given[m.name].unit.strip(),
                                                   "title": given[m.name].title.strip()})
                              if m.name in given else m for m in inspection.team]
        changed = {k: v for k, v in update.items() if getattr(inspection, k) != v}
        if not changed:
            return inspection
        new = inspection.model_copy(update=changed)
        tx.put_inspection(new)
        dump = lambda v: [m.model_dump(mode="json") for m in v] if k == "team" else getattr(v, "value", v)  # noqa: E731
        for k, v in changed.items():
            tx.audit(actor=_actor(actor, inspection), action="set_evaluation_facts", inspection_id=inspection.id,
                     key=k, old=dump(getattr(inspection, k)), new=dump(v))
        return new

    return _edit(ws, inspection_id, change)


# ---------------------------------------------------------------------------------------------
# The tablet screens' use cases (read models in inspect_app/read_models.py)

NOTE_LIMIT = 1000  # characters in one note (条目备注 / 条款备注): a long paragraph, still one report block


def _check_note(note: str) -> None:
    if len(note) > NOTE_LIMIT:
        raise UserError(f"备注最多 {NOTE_LIMIT} 字（现为 {len(note)} 字），请删减后再保存。",
                        f"A note holds at most {NOTE_LIMIT} characters (this one has {len(note)}); shorten it.")
    check_drawable(note, "note")


def clear_rating(ws: Workspace, inspection_id: str, clause_number: str, item_code: str, *,
                 actor: str | None = None) -> Finding:
    """清除评分: the item is 未评 again (a mistaken tap undone), audited like any rating."""
    return rate_item(ws, inspection_id, clause_number, item_code, ItemResult.UNRATED, actor=actor)


def add_photo(ws: Workspace, inspection_id: str, data: bytes, original_name: str = "", *,
              clause_number: str = "", item_code: str = "", caption: str = "",
              actor: str | None = None) -> EvidenceRecord:
    """拍照佐证 in one call: ingest under the inspection's GPS policy and attach to its target.
    Nothing is attached when the photo is refused (evidence.PhotoRejected says why)."""
    photo = ingest_photo(ws, inspection_id, data, original_name)
    return attach_evidence(ws, inspection_id, photo, clause_number=clause_number, item_code=item_code,
                           caption=caption, actor=actor)


def archive_inspection(ws: Workspace, inspection_id: str, archived: bool = True, *,
                       actor: str | None = None) -> Inspection:
    """归档: take an inspection off this device's home list (or back); any status, nothing else changes."""
    def change(tx: InspectionTx, inspection: Inspection, standard: Standard) -> Inspection:
        if inspection.archived == archived:
            return inspection
        new = inspection.model_copy(update={"archived": archived})
        tx.put_inspection(new)
        tx.audit(actor=_actor(actor, inspection), action="archive_inspection", inspection_id=inspection.id,
                 key="archived", old=inspection.archived, new=archived)
        return new

    return _edit(ws, inspection_id, change, *S)
