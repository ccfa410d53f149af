"""The rating of one item, shared by the clause screen (ui/clause) and the checklist's post screen
(ui/post): 符合 / 不符合 / 不适用, 清除评分, a refusal by the field, the 不适用 reason with its
phrases, and the note with its counter, limit and quick phrases.

One object per row, kept while the screen lives: `bind` points it at another item (the clause
screen moves to the next clause without building new controls), `show` paints a stored rating
after a save or a sync merge, sending only the controls that changed. Quick phrases are collapsed
behind one 常用语 button and built on first use (they were most of a clause's controls).

The screen gives one coroutine, `save(row, fn, *args, **kwargs)`, which calls the read-model
service `fn` (read_models.rate / clear / item_note) for the row's clause and item with
`error_at=row.refusal`, shows the returned state and returns it (None when refused or failed).
"""

from __future__ import annotations

import flet as ft

from inspect_app import read_models, services
from inspect_app.inspection import ItemRating, ItemResult
from inspect_app.ui.components.choice import ChoiceRow
from inspect_app.ui.components.common import TARGET, bind
from inspect_app.ui.i18n import phrases
from inspect_app.ui_state import append_phrase

RESULT_COLORS = {ItemResult.MET.value: ft.Colors.GREEN_700, ItemResult.NOT_MET.value: ft.Colors.RED_700,
                 ItemResult.NA.value: ft.Colors.BLUE_GREY_600}


def _put(changed: list | None, control: ft.Control, **values) -> None:
    """Set values; note the control in `changed` (to be sent) when one differed."""
    if any(getattr(control, k) != v for k, v in values.items()):
        for k, v in values.items():
            setattr(control, k, v)
        if changed is not None:
            changed.append(control)


def note_field(app, label: str, value: str, *, editable: bool, min_lines: int, on_blur, on_change) -> ft.TextField:
    """A note that grows with its text (no inner scroll, so the wheel always scrolls the page),
    with its length counter and the limit stated (services.NOTE_LIMIT)."""
    return ft.TextField(label=label, value=value, multiline=True, min_lines=min_lines, max_lines=None,
                        max_length=services.NOTE_LIMIT, helper=app.t("note_limit", n=services.NOTE_LIMIT),
                        on_blur=on_blur, on_change=on_change, disabled=not editable)


class PhraseRow:
    """常用语: one button; the phrases (TextButtons) are built the first time it is opened."""

    def __init__(self, app, kind: str, on_pick, *, visible: bool = True) -> None:
        self.app, self.kind, self.on_pick = app, kind, on_pick
        self.row = ft.Row(wrap=True, spacing=0, visible=False)
        self.toggle = ft.TextButton(content=ft.Text(app.t("quick_phrases")), icon=ft.Icons.EXPAND_MORE,
                                    height=TARGET, on_click=self._toggle)
        self.control = ft.Column([self.toggle, self.row], spacing=0, tight=True, visible=visible)

    def _toggle(self, e=None) -> None:
        if not self.row.controls:
            self.row.controls = [ft.TextButton(p, height=TARGET, on_click=bind(self.on_pick, p))
                                 for p in phrases(self.kind, self.app.lang)]
        self.row.visible = not self.row.visible
        self.toggle.icon = ft.Icons.EXPAND_LESS if self.row.visible else ft.Icons.EXPAND_MORE
        self.control.update()

    def close(self) -> None:
        """Collapsed again (moving to another item); nothing is sent by itself."""
        self.row.visible = False
        self.toggle.icon = ft.Icons.EXPAND_MORE


