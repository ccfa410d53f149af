"""Review before signing 照片核对: every photo of the inspection in a grid, each openable and removable."""

from __future__ import annotations

import flet as ft

from inspect_app.ui.components.inspection_screen import InspectionScreen
from inspect_app.ui.components.photos import thumbnail
from inspect_app.ui_state import clause_route


class PhotosScreen(InspectionScreen):
    tab = "photos"

    def __init__(self, app, inspection_id: str) -> None:
        super().__init__(app, inspection_id)
        t = app.t
        self.records = list(self.data.snap.live_evidence)
        self.grid = ft.Column(spacing=12)
        self._render()
        center = self.data.center.name if self.data.center else ""
        count = f" ({len(self.records)})" if app.lang == "en" else f"（{len(self.records)}）"
        title = (t("photos_of", center=center) if center else t("photos")) + count
        self.view = self.frame(f"/i/{inspection_id}/photos", title, f"/i/{inspection_id}", [self.grid])

    def _render(self) -> None:
        t = self.app.t
        if not self.records:
            self.grid.controls = [ft.Text(t("no_photos"))]
            return
        groups: dict[str, list] = {}
        for r in self.records:
            groups.setdefault(r.target.clause_number or "—", []).append(r)
        order = {c.number: i for i, c in enumerate(self.data.standard.clauses())}
        controls = []
        size = 110 if self.app.narrow else 150
        for number in sorted(groups, key=lambda n: order.get(n, -1)):
            title = self.data.standard.clause(number).title if number in order else ""
            controls.append(ft.TextButton(f"{number} {title}", height=48,
                                          on_click=lambda e, n=number: self.app.go(clause_route(self.id, n))
                                          if n in order else None))
            tiles = []
            counter: dict[str, int] = {}
            for r in groups[number]:
                counter[r.target.item_code] = counter.get(r.target.item_code, 0) + 1
                tiles.append(thumbnail(self.app, r, self._removed, size=size, number=counter[r.target.item_code],
                                       show_caption=True))
            controls.append(ft.Row(tiles, wrap=True, spacing=10, run_spacing=10))
        self.grid.controls = controls

    def _removed(self, record) -> None:
        self.records = [r for r in self.records if r.id != record.id]
        self._render()
        self.grid.update()
