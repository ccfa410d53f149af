"""What the clinic and the bureau read on the hub (评审报告 / 全县概览), from the merged ops.

`snapshot` turns the merged state of one revision back into the domain records
(Inspection, Finding, EvidenceRecord, Signature), so scoring and the report builder work on
the hub exactly as they do on a tablet.
"""

from __future__ import annotations

import time
from functools import lru_cache
from pathlib import Path

from pydantic import ValidationError

from inspect_app import paths, services
from inspect_app.clock import inspection_date_text
from inspect_app.errors import UserError
from inspect_app.hub import timing
from inspect_app.hub.ledger import InspectionEntry, Ledger
from inspect_app.inspection import (
    EvidenceRecord,
    Finding,
    HealthCenter,
    Inspection,
    ItemRating,
    Signature,
)
from inspect_app.scoring import ClauseLevel, InspectionScore, deficiencies, level_name, score_inspection, within_sample
from inspect_app.standard.loader import list_standards, load_standard, loads_standard
from inspect_app.standard.model import Standard
from inspect_app.sync import keys
from inspect_app.sync.merge import KeyValue, conflicts, fold
from inspect_app.sync.protocol import SHA256_HEX, SHARED_INSPECTION_FIELDS


# The one snapshot type (services.InspectionSnapshot), as the hub fills it from merged ops.
Snapshot = services.InspectionSnapshot


def score_snapshot(standard: Standard, snap: Snapshot) -> InspectionScore:
    """Score an inspection as the hub holds it, with the center's small-institution flag (a
    re-check on a sample counted on its sampled clauses, as on the tablet and in its report)."""
    prerequisites = snap.inspection.prerequisites or None
    small = snap.center.small_institution
    score = score_inspection(standard, {n: f.items for n, f in snap.findings.items()}, prerequisites,
                             small_institution=small)
    return within_sample(standard, score, snap.inspection.sample, prerequisites, small_institution=small)


def snapshot(inspection_id: str, state: dict[str, KeyValue]) -> Snapshot:
    """Domain records from merged state. Conflicted keys show their first candidate here;
    `conflicts` lists them so no page presents such a value as settled."""
    header = {f: state[f"inspection.{f}"].value for f in SHARED_INSPECTION_FIELDS
              if f"inspection.{f}" in state and state[f"inspection.{f}"].value is not None}
    inspection = Inspection.model_validate({"center_id": "", "standard_id": "", "standard_version": "",
                                            **header, "id": inspection_id})
    center_value = state.get("center").value if "center" in state else None
    try:
        center = HealthCenter.model_validate(center_value or {"id": inspection.center_id, "name": inspection.center_id})
    except ValidationError:
        center = HealthCenter(id=inspection.center_id, name=inspection.center_id)
    findings: dict[str, Finding] = {}
    evidence, signatures, responses, reports = [], [], {}, {}

    def finding(clause: str) -> Finding:
        return findings.setdefault(clause, Finding(inspection_id=inspection_id, clause_number=clause))

    for key, kv in sorted(state.items()):
        parsed = keys.parse(key)  # the one codec: advice/<clause>/- is the clause-wide "" again
        if parsed is None:
            continue
        head, clause, code = parsed.kind, parsed.clause, parsed.code
        value = kv.value
        try:
            if head == "item" and isinstance(value, dict):
                finding(clause).items[code] = ItemRating.model_validate(value)
            elif head == "note":
                finding(clause).note = str(value or "")
            elif head == "reason":
                finding(clause).disagreement_reason = str(value or "")
            elif head == "advice" and value:  # None/"" (removed on a tablet) leaves no suggestion
                finding(clause).rectification[code] = str(value)
            elif head == "due" and value:  # 整改时限
                finding(clause).rectification_due[code] = str(value)
            elif head == "dept" and value:  # 责任科室
                finding(clause).rectification_dept[code] = str(value)
            elif head == "evidence" and isinstance(value, dict):
                evidence.append(EvidenceRecord.model_validate(value))
            elif head == "signature" and isinstance(value, dict):
                signatures.append(Signature.model_validate(value))
            elif head == "response" and isinstance(value, dict):
                responses[(clause, code)] = value
            elif head == "report" and isinstance(value, dict):
                reports[parsed.revision] = value
        except (ValidationError, ValueError):
            continue  # a value this hub cannot read is left out of the view, never guessed at
    ref = state["standard"].value if "standard" in state else None
    return Snapshot(inspection, findings, evidence, signatures, center, responses, reports, conflicts(state),
                    ref if isinstance(ref, dict) else None)


