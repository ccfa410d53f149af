"""Read models of the screens (part of the service layer): what a screen shows after an edit,
so that no screen scores the inspection again or reloads it whole.

- `inspection_view(ws, id)`: the snapshot, its exact standard, the center and the score. Kept per
  workspace and keyed by the inspection file's identity (inode, size, times): a reader in this
  process, a sync merge or another process that wrote the file all change the key. On a change
  the stored content the screens depend on (the file without the 书签 current_clause and the
  audit log) is compared by digest first: a save of the bookmark alone, made on every clause
  open, keeps the view (no snapshot, no validation). Otherwise only the clauses whose ratings
  differ are scored again (scoring.rescore).
- `clause_state(ws, id, number)`: one clause's level with its reasons, evidence gaps, photos,
  the inspection's progress and provisional verdict, and where the next unrated clause is.
- `rate(...)` / `clear(...)`: services.rate_item / services.clear_rating, then the clause state.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field

from inspect_app import services
from inspect_app.errors import UserError
from inspect_app.evidence_rules import ItemGap, clause_gaps, inspection_gaps, photo_counts
from inspect_app.inspection import EvidenceRecord, Finding, HealthCenter, Inspection, InspectionStatus
from inspect_app.scoring import (
    ClauseLevel,
    ClauseScore,
    InspectionScore,
    PostCompliance,
    Verdict,
    post_compliance,
    rescore,
    score_inspection,
    within_sample,
)
from inspect_app.standard.model import Standard, StandardKind
from inspect_app.store.datafile import dumps


@dataclass
class InspectionView:
    """One inspection as the screens read it, at one moment."""

    snap: services.InspectionSnapshot
    standard: Standard
    center: HealthCenter | None
    score: InspectionScore
    version: tuple = ()
    content: bytes | None = None  # digest of the stored content it was read from (_content)
    # Every clause of the standard scored: what `rescore` builds on. `score` is the same for a
    # full review; for a re-check on a sample it counts only the sampled clauses (within_sample).
    full: InspectionScore | None = None
    _gaps: dict | None = field(default=None, repr=False)
    # The stored dicts the findings and evidence records were validated from (_snapshot).
    _raws: dict = field(default_factory=dict, repr=False)

    @property
    def inspection(self) -> Inspection:
        return self.snap.inspection

    @property
    def editable(self) -> bool:
        return self.snap.inspection.status is InspectionStatus.DRAFT

    @property
    def locked(self) -> bool:
        """Signed or locked: nothing about this revision can change any more."""
        return self.snap.inspection.status in (InspectionStatus.SIGNED, InspectionStatus.LOCKED)

    @property
    def checklist(self) -> bool:
        """A checklist standard (门诊服务规范): posts with norms, 符合率, no C/B/A levels."""
        return self.standard.kind is StandardKind.CHECKLIST

    def ratings(self) -> dict:
        return {n: f.items for n, f in self.snap.findings.items()}

    def gaps(self) -> dict[str, list[ItemGap]]:
        if self._gaps is None:
            self._gaps = inspection_gaps(self.standard, self.snap.findings, self.snap.live_evidence)
        return self._gaps

    def posts(self) -> list[PostCompliance]:
        return post_compliance(self.standard, self.score.clauses, self.snap.inspection.sample)

    def next_unrated(self, after: str = "") -> str | None:
        return next_unrated(self.standard, self.score, after, self.snap.inspection.sample)


def next_unrated(standard: Standard, score: InspectionScore, after: str = "", sample=()) -> str | None:
    """The next clause (after `after`, wrapping round) with an item still to rate by hand (of the
    recorded sample only, for a re-check on a sample)."""
    chosen = set(sample)
    clauses = [c for c in standard.clauses() if c.derived is None and c.items and not getattr(c, "unplaced", False)
               and (not chosen or c.number in chosen)]
    numbers = [c.number for c in clauses]
    start = numbers.index(after) + 1 if after in numbers else 0
    by_number = {c.number: c for c in clauses}
    for number in numbers[start:] + numbers[:start]:
        if number == after:
            continue
        s = score.clauses[number]
        hand = [i for i in by_number[number].items if i.derived is None]
        if hand and s.rated < s.total:
            return number
    return None


class _Cache:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.views: dict[str, InspectionView] = {}


def _cache(ws) -> _Cache:
    cache = getattr(ws, "_read_models", None)
    if cache is None:
        cache = ws._read_models = _Cache()
    return cache


def _file_key(ws, inspection_id: str) -> tuple:
    try:
        st = os.stat(ws.store.file(inspection_id).path)
    except FileNotFoundError:
        return ()
    # Not ctime: the store's .prev hard link changes it without changing the content.
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def _content(doc: dict | None) -> tuple[bytes | None, str]:
    """Digest of what the screens read from a stored inspection document, and its bookmark.

    Everything but the audit log, the frozen revisions and `current_clause` (where the inspector
    left off: saved on every clause open, it changes no score, gap or progress)."""
    if doc is None:
        return None, ""
    meta = dict((doc.get("inspection") or {}).get("1") or {})
    bookmark = meta.pop("current_clause", "")
    parts = [meta, doc.get("findings"), doc.get("evidence"), doc.get("signatures")]
    return hashlib.blake2b(dumps(parts), digest_size=16).digest(), bookmark


def _snapshot(ws, inspection_id: str, old: InspectionView | None) -> tuple[services.InspectionSnapshot, dict]:
    """services.snapshot, validating again only the findings and evidence records whose stored
    dict is not the very one `old` was read from.

    A save replaces the dict of what it changed and keeps the others (store.Tx._put), so after a
    tap one finding is validated instead of all of them (~250: most of the cost of reading the
    inspection again); a file read from disk (another process, a restored copy) is all new dicts
    and is validated whole. Returns the snapshot and the (dict, model) pairs for the next call."""
    known = old._raws if old is not None else {}
    raws: dict = {}

    def models(table: str, field: str, model, stored: dict) -> list:
        out = []
        for d in stored.values():
            hit = known.get((table, d.get(field)))
            value = hit[1] if hit is not None and hit[0] is d else model.model_validate(dict(d))
            raws[(table, d.get(field))] = (d, value)
            out.append(value)
        return out

    with ws.store.read(inspection_id) as tx:
        inspection = tx.inspection()
        findings = models("findings", "clause_number", Finding, tx.doc.get("findings") or {})
        evidence = models("evidence", "id", EvidenceRecord, tx.doc.get("evidence") or {})
        snap = services.InspectionSnapshot(
            inspection=inspection,
            findings={f.clause_number: f for f in findings},
            evidence=evidence,
            signatures=[s for s in tx.signatures() if s.revision == inspection.revision],
        )
    return snap, raws


def inspection_view(ws, inspection_id: str) -> InspectionView:
    """The inspection as the screens show it; cached while its stored content is unchanged."""
    cache = _cache(ws)
    key = _file_key(ws, inspection_id)
    with cache.lock:
        old = cache.views.get(inspection_id)
        if old is not None and key and old.version == key:
            return old
    datafile = ws.store.file(inspection_id)
    # The store's in-process lock (re-entrant) keeps this process's writers out between reading
    # the document, its digest and the snapshot; another process replaces the file whole, which
    # makes the store load a new document object (checked below).
    with ws.store.lock.mutex:
        doc = datafile.load()
        content, bookmark = _content(doc)
        if old is not None and content is not None and old.content == content:
            inspection = old.inspection
            if inspection.current_clause != bookmark:
                inspection = inspection.model_copy(update={"current_clause": bookmark})
            view = dataclasses.replace(old, snap=dataclasses.replace(old.snap, inspection=inspection),
                                       version=key)
            with cache.lock:
                cache.views[inspection_id] = view
            return view
        snap, raws = _snapshot(ws, inspection_id, old)
        if datafile.load() is not doc:  # replaced meanwhile: the digest may not be of this snapshot
            content = None
    standard = services.standard_for(ws, snap.inspection)
    try:
        center = services.get_center(ws, snap.inspection.center_id)
    except UserError:  # the screens still open; they show the center only when it is here
        center = None
    small = bool(center and center.small_institution)
    ratings = {n: f.items for n, f in snap.findings.items()}
    if old is not None and old.full is not None and old.standard is standard \
            and old.inspection.revision == snap.inspection.revision:
        before, after = old.snap.findings, snap.findings
        # A finding kept from the old view (the same object: its stored dict is unchanged) needs no
        # comparison; only the few read again are compared, by their ratings.
        changed = {n for n in set(before) | set(after)
                   if before.get(n) is not after.get(n)
                   and (before[n].items if n in before else {}) != (after[n].items if n in after else {})}
        full = rescore(standard, old.full, ratings, changed, snap.inspection.prerequisites,
                       small_institution=small)
    else:
        # 合格标准 (a tier marked small_institutions_only) counts only for a small institution.
        full = score_inspection(standard, ratings, snap.inspection.prerequisites, small_institution=small)
    # a re-check on a sample: counts, chapters, progress and shares of its sampled clauses only
    score = within_sample(standard, full, snap.inspection.sample, snap.inspection.prerequisites,
                          small_institution=small)
    view = InspectionView(snap=snap, standard=standard, center=center, score=score, version=key,
                         content=content, full=full, _raws=raws)
    with cache.lock:
        cache.views[inspection_id] = view
    return view


@dataclass(frozen=True)
class ClauseState:
    """What the clause screen shows, straight after an edit or on opening."""

    number: str
    status: InspectionStatus
    finding: Finding | None
    score: ClauseScore
    source_levels: Mapping[str, ClauseLevel]
    evidence: tuple[EvidenceRecord, ...]
    gaps: tuple[ItemGap, ...]
    rated_items: int
    total_items: int
    verdict: Verdict
    next_unrated: str | None

    @property
    def editable(self) -> bool:
        return self.status is InspectionStatus.DRAFT


def clause_state(ws, inspection_id: str, number: str) -> ClauseState:
    view = inspection_view(ws, inspection_id)
    try:
        clause = view.standard.clause(number)
    except KeyError:
        raise UserError(f"评价标准中没有条款 {number}。", f"The standard has no clause {number}.") from None
    finding = view.snap.findings.get(number)
    evidence = tuple(e for e in view.snap.live_evidence if e.target.clause_number == number)
    gaps = tuple(clause_gaps(clause, finding, photo_counts(evidence, number))) if finding else ()
    sources = set(clause.derived.sources if clause.derived else ())
    for item in clause.items:
        if item.derived:
            sources.update(item.derived.sources)
    return ClauseState(
        number=number, status=view.inspection.status, finding=finding, score=view.score.clauses[number],
        source_levels={n: view.score.clauses[n].level for n in sources if n in view.score.clauses},
        evidence=evidence, gaps=gaps, rated_items=view.score.rated_items, total_items=view.score.total_items,
        verdict=view.score.verdict, next_unrated=view.next_unrated(number),
    )


def rate(ws, inspection_id: str, number: str, item_code: str, result, *, na_reason: str = "",
         actor: str | None = None) -> ClauseState:
    """评分, then the clause as it now stands (level, reasons, gaps, progress)."""
    services.rate_item(ws, inspection_id, number, item_code, result, na_reason=na_reason, actor=actor)
    return clause_state(ws, inspection_id, number)


def clear(ws, inspection_id: str, number: str, item_code: str, *, actor: str | None = None) -> ClauseState:
    """清除评分: the item is 未评 again (audited), then the clause as it now stands."""
    services.clear_rating(ws, inspection_id, number, item_code, actor=actor)
    return clause_state(ws, inspection_id, number)


def item_note(ws, inspection_id: str, number: str, item_code: str, note: str, *,
              actor: str | None = None) -> ClauseState:
    services.set_item_note(ws, inspection_id, number, item_code, note, actor=actor)
    return clause_state(ws, inspection_id, number)


def clause_note(ws, inspection_id: str, number: str, note: str, *, actor: str | None = None) -> ClauseState:
    services.set_clause_note(ws, inspection_id, number, note, actor=actor)
    return clause_state(ws, inspection_id, number)
