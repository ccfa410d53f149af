"""The start dialog's review-chain choices (docs/review-chain.md): the stage (县级审核 by default,
市级复核, 省级评价), the round (评价轮次) of the chosen center and standard, whether a re-check
rates every clause or a seeded sample (30 % of the basic clauses plus every ★ clause by
default; the rule in words and the number of clauses it draws), and the round's option to show
the self-ratings from the start. Drawing the sample is review_chain's (rounds.draw_sample):
this module only previews what start_stage will record for the same rule.

Also the one line the home card and the overview show of a stage ("市级复核 · 2026 年 · 抽查 14 条").
"""

from __future__ import annotations

import secrets

import flet as ft

from inspect_app import review_chain
from inspect_app.clock import local
from inspect_app.inspection import Inspection, Stage, utc_now
from inspect_app.rounds import SampleRule, round_year
from inspect_app.ui.components.choice import ChoiceRow
from inspect_app.ui.components.common import TARGET
from inspect_app.ui.i18n import join_list

STAGES = (Stage.COUNTY, Stage.CITY, Stage.PROVINCE)
SHARES = (10, 20, 30, 50)  # % of the basic clauses a sample draws; 30 by default


def stage_name(stage: Stage, lang: str) -> str:
    from inspect_app.inspection import STAGE_EN, STAGE_ZH

    return (STAGE_EN if lang == "en" else STAGE_ZH)[Stage(stage)]


def stage_text(app, insp: Inspection) -> str:
    """市级复核 · 2026 年 · 抽查 14 条 (the stage, its round's year, the sample's size)."""
    parts = [stage_name(insp.stage, app.lang)]
    year = round_year(insp.round_id) if insp.round_id else ""
    if year:
        parts.append(f"{app.t('round')} {year}" if app.lang == "en" else f"{year} 年{app.t('round')}")
    if insp.sample:
        parts.append(app.t("sampled_n", n=len(insp.sample)))
    return " · ".join(parts)


def sample_rule_words(app, rule: SampleRule, n: int) -> str:
    star = app.t("sample_rule_star") if rule.recommended else ""
    return app.t("sample_rule", seed=rule.seed, share=f"{rule.share * 100:g}", star=star, n=n)


def sample_words(app, insp: Inspection) -> str:
    """The overview's line on a sampled stage: only its sampled clauses are rated, by which rule."""
    try:
        rule = sample_rule_words(app, SampleRule.parse(insp.sample_rule), len(insp.sample))
    except (KeyError, ValueError):  # no rule recorded with it: the clauses still are
        rule = app.t("sampled_n", n=len(insp.sample))
    return app.t("sample_only", rule=rule)


def _switch_line(switch: ft.Switch, label: str, on_click) -> ft.Control:
    """A switch and its label that wraps on a phone (a Switch's own label is cut off there);
    tapping the label toggles it too."""
    return ft.Container(ft.Row([switch, ft.Text(label, size=14, expand=True)], spacing=8,
                               vertical_alignment=ft.CrossAxisAlignment.CENTER),
                        on_click=on_click, padding=ft.Padding.symmetric(horizontal=4, vertical=8))


