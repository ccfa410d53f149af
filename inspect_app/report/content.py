"""What a report shows, and the 'content' whose SHA-256 a printed copy carries (报告内容校验值).

A report is built from a `ReportInput` (domain objects, no storage), which `ReportContent.of`
scores and orders once; every page reads that one object, so the pages and the hash can never
disagree.

Definition of the content hash
------------------------------
`content_json(content)` is the *canonical JSON* of the scored data of one inspection revision:

- an object with keys ``format`` ("jiceng-report-content/2"), ``report_id``, ``standard``
  (id, title, edition, version = `Inspection.standard_version`, the document followed, the
  frozen copy's SHA-256), ``center`` (the whole HealthCenter record, frozen at signing),
  ``inspection`` (id, revision, revision reason, status, dates, time zone, team with units and
  titles, stage, reviewing body, overall assessment, prerequisites, earlier revisions),
  ``verdict`` (tier, name, wording as on the cover, provisional, reasons), ``counts`` (basic /
  recommended clauses per level), ``shares`` (C/B/A shares as printed), ``prerequisites`` (met
  and what it means), ``responses`` (the clinic's answers printed as 整改反馈), ``clauses`` (in
  the standard's order: number, kind, level, reasons, every item's effective result with N/A
  reason, note and rater, the clause note, rectification advice, due dates and departments,
  evidence photo numbers), ``evidence`` (photo number, SHA-256 of the original, clause, item,
  times, who, caption, why it is suspect),
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

import dataclasses
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from inspect_app.clock import local_compact_date, local_date_text, zone_of
from inspect_app.inspection import (
    STAGE_ZH,
    EvaluationStage,
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
    percent_text,
    ClauseLevel,
    ClauseScore,
    Deficiency,
    InspectionScore,
    deficiencies,
    item_results,
    score_inspection,
    within_sample,
)
from inspect_app.standard.model import Clause, ItemLevel, Standard

CONTENT_FORMAT = "jiceng-report-content/2"
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
    # 整改反馈: the clinic's answers to an earlier revision's problems, by (clause, item code);
    # each a dict with plan, due, by, at, revision (the hub's response/<clause>/<item> value)
    responses: Mapping[tuple[str, str], Mapping[str, Any]] = field(default_factory=dict)
    consistency: Any = None  # consistency.Consistency against the self-assessment (report/consistency.py)


@dataclass(frozen=True)
class Photo:
    """An evidence photo with its number (P-001 …, given when it was attached)."""

    number: str
    record: EvidenceRecord
    suspect: str = ""  # why its capture time is doubtful ("" = nothing to say)

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
        if data.standard.assessable() is not data.standard:  # unplaced items (未归位) are never printed
            data = dataclasses.replace(data, standard=data.standard.assessable())
        standard, inspection = data.standard, data.inspection
        ratings = {n: f.items for n, f in data.findings.items()}
        score = score_inspection(standard, ratings, inspection.prerequisites,
                                 small_institution=data.center.small_institution)
        # a re-check on a sample reports what the screens count: its sampled clauses only
        score = within_sample(standard, score, inspection.sample, inspection.prerequisites,
                              small_institution=data.center.small_institution)
        levels = {n: s.level for n, s in score.clauses.items()}
        results = {c.number: item_results(c, ratings.get(c.number, {}), levels) for c in standard.clauses()}
        photos, by_clause = _number_photos(standard, data.evidence, inspection)
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


@dataclass(frozen=True)
class PrerequisiteRow:
    """前置条件 as the report prints it: met or not, and what that means for the verdict."""

    id: str
    text: str
    method: str
    met: bool | None
    meaning: str


def prerequisite_rows(standard: Standard, answers: Mapping[str, bool | None]) -> list[PrerequisiteRow]:
    rows = []
    for p in standard.prerequisites:
        met = answers.get(p.id)
        if met is True:
            meaning = "符合，不影响评审结论"
        elif met is False:
            veto = f"（{p.veto.reason}）" if getattr(p, "veto", None) else ""
            meaning = f"不符合：一票否决，任何达标等级均不能达到{veto}"
        else:
            meaning = "未核查：评审结论为暂定"
        rows.append(PrerequisiteRow(p.id, p.text, p.method, met, meaning))
    return rows


def _reached(name: str) -> str:
    return name if name.startswith("达") else f"达到{name}"


def _missed(name: str) -> str:
    """未达标 for a tier called 达标 (never 未达到达标), 未达到基本标准 otherwise."""
    return f"未{name}" if name.startswith("达") else f"未达到{name}"


def verdict_wording(score: InspectionScore) -> str:
    """The verdict as the cover words it; the summary and the manifests use the same text."""
    v = score.verdict
    if v.tier is not None:
        text = _reached(v.tier.name)
    elif v.checks and not v.assessable:  # an excerpt without the levels its rules need: not a failure
        text = "以本文本无法评定"
    elif v.checks:  # the lowest tier this center could reach
        text = _missed(v.checks[-1].tier.name)
    else:
        text = "未评定（标准未规定达标规则）"
    marks = [mark for mark, on in (("依据节选", v.excerpt), ("暂定", v.provisional)) if on]
    return text + (f"（{'，'.join(marks)}）" if marks else "")


def stage_text(inspection: Inspection) -> str:
    return STAGE_ZH.get(inspection.stage, str(inspection.stage))


def reviewing_body(inspection: Inspection, center: HealthCenter) -> str:
    """评审单位: as entered, else the county's health bureau, else "—"."""
    if inspection.reviewing_body.strip():
        return inspection.reviewing_body.strip()
    if inspection.stage is EvaluationStage.SELF:
        return center.name
    return f"{center.county}卫生健康局" if center.county.strip() else "—"