@lru_cache(maxsize=16)
def _standards_in(folder: str) -> dict[str, Path]:
    return {info.id: info.path for info in list_standards(folder)}


def standard_from_bytes(data: bytes, standard_id: str, version: str) -> Standard | None:
    """The standard in `data` if it is the one named: same id and the same edition+content hash
    (services.standard_version), else None."""
    try:
        standard = loads_standard(data.decode("utf-8"))
    except (UserError, UnicodeDecodeError, ValueError):
        return None
    if standard.id != standard_id or services.standard_version(standard) != version:
        return None
    return standard


@lru_cache(maxsize=32)
def _blob_standard(blobs, sha: str, standard_id: str, version: str) -> Standard | None:
    # content-addressed: a blob never changes under its name, so caching by sha is safe
    return standard_from_bytes(blobs.read(sha), standard_id, version)


def standard_of(ledger: Ledger, snap: Snapshot, data_dir: Path | None = None) -> Standard | None:
    """The exact standard the inspection was scored with on the tablet (sent as a blob, checked
    against its id and content hash); else one with the same id from the hub's folders."""
    ref = snap.standard_ref or {}
    sha = str(ref.get("sha256", ""))
    blobs = ledger.blobs
    if SHA256_HEX.match(sha) and blobs is not None and blobs.has(sha):
        found = _blob_standard(blobs, sha, str(ref.get("id", "")), str(ref.get("version", "")))
        if found is not None:
            return found.assessable()  # unplaced items (未归位) are not rated, scored or shown
    found = find_standard(snap.inspection.standard_id, data_dir)
    return found.assessable() if found is not None else None


def find_standard(standard_id: str, data_dir: Path | None = None) -> Standard | None:
    folders = [paths.STANDARDS_DIR] + ([Path(data_dir) / "standards"] if data_dir else [])
    for folder in folders:
        if folder.is_dir():
            path = _standards_in(str(folder)).get(standard_id)
            if path is not None:
                return load_standard(path)
    return None


def revisions(ledger: Ledger, inspection_id: str) -> list[dict]:
    """Every revision with its reason and whether it is signed (修订记录)."""
    entry = ledger.entry(inspection_id)
    ops = ledger.ops(inspection_id)
    top = max([op.revision for op in ops] or [1])
    reasons = {op.revision: op.value for op in ops if op.key == "inspection.revision_reason"}
    sealed = set(entry.sealed) if entry else set()
    return [{"revision": r, "reason": reasons.get(r, "") or ("首次评审" if r == 1 else ""),
             "signed": r in sealed} for r in range(1, top + 1)]


def report_view(ledger: Ledger, inspection_id: str, revision: int, data_dir: Path | None = None) -> dict:
    """The scored report of one revision as plain data (clinic page and /api/reports)."""
    snap = snapshot(inspection_id, ledger.state(inspection_id, revision))
    standard = standard_of(ledger, snap, data_dir)
    view: dict = {
        "inspection_id": inspection_id, "revision": revision,
        "revisions": revisions(ledger, inspection_id),
        "center": snap.center.model_dump(mode="json"),
        "standard_id": snap.inspection.standard_id,
        "status": snap.inspection.status.value,
        "team": [m.model_dump(mode="json") for m in snap.inspection.team],
        "conflicts": [kv.key for kv in snap.conflicts],
        "pdf": revision in snap.report_pdf,
        "verdict": None, "chapters": [], "deficiencies": [],
    }
    if standard is None:
        view["verdict"] = {"name": "无法评分：中心缺少评价标准 " + snap.inspection.standard_id, "provisional": True,
                           "reasons": []}
        return view
    score = score_snapshot(standard, snap)
    view["verdict"] = {"name": score.verdict.name("zh"), "name_en": score.verdict.name("en"),
                       "provisional": score.verdict.provisional, "reasons": [r.zh for r in score.verdict.reasons],
                       "excerpt": score.verdict.excerpt, "label": score.verdict.label("zh")}  # 依据节选, 暂定
    view["chapters"] = [{"number": ch.number, "title": ch.title, "counts": _counts(ch.all)} for ch in score.chapters]
    for d in deficiencies(standard, score.clauses):
        finding = snap.findings.get(d.clause_number)
        advice = finding.rectification.get(d.item_code, "") if finding else ""
        response = snap.responses.get((d.clause_number, d.item_code))
        view["deficiencies"].append({
            "clause": d.clause_number, "title": d.clause_title, "item": d.item_code,
            "requirement": d.requirement, "clause_level": level_name(d.clause_level),
            "kind": d.clause_kind.value, "suggestion": advice, "response": response,
        })
    return view


