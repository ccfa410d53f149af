"""Use cases of the review chain on a tablet (评价轮次): start a stage of a round, find the
center's self-assessment (机构自评) pulled by sync, show it beside the inspector's ratings
(blind until rated), record why a level differs (差异说明), and compute the consistency.

The rules themselves are pure: rounds.py (round id, sample) and consistency.py (figures).
See docs/review-chain.md.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from inspect_app import services
from inspect_app.clock import local
from inspect_app.consistency import Consistency, Layer, compare, needs_reason
from inspect_app.errors import UserError
from inspect_app.inspection import (
    EvidenceRecord,
    Finding,
    Inspection,
    InspectionStatus,
    ItemRating,
    ItemResult,
    Stage,
    TeamMember,
    utc_now,
)
from inspect_app.rounds import SampleRule, draw_sample, round_id, self_assessment_id
from inspect_app.scoring import ClauseLevel, clause_level, score_clauses
from inspect_app.standard.model import Standard

SEALED = (InspectionStatus.SIGNED, InspectionStatus.LOCKED)


def start_stage(ws: services.Workspace, center_id: str, standard, team: list[TeamMember] | list[str],
                inspector: str, *, stage: Stage | str = Stage.COUNTY, year: int | None = None,
                sample: SampleRule | None = None, show_self_ratings: bool = False,
                keep_gps: bool = False) -> Inspection:
    """A stage of the round (center, standard, year): an ordinary inspection marked with its
    stage and round. A re-check's sample is drawn here, once, and stored with its rule."""
    stage = Stage(stage)
    if stage is Stage.SELF:
        raise UserError("机构自评由机构在中心网页上填写。", "A self-assessment is filled in on the hub pages.")
    if isinstance(standard, str):
        standard = services.load_standard(ws, standard)
    elif isinstance(standard, services.StandardInfo):
        standard = services.load_standard(ws, standard.path)
    year = year or local(utc_now()).year
    chosen = draw_sample(standard, sample) if sample is not None else []
    return services.start_inspection(
        ws, center_id, standard, team, inspector, keep_gps=keep_gps, stage=stage,
        round_id=round_id(center_id, standard.id, year), sample=chosen,
        sample_rule=sample.text() if sample else "", show_self_ratings=show_self_ratings)


def self_assessment(ws: services.Workspace, inspection: Inspection) -> services.InspectionSnapshot | None:
    """The center's submitted self-assessment this inspection compares with: the one of its
    round, else the latest of the same center and standard. None when sync has not brought one.
    (Pulled inspections carry no local change numbers, so they are found by file, not index.)"""
    if inspection.stage is Stage.SELF:
        return None
    ids = [i for i in ws.store.inspection_ids() if i.startswith("self-")]
    wanted = self_assessment_id(inspection.round_id) if inspection.round_id else ""
    found = []
    for iid in sorted(ids, key=lambda i: i != wanted):
        try:
            other = services.get_inspection(ws, iid)
        except Exception:  # noqa: BLE001 - a damaged or half-synced file is simply not a layer
            continue
        if (other.stage is Stage.SELF and other.status in SEALED and other.center_id == inspection.center_id
                and other.standard_id == inspection.standard_id):
            if iid == wanted:
                return services.snapshot(ws, iid)
            found.append(other)
    if not found:
        return None
    return services.snapshot(ws, max(found, key=lambda i: i.started_on).id)


def _ratings(snap: services.InspectionSnapshot) -> dict[str, dict[str, ItemRating]]:
    return {n: dict(f.items) for n, f in snap.findings.items()}


@dataclass(frozen=True)
class SelfItem:
    """The center's rating of one item, as the clause screen shows it beside the inspector's."""

    code: str
    result: ItemResult
    note: str
    na_reason: str
    photos: tuple[EvidenceRecord, ...]
    visible: bool  # blind: only once the inspector rated this item (or the round shows them)


