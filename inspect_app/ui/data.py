"""What a screen of one inspection reads: the read model of the service layer (read_models)."""

from __future__ import annotations

from inspect_app import read_models
from inspect_app.read_models import InspectionView

InspectionData = InspectionView  # the name the screens use


def load(app, inspection_id: str) -> InspectionView:
    """The inspection as the screens show it (cached while its file is unchanged)."""
    return read_models.inspection_view(app.ctx.workspace, inspection_id)