def _counts(counts) -> dict:
    """Clauses per level of a chapter: A/B/C/D, unfinished, not applicable."""
    return {"A": counts.A, "B": counts.B, "C": counts.C, "D": counts.D,
            "incomplete": counts.incomplete, "na": counts.na}


INLINE_SCORING = 25  # at most this many stale centers get exact rows at once (see centers_table)
# A table request waits for the scorer (up to SCORER_WAIT s) only when it is on just the table's
# stale centers and they are this few (one tablet's sync at a county hub): at the start of a
# load 25 stale centers kept a request waiting 3.1 s (bench/hub_load.py, 25 tablets, folder).
SCORER_WAIT_CENTERS = 3
SCORER_WAIT = 5.0


def _table_read(ledger: Ledger):
    """What the bureau's table is made from, in one read (LedgerStore.table_read: one round trip
    on PostgreSQL, narrow columns and one stored row per center): the stored scores by
    inspection id, the centers, each center's inspections, and each center's stored-score check
    (made once)."""
    t0 = time.perf_counter()
    rows, centers, scores = ledger.store.table_read()
    timing.add("read", time.perf_counter() - t0)
    of_center: dict[str, list[InspectionEntry]] = {}
    for row in rows:
        entry = InspectionEntry.of(row)
        if entry.center_id:
            of_center.setdefault(entry.center_id, []).append(entry)
    stored = {c: _stored(of_center[c], scores) for c in of_center}
    return scores, centers, of_center, stored


def centers_table(ledger: Ledger, data_dir: Path | None = None) -> list[dict]:
    """全县概览: one row per center with its latest inspection, verdict and clauses below C.

    Scoring is not redone per request: each center's scored columns are stored with the row of
    its latest inspection (LedgerStore.put_score), keyed by the hub_seq they were computed at
    (and those of the center's latest self-assessment and previous round). A push queues the
    centers it touched for the process's scorer thread (ScoreQueue), so the table of 2,000
    centers is one read (rows and centers together) and one pass over the rows grouped by
    center. A request scores nothing while tablets sync (issue 14: 20 centers scored in a table
    request under load took 2.3 s). A few stale centers (up to INLINE_SCORING: a county hub
    after a sync) get exact rows: scored here only when this process's scorer is idle (pushed
    through another process, imported), or, when the scorer is on exactly those centers and
    they are at most SCORER_WAIT_CENTERS (the push that just came in), the request waits for
    it, up to SCORER_WAIT seconds. Otherwise
    (more stale, or the scorer busy with others: hundreds of tablets syncing) their rows show the
    last stored columns with "pending": true, and are queued."""
    scores, centers, of_center, stored = _table_read(ledger)
    t0 = time.perf_counter()
    stale = [c for c, found in stored.items() if found[0] is None]
    inline = False
    if stale:
        queue = ScoreQueue.of(ledger, data_dir)
        wanted = {e.id for c in stale for e in of_center[c]}
        if len(stale) <= INLINE_SCORING and queue.idle():
            inline = True
        elif len(stale) <= SCORER_WAIT_CENTERS and queue.only(wanted):
            queue.add(of_center[c][0].id for c in stale)
            waited = time.perf_counter()
            done = queue.wait_for(wanted, SCORER_WAIT)
            timing.add("scorer_wait", time.perf_counter() - waited)
            if done:  # the scorer stored them: read again, score nothing
                scores, centers, of_center, stored = _table_read(ledger)
        else:
            queue.add(of_center[c][0].id for c in stale)
    ids = sorted(set(centers) | set(of_center))
    shared: dict = {}  # what every center without a self-assessment shows (asked once per table)
    counted: list = []
    table = [_center_row(ledger, center_id, centers.get(center_id), of_center.get(center_id, []), scores, data_dir,
                         shared, counted, may_score=inline, found=stored.get(center_id))
             for center_id in ids]
    timing.add("build", time.perf_counter() - t0)  # Server-Timing: the rows (and any scored here)
    timing.add("scored_here", len(counted) / 1000)  # shown as dur=N: centers this request scored
    return table


