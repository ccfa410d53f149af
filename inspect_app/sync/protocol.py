"""The sync protocol shared by the tablet and the hub (同步协议).

What travels is a list of `Op`s: one op sets one *key* of one inspection to a value.
Keys are small on purpose, so that two inspectors on different clauses never touch the
same key and merge without asking:

    inspection.<field>                 a shared header field (team, status, revision …)
    center                             the HealthCenter record the inspection is about
    item/<clause>/<item code>          an ItemRating (the rating of one item)
    note/<clause>                      the clause note
    reason/<clause>                    why the level differs from the self-assessment's (差异说明)
    advice/<clause>/<item code>        整改建议 written by the inspector
    evidence/<evidence id>             an EvidenceRecord (the photo itself travels as a blob)
    signature/<revision>/<role>/<who>  a Signature
    audit/<entry id>                   an AuditEntry (written once, never changed)
    revision/<n>                       why revision n was opened and which clauses it re-checks
    response/<clause>/<item code>      the clinic's rectification answer (整改回复)
    report/<revision>                  the signed PDF of a revision (a blob)
    standard                           the exact standard file the inspection uses (a blob,
                                       named by the SHA-256 of its bytes)

A key that disappears on a tablet (a signature dropped by reopen, a note or a suggestion
emptied) travels as an op with value None (a tombstone): removals are changes like any other.
Photos and evidence records are never removed: a soft delete is a new value of the record.

Ordering never looks at clocks. An op is named by its device and that device's own counter
(`device:seq`), and it lists the op ids it *supersedes*: the values its author had seen for
that key. The value of a key is the set of ops nobody supersedes (a multi-value register):
one live value is the answer; two live values that differ are a conflict that a person
resolves with a new op superseding both. `at` is kept for people to read, never to order.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

PROTOCOL_VERSION = 1

# Ids that become file names on the hub or the tablet: no dots, no slashes.
SAFE_ID = re.compile(r"^[A-Za-z0-9_\-]{1,80}$")
SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")

# Keys that may still be added to a revision after it was signed: more signatures of the
# same revision, the audit trail, the clinic's answers and the signed PDF itself.
AFTER_SIGNING_PREFIXES = ("signature/", "audit/", "response/", "report/")
SEALED_STATUSES = ("signed", "locked")

# Fields of Inspection that are the team's shared truth. `inspector` and `current_clause`
# belong to one device and never travel.
SHARED_INSPECTION_FIELDS = (
    "center_id", "standard_id", "standard_version", "team", "started_on", "finished_on",
    "time_zone", "stage", "reviewing_body", "assessment",  # set in draft, before status seals it
    "status", "revision", "revision_reason", "assignments", "prerequisites", "keep_gps",
    "round_id", "sample", "sample_rule", "show_self_ratings",  # the review chain (docs/review-chain.md)
)

# For these keys two values that differ only in who/when are the same answer, not a conflict.
_BOOKKEEPING = ("rated_by", "rated_at", "updated_by", "updated_at", "by", "at")

# Keys whose disappearance on a tablet is sent as a tombstone (value None). Evidence and the
# audit trail never disappear (a missing one means a damaged file, not a decision).
REMOVABLE_PREFIXES = ("signature/", "note/", "advice/", "reason/", "due/", "dept/")  # due/dept: 整改时限/责任科室

# File names a blob op may name inside <data>/reports or <data>/standards.
BLOB_FILE = re.compile(r"^[A-Za-z0-9_\-]{1,120}\.(pdf|json)$")


class Op(BaseModel):
    """One change that travels (一条同步变更)."""

    model_config = ConfigDict(extra="forbid")

    device: str
    seq: int = Field(ge=1, description="the device's own counter: 1, 2, 3 …")
    inspection_id: str
    revision: int = Field(1, ge=1)
    key: str
    value: Any = None
    supersedes: list[str] = Field(default_factory=list)
    author: str = ""
    at: datetime | None = None  # the author's wall clock: shown, never used to order

    @property
    def id(self) -> str:
        return f"{self.device}:{self.seq}"

    def digest(self) -> str:
        """Fingerprint of the content: the same id with another digest is a forged replay."""
        body = self.model_dump(mode="json")
        return hashlib.sha256(canonical_json(body)).hexdigest()


class HubOp(Op):
    """An op as the hub hands it out: with the hub's own arrival counter."""

    hub_seq: int = 0


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode()


def substance(key: str, value: Any) -> Any:
    """The part of a value that decides whether two values disagree."""
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if k not in _BOOKKEEPING}
    return value


# ---------------------------------------------------------------- messages


class PushRequest(BaseModel):
    protocol: int = PROTOCOL_VERSION
    device: str
    ops: list[Op]


MISSING_BLOB = "missing_blob"  # a refusal the tablet mends itself: upload the blobs named, push again


class Rejection(BaseModel):
    id: str
    code: str  # "sealed", "forged_replay", "bad_key", "forbidden", MISSING_BLOB
    zh: str
    en: str
    blobs: list[str] = Field(default_factory=list)  # MISSING_BLOB: the hashes the hub does not hold


class PushResult(BaseModel):
    accepted: list[str] = Field(default_factory=list)
    duplicates: list[str] = Field(default_factory=list)
    rejected: list[Rejection] = Field(default_factory=list)


class PullResult(BaseModel):
    ops: list[HubOp]
    cursor: int
    more: bool = False


class MissingRequest(BaseModel):
    shas: list[str]


class MissingResult(BaseModel):
    missing: list[str]
    partial: dict[str, int] = Field(default_factory=dict)  # sha -> bytes already received


class BlobResult(BaseModel):
    sha256: str
    received: int
    complete: bool
    verified: bool = False


def valid_key(key: str) -> bool:
    from inspect_app.sync.keys import parse  # the one codec of the key format

    parsed = parse(key)
    if parsed is None:
        return False
    return parsed.kind != "inspection" or parsed.field in SHARED_INSPECTION_FIELDS


def blob_refs(op: Op) -> list[str]:
    """Photo and PDF hashes an op points to (they travel as blobs)."""
    value = op.value if isinstance(op.value, dict) else {}
    shas: list[str] = []
    if op.key.startswith("evidence/"):
        shas.append(value.get("sha256", ""))
    elif op.key.startswith("signature/"):
        shas.append(value.get("image_sha256", ""))
    elif op.key.startswith("report/") or op.key == "standard":
        shas.append(value.get("sha256", ""))
    elif op.key.startswith("response/"):
        shas.extend(value.get("photos", []) or [])
    return [s for s in shas if isinstance(s, str) and SHA256_HEX.match(s)]
