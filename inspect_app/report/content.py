"""What a report shows, and the 'content' whose SHA-256 a printed copy carries (报告内容校验值).

A report is built from a `ReportInput` (domain objects, no storage), which `ReportContent.of`
scores and orders once; every page reads that one object, so the pages and the hash can never
disagree.

Definition of the content hash
------------------------------
`content_json(content)` is the *canonical JSON* of the scored data of one inspection revision:

- an object with keys ``format`` ("jiceng-report-content/1"), ``report_id``, ``standard``
  (id, title, edition, version = `Inspection.standard_version`), ``center``, ``inspection``
  (id, revision, revision reason, status, dates, team, prerequisites), ``verdict`` (tier,
  provisional, reasons), ``counts`` (basic / recommended clauses per level), ``clauses`` (in the
  standard's order: number, kind, level, reasons, every item's effective result with N/A reason,
  note and rater, the clause note, rectification advice, evidence photo numbers),
  ``evidence`` (photo number, SHA-256 of the original, clause, item, times, who, caption),
  ``signatures`` (signer, role, SHA-256 of the signature PNG, time, revision) and
  ``evidence_gaps``;
- times in UTC as ``YYYY-MM-DDTHH:MM:SSZ``; absent values as ``null``;
- serialised with sorted keys, separators ``,`` and ``:``, no ASCII escaping, UTF-8.

`content_sha256` is the lowercase hex SHA-256 of those bytes. The PDF embeds the same bytes as
the attachment ``report-content.json`` and prints the hash on the cover and in its QR code, so
`report verify` recomputes it from the file, and anyone holding a printed copy can compare.
Photo pixels are not part of the content: photos are identified by the SHA-256 of their
original file, which the appendix prints beside each one; the PAdES signature covers the bytes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from inspect_app.clock import local_compact_date, zone_of
from inspect_app.inspection import (
    EvidenceRecord,
    Finding,
    HealthCenter,
    Inspection,
    InspectionStatus,
    ItemRating,
    ItemResult,
    Signature,
    TeamRole,
)
from inspect_app.scoring import (
    ClauseLevel,
    ClauseScore,
    Deficiency,
    InspectionScore,
    deficiencies,
    item_results,
    score_inspection,
)
from inspect_app.standard.model import Clause, Standard

CONTENT_FORMAT = "jiceng-report-content/1"
CONTENT_ATTACHMENT = "report-content.json"

# sha256 of an evidence original or a signature PNG -> the JPEG derivative / PNG (path or bytes)
ImageSource = Callable[[str], "Path | bytes | None"]

RESULT_ZH = {ItemResult.MET: "符合", ItemResult.NOT_MET: "不符合", ItemResult.NA: "不适用",
             ItemResult.UNRATED: "未评"}
ROLE_ZH = {TeamRole.LEADER: "评审组长", TeamRole.EXPERT: "评审专家", TeamRole.DIRECTOR: "被评机构负责人"}


@dataclass(frozen=True)
class EvidenceGap:
    """佐证缺失: evidence the rules expect but the team signed without."""

    clause_number: str
    item_code: str = ""
    text: str = ""


@dataclass(frozen=True)
class RevisionNote:
    """修订记录: an earlier signed revision of the inspection and why the next one was made."""

    revision: int
    reason: str  # why this revision was opened ("" for the first)
    finished_on: datetime | None = None


@dataclass(frozen=True)
class ReportInput:
    """Everything one report needs, as domain objects (a snapshot of one inspection revision)."""

    standard: Standard
    center: HealthCenter
    inspection: Inspection
    findings: Mapping[str, Finding]
    evidence: Sequence[EvidenceRecord] = ()
    signatures: Sequence[Signature] = ()
    images: ImageSource | None = None
    evidence_gaps: Sequence[EvidenceGap] = ()
    earlier_revisions: Sequence[RevisionNote] = ()


@dataclass(frozen=True)
class Photo:
    """An evidence photo as the report numbers it (P-001 …)."""

    number: str
    record: EvidenceRecord

    @property
    def when(self) -> datetime:
        return self.record.captured_at or self.record.added_at


@dataclass(frozen=True)
class ReportContent:
    """The scored, ordered data every page draws from."""

    input: ReportInput
    report_id: str
    score: InspectionScore
    deficiencies: list[Deficiency]
    photos: list[Photo]
    photos_by_clause: dict[str, list[Photo]]
    signatures: list[Signature]
    created: datetime
    sha256: str = ""
    json_bytes: bytes = b""
    results: dict[str, dict[str, ItemResult]] = field(default_factory=dict)

    @property
    def standard(self) -> Standard:
        return self.input.standard

    @property
    def center(self) -> HealthCenter:
        return self.input.center

    @property
    def inspection(self) -> Inspection:
        return self.input.inspection

    @property
    def zone(self) -> str:
        """The inspection's time zone: every date on every page is shown in it (clock.py)."""
        return zone_of(self.inspection)

    @property
    def locked(self) -> bool:
        return self.inspection.status is InspectionStatus.LOCKED

    def finding(self, clause_number: str) -> Finding | None:
        return self.input.findings.get(clause_number)

    def clause_score(self, clause: Clause) -> ClauseScore:
        return self.score.clauses[clause.number]

    def image(self, sha256: str) -> Path | bytes | None:
        if self.input.images is None:
            return None
        try:
            return self.input.images(sha256)
        except (OSError, KeyError, LookupError):
            return None

    @staticmethod
    def of(data: ReportInput) -> "ReportContent":
        standard, inspection = data.standard, data.inspection
        ratings = {n: f.items for n, f in data.findings.items()}
        score = score_inspection(standard, ratings, inspection.prerequisites,
                                 small_institution=data.center.small_institution)
        levels = {n: s.level for n, s in score.clauses.items()}
        results = {c.number: item_results(c, ratings.get(c.number, {}), levels) for c in standard.clauses()}
        photos, by_clause = _number_photos(standard, data.evidence)
        content = ReportContent(
            input=data,
            report_id=report_id(inspection),
            score=score,
            deficiencies=_deficiency_order(standard, deficiencies(standard, score.clauses)),
            photos=photos,
            photos_by_clause=by_clause,
            signatures=sorted(data.signatures, key=lambda s: (_role_order(s.role), s.signer, _iso(s.signed_at))),
            created=creation_date(inspection, data.signatures),
            results=results,
        )
        raw = canonical_json(content_document(content))
        return _with_hash(content, raw)


