"""What a screen of one inspection reads: the snapshot, its exact standard, the scores."""

from __future__ import annotations

from dataclasses import dataclass

from inspect_app import services
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

    def eligible_tiers(self) -> set[str] | None:
        """合格标准 (if the file has such a tier) only counts for small institutions."""
        tiers = {t.id for t in self.standard.verdict_rules.tiers}
        small = bool(self.center and self.center.small_institution)
        qualified = {t for t in tiers if t in ("qualified", "hege", "合格标准")}
        return None if small or not qualified else tiers - qualified


def load(app, inspection_id: str) -> InspectionData:
    ws = app.ctx.workspace
    snap = services.snapshot(ws, inspection_id)
    standard = services.standard_for(ws, snap.inspection)
    center = next((c for c in services.list_centers(ws) if c.id == snap.inspection.center_id), None)
    data = InspectionData(snap=snap, standard=standard, score=None, center=center)  # type: ignore[arg-type]
    data.score = score_inspection(standard, data.ratings(), snap.inspection.prerequisites, data.eligible_tiers())
    return data