@dataclass(frozen=True)
class SelfClause:
    inspection_id: str
    clause_number: str
    self_level: ClauseLevel
    own_level: ClauseLevel
    items: dict[str, SelfItem]
    clause_note: str
    clause_photos: tuple[EvidenceRecord, ...]
    reason: str  # the inspector's 差异说明 so far
    shown: bool = False  # the round shows self-ratings from the start
    sources: tuple[tuple[str, ClauseLevel], ...] = ()  # the inspector's levels of other clauses

    def with_ratings(self, clause, own: dict[str, ItemRating]) -> "SelfClause":
        """The same comparison after the inspector changed this clause's ratings (no reads)."""
        items = {code: replace(i, visible=self.shown or own.get(code, ItemRating()).result is not ItemResult.UNRATED)
                 for code, i in self.items.items()}
        level = clause_level(clause, own, dict(self.sources)).level
        return replace(self, items=items, own_level=level)

    @property
    def level_visible(self) -> bool:
        """The center's clause level shows once every item the inspector sees is visible."""
        return bool(self.items) and all(i.visible for i in self.items.values())

    @property
    def asks_reason(self) -> bool:
        return self.level_visible and needs_reason(self.self_level, self.own_level)


def self_clause(ws: services.Workspace, inspection_id: str, clause_number: str,
                own: dict[str, ItemRating] | None = None) -> SelfClause | None:
    """What the clause screen shows of the self-assessment for one clause (None: none here).
    `own` are the inspector's current ratings of the clause (read from the store if None)."""
    theirs = self_assessment(ws, services.get_inspection(ws, inspection_id))
    if theirs is None:  # the usual case on a tablet without a self-assessment: one small read
        return None
    snap = services.snapshot(ws, inspection_id)
    standard = services.standard_for(ws, snap.inspection)
    clause = standard.clause(clause_number)
    mine_all = {n: dict(f.items) for n, f in snap.findings.items()}
    if own is not None:
        mine_all[clause_number] = dict(own)
    own_ratings = mine_all.get(clause_number, {})
    shown = snap.inspection.show_self_ratings
    their_ratings = _ratings(theirs)
    their_levels = {n: s.level for n, s in score_clauses(standard, their_ratings).items()}
    own_levels = {n: s.level for n, s in score_clauses(standard, mine_all).items()}
    items = {}
    for item in clause.items:
        if item.derived is not None:
            continue
        rating = their_ratings.get(clause_number, {}).get(item.code, ItemRating())
        rated = own_ratings.get(item.code, ItemRating()).result is not ItemResult.UNRATED
        photos = tuple(e for e in theirs.live_evidence
                       if e.target.clause_number == clause_number and e.target.item_code == item.code)
        items[item.code] = SelfItem(item.code, rating.result, rating.note, rating.na_reason, photos, shown or rated)
    finding = theirs.findings.get(clause_number)
    own_finding = snap.findings.get(clause_number)
    if clause.derived is not None and not clause.items:
        own_level = clause_level(clause, {}, own_levels).level
    else:
        own_level = own_levels[clause_number]
    return SelfClause(
        inspection_id=theirs.inspection.id, clause_number=clause_number,
        self_level=their_levels[clause_number], own_level=own_level, items=items,
        clause_note=finding.note if finding else "",
        clause_photos=tuple(e for e in theirs.live_evidence
                            if e.target.clause_number == clause_number and not e.target.item_code),
        reason=own_finding.disagreement_reason if own_finding else "", shown=shown,
        sources=tuple((n, lv) for n, lv in own_levels.items() if n != clause_number))