def _deficiency_order(standard: Standard, found: list[Deficiency]) -> list[Deficiency]:
    """scoring's order (chapter, basic clauses below C first, clause), and within a clause the
    items C before B before A, as a reader fixes them, instead of alphabetical A-1 < C-1."""
    rank = {(c.number, i.code): (i.level.rank, number_key(i.code)) for c in standard.clauses() for i in c.items}
    position = {id(d): n for n, d in enumerate(found)}
    clause_start: dict[str, int] = {}
    for d in found:
        clause_start.setdefault(d.clause_number, position[id(d)])
    return sorted(found, key=lambda d: (clause_start[d.clause_number],
                                        rank.get((d.clause_number, d.item_code), (9, ()))))


def _with_hash(content: ReportContent, raw: bytes) -> ReportContent:
    object.__setattr__(content, "json_bytes", raw)
    object.__setattr__(content, "sha256", hashlib.sha256(raw).hexdigest())
    return content


def report_id(inspection: Inspection) -> str:
    """Short, stable, readable off paper: JCR-<start date>-<6 hex of the inspection id>-R<revision>.

    The date is the start date in the inspection's zone (clock.py), the one the cover prints.
    A signed revision keeps the number it was given at signing (Inspection.frozen)."""
    frozen = getattr(inspection, "frozen", None)
    if frozen is not None and frozen.report_id:
        return frozen.report_id
    tag = hashlib.sha256(inspection.id.encode("utf-8")).hexdigest()[:6].upper()
    return f"JCR-{local_compact_date(inspection.started_on, zone_of(inspection))}-{tag}-R{inspection.revision}"


def creation_date(inspection: Inspection, signatures: Sequence[Signature] = ()) -> datetime:
    """A fixed date from the inspection, so rebuilding the same revision gives the same file:
    the last handwritten signature of this revision, else the finish, else the start."""
    mine = [s.signed_at for s in signatures if s.revision == inspection.revision]
    when = max(mine) if mine else (inspection.finished_on or inspection.started_on)
    return _utc(when).replace(microsecond=0)


def _role_order(role: TeamRole) -> int:
    return [TeamRole.LEADER, TeamRole.EXPERT, TeamRole.DIRECTOR].index(role)


def number_key(number: str) -> tuple:
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in number.replace("-", ".").split(".") if p)


def _number_photos(standard: Standard, evidence: Sequence[EvidenceRecord]) -> tuple[list[Photo], dict[str, list[Photo]]]:
    """Number live photos in report order: clause order of the standard, then item, time, hash.
    Photos of the whole inspection (no clause) come first."""
    position = {c.number: i for i, c in enumerate(standard.clauses())}
    live = [r for r in evidence if not r.deleted]

    def order(r: EvidenceRecord) -> tuple:
        clause = r.target.clause_number
        where = -1 if not clause else position.get(clause, len(position))
        return (where, number_key(clause), r.target.item_code, _iso(r.captured_at or r.added_at), r.sha256, r.id)

    photos = [Photo(f"P-{i:03d}", r) for i, r in enumerate(sorted(live, key=order), start=1)]
    by_clause: dict[str, list[Photo]] = {}
    for p in photos:
        by_clause.setdefault(p.record.target.clause_number, []).append(p)
    return photos, by_clause


