"""Where a report's input comes from in the app: a snapshot of one inspection in a workspace.

The builder itself only knows domain objects (`ReportInput`); this is the one place that reads
the store (through services), the photo store and the evidence rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from inspect_app import services
from inspect_app.evidence import caption_text, captioned_copy
from inspect_app.evidence_rules import inspection_gaps, need_text
from inspect_app.inspection import HealthCenter, Inspection
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
    )


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
