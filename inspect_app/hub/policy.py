"""The hub's door (门禁): what an op must look like, and who may write what.

Every op, from a tablet's push, a bundle imported on the hub or on a tablet, or the hub's own
pages, passes here before anything is stored. Two kinds of refusal:

* **Malformed** (`malformed`): the op does not fit its key kind's schema: numbers out of
  bounds (revision ≤ MAX_REVISION, seq ≤ MAX_SEQ, nothing beyond 2^53), strings, lists and
  nesting too long or too deep, a `started_on` that is not a date, a signature missing fields.
  A correct tablet never makes one; the whole push is refused (422) and nothing is stored.
* **Not allowed** (`admit`): the op is well formed, but the sender may not make it: only the
  team writes an inspection, only the clinic of the center answers (`response/…`, with its
  own name in `by`), the status moves only along 草稿 → 已提交 → 已签署 → 已锁定 (and back
  from 已提交 to 草稿), signing needs the team leader's and the director's signatures of that
  revision, and nothing lands in a signed revision except its signed PDF (once) and new audit
  entries; audit entries are never rewritten. Refused ops are named with the reason; the
  others of the same push are accepted.

The rules are plain functions over the ops already stored for the inspection (`Facts`), so
every storage (the data folder, PostgreSQL) applies the same door.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter, ValidationError

from inspect_app.hub.accounts import Account, Role
from inspect_app.inspection import (
    AuditEntry,
    EvidenceRecord,
    HealthCenter,
    Inspection,
    InspectionStatus,
    ItemRating,
    Signature,
    TeamMember,
    TeamRole,
)
from inspect_app.sync.protocol import SAFE_ID, SHA256_HEX, SHARED_INSPECTION_FIELDS, Op, Rejection, substance, valid_key

# ---------------------------------------------------------------- bounds

MAX_REVISION = 1000  # revisions of one inspection (a 2^62 revision once took a clinic's page 18 s)
MAX_SEQ = 2**53 - 1  # a device's counter: exact in every JSON reader
MAX_INT = 2**53  # any number inside a value
MAX_DEPTH = 10  # nesting inside a value
MAX_STRING = 8000  # characters of one string inside a value
MAX_ITEMS = 2000  # entries of one list or object inside a value
MAX_VALUE_BYTES = 64 * 1024  # one op's value, as canonical JSON
MAX_SUPERSEDES = 64
MAX_OPS_PER_PUSH = 20_000
MAX_KEY = 400
MAX_AUTHOR = 200
MAX_TEAM = 30

OP_ID = re.compile(r"^[A-Za-z0-9_\-]{1,80}:[0-9]{1,16}$")

Short = Annotated[str, StringConstraints(max_length=200)]
Text = Annotated[str, StringConstraints(max_length=MAX_STRING)]
SafeId = Annotated[str, StringConstraints(pattern=SAFE_ID.pattern)]
Sha = Annotated[str, StringConstraints(pattern=SHA256_HEX.pattern)]
Revision = Annotated[int, Field(ge=1, le=MAX_REVISION)]


class Malformed(ValueError):
    """An op that fits no schema (refused whole, before anything is stored)."""


# ---------------------------------------------------------------- one schema per key kind


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


Count = Annotated[int, Field(ge=0, le=100_000_000)] | None  # a center's head counts (None = not given)


class CenterValue(HealthCenter):
    id: SafeId
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    code: Short = ""
    county: Short = ""
    director: Short = ""
    address: Short = ""  # the cover's facts (report issue 10)
    registration_code: Short = ""
    population_served: Count = None
    beds: Count = None
    medical_staff: Count = None
    contact: Short = ""


class ItemValue(ItemRating):
    na_reason: Text = ""
    note: Text = ""
    rated_by: Short = ""


class EvidenceValue(EvidenceRecord):
    id: SafeId
    inspection_id: SafeId
    sha256: Sha
    original_name: Short = ""
    width: Annotated[int, Field(ge=0, le=100_000)] = 0
    height: Annotated[int, Field(ge=0, le=100_000)] = 0
    added_by: Short = ""
    caption: Text = ""
    deleted_reason: Text = ""


class SignatureValue(Signature):
    inspection_id: SafeId
    signer: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    image_sha256: Sha
    revision: Revision = 1


class AuditValue(AuditEntry):
    id: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    actor: Short
    device: Short = ""
    inspection_id: Short = ""
    action: Short
    key: Annotated[str, StringConstraints(max_length=MAX_KEY)] = ""
    reason: Text = ""


class ResponseValue(_Strict):
    """整改回复 as the hub writes it for a clinic."""

    plan: Annotated[str, StringConstraints(min_length=1, max_length=4000)]
    due: Annotated[str, StringConstraints(max_length=20)] = ""
    photos: Annotated[list[Sha], Field(max_length=20)] = []
    by: SafeId
    at: datetime
    revision: Revision


class ReportValue(_Strict):
    sha256: Sha
    report_id: Short = ""
    content_sha256: Annotated[str, StringConstraints(max_length=64)] = ""
    bytes: Annotated[int, Field(ge=0, le=2**40)] = 0
    file: Short = ""


class StandardValue(_Strict):
    sha256: Sha
    id: Short
    version: Short
    file: Short = ""


class RevisionValue(BaseModel):
    """revision/<n>: why a revision was opened (free-form, bounded by the generic limits)."""

    model_config = ConfigDict(extra="allow")


def _header_schema(name: str) -> TypeAdapter:
    bounded = {
        "center_id": SafeId | Annotated[str, StringConstraints(max_length=0)],
        "standard_id": Short,
        "standard_version": Short,
        "team": Annotated[list[TeamMember], Field(max_length=MAX_TEAM)],
        "started_on": datetime,
        "finished_on": datetime | None,
        "status": InspectionStatus,
        "revision": Revision,
        "revision_reason": Text,
        "assignments": Annotated[dict[Short, Short], Field(max_length=200)],
        "prerequisites": Annotated[dict[Short, bool | None], Field(max_length=200)],
        "keep_gps": bool,
        "reviewing_body": Short,  # 评审单位 on the report cover
    }
    if name in bounded:
        return TypeAdapter(bounded[name])
    info = Inspection.model_fields.get(name)  # a shared field added later: the domain's own type
    return TypeAdapter(info.annotation if info else Any)


HEADER_SCHEMAS = {name: _header_schema(name) for name in SHARED_INSPECTION_FIELDS}
VALUE_SCHEMAS: dict[str, type[BaseModel]] = {
    "center": CenterValue, "item": ItemValue, "evidence": EvidenceValue, "signature": SignatureValue,
    "audit": AuditValue, "response": ResponseValue, "report": ReportValue, "standard": StandardValue,
    "revision": RevisionValue,
}
TEXT_KINDS = {"note": 8000, "advice": 4000, "due": 10, "dept": 200}  # plain strings (None removes)
TOMBSTONE_KINDS = ("signature", "note", "advice", "due", "dept")
DUE_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")  # 整改时限 as the tablet stores it (YYYY-MM-DD)


def kind_of(key: str) -> str:
    if key.startswith("inspection."):
        return "inspection"
    return key.partition("/")[0]


# ---------------------------------------------------------------- malformed


def json_problem(value: Any, depth: int = 0, budget: list[int] | None = None) -> str | None:
    """Why a JSON value breaks the generic bounds (depth, sizes, numbers), or None."""
    budget = budget if budget is not None else [MAX_VALUE_BYTES]
    if depth > MAX_DEPTH:
        return f"nested deeper than {MAX_DEPTH}"
    if isinstance(value, bool) or value is None:
        budget[0] -= 4
    elif isinstance(value, int):
        if not -MAX_INT <= value <= MAX_INT:
            return "a number beyond 2^53"
        budget[0] -= 8
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")) or abs(value) > MAX_INT:
            return "a number that is not finite or beyond 2^53"
        budget[0] -= 8
    elif isinstance(value, str):
        if len(value) > MAX_STRING:
            return f"a text longer than {MAX_STRING} characters"
        budget[0] -= len(value.encode("utf-8", "replace")) + 2
    elif isinstance(value, (list, tuple)):
        if len(value) > MAX_ITEMS:
            return f"a list longer than {MAX_ITEMS}"
        for v in value:
            if problem := json_problem(v, depth + 1, budget):
                return problem
    elif isinstance(value, dict):
        if len(value) > MAX_ITEMS:
            return f"an object with more than {MAX_ITEMS} fields"
        for k, v in value.items():
            if not isinstance(k, str) or len(k) > 200:
                return "a field name that is not a short text"
            budget[0] -= len(k) + 2
            if problem := json_problem(v, depth + 1, budget):
                return problem
    else:
        return f"a value of type {type(value).__name__}"
    if budget[0] < 0:
        return f"a value larger than {MAX_VALUE_BYTES // 1024} KiB"
    return None


def _schema_problem(op: Op) -> str | None:
    key, value = op.key, op.value
    kind = kind_of(key)
    parts = key.split("/")
    if kind == "inspection":
        name = key.removeprefix("inspection.")
        if value is None and name not in ("finished_on",):
            return "a header field cannot be removed"
        try:
            checked = HEADER_SCHEMAS[name].validate_python(value)
        except ValidationError as err:
            return _first_error(err)
        if name == "revision" and checked != op.revision:
            return "inspection.revision must be the op's own revision"
        return None
    if kind in TEXT_KINDS:
        if value is None:
            return None
        if not isinstance(value, str) or len(value) > TEXT_KINDS[kind]:
            return f"must be a text of at most {TEXT_KINDS[kind]} characters"
        if kind == "due" and value and not DUE_DATE.match(value):
            return "must be a date YYYY-MM-DD"
        return None
    schema = VALUE_SCHEMAS.get(kind)
    if schema is None:
        return None  # a key kind added later: the generic bounds above still hold
    if value is None:
        return None if kind in TOMBSTONE_KINDS else "this kind of value cannot be removed"
    if not isinstance(value, dict):
        return "must be an object"
    try:
        checked = schema.model_validate(value)
    except ValidationError as err:
        return _first_error(err)
    if kind == "evidence" and (checked.id != parts[1] or checked.inspection_id != op.inspection_id):
        return "the evidence id and inspection must match the key"
    if kind == "signature":
        rev, role, _ = parts[1:]
        if (str(checked.revision) != rev or checked.revision != op.revision or checked.role.value != role
                or checked.inspection_id != op.inspection_id):
            return "the signature's revision, role and inspection must match the key and the op"
    if kind == "audit" and checked.id != parts[1]:
        return "the audit entry's id must match the key"
    if kind in ("report", "revision") and (not parts[1].isdigit() or int(parts[1]) != op.revision):
        return "the revision in the key must be the op's own revision"
    if kind == "response" and checked.revision != op.revision:
        return "the answer's revision must be the op's own revision"
    return None


def _first_error(err: ValidationError) -> str:
    first = err.errors(include_url=False, include_context=False)[0]
    where = ".".join(str(p) for p in first.get("loc", ())) or "value"
    return f"{where}: {first.get('msg', 'invalid')}"[:300]


def op_problem(op: Op) -> str | None:
    """Why an op (already parsed as `Op`) is malformed, or None."""
    return envelope_problem(op) or _schema_problem(op)


def envelope_problem(op: Op) -> str | None:
    """Why an op's envelope (ids, numbers, key, sizes) is malformed, or None; its value's
    schema is judged after the replay check (a known id with other content is a forgery)."""
    if not SAFE_ID.match(op.device):
        return "the device id is not a short name of letters, digits, _ and -"
    if not 1 <= op.seq <= MAX_SEQ:
        return f"seq must be between 1 and {MAX_SEQ}"
    if not SAFE_ID.match(op.inspection_id):
        return "the inspection id is not a short name of letters, digits, _ and -"
    if not 1 <= op.revision <= MAX_REVISION:
        return f"revision must be between 1 and {MAX_REVISION}"
    if len(op.key) > MAX_KEY or not valid_key(op.key):
        return "unknown key"
    if len(op.supersedes) > MAX_SUPERSEDES or not all(isinstance(s, str) and OP_ID.match(s) for s in op.supersedes):
        return f"supersedes must list at most {MAX_SUPERSEDES} op ids (device:seq)"
    if len(op.author) > MAX_AUTHOR:
        return "the author name is too long"
    if problem := json_problem(op.value):
        return f"value: {problem}"
    return None


def parse_ops(raw_ops: Any) -> tuple[list[Op], list[Rejection]]:
    """Ops from untrusted JSON (a push body, a bundle): the good ones, and a rejection for each
    one that is malformed (named by its id when it has one, else by its position)."""
    if not isinstance(raw_ops, list):
        return [], [malformed_rejection("ops", "ops must be a list")]
    if len(raw_ops) > MAX_OPS_PER_PUSH:
        return [], [malformed_rejection("ops", f"more than {MAX_OPS_PER_PUSH} ops in one request")]
    ops, bad = [], []
    for n, raw in enumerate(raw_ops):
        name = _name(raw, n)
        if problem := json_problem(raw, 0, [MAX_VALUE_BYTES * 2]):
            bad.append(malformed_rejection(name, problem))
            continue
        try:
            op = Op.model_validate(raw)
        except ValidationError as err:
            bad.append(malformed_rejection(name, _first_error(err)))
            continue
        if problem := envelope_problem(op):
            bad.append(malformed_rejection(op.id if SAFE_ID.match(op.device) else name, f"{op.key[:80]}: {problem}"))
            continue
        ops.append(op)
    return ops, bad


def _name(raw: Any, n: int) -> str:
    if isinstance(raw, dict) and isinstance(raw.get("device"), str) and isinstance(raw.get("seq"), int):
        return f"{raw['device'][:80]}:{raw['seq']}"[:120]
    return f"ops[{n}]"


def malformed_rejection(name: str, why: str) -> Rejection:
    return Rejection(id=name, code="malformed", zh=f"变更 {name} 格式不正确（{why}），已拒收，未保存任何内容。",
                     en=f"Change {name} is malformed ({why}); refused, nothing was stored.")


# ---------------------------------------------------------------- who may write what

SEALED = ("signed", "locked")
# Where a revision's status may go next (and stay): 草稿 ⇄ 已提交 → 已签署 → 已锁定.
NEXT_STATUS = {
    None: {"draft", "submitted", "signed", "locked"},
    "draft": {"draft", "submitted", "signed", "locked"},
    "submitted": {"draft", "submitted", "signed", "locked"},
    "signed": {"signed", "locked"},
    "locked": {"locked"},
}
SIGNING_ROLES = (TeamRole.LEADER.value, TeamRole.DIRECTOR.value)
SELF_STAGE = "self"  # 机构自评 (inspection.Stage.SELF)
# What the audit trail may still record in a signed revision: locking it, archiving it,
# opening the next revision. Anything else there is an edit the seal refuses.
AFTER_SEAL_ACTIONS = ("status_locked", "archive_inspection", "new_revision")


@dataclass
class Facts:
    """What the door needs to know of an inspection: built from its stored ops, then kept up
    to date as each op of a push is let in."""

    ops: dict[str, Op] = field(default_factory=dict)
    by_key: dict[str, dict[str, Op]] = field(default_factory=dict)
    sealed: set[int] = field(default_factory=set)

    @staticmethod
    def of(stored: Iterable[Op], sealed: Iterable[int] = ()) -> "Facts":
        facts = Facts(sealed=set(sealed))
        for op in stored:
            facts.add(op)
        return facts

    def add(self, op: Op) -> None:
        self.ops[op.id] = op
        self.by_key.setdefault(op.key, {})[op.id] = op
        if op.key == "inspection.status" and op.value in SEALED:
            self.sealed.add(op.revision)

    def live(self, key: str, revision: int | None = None) -> list[Op]:
        ops = [o for o in self.by_key.get(key, {}).values() if revision is None or o.revision == revision]
        superseded = {s for o in ops for s in o.supersedes}
        return sorted((o for o in ops if o.id not in superseded), key=lambda o: (o.device, o.seq))

    @property
    def stage(self) -> str:
        live = self.live("inspection.stage")
        return str(live[0].value) if live and isinstance(live[0].value, str) else ""

    @property
    def center_id(self) -> str:
        live = self.live("inspection.center_id")
        return str(live[0].value) if live and isinstance(live[0].value, str) else ""

    def status(self, revision: int) -> str | None:
        values = {o.value for o in self.live("inspection.status", revision)}
        for status in ("locked", "signed", "submitted", "draft"):  # the furthest along wins
            if status in values:
                return status
        return None

    def signed_roles(self, revision: int) -> set[str]:
        roles = set()
        for key in self.by_key:
            if key.startswith(f"signature/{revision}/"):
                live = self.live(key)
                if live and isinstance(live[0].value, dict):
                    roles.add(key.split("/")[2])
        return roles


def _refuse(op: Op, code: str, zh: str, en: str) -> Rejection:
    return Rejection(id=op.id, code=code, zh=f"变更 {op.id}（{op.key}）{zh}", en=f"Change {op.id} ({op.key}) {en}")


def rule_problem(account: Account | None, op: Op, facts: Facts, *, from_hub: bool = False) -> Rejection | None:
    """Why `account` may not make this well-formed op on this inspection now, or None.
    `account` None: a bundle imported by the hub's operator (written by a team's tablet)."""
    from inspect_app.hub.self_assessment import door_rule  # 机构自评 has its own writer: the clinic

    if (own := door_rule(account, op, facts, from_hub=from_hub)) is not True:
        return own
    kind = kind_of(op.key)
    sealed_here = op.revision in facts.sealed
    sealed_later = any(s > op.revision for s in facts.sealed)
    clinic = from_hub and account is not None and account.role is Role.CLINIC and bool(account.center_id)
    if kind == "response":
        if not (clinic and isinstance(op.value, dict) and op.value.get("by") == account.username
                and account.center_id == facts.center_id):
            return _refuse(op, "not_yours", "只能由被评机构本身在中心网页上填写整改回复，已拒收。",
                           "can be written only by the inspected center itself, on the hub's pages; refused.")
        return None
    self_assessment = facts.stage == SELF_STAGE or (op.key == "inspection.stage" and op.value == SELF_STAGE)
    if clinic:
        # 机构自评: the center's own inspection, written on the hub's pages, stage first
        if op.key == "inspection.stage" and op.value == SELF_STAGE and not facts.ops:
            return None
        if facts.stage != SELF_STAGE or op.key == "inspection.stage":
            return _refuse(op, "not_yours", "机构只能填写本机构的自评，已拒收。",
                           "a center writes only its own self-assessment; refused.")
        mine = op.value if op.key == "inspection.center_id" else facts.center_id
        if mine != account.center_id or (facts.center_id and op.key == "inspection.center_id"
                                         and op.value != facts.center_id):
            return _refuse(op, "not_yours", "机构只能填写本机构的自评，已拒收。",
                           "a center writes only its own self-assessment; refused.")
    elif from_hub:
        return _refuse(op, "not_yours", "不是中心可写的内容，已拒收。", "is not something the hub writes; refused.")
    elif account is not None and account.role is not Role.INSPECTOR:
        return _refuse(op, "not_yours", "只能由评审组写入，已拒收。", "can be written only by the inspection team; refused.")
    elif self_assessment:
        return _refuse(op, "not_yours", "机构自评只能由机构本身在中心网页上填写，已拒收。",
                       "a self-assessment is written only by the center itself, on the hub's pages; refused.")
    if kind == "audit":
        known = facts.live(op.key)
        if known and substance(op.key, known[0].value) != substance(op.key, op.value):
            return _refuse(op, "audit_rewrite", "试图改写已有的操作日志，已拒收（日志只能追加）。",
                           "would rewrite an audit entry; refused (the audit trail is append-only).")
        action = op.value.get("action") if isinstance(op.value, dict) else None
        if sealed_later or (sealed_here and action not in AFTER_SEAL_ACTIONS):
            return _sealed(op)
        return None
    if kind == "report":
        if not sealed_here:
            return _refuse(op, "not_signed", f"所属的第 {op.revision} 版尚未签署，不能附签署报告，已拒收。",
                           f"names the signed PDF of revision {op.revision}, which is not signed; refused.")
        known = facts.live(op.key)
        if known and known[0].value != op.value:
            return _refuse(op, "sealed", f"第 {op.revision} 版的签署报告已在中心，不能更换，已拒收。",
                           f"would replace the signed PDF of revision {op.revision}; refused.")
        return None
    if op.key == "inspection.status":
        now = facts.status(op.revision)
        if sealed_later or op.value not in NEXT_STATUS.get(now, set()):
            return _refuse(op, "bad_status", f"状态不能从“{now or '无'}”改为“{op.value}”，已拒收。",
                           f"cannot move the status from {now or 'none'} to {op.value}; refused.")
        if op.value in SEALED and not sealed_here and not self_assessment:  # 自评 is frozen on submit, unsigned
            lacking = [r for r in SIGNING_ROLES if r not in facts.signed_roles(op.revision)]
            if lacking:
                zh = {"leader": "评审组长", "director": "被评机构负责人"}
                return _refuse(op, "unsigned", f"签署第 {op.revision} 版还缺少签名：{'、'.join(zh[r] for r in lacking)}，已拒收。",
                               f"signs revision {op.revision} without the signatures of: {', '.join(lacking)}; refused.")
        return None
    if sealed_here or sealed_later:
        return _sealed(op)
    if kind == "center":
        center_id = facts.center_id
        if not center_id or op.value is None or op.value.get("id") != center_id:
            return _refuse(op, "not_yours", "机构资料只能随以该机构为对象的评审写入，已拒收。",
                           "may set only the facts of the center this inspection is about; refused.")
    return None


def _sealed(op: Op) -> Rejection:
    return _refuse(op, "sealed", f"第 {op.revision} 版评审已签署，不能再修改。如需更改，请新建修订版并说明原因。",
                   f"revision {op.revision} is signed and cannot change. Open a new revision with a reason to change it.")


# ---------------------------------------------------------------- a push through the door

def _phase(op: Op) -> int:
    """Within one push: the header (which center, which team) first, then the content, then
    status changes, then the signed PDF, so that a tablet that worked and signed offline
    arrives in one push in the order it happened (its ops are numbered in key order)."""
    if op.key == "inspection.status":
        return 2
    if op.key.startswith("inspection."):
        return 0
    return 3 if op.key.startswith("report/") else 1


@dataclass
class Admission:
    accepted: list[Op] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)


def admit(account: Account | None, ops: Iterable[Op], stored: dict[str, Op], facts: Facts, *,
          from_hub: bool = False, blob_check: Callable[[Op], Rejection | None] | None = None) -> Admission:
    """Decide, op by op, which ops of one inspection's push may be stored (in the order they
    must be stored). `stored`: the ops the hub holds for it by id. Nothing is written here."""
    out = Admission()
    for op in sorted(ops, key=lambda o: (_phase(o), o.device, o.seq)):
        if op.id in stored or op.id in facts.ops:
            known = stored.get(op.id) or facts.ops[op.id]
            if known.model_dump(exclude={"hub_seq"}) == op.model_dump():
                out.duplicates.append(op.id)
            else:
                out.rejected.append(Rejection(
                    id=op.id, code="forged_replay",
                    zh=f"变更 {op.id} 与中心已有的同号变更内容不同，已拒收。请检查该设备的设备号。",
                    en=f"Change {op.id} differs from the change the hub already holds under that id; refused. "
                       "Check this device's id."))
            continue
        if problem := op_problem(op):
            out.rejected.append(malformed_rejection(op.id, f"{op.key[:80]}: {problem}"))
            continue
        if (op.device == "hub") != from_hub:
            out.rejected.append(_refuse(op, "bad_key", "的设备号不可用，已拒收。", "uses a device id it may not; refused."))
            continue
        refused = rule_problem(account, op, facts, from_hub=from_hub)
        if refused is None and blob_check is not None:
            refused = blob_check(op)
        if refused is not None:
            out.rejected.append(refused)
            continue
        facts.add(op)
        out.accepted.append(op)
    return out


__all__ = ["Admission", "Facts", "Malformed", "admit", "json_problem", "malformed_rejection", "op_problem",
           "parse_ops", "rule_problem", "MAX_REVISION", "MAX_SEQ"]


# ---------------------------------------------------------------- quarantine (隔离)


def sort_stored(raw_ops: Iterable[dict]) -> tuple[list, list[dict]]:
    """Stored ops that still pass the door, as HubOps, and the ones that do not (written before
    the door existed, or by hand), each with why: those are left out of every state, pull and
    page (quarantined) and listed for the bureau instead of failing the whole inspection."""
    from inspect_app.sync.protocol import HubOp

    good, bad = [], []
    for raw in raw_ops:
        try:
            op = HubOp.model_validate(raw)
            problem = op_problem(op)
        except (ValidationError, TypeError, ValueError) as err:
            op, problem = None, _first_error(err) if isinstance(err, ValidationError) else str(err)[:200]
        if problem is None:
            good.append(op)
            continue
        name = f"{raw.get('device', '?')}:{raw.get('seq', '?')}" if isinstance(raw, dict) else "?"
        bad.append({"id": str(name)[:120], "inspection_id": str(raw.get("inspection_id", ""))[:80]
                    if isinstance(raw, dict) else "", "key": str(raw.get("key", ""))[:200] if isinstance(raw, dict)
                    else "", "reason": problem})
    return good, bad


# ---------------------------------------------------------------- blobs: knowing a hash is not enough


UPLOADER = "@"  # a blob holder "@<username>": that account showed the blob's bytes (not an inspection id)
# The upload quota counts what an account uploaded within the clean-up's grace period (an
# unreferenced upload older than that is removed by the clean-up: hub/service.py GRACE_HOURS).
QUOTA_WINDOW_SECONDS = float(os.environ.get("JICENG_HUB_GRACE_HOURS", "48")) * 3600


class Possession:
    """Who has shown, by uploading the bytes, that they hold a blob. A reference from an op
    makes a blob readable through that inspection only if the sender could already read the
    blob, showed its bytes, or the hub did not have it yet. Kept in the ledger's store as a
    blob holder "@<username>" (so every hub process on a shared store agrees), remembered in
    this process for `seconds`. The sizes feed the upload quota: in the shared store when it
    keeps them (PostgreSQL, hub_uploads: every worker counts the same bytes), else in this
    process."""

    def __init__(self, store=None, seconds: float = 3600.0, clock=None) -> None:
        import threading
        import time

        self.store = store
        self.seconds = seconds
        self.clock = clock or time.monotonic
        self._held: dict[tuple[str, str], float] = {}
        self._sizes: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()

    def record(self, username: str, shas: Iterable[str], sizes: dict[str, int] | None = None) -> None:
        until = self.clock() + self.seconds
        with self._lock:
            if len(self._held) > 200_000:
                now = self.clock()
                self._held = {k: t for k, t in self._held.items() if t > now}
                self._sizes = {k: v for k, v in self._sizes.items() if k in self._held}
            fresh = [sha for sha in shas if (username, sha) not in self._held]
            for sha in shas:
                self._held[(username, sha)] = until
                if sizes and sha in sizes:
                    self._sizes[(username, sha)] = sizes[sha]
        if self.store is not None and fresh:
            with self.store.transaction([]) as tx:
                for sha in fresh:
                    tx.add_blob_holder(sha, UPLOADER + username)
        shared = getattr(self.store, "record_uploads", None)
        if sizes and callable(shared):
            named = set(shas)
            shared(username, {sha: n for sha, n in sizes.items() if sha in named})

    def sizes(self, username: str) -> dict[str, int]:
        """Bytes of each blob `username` uploaded (for the upload quota). From a shared store:
        those of the grace period that no inspection holds yet."""
        shared = getattr(self.store, "unreferenced_uploads", None)
        if callable(shared):
            return shared(username, QUOTA_WINDOW_SECONDS)
        with self._lock:
            return {sha: n for (user, sha), n in self._sizes.items() if user == username}

    def holds(self, username: str, sha: str) -> bool:
        with self._lock:
            if self._held.get((username, sha), 0.0) > self.clock():
                return True
        return self.store is not None and UPLOADER + username in self.store.blob_holders(sha)
