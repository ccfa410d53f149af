"""Where a report's input comes from in the app: a snapshot of one inspection in a workspace.

The builder itself only knows domain objects (`ReportInput`); this is the one place that reads
the store (through services), the photo store and the evidence rules.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from inspect_app import services
from inspect_app.evidence import caption_text, captioned_copy
from inspect_app.evidence_rules import inspection_gaps, need_text
from inspect_app.errors import UserError
from inspect_app.inspection import HealthCenter, Inspection, InspectionStatus
from inspect_app.report.content import EvidenceGap, ReportInput, RevisionNote
from inspect_app.standard.model import Standard

def evidence_gaps_for(standard: Standard, snapshot: services.InspectionSnapshot) -> list[EvidenceGap]:
    """Evidence still missing by the UI engineer's pure rules (inspect_app/evidence_rules.py):
    the team may sign with gaps, and the report then lists them."""
    gaps = inspection_gaps(standard, snapshot.findings, snapshot.live_evidence)
    return [EvidenceGap(clause_number=gap.clause_number, item_code=gap.item_code,
                        text="；".join(need_text(n, "zh") for n in gap.needs))
            for clause_gaps in gaps.values() for gap in clause_gaps]


def to_gap(gap: object) -> EvidenceGap:
    if isinstance(gap, EvidenceGap):
        return gap
    if isinstance(gap, str):
        return EvidenceGap(clause_number="", text=gap)
    get = (lambda k: gap.get(k, "")) if isinstance(gap, dict) else (lambda k: getattr(gap, k, ""))
    text = get("text") or get("message") or get("zh") or get("reason")
    if hasattr(text, "zh"):
        text = text.zh
    return EvidenceGap(clause_number=str(get("clause_number") or get("clause") or ""),
                       item_code=str(get("item_code") or get("item") or ""), text=str(text or ""))


def report_input(ws: services.Workspace, inspection_id: str,
                 evidence_gaps: Sequence[object] | None = None, *, burn_captions: bool = False) -> ReportInput:
    """`burn_captions` puts center, clause and time on each photo itself (a re-encoded copy;
    the stored evidence is untouched), for reports that will be printed and cut apart."""
    snap = services.snapshot(ws, inspection_id)
    inspection: Inspection = snap.inspection
    standard = services.standard_for(ws, inspection)
    frozen = inspection.frozen if inspection.status in (InspectionStatus.SIGNED, InspectionStatus.LOCKED) else None
    if frozen is not None:
        # A signed revision prints what it froze at signing (services._report_facts), not today's center.
        center = frozen.center
        inspection = inspection.model_copy(update={"team": list(frozen.team)})
        _check_standard_copy(ws, inspection, frozen.standard_sha256)
        snap = _with_frozen_numbers(snap, frozen.photo_numbers)
    else:
        center = services.get_center(ws, inspection.center_id)
    gaps = [to_gap(g) for g in evidence_gaps] if evidence_gaps is not None else evidence_gaps_for(standard, snap)
    photos = ws.photos

    def image(sha256: str) -> Path | None:
        if not photos.has(sha256):
            return None
        path = photos.stored_path(sha256, keep_gps=inspection.keep_gps)
        return path if path.is_file() else None

    if burn_captions:
        image = _captioned(image, photos, center, snap.live_evidence, inspection.keep_gps)

    return ReportInput(
        standard=standard, center=center, inspection=inspection, findings=snap.findings,
        evidence=snap.live_evidence, signatures=snap.signatures, images=image,
        evidence_gaps=gaps, earlier_revisions=earlier_revisions(ws, inspection_id),
        responses=clinic_responses(ws, inspection),
        consistency=_consistency(ws, inspection_id),
    )


def _consistency(ws: services.Workspace, inspection_id: str):
    """This review against the center's self-assessment, when sync brought one (review chain)."""
    from inspect_app import review_chain

    return review_chain.consistency_with_self(ws, inspection_id)


def _check_standard_copy(ws: services.Workspace, inspection: Inspection, frozen_sha256: str) -> None:
    """The standard copy a signed revision names must be the very file it was signed with."""
    if not frozen_sha256:
        return
    copy = services.standard_copy_path(ws, inspection.standard_id, inspection.standard_version)
    actual = hashlib.sha256(copy.read_bytes()).hexdigest() if copy.is_file() else ""
    if actual != frozen_sha256:
        raise UserError(
            f"本次评审签署时使用的评价标准副本已不在本设备或已被改动（{inspection.standard_version}），"
            "不能重新生成报告；请使用已签章的报告文件。",
            f"The standard copy this revision was signed with is missing or changed ({inspection.standard_version}); "
            "the report cannot be rebuilt. Use the signed report file.")


def _with_frozen_numbers(snap: services.InspectionSnapshot, numbers: dict[str, str]) -> services.InspectionSnapshot:
    """Records from before numbers were stored take the number frozen at signing."""
    if not numbers:
        return snap
    evidence = [e if e.number or e.id not in numbers else e.model_copy(update={"number": numbers[e.id]})
                for e in snap.evidence]
    return services.InspectionSnapshot(inspection=snap.inspection, findings=snap.findings, evidence=evidence,
                                       signatures=snap.signatures)


def clinic_responses(ws: services.Workspace, inspection: Inspection) -> dict[tuple[str, str], dict]:
    """整改反馈: the clinic's answers (sent through the hub) to the problems of an earlier revision
    of this inspection. A signed revision shows only answers given before it was signed, so a
    rebuild prints what was signed."""
    if inspection.revision <= 1 or not (ws.data_dir / "sync" / "ops").is_dir():
        return {}
    try:
        from inspect_app.sync.engine import SyncEngine
        from inspect_app.sync.local import LocalSide

        engine = SyncEngine(ws.data_dir, LocalSide(ws.data_dir, store=ws.store, photos=ws.photos))
        answers = engine.responses(inspection.id)
    except Exception:  # noqa: BLE001 - a damaged sync folder must not stop a report
        return {}
    cutoff = inspection.finished_on if inspection.status in (InspectionStatus.SIGNED, InspectionStatus.LOCKED) else None
    out = {}
    for key, value in answers.items():
        revision = value.get("revision")
        if isinstance(revision, int) and revision >= inspection.revision:
            continue
        if cutoff is not None and str(value.get("at", "")) > cutoff.isoformat():
            continue
        out[key] = dict(value)
    return out


def _captioned(image, photos, center: HealthCenter, evidence, keep_gps: bool):
    """An image source giving each photo with its caption burned in (captioned_copy)."""
    records = {r.sha256: r for r in evidence}

    def captioned(sha256: str) -> bytes | Path | None:
        record = records.get(sha256)
        if record is None or image(sha256) is None:
            return image(sha256)
        text = caption_text(center.name, record.target.clause_number, record.captured_at or record.added_at)
        return captioned_copy(photos, sha256, text, keep_gps=keep_gps)

    return captioned


def earlier_revisions(ws: services.Workspace, inspection_id: str) -> list[RevisionNote]:
    """The signed revisions before the current one, from the frozen copies the store keeps."""
    notes = []
    for frozen in services.revisions(ws, inspection_id):
        meta = Inspection.model_validate(frozen["inspection"])
        notes.append(RevisionNote(meta.revision, meta.revision_reason, meta.finished_on))
    return sorted(notes, key=lambda n: n.revision)


__all__ = ["earlier_revisions", "evidence_gaps_for", "report_input", "to_gap"]
