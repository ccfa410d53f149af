"""机构信息与评审信息: the facts a bureau's report cover prints, entered on the tablet.

The center's facts (name, address, registration code, population served, beds, medical staff,
contact) go through services.edit_center; the inspection's 评审单位 and the team's work units and
titles through services.set_evaluation_facts. Each field saves when it loses focus; a refusal (an
empty name, a number that is not a whole number) is shown under that field. A revision that is no
longer a draft shows its facts read-only: once signed, the copy frozen at signing (what its report
prints), not the center as edited since."""

from __future__ import annotations

import flet as ft

from inspect_app import services
from inspect_app.ui.components.common import bind, big_button, card
from inspect_app.ui.components.inspection_screen import InspectionScreen

TITLE = ("机构信息与评审信息", "Center and evaluation facts")
CENTER_FIELDS = (  # (field, 中文, English, is a number)
    ("name", "机构名称", "Center name", False),
    ("address", "机构地址", "Address", False),
    ("registration_code", "登记号 / 统一社会信用代码", "Registration code", False),
    ("population_served", "服务人口（人）", "Population served", True),
    ("beds", "编制床位（张）", "Beds", True),
    ("medical_staff", "卫生技术人员（人）", "Medical staff", True),
    ("contact", "联系人及电话", "Contact person and phone", False),
)
TEXT = {
    "center": ("被评机构", "Health center"),
    "review": ("评审信息", "Evaluation"),
    "reviewing_body": ("评审单位（如：某某县卫生健康局）", "Reviewing body (e.g. a county health bureau)"),
    "team": ("评审组成员：工作单位与职称", "Team: work units and titles"),
    "unit": ("工作单位", "Work unit"),
    "title": ("职称 / 职务", "Title"),
    "read_only": ("本修订版已不是草稿，以下信息只读。", "This revision is no longer a draft; these facts are read-only."),
    "not_number": ("请填写整数（不含单位），如 12000。", "Enter a whole number (no units), e.g. 12000."),
    "negative": ("数字不能为负数。", "The number cannot be negative."),
    "too_big": ("数字过大，请核对。", "That number is too large; check it."),
    "empty_name": ("请填写机构名称。", "Enter the health center's name."),
    "no_center": ("找不到该机构。", "That health center was not found."),
    "open": ("机构与评审信息", "Center & evaluation facts"),
}
ROLE = {"leader": ("评审组长", "team leader"), "expert": ("评审专家", "expert")}
MAX_NUMBER = 100_000_000  # a center serves fewer people than this


def facts_route(inspection_id: str) -> str:
    return f"/i/{inspection_id}/facts"


def facts_button(app, inspection_id: str) -> ft.Control:
    """The one button (overview/summary) that opens this screen."""
    return ft.Row([big_button(_t(app, "open"), lambda e: app.go(facts_route(inspection_id)), filled=False,
                              icon=ft.Icons.APARTMENT)], wrap=True)


def _t(app, key: str) -> str:
    zh, en = TEXT[key]
    return en if app.lang == "en" else zh


def parse_number(text: str) -> tuple[int | None, str]:
    """A count as typed ("12,000", "１２０００", "") → (value, problem key or ""). Empty is None."""
    raw = (text or "").strip().translate(str.maketrans("０１２３４５６７８９，", "0123456789,")).replace(",", "")
    if not raw:
        return None, ""
    if raw.startswith("-") and raw[1:].isdigit():
        return None, "negative"
    if not raw.isdigit():
        return None, "not_number"
    value = int(raw)
    if value > MAX_NUMBER:
        return None, "too_big"
    return value, ""