class RatingRow:
    def __init__(self, app, save, *, editable: bool, phrase_kind: str, on_typing=None, on_settled=None) -> None:
        self.app = app
        self.save = save
        self.editable = editable
        self.on_typing = on_typing  # the note was typed into (the screen shows 未保存)
        self.on_settled = on_settled  # the note matches what is stored again
        self.number = ""  # the clause of the item
        self.code = ""
        self.rating = ItemRating()
        self.typing = False
        t, locked = app.t, not editable
        self.choice = ChoiceRow([(ItemResult.MET.value, t("met")), (ItemResult.NOT_MET.value, t("not_met")),
                                 (ItemResult.NA.value, t("na"))], None, self._choose, colors=RESULT_COLORS,
                                expand_buttons=True, locked=locked)
        self.clear = ft.TextButton(content=ft.Text(t("clear_rating")), icon=ft.Icons.UNDO, height=TARGET,
                                   on_click=bind(self._clear), visible=False)
        self.refusal = ft.Text("", size=13, color=ft.Colors.RED_700, visible=False)
        self.na_reason = ft.TextField(label=t("na_reason"), value="", visible=False, disabled=locked,
                                      on_blur=bind(self._na_reason_done), on_change=lambda e: None)
        self.na_phrases = ft.Row(wrap=True, visible=False)  # filled when first shown
        self.note = note_field(app, t("item_note"), "", editable=editable, min_lines=1,
                               on_blur=bind(self._note_done), on_change=self._typed)
        self.phrases = PhraseRow(app, phrase_kind, self._note_phrase, visible=editable)
        self.clear_row = ft.Row([self.clear], alignment=ft.MainAxisAlignment.END)

    def controls(self, under_choice=(), before_note=()) -> list[ft.Control]:
        """The row's controls in screen order; `under_choice` goes under the choices (机构自评),
        `before_note` over the note (what evidence is still missing)."""
        return [self.choice, *under_choice, self.clear_row, self.refusal, self.na_reason, self.na_phrases,
                *before_note, self.note, self.phrases.control]

    # ------------------------------------------------------------ painting
    def bind(self, number: str, code: str, rating: ItemRating) -> None:
        """Point the row at an item and paint its stored rating; sends nothing (the caller updates
        the page once)."""
        self.number, self.code, self.typing = number, code, False
        _put(None, self.refusal, value="", visible=False)
        _put(None, self.na_reason, value=rating.na_reason)
        _put(None, self.note, value=rating.note)
        self.phrases.close()
        self._paint(rating, None)

    def show(self, rating: ItemRating, changed: list | None = None) -> None:
        """Paint a stored rating (after a save, a clear, a teammate's merge) in place; the note
        being typed is left alone. The controls that changed are sent, or added to `changed`
        for the caller to send in one page update."""
        mine: list[ft.Control] = []
        if not self.typing:
            _put(mine, self.note, value=rating.note)
        self._paint(rating, mine)
        if changed is not None:
            changed.extend(mine)
        elif mine:
            self.app.page.update(*[c for c in mine if c.page])

    def _paint(self, rating: ItemRating, changed: list | None) -> None:
        self.rating = rating
        rated = rating.result is not ItemResult.UNRATED
        value = rating.result.value if rated else None
        if changed is not None and self.choice.value != value:
            changed.append(self.choice)
        self.choice.show(value, update=False)
        _put(changed, self.clear, visible=rated and self.editable)
        if rating.result is ItemResult.NA:
            self._show_na(True, changed)
        elif self.choice.value != ItemResult.NA.value:
            self._show_na(False, changed)

    def _show_na(self, on: bool, changed: list | None) -> None:
        _put(changed, self.na_reason, visible=on)
        if on and self.editable and not self.na_phrases.controls:
            self.na_phrases.controls = [ft.TextButton(p, height=TARGET, on_click=bind(self._na_phrase, p))
                                        for p in phrases("na", self.app.lang)]
        _put(changed, self.na_phrases, visible=on and self.editable)

    def say(self, message: str) -> None:
        if self.refusal.value != message or self.refusal.visible != bool(message):
            self.refusal.value, self.refusal.visible = message, bool(message)
            self.refusal.update()

    # ------------------------------------------------------------ changes
    async def _choose(self, value: str) -> None:
        is_na = value == ItemResult.NA.value
        changed: list[ft.Control] = []
        self._show_na(is_na, changed)
        for control in changed:
            control.update()
        if is_na:
            reason = (self.na_reason.value or "").strip()
            if reason:
                await self._rate(ItemResult.NA, reason)
            else:  # chosen on screen, not saved until a reason is given: say so
                self.app.screen.save_state.set("unsaved")
                self.say(self.app.t("na_needs_reason"))
            return
        await self._rate(ItemResult(value))

    async def _rate(self, result: ItemResult, reason: str = "") -> None:
        saved = self.rating.result
        number, code = self.number, self.code
        self.say("")
        state = await self.save(self, read_models.rate, result.value, na_reason=reason)
        if state is None and (self.number, self.code) == (number, code):
            # Refused or failed: the buttons show what is stored, not the tap.
            self.choice.show(saved.value if saved is not ItemResult.UNRATED else None)

    async def _clear(self) -> None:
        if await self.save(self, read_models.clear) is not None:
            changed: list[ft.Control] = []
            self._show_na(False, changed)
            for control in changed:
                control.update()

    async def _na_reason_done(self) -> None:
        reason = (self.na_reason.value or "").strip()
        if reason and self.choice.value == ItemResult.NA.value:
            await self._rate(ItemResult.NA, reason)

    async def _na_phrase(self, phrase: str) -> None:
        self.na_reason.value = phrase
        self.na_reason.update()
        await self._na_reason_done()

    def _typed(self, e=None) -> None:
        self.typing = True
        if self.on_typing:
            self.on_typing()

    async def _note_done(self) -> None:
        text = self.note.value or ""
        if text == self.rating.note:
            self.typing = False
            if self.on_settled:
                self.on_settled()
            return
        if await self.save(self, read_models.item_note, text) is not None:
            self.typing = False

    async def _note_phrase(self, phrase: str) -> None:
        self.note.value = append_phrase(self.note.value or "", phrase)
        self.note.update()
        await self._note_done()