def standard_document(standard: Standard) -> str:
    """The document the evaluation follows: its title and edition, never a hash."""
    return f"《{standard.title}》" + (f"（{standard.edition}）" if standard.edition else "")


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


# A photo taken more than this many days before the visit began or after it ended is flagged.
SUSPECT_DAYS = 3


def photo_numbers(evidence: Sequence[EvidenceRecord]) -> dict[str, str]:
    """Evidence id -> 照片编号. The number stored at attach (services.next_photo_number) is kept;
    records from before numbers were stored get the next free ones, in the order they were
    added. Two tablets that numbered offline at once can give one number twice: the later
    record then reads P-004-2 (and so on), so a number still names one photo."""
    numbers: dict[str, str] = {}
    used: set[str] = set()
    ordered = sorted(evidence, key=lambda r: (_iso(r.added_at) or "", r.id))
    highest = 0
    for r in ordered:
        digits = r.number.removeprefix("P-").split("-")[0]
        if digits.isdigit():
            highest = max(highest, int(digits))
    for r in ordered:
        number = r.number
        if not number:
            highest += 1
            number = f"P-{highest:03d}"
        if number in used:
            k = 2
            while f"{number}-{k}" in used:
                k += 1
            number = f"{number}-{k}"
        used.add(number)
        numbers[r.id] = number
    return numbers


def suspect_reason(record: EvidenceRecord, start: datetime, end: datetime, zone: str) -> str:
    """Why a photo's EXIF capture time does not fit the visit ("" when it fits or is unknown)."""
    if record.captured_at is None:
        return ""
    taken = _utc(record.captured_at)
    margin = timedelta(days=SUSPECT_DAYS)
    if _utc(start) - margin <= taken <= _utc(end) + margin:
        return ""
    days = (_utc(start) - taken).days if taken < _utc(start) else (taken - _utc(end)).days
    when = local_date_text(taken, zone)
    side = "早于评审开始" if taken < _utc(start) else "晚于评审结束"
    return f"拍摄时间 {when} {side} {days} 天，请核实是否为本次评审现场拍摄"