class CenterFactsScreen(InspectionScreen):
    tab = "overview"

    def __init__(self, app, inspection_id: str) -> None:
        super().__init__(app, inspection_id)
        data = self.data
        self.editable = bool(data.editable)
        # each member's unit and title as typed here: a save sends both, so two quick saves in a
        # row (unit, then title) cannot put back the other's old value
        self.members = {m.name: m for m in data.inspection.team}
        controls: list[ft.Control] = []
        if not self.editable:
            controls.append(ft.Text(_t(app, "read_only"), size=14, color=ft.Colors.GREY_700))
        controls += [self._center_card(), self._review_card()]
        self.view = self.frame(facts_route(inspection_id), _t(app, "open"), f"/i/{inspection_id}", controls,
                               stretch=True, spacing=16)

    async def refresh(self) -> None:
        """A change under this screen (often this screen's own save) does not rebuild it: a
        rebuild would drop the field being tapped or typed into. The facts are re-read when the
        screen is opened again."""

    # -- fields --------------------------------------------------------------------------------
    def _field(self, key: str, label: str, value: str, on_save, *, number: bool = False) -> list[ft.Control]:
        if not self.editable:  # read-only: label and value as text, readable (a disabled field is grey)
            return [ft.Column([ft.Text(label, size=12, color=ft.Colors.GREY_700),
                               ft.Text(value or "—", size=15)],
                              spacing=2, col={"xs": 12, "md": 6})]
        error = ft.Text("", size=13, color=ft.Colors.RED_700, visible=False)
        field = ft.TextField(label=label, value=value, disabled=not self.editable,
                             keyboard_type=ft.KeyboardType.NUMBER if number else None,
                             on_change=self._typing, on_blur=bind(on_save, [value], error),
                             content_padding=ft.Padding.symmetric(horizontal=12, vertical=14))  # ≥ 48 px tall
        return [ft.Column([field, error], spacing=2, col={"xs": 12, "md": 6},
                          horizontal_alignment=ft.CrossAxisAlignment.STRETCH)]  # two columns on a tablet

    def _center_card(self) -> ft.Control:
        app, frozen = self.app, self.data.inspection.frozen
        center = frozen.center if frozen is not None else self.data.center  # signed: what its report prints
        rows: list[ft.Control] = [ft.Text(_t(app, "center"), size=16, weight=ft.FontWeight.W_600)]
        if center is None:
            rows.append(ft.Text(_t(app, "no_center"), color=ft.Colors.RED_700))
            return card(*rows)
        fields: list[ft.Control] = []
        for name, zh, en, number in CENTER_FIELDS:
            current = getattr(center, name)
            value = "" if current is None else str(current)
            fields += self._field(name, en if app.lang == "en" else zh, value,
                                lambda old, error, e, n=name, num=number: self._save_center(n, num, old, error, e),
                                number=number)
        rows.append(ft.ResponsiveRow(fields, spacing=12, run_spacing=4))
        return card(*rows)

    def _review_card(self) -> ft.Control:
        app, inspection = self.app, self.data.inspection
        rows: list[ft.Control] = [ft.Text(_t(app, "review"), size=16, weight=ft.FontWeight.W_600)]
        rows.append(ft.ResponsiveRow(self._field("reviewing_body", _t(app, "reviewing_body"),
                                                 inspection.reviewing_body, self._save_reviewing_body)))
        rows.append(ft.Text(_t(app, "team"), size=15, weight=ft.FontWeight.W_600))
        team = inspection.frozen.team if inspection.frozen is not None else inspection.team
        for i, m in enumerate(team):
            role = ROLE[m.role.value][1 if app.lang == "en" else 0] if m.role.value in ROLE else m.role.value
            rows.append(ft.Text(f"{m.name}（{role}）" if app.lang != "en" else f"{m.name} ({role})",
                                size=14, weight=ft.FontWeight.W_500))
            pair: list[ft.Control] = []
            for part in ("unit", "title"):
                pair += self._field(f"team-{i}-{part}", _t(app, part), getattr(m, part),
                                    lambda old, error, e, n=m.name, p=part: self._save_member(n, p, old, error, e))
            rows.append(ft.ResponsiveRow(pair, spacing=12, run_spacing=4))
        return card(*rows)

    # -- saving --------------------------------------------------------------------------------
    def _typing(self, e) -> None:
        self.typing = True  # a live redraw waits until this text is saved
        if self.save_state.state != "unsaved":
            self.save_state.set("unsaved")

    def _unchanged(self, text: str, old: list[str], error: ft.Text) -> bool:
        self.typing = False
        if text.strip() == old[0].strip():
            if error.visible:  # back to what is stored: the earlier refusal no longer applies
                error.visible = False
                error.update()
            if self.save_state.state == "unsaved":
                self.save_state.set("saved")
            return True
        return False

    def _show(self, error: ft.Text, key: str) -> None:
        error.value, error.visible = _t(self.app, key), True
        error.update()
        self.save_state.set("unsaved")

    def _actor(self) -> str:
        return self.app.me or self.data.inspection.inspector or "tablet"

    async def _save_center(self, name: str, number: bool, old: list[str], error: ft.Text, e) -> None:
        text = e.control.value or ""
        if self._unchanged(text, old, error):
            return
        value: object = text.strip()
        if name == "name" and not text.strip():
            return self._show(error, "empty_name")
        if number:
            value, problem = parse_number(text)
            if problem:
                return self._show(error, problem)
        done = await self.app.call(services.edit_center, self.data.center.id, actor=self._actor(),
                                   error_at=error, **{name: value})
        if done is not None:
            old[0] = text
            error.visible = False
            error.update()

    async def _save_reviewing_body(self, old: list[str], error: ft.Text, e) -> None:
        text = e.control.value or ""
        if self._unchanged(text, old, error):
            return
        done = await self.app.call(services.set_evaluation_facts, self.id, reviewing_body=text,
                                   actor=self.app.me or None, error_at=error)
        if done is not None:
            old[0] = text

    async def _save_member(self, member: str, part: str, old: list[str], error: ft.Text, e) -> None:
        text = e.control.value or ""
        if self._unchanged(text, old, error):
            return
        mine = self.members.get(member)
        if mine is None:
            return
        changed = mine.model_copy(update={part: text.strip()})
        self.members[member] = changed
        done = await self.app.call(services.set_evaluation_facts, self.id, team=[changed],
                                   actor=self.app.me or None, error_at=error)
        if done is not None:
            old[0] = text


__all__ = ["CenterFactsScreen", "facts_button", "facts_route", "parse_number"]
