"""What a screen of one inspection reads: the snapshot, its exact standard, the scores."""

from __future__ import annotations

from dataclasses import dataclass

from inspect_app import services
from inspect_app.errors import UserError
from inspect_app.evidence_rules import inspection_gaps
from inspect_app.inspection import HealthCenter, InspectionStatus
from inspect_app.scoring import InspectionScore, score_inspection
from inspect_app.standard.model import Standard


@dataclass
class InspectionData:
    snap: services.InspectionSnapshot
    standard: Standard
    score: InspectionScore
    center: HealthCenter | None

    @property
    def inspection(self):
        return self.snap.inspection

    @property
    def editable(self) -> bool:
        return self.snap.inspection.status is InspectionStatus.DRAFT

    def ratings(self) -> dict:
        return {n: f.items for n, f in self.snap.findings.items()}

    def gaps(self) -> dict:
        return inspection_gaps(self.standard, self.snap.findings, self.snap.live_evidence)


def load(app, inspection_id: str) -> InspectionData:
    ws = app.ctx.workspace
    snap = services.snapshot(ws, inspection_id)
    standard = services.standard_for(ws, snap.inspection)
    try:
        center = services.get_center(ws, snap.inspection.center_id)
    except UserError:  # the screens still open; they show the center only when it is here
        center = None
    data = InspectionData(snap=snap, standard=standard, score=None, center=center)  # type: ignore[arg-type]
    # 合格标准 (a tier marked small_institutions_only) counts only for a small institution.
    data.score = score_inspection(standard, data.ratings(), snap.inspection.prerequisites,
                                  small_institution=bool(center and center.small_institution))
    return data