def store_scores(ledger: Ledger, inspection_ids, data_dir: Path | None = None) -> int:
    """Score and keep the table rows of the centers these inspections belong to, reading only
    those centers' inspections (after a push, so that the bureau's table needs no scoring).
    Returns how many centers were scored anew."""
    centers: set[str] = set()
    for iid in set(inspection_ids):
        entry = ledger.entry(iid)
        if entry is not None and entry.center_id:
            centers.add(entry.center_id)
    scored = 0
    for center_id in sorted(centers):
        rows = ledger.store.rows_of_center(center_id)
        counted: list = []
        _center_row(ledger, center_id, None, [InspectionEntry.of(r) for r in rows],
                    ledger.store.scores_of_center(center_id), data_dir, {}, counted)
        scored += len(counted)
    return scored


class ScoreQueue:
    """Centers to score after pushes, by one daemon thread of the hub process: a push only adds
    its inspections (no wait for its answer or its connection), and a burst of pushes to one
    center is scored once. Only a hint of work to do: if the process ends first, the table
    scores whatever is still stale itself."""

    def __init__(self, ledger: Ledger, data_dir: Path | None) -> None:
        import threading

        self.ledger, self.data_dir = ledger, data_dir
        self._wake = threading.Condition()
        self._pending: set[str] = set()
        self._busy: set[str] = set()  # what drain is scoring now
        self._thread: threading.Thread | None = None

    @staticmethod
    def of(ledger: Ledger, data_dir: Path | None) -> "ScoreQueue":
        """The queue of this ledger (one per hub process)."""
        queue = ledger.__dict__.get("score_queue")
        if queue is None:
            queue = ledger.__dict__.setdefault("score_queue", ScoreQueue(ledger, data_dir))
        return queue

    def add(self, inspection_ids) -> None:
        import threading

        with self._wake:
            self._pending.update(inspection_ids)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="hub-scores", daemon=True)
                self._thread.start()
            self._wake.notify_all()

    def drain(self) -> int:
        """Score what is queued now (the thread's step; tests call it directly)."""
        with self._wake:
            batch, self._pending = self._pending, set()
            self._busy |= batch
        try:
            return store_scores(self.ledger, batch, self.data_dir) if batch else 0
        finally:
            with self._wake:
                self._busy -= batch
                self._wake.notify_all()

    def idle(self) -> bool:
        """Nothing queued and nothing being scored."""
        with self._wake:
            return not self._pending and not self._busy

    def only(self, inspection_ids: set[str]) -> bool:
        """Everything queued or being scored is among these (the scorer has no other work)."""
        with self._wake:
            return (self._pending | self._busy) <= inspection_ids

    def wait_for(self, inspection_ids: set[str], seconds: float) -> bool:
        """Wait (sleeping, not scoring) until none of these is queued or being scored; False
        if that took longer than `seconds`."""
        deadline = time.monotonic() + seconds
        with self._wake:
            while (self._pending | self._busy) & inspection_ids:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._wake.wait(left)
        return True

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._pending:
                    self._wake.wait()
            try:
                self.drain()
            except Exception:  # noqa: BLE001 - ahead-of-time only: the table scores what is stale
                time.sleep(1.0)


def _latest(entries: list[InspectionEntry]) -> tuple[InspectionEntry | None, InspectionEntry | None]:
    """(latest review, latest sealed self-assessment) of one center's inspections."""
    entry = own = None
    for e in entries:
        if e.stage == "self":  # 机构自评 is shown beside the review
            if e.sealed and (own is None or (e.round_id, e.max_seq) > (own.round_id, own.max_seq)):
                own = e
        elif entry is None or e.max_seq > entry.max_seq:
            entry = e
    return entry, own