def _number_photos(standard: Standard, evidence: Sequence[EvidenceRecord],
                   inspection: Inspection | None = None) -> tuple[list[Photo], dict[str, list[Photo]]]:
    """Live photos in number order, each with its stable number (photo_numbers) and, when the
    EXIF capture time lies far outside the visit, why it is suspect; and the same by clause."""
    numbers = photo_numbers(evidence)
    live = [r for r in evidence if not r.deleted]
    zone = zone_of(inspection)
    start = inspection.started_on if inspection else None
    end = (inspection.finished_on if inspection else None) or max(
        [r.added_at for r in live] + ([start] if start else []), default=None)
    photos = sorted((Photo(numbers[r.id], r, suspect_reason(r, start, end, zone) if start and end else "")
                     for r in live), key=lambda p: number_key(p.number))
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
            "rectification_due": dict(sorted((finding.rectification_due if finding else {}).items())),
            "rectification_dept": dict(sorted((finding.rectification_dept if finding else {}).items())),
            "photos": [p.number for p in content.photos_by_clause.get(clause.number, [])],
        })
    return {
        "format": CONTENT_FORMAT,
        "report_id": content.report_id,
        "standard": {"id": standard.id, "title": standard.title, "edition": standard.edition,
                     "version": inspection.standard_version, "document": standard_document(standard),
                     "copy_sha256": inspection.frozen.standard_sha256 if inspection.frozen else ""},
        "center": center.model_dump(mode="json"),
        "inspection": {
            "id": inspection.id, "revision": inspection.revision, "revision_reason": inspection.revision_reason,
            "status": inspection.status.value, "started_on": _iso(inspection.started_on),
            "time_zone": zone_of(inspection),
            "finished_on": _iso(inspection.finished_on),
            "team": [{"name": m.name, "role": m.role.value, "unit": m.unit, "title": m.title}
                     for m in inspection.team],
            "stage": inspection.stage.value, "stage_zh": stage_text(inspection),
            "reviewing_body": reviewing_body(inspection, center),
            "assessment": {"achievements": inspection.assessment.achievements,
                           "problems": inspection.assessment.problems, "opinion": inspection.assessment.opinion,
                           "by": inspection.assessment.by},
            "prerequisites": {k: v for k, v in sorted(inspection.prerequisites.items())},
            "earlier_revisions": [{"revision": r.revision, "reason": r.reason, "finished_on": _iso(r.finished_on)}
                                  for r in sorted(content.input.earlier_revisions, key=lambda r: r.revision)],
        },
        "verdict": {"tier": verdict.tier.id if verdict.tier else None, "name": verdict.name("zh"),
                    "wording": verdict_wording(content.score),
                    "provisional": verdict.provisional, "reasons": [r.zh for r in verdict.reasons]},
        "counts": {"basic": _counts(content.score.basic), "recommended": _counts(content.score.recommended)},
        "shares": {kind: {lv.value: percent_text(counts.percent_at_least(lv)) if counts.applicable else None
                          for lv in (ItemLevel.C, ItemLevel.B, ItemLevel.A)}
                   for kind, counts in (("basic", content.score.basic), ("recommended", content.score.recommended))},
        "prerequisites": [{"id": r.id, "met": r.met, "meaning": r.meaning}
                          for r in prerequisite_rows(standard, inspection.prerequisites)],
        "responses": [{"clause": c, "item": i, "plan": str(v.get("plan", "")), "due": str(v.get("due", "")),
                       "by": str(v.get("by", "")), "revision": v.get("revision")}
                      for (c, i), v in sorted(content.input.responses.items())],
        "clauses": clauses,
        "evidence": [{
            "number": p.number, "sha256": p.record.sha256, "clause": p.record.target.clause_number,
            "item": p.record.target.item_code, "captured_at": _iso(p.record.captured_at),
            "added_at": _iso(p.record.added_at), "added_by": p.record.added_by, "caption": p.record.caption,
            "suspect": p.suspect,
        } for p in content.photos],
        "signatures": [{"signer": s.signer, "role": s.role.value, "image_sha256": s.image_sha256,
                        "signed_at": _iso(s.signed_at), "revision": s.revision} for s in content.signatures],
        "evidence_gaps": [{"clause": g.clause_number, "item": g.item_code, "text": g.text}
                          for g in data.evidence_gaps],
        **({"consistency": _consistency_doc(data.consistency)} if data.consistency is not None else {}),
    }


def _consistency_doc(c) -> dict[str, Any]:
    from inspect_app.report.consistency import consistency_document  # the page module owns its shape

    return consistency_document(c)


def level_counts_row(score: InspectionScore) -> dict[str, int]:
    """Clauses per level over both kinds, for manifests."""
    b, r = score.basic, score.recommended
    return {"A": b.A + r.A, "B": b.B + r.B, "C": b.C + r.C, "D": b.D + r.D,
            "incomplete": b.incomplete + r.incomplete, "na": b.na + r.na}


__all__ = ["CONTENT_ATTACHMENT", "CONTENT_FORMAT", "ClauseLevel", "EvidenceGap", "ImageSource", "Photo",
           "PrerequisiteRow", "photo_numbers", "prerequisite_rows", "reviewing_body", "stage_text",
           "standard_document", "suspect_reason", "verdict_wording",
           "ReportContent", "ReportInput", "canonical_json", "content_document", "content_sha256",
           "creation_date", "level_counts_row", "number_key", "report_id"]