def set_disagreement_reason(ws: services.Workspace, inspection_id: str, clause_number: str, reason: str, *,
                            actor: str | None = None) -> Finding:
    """差异说明: why the inspector's level of a clause differs from the self-assessment's."""
    text = reason.strip()

    def change(tx, inspection: Inspection, standard: Standard) -> Finding:
        services._clause(standard, clause_number)
        who = services._actor(actor, inspection)
        finding = services._finding(tx, inspection, clause_number)
        if finding.disagreement_reason == text:
            return finding
        tx.audit(actor=who, action="set_disagreement_reason", inspection_id=inspection.id,
                 key=clause_number, old=finding.disagreement_reason, new=text)
        return services._save_finding(tx, finding.model_copy(update={"disagreement_reason": text}), who)

    return services._edit(ws, inspection_id, change)


def layer_of(snap: services.InspectionSnapshot, small_institution: bool = False) -> Layer:
    """A stage's ratings as a consistency layer (its recorded sample restricts comparisons)."""
    return Layer.of_stage(snap.inspection.stage, _ratings(snap), snap.inspection.sample,
                          prerequisites=snap.inspection.prerequisites or None, small_institution=small_institution,
                          reasons={n: f.disagreement_reason for n, f in snap.findings.items()
                                   if f.disagreement_reason})


def consistency_with_self(ws: services.Workspace, inspection_id: str) -> Consistency | None:
    """This stage against the center's self-assessment (None when there is none here)."""
    snap = services.snapshot(ws, inspection_id)
    theirs = self_assessment(ws, snap.inspection)
    if theirs is None:
        return None
    standard = services.standard_for(ws, snap.inspection)
    center = services.get_center(ws, snap.inspection.center_id)
    return compare(standard, layer_of(theirs, center.small_institution), layer_of(snap, center.small_institution))


def layers_of_round(ws: services.Workspace, round_id_: str) -> list[Inspection]:
    """The stages of a round held here, in the chain's order (自评 → 县 → 市 → 省)."""
    from inspect_app.rounds import stage_rank

    found = [i for i in services.list_inspections(ws, include_self=True) if i.round_id == round_id_]
    theirs = self_assessment_id(round_id_)
    if theirs in ws.store.inspection_ids() and theirs not in {i.id for i in found}:
        found.append(services.get_inspection(ws, theirs))
    return sorted(found, key=lambda i: (stage_rank(i.stage), i.started_on))


@dataclass(frozen=True)
class RoundInfo:
    """A round of one center and standard as the start dialog offers it: its year and the
    stages of it held here (自评 → 县 → 市 → 省)."""

    year: int
    round_id: str
    stages: tuple[Stage, ...]


def rounds_of(ws: services.Workspace, center_id: str, standard_id: str) -> list[RoundInfo]:
    """The rounds of a center and standard held here, latest year first (a pulled
    self-assessment counts: it is found by file, like self_assessment does)."""
    from inspect_app.rounds import round_year, stage_rank

    found: dict[str, list[Inspection]] = {}
    listed = list(services.list_inspections(ws, include_self=True))
    seen = {i.id for i in listed}
    for iid in ws.store.inspection_ids():
        if iid.startswith("self-") and iid not in seen:
            try:
                listed.append(services.get_inspection(ws, iid))
            except Exception:  # noqa: BLE001 - a damaged or half-synced file is no round
                continue
    for insp in listed:
        if insp.round_id and insp.center_id == center_id and insp.standard_id == standard_id \
                and round_year(insp.round_id):
            found.setdefault(insp.round_id, []).append(insp)
    out = [RoundInfo(int(round_year(rid)), rid,
                     tuple(sorted({i.stage for i in stages}, key=stage_rank))) for rid, stages in found.items()]
    return sorted(out, key=lambda r: -r.year)


def preview_sample(ws: services.Workspace, standard_id: str, rule: SampleRule) -> list[str]:
    """The clauses `rule` draws from this standard: what start_stage will record for it."""
    return draw_sample(services.load_standard(ws, standard_id), rule)


__all__ = ["RoundInfo", "SelfClause", "SelfItem", "consistency_with_self", "layer_of", "layers_of_round",
           "preview_sample", "rounds_of", "self_assessment", "self_clause", "set_disagreement_reason",
           "start_stage"]