class StageChoices:
    """The controls of the dialog's chain part; `refresh()` when the center or standard changes."""

    def __init__(self, app, center_value, standard_value) -> None:
        self.app = app
        t = app.t
        self.center_value, self.standard_value = center_value, standard_value
        self.year = local(utc_now()).year
        self.stage = ChoiceRow([(s.value, t(f"stage_{s.value}")) for s in STAGES], Stage.COUNTY.value,
                               self._changed)
        self.round = ChoiceRow([], str(self.year), self._changed)
        self.scope = ChoiceRow([("sample", t("scope_sample")), ("all", t("scope_all"))], "sample", self._changed)
        self.seed = ft.TextField(label=t("seed"), value=str(100000 + secrets.randbelow(900000)), width=200,
                                 keyboard_type=ft.KeyboardType.NUMBER, on_change=lambda e: self._changed())
        self.share = ChoiceRow([(str(p), f"{p}%") for p in SHARES], "30", self._changed)
        self.star = ft.Switch(value=True, height=TARGET, on_change=lambda e: self._changed())
        self.rule = ft.Text("", size=13, color=ft.Colors.GREY_800)
        self.show_self = ft.Switch(value=False, height=TARGET, on_change=lambda e: None)
        # The rule in words (and how many clauses it draws) first, so it shows without scrolling.
        self.sample_box = ft.Column([self.rule, ft.Row([self.seed, ft.Column([ft.Text(t("share"), size=13), self.share],
                                                                               spacing=4, tight=True)],
                                                       wrap=True, spacing=12, run_spacing=8,
                                                       vertical_alignment=ft.CrossAxisAlignment.END),
                                     _switch_line(self.star, t("sample_star"), self._toggle_star)],
                                    spacing=8, tight=True)
        self.scope_box = ft.Column([ft.Text(t("scope"), weight=ft.FontWeight.W_600), self.scope, self.sample_box],
                                   spacing=8, tight=True)
        self.count = 0
        self.refresh(update=False)

    @property
    def controls(self) -> list[ft.Control]:
        t = self.app.t
        return [ft.Text(t("stage"), weight=ft.FontWeight.W_600), self.stage,
                ft.Text(t("round"), weight=ft.FontWeight.W_600), self.round, self.scope_box,
                _switch_line(self.show_self, t("show_self"), self._toggle_show)]

    def _toggle_star(self, e) -> None:
        self.star.value = not self.star.value
        self.refresh()

    def _toggle_show(self, e) -> None:
        self.show_self.value = not self.show_self.value
        self.show_self.update()

    def _changed(self, value=None) -> None:
        self.refresh()

    def _rounds(self) -> list[tuple[str, str]]:
        t, lang = self.app.t, self.app.lang
        center, standard = self.center_value(), self.standard_value()
        held = review_chain.rounds_of(self.app.ctx.workspace, center, standard) if center and standard else []
        options = []
        if all(r.year != self.year for r in held):
            options.append((str(self.year), t("round_new", year=self.year)))
        for r in held:
            stages = join_list([stage_name(s, lang) for s in r.stages], lang)
            options.append((str(r.year), t("round_of", year=r.year, stages=stages)))
        return sorted(options, key=lambda o: -int(o[0]))

    def rule_of(self) -> SampleRule | None:
        """The sample rule chosen (None: every clause, or the seed is not a number)."""
        if self.stage.value == Stage.COUNTY.value or self.scope.value != "sample":
            return None
        try:
            seed = int((self.seed.value or "").strip())
        except ValueError:
            return None
        return SampleRule(seed=seed, share=int(self.share.value) / 100, recommended=bool(self.star.value))

    def refresh(self, update: bool = True) -> None:
        t = self.app.t
        self.round.options = self._rounds()
        if self.round.value not in {v for v, _ in self.round.options}:
            self.round.value = str(self.year)
        self.round._render()
        recheck = self.stage.value != Stage.COUNTY.value
        self.scope_box.visible = recheck
        self.sample_box.visible = recheck and self.scope.value == "sample"
        rule, standard = self.rule_of(), self.standard_value()
        self.rule.color = ft.Colors.GREY_800
        if self.sample_box.visible and rule is None:
            self.rule.value, self.rule.color = t("seed_bad"), ft.Colors.RED_700
        elif rule is not None and standard:
            self.count = len(review_chain.preview_sample(self.app.ctx.workspace, standard, rule))
            self.rule.value = sample_rule_words(self.app, rule, self.count)
        else:
            self.rule.value = t("sample_pick")
        if update and self.scope_box.page:
            for c in (self.round, self.scope_box):
                c.update()

    def start_kwargs(self) -> dict | None:
        """review_chain.start_stage's chain arguments, or None (a sample's seed is not a number)."""
        rule = self.rule_of()
        if self.sample_box.visible and rule is None:
            return None
        return dict(stage=self.stage.value, year=int(self.round.value or self.year), sample=rule,
                    show_self_ratings=bool(self.show_self.value))