def _stored(entries: list[InspectionEntry], scores: dict[str, dict]) -> tuple[dict | None, list, dict | None]:
    """(the center's stored columns if still current else None, the key they must have, the
    stored score as it is, current or not). `scores`: stored scores by inspection id
    (LedgerStore.put_score). The key is the one rule of freshness, on every backend: the
    hub_seq of the center's latest review, of its latest sealed self-assessment and of its
    previous round (with their ids); a push to any of them changes it."""
    from inspect_app.hub.rounds import previous_round  # 较上轮变化

    entry, own = _latest(entries)
    prev = previous_round(entries, entry)  # the round before, for the change since (hub/rounds.py)
    key = [entry.max_seq if entry else 0, own.id if own else "", own.max_seq if own else 0,
           prev.id if prev else "", prev.max_seq if prev else 0]
    cached = scores.get(entry.id) if entry else None
    return (cached["columns"] if cached and cached.get("key") == key else None), key, cached


def _center_row(ledger: Ledger, center_id: str, center: dict | None, entries: list[InspectionEntry],
                scores: dict[str, dict], data_dir: Path | None, shared: dict, counted: list | None = None,
                may_score: bool = True, found: tuple | None = None) -> dict:
    """One center's row of the table, from its own inspections: the stored score when its key
    still holds, else scored now and stored (`may_score`), or the last stored columns marked
    pending."""
    from inspect_app.hub.rounds import change_since, previous_round  # 较上轮变化
    from inspect_app.hub.self_assessment import bureau_columns  # the review chain's columns

    entry, own = _latest(entries)
    center = center or {"id": center_id, "name": center_id}
    row = {"center_id": center_id, "name": center.get("name", center_id), "county": center.get("county", ""),
           "type": center.get("type", ""), "inspection_id": entry.id if entry else "",
           "revision": entry.revision if entry else 0, "status": entry.status if entry else "",
           "last_inspection": "", "verdict": "", "below_c": 0}
    current, key, cached = found or _stored(entries, scores)
    if current is not None:
        row.update(current)
        return row
    if not may_score and entry is not None:
        row.update((cached or {}).get("columns") or {})
        row["pending"] = True  # 计分中: the scorer thread is on it
        return row
    prev = previous_round(entries, entry)
    if counted is not None:
        counted.append(center_id)
    columns = {"last_inspection": "", "verdict": "", "below_c": 0}
    snap = standard = None
    if entry:
        snap = snapshot(entry.id, ledger.state(entry.id))
        columns["last_inspection"] = inspection_date_text(snap.inspection)  # its zone (clock.py)
        standard = standard_of(ledger, snap, data_dir)
        if standard is not None:
            score = score_snapshot(standard, snap)
            columns["verdict"] = score.verdict.label("zh")  # says 暂定 and 依据节选 (an excerpt) when so
            columns["below_c"] = sum(1 for s in score.clauses.values() if s.level is ClauseLevel.D)
            columns["change"] = change_since(ledger, prev, standard, score, data_dir)
    if own is None:
        if "none" not in shared:
            shared["none"] = bureau_columns(ledger, "", None, None, data_dir)
        columns.update(shared["none"])
    else:
        columns.update(bureau_columns(ledger, center_id, snap, standard, data_dir))
    if entry:
        ledger.store.put_score(entry.id, entry.max_seq, {"key": key, "columns": columns})
    row.update(columns)
    return row


def state_view(state: dict[str, KeyValue]) -> dict:
    """The raw merged state with conflicts spelled out (team members and the bureau)."""
    return {
        "values": {k: kv.value for k, kv in sorted(state.items()) if not kv.conflict},
        "conflicts": [{"key": kv.key, "candidates": [{"id": op.id, "value": op.value, "author": op.author,
                                                       "at": op.at.isoformat() if op.at else None} for op in kv.live]}
                      for kv in conflicts(state)],
    }


__all__ = ["ScoreQueue", "Snapshot", "centers_table", "store_scores", "find_standard", "standard_from_bytes", "standard_of", "report_view", "revisions", "snapshot", "state_view", "fold"]