# ---------------------------------------------------------------- canonical JSON


def _utc(when: datetime) -> datetime:
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc)


def _iso(when: datetime | None) -> str | None:
    return None if when is None else f"{_utc(when):%Y-%m-%dT%H:%M:%SZ}"


def canonical_json(document: Any) -> bytes:
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def content_sha256(document: Any) -> str:
    return hashlib.sha256(canonical_json(document)).hexdigest()


def _counts(c) -> dict[str, int]:
    return {"A": c.A, "B": c.B, "C": c.C, "D": c.D, "incomplete": c.incomplete, "na": c.na}


def content_document(content: ReportContent) -> dict[str, Any]:
    """The scored data as plain JSON values (see the module docstring for the exact shape)."""
    data, standard, inspection, center = content.input, content.standard, content.inspection, content.center
    verdict = content.score.verdict
    clauses = []
    for clause in standard.clauses():
        score = content.score.clauses[clause.number]
        finding = data.findings.get(clause.number)
        ratings: Mapping[str, ItemRating] = finding.items if finding else {}
        items = []
        for item in clause.items:
            rating = ratings.get(item.code)
            items.append({
                "code": item.code,
                "result": content.results[clause.number][item.code].value,
                "na_reason": rating.na_reason if rating else "",
                "note": rating.note if rating else "",
                "rated_by": rating.rated_by if rating else "",
            })
        clauses.append({
            "number": clause.number,
            "kind": clause.kind.value,
            "level": score.level.value,
            "reasons": [r.zh for r in score.reasons],
            "items": items,
            "note": finding.note if finding else "",
            "rectification": dict(sorted((finding.rectification if finding else {}).items())),
            "photos": [p.number for p in content.photos_by_clause.get(clause.number, [])],
        })
    return {
        "format": CONTENT_FORMAT,
        "report_id": content.report_id,
        "standard": {"id": standard.id, "title": standard.title, "edition": standard.edition,
                     "version": inspection.standard_version},
        "center": {"id": center.id, "name": center.name, "code": center.code, "county": center.county,
                   "type": center.type.value, "director": center.director},
        "inspection": {
            "id": inspection.id, "revision": inspection.revision, "revision_reason": inspection.revision_reason,
            "status": inspection.status.value, "started_on": _iso(inspection.started_on),
            "time_zone": zone_of(inspection),
            "finished_on": _iso(inspection.finished_on),
            "team": [{"name": m.name, "role": m.role.value} for m in inspection.team],
            "prerequisites": {k: v for k, v in sorted(inspection.prerequisites.items())},
            "earlier_revisions": [{"revision": r.revision, "reason": r.reason, "finished_on": _iso(r.finished_on)}
                                  for r in sorted(content.input.earlier_revisions, key=lambda r: r.revision)],
        },
        "verdict": {"tier": verdict.tier.id if verdict.tier else None, "name": verdict.name("zh"),
                    "provisional": verdict.provisional, "reasons": [r.zh for r in verdict.reasons]},
        "counts": {"basic": _counts(content.score.basic), "recommended": _counts(content.score.recommended)},
        "clauses": clauses,
        "evidence": [{
            "number": p.number, "sha256": p.record.sha256, "clause": p.record.target.clause_number,
            "item": p.record.target.item_code, "captured_at": _iso(p.record.captured_at),
            "added_at": _iso(p.record.added_at), "added_by": p.record.added_by, "caption": p.record.caption,
        } for p in content.photos],
        "signatures": [{"signer": s.signer, "role": s.role.value, "image_sha256": s.image_sha256,
                        "signed_at": _iso(s.signed_at), "revision": s.revision} for s in content.signatures],
        "evidence_gaps": [{"clause": g.clause_number, "item": g.item_code, "text": g.text}
                          for g in data.evidence_gaps],
    }


def level_counts_row(score: InspectionScore) -> dict[str, int]:
    """Clauses per level over both kinds, for manifests."""
    b, r = score.basic, score.recommended
    return {"A": b.A + r.A, "B": b.B + r.B, "C": b.C + r.C, "D": b.D + r.D,
            "incomplete": b.incomplete + r.incomplete, "na": b.na + r.na}


__all__ = ["CONTENT_ATTACHMENT", "CONTENT_FORMAT", "ClauseLevel", "EvidenceGap", "ImageSource", "Photo",
           "ReportContent", "ReportInput", "canonical_json", "content_document", "content_sha256",
           "creation_date", "level_counts_row", "number_key", "report_id"]
