"""The hub's ledger of ops (同步台账): accept pushes, hand out pulls, know who may see what.

Every decision about access is made here, on the server, from the hub's own records: the
team list of an inspection (as merged from its ops), the center it is about, and which
revisions are signed. Routes and web pages ask these functions; none decides on its own.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from inspect_app.errors import UserError
from inspect_app.hub import policy
from inspect_app.hub.accounts import Account, Role
from inspect_app.hub.store.base import BlobStore, LedgerStore, LedgerTx
from inspect_app.inspection import utc_now
from inspect_app.sync.merge import KeyValue, fold, sealed_revisions
from inspect_app.sync.protocol import (
    SAFE_ID,
    HubOp,
    Op,
    PullResult,
    PushResult,
    Rejection,
    blob_refs,
)

HUB_DEVICE = "hub"
PULL_PAGE = 5000


class _Refused(Exception):
    """A push the door refused in part: the transaction ends without writing."""


class Forbidden(UserError):
    """403: signed in, but this is not yours (or does not exist: the answer is the same)."""

    def __init__(self) -> None:
        super().__init__("无权访问此内容。", "You may not access this.")


@dataclass(frozen=True)
class InspectionEntry:
    id: str
    center_id: str
    team: tuple[str, ...]
    creator: str
    max_seq: int
    sealed: tuple[int, ...]
    revision: int
    status: str
    standard_id: str
    stage: str = "county"  # 评价阶段 (inspection.EvaluationStage value)
    round_id: str = ""

    @staticmethod
    def of(row: dict) -> "InspectionEntry":
        return InspectionEntry(row["id"], row.get("center_id", ""), tuple(row.get("team", [])),
                               row.get("creator", ""), int(row.get("max_seq", 0)), tuple(row.get("sealed", [])),
                               int(row.get("revision", 1)), row.get("status", "draft"), row.get("standard_id", ""),
                               row.get("stage", "county") or "county", row.get("round_id", ""))


# ---------------------------------------------------------------- access rules


def on_team(account: Account, entry: InspectionEntry) -> bool:
    return entry.creator == account.username or bool(account.names & set(entry.team))


def may_read(account: Account, entry: InspectionEntry | None) -> bool:
    """Read an inspection's ops and working state (not the clinic's report view)."""
    if entry is None:
        return False
    if account.role is Role.ADMIN:
        return True
    if account.role is Role.INSPECTOR:
        return on_team(account, entry)
    return False


def may_read_self_assessment(account: Account, entry: InspectionEntry | None,
                             entries: Iterable[InspectionEntry]) -> bool:
    """An inspector reads a center's submitted self-assessment (机构自评) when they are on the
    team of a review of that center: their tablet compares with it, offline, on site."""
    if entry is None or account.role is not Role.INSPECTOR or entry.stage != "self" or not entry.sealed:
        return False
    return entry.center_id in centers_reviewed_by(account, entries)


def centers_reviewed_by(account: Account, entries: Iterable[InspectionEntry]) -> set[str]:
    """Centers the account is on a review team of (one pass; readable_entries asks once)."""
    return {e.center_id for e in entries if e.stage != "self" and e.center_id and on_team(account, e)}


def may_write(account: Account, entry: InspectionEntry | None) -> bool:
    if account.role is not Role.INSPECTOR:
        return False
    return entry is None or on_team(account, entry)


def may_read_report(account: Account, entry: InspectionEntry | None, revision: int) -> bool:
    """A clinic reads only its own center's signed revisions; team and bureau read any."""
    if entry is None:
        return False
    if account.role is Role.CLINIC:
        return bool(account.center_id) and entry.center_id == account.center_id and revision in entry.sealed
    return may_read(account, entry)


# ---------------------------------------------------------------- the ledger


class Ledger:
    """The rules of pushes and pulls over a LedgerStore (the data folder or PostgreSQL)."""

    def __init__(self, store: LedgerStore, check: Callable[[Op], Rejection | None] | None = None,
                 blobs: BlobStore | None = None) -> None:
        self.store = store
        self.blobs = blobs  # where the standard copies and PDFs the ops name are (reports.py reads them)
        # Checks of an op's blob on arrival (the signed PDF is this inspection's, the standard
        # file is the one named; the file is here): set by the hub, which may read reports and
        # standards. Called check(op), or check(op, trusted=True) for the operator's bundle import.
        self.check = check
        self._door_cache: dict[tuple, tuple[list[HubOp], list[dict]]] = {}
        self.possession = policy.Possession(store)

    # -- reading ---------------------------------------------------------------------------
    def entry(self, inspection_id: str) -> InspectionEntry | None:
        row = self.store.row(inspection_id) if SAFE_ID.match(inspection_id) else None
        return InspectionEntry.of(row) if row else None

    def rows(self) -> list[dict]:
        """Every inspection's stored row (the folder's carry their stored score; the table reads
        LedgerStore.table_read, see reports.centers_table)."""
        return self.store.rows()

    def entries(self) -> list[InspectionEntry]:
        return [InspectionEntry.of(r) for r in self.store.rows()]

    def centers(self) -> dict[str, dict]:
        return self.store.centers()

    def ops(self, inspection_id: str) -> list[HubOp]:
        """The inspection's stored ops that pass the door; any that do not (stored before it
        existed) are quarantined: left out here, listed by `quarantined`."""
        if not SAFE_ID.match(inspection_id):
            return []
        return self._sorted(inspection_id, self.store.ops(inspection_id))[0]

    def quarantined(self) -> list[dict]:
        """Stored ops left out because they fail the door (the bureau page shows them)."""
        out = []
        for entry in self.entries():
            out.extend(self._sorted(entry.id, self.store.ops(entry.id))[1])
        return out

    def _sorted(self, inspection_id: str, raw: list[dict]) -> tuple[list[HubOp], list[dict]]:
        # Ops are immutable once stored: the same count and top hub_seq is the same list.
        stamp = (inspection_id, len(raw), max((int(v.get("hub_seq", 0)) for v in raw if isinstance(v, dict)),
                                              default=0))
        cached = self._door_cache.get(stamp)
        if cached is None:
            cached = policy.sort_stored(raw)
            if len(self._door_cache) > 256:
                self._door_cache.clear()
            self._door_cache[stamp] = cached
        return cached

    def state(self, inspection_id: str, max_revision: int | None = None) -> dict[str, KeyValue]:
        return fold(self.ops(inspection_id), max_revision)

    def blob_readable(self, account: Account, sha: str) -> bool:
        for iid in self.store.blob_holders(sha):
            entry = self.entry(iid)
            if may_read(account, entry) or may_read_self_assessment(account, entry, self.entries()):
                return True
            if account.role is Role.CLINIC and entry and entry.sealed and may_read_report(account, entry, max(entry.sealed)):
                return True
        return False

    def grounded(self, account: Account | None, sha: str, trusted: bool = False) -> bool:
        """May a reference to `sha` by `account` make the blob readable through the referring
        inspection? Only if the account could read it already, showed its bytes (uploaded
        them), or the hub does not hold it yet: knowing a hash is not enough to read it."""
        if trusted or account is None:
            return True
        if self.possession.holds(account.username, sha):
            return True
        if self.blobs is not None and not self.blobs.has(sha):
            return True
        return self.blob_readable(account, sha)

    def readable_entries(self, account: Account) -> list[InspectionEntry]:
        entries = self.entries()
        reviewed = centers_reviewed_by(account, entries) if account.role is Role.INSPECTOR else set()
        return [e for e in entries if may_read(account, e)
                or (e.stage == "self" and e.sealed and e.center_id in reviewed)]  # may_read_self_assessment

    def _pullable(self, account: Account) -> list[tuple[str, int]]:
        """(id, max_seq) of what `account` may pull. An inspector's come from the store's index
        when it has one (PostgreSQL: the team / creator / self-assessment columns of migration
        002), so a pull reads neither every inspection's row nor any op before its cursor."""
        if account.role is Role.INSPECTOR:
            found = self.store.inspector_reads(account.username, account.names)
            if found is not None:
                return found
        return [(e.id, e.max_seq) for e in self.readable_entries(account)]

    # -- push --------------------------------------------------------------------------------
    def push(self, account: Account | None, ops: Iterable[Op], trusted: bool = False) -> PushResult:
        """Accept ops idempotently. Raises Forbidden before writing anything if any op is for
        an inspection the account may not write. A tablet's push is one atomic step: if the
        door (policy.py) refuses any of its ops, nothing of it is stored (`accepted` is empty,
        `rejected` says why; the tablet sends the others again without the refused ones).
        `trusted`: a bundle imported on the hub machine itself by its operator (no account):
        the door checks every op the same way, and what it lets in is kept."""
        groups: dict[str, list[Op]] = {}
        for op in ops:
            groups.setdefault(op.inspection_id, []).append(op)
        result = PushResult()
        try:
            with self.store.transaction(groups) as tx:
                for iid in groups:
                    row = tx.row(iid) if SAFE_ID.match(iid) else None
                    entry = InspectionEntry.of(row) if row else None
                    if not SAFE_ID.match(iid) or not (trusted or (account and may_write(account, entry))):
                        raise Forbidden()
                for iid, group in groups.items():
                    self._accept(tx, iid, group, account, result)
                if result.rejected and not trusted:
                    raise _Refused()  # leaves the transaction without committing anything
        except _Refused:
            result.accepted = []
        return result

    def append_hub_op(self, inspection_id: str, revision: int, key: str, value, author: str,
                      supersedes: list[str], account: Account | None = None) -> HubOp:
        """An op written on the hub itself (a clinic's answer, `account` the clinic's), with the
        hub's own counter; the door checks it like any other."""
        clinic = account
        with self.store.transaction([inspection_id]) as tx:
            seq = tx.next_counter("hub_device_seq")
            op = Op(device=HUB_DEVICE, seq=seq, inspection_id=inspection_id, revision=revision, key=key,
                    value=value, supersedes=supersedes, author=author, at=utc_now())
            result = PushResult()
            hub_seq = self._accept(tx, inspection_id, [op], clinic, result, from_hub=True)
            if result.rejected:
                r = result.rejected[0]
                raise UserError(r.zh, r.en)
        return HubOp(**op.model_dump(), hub_seq=hub_seq)

    def _accept(self, tx: LedgerTx, iid: str, ops: list[Op], account: Account | None, result: PushResult,
                from_hub: bool = False) -> int:
        pusher = account.username if account else ""
        stored = tx.ops(iid)
        row = dict(tx.row(iid) or {"id": iid, "creator": pusher})
        sealed = set(row.get("sealed", []))
        # The door (policy.py): every op is checked against its schema and against who may
        # write what, given what the hub already holds, before anything is stored.
        # (a stored op that fails the door is quarantined: not judged by, nor judging, new ones)
        known = {op.id: Op.model_validate(op.model_dump(exclude={"hub_seq"}))
                 for op in policy.sort_stored(stored.values())[0]}
        facts = policy.Facts.of(known.values(), sealed)
        check = self.check
        if check is not None and account is None and not from_hub:  # the operator's bundle import
            check = functools.partial(check, trusted=True)
        admission = policy.admit(account, [o for o in ops if o.inspection_id == iid], known, facts,
                                 from_hub=from_hub, blob_check=check)
        result.duplicates.extend(admission.duplicates)
        result.rejected.extend(admission.rejected)
        fresh = [op.model_dump(mode="json") for op in admission.accepted]
        result.accepted.extend(op.id for op in admission.accepted)
        sealed |= facts.sealed
        for op in admission.accepted:
            for sha in blob_refs(op):
                if self.grounded(account, sha, trusted=account is None and not from_hub):
                    tx.add_blob_holder(sha, iid)
        if not fresh:
            return int(row.get("max_seq", 0))
        hub_seq = tx.append(iid, fresh)[-1]
        all_ops = policy.sort_stored(tx.ops(iid).values())[0]
        state = fold(all_ops)
        # The stored score (row["score"]) was of the ops before these: its key (this row's old
        # max_seq) marks it stale; the bureau's table shows it as pending until it is scored again.
        row.update(self._summary(state, all_ops, hub_seq, sealed))
        tx.put_row(iid, row)
        center = state.get("center")
        if center and isinstance(center.value, dict) and SAFE_ID.match(str(center.value.get("id", ""))):
            # The registry (机构名录) is the bureau's: an inspection only fills in a center it
            # does not list yet, or updates it once the inspection is signed; never a
            # self-assessment, never a center the bureau set itself.
            known = self.store.centers().get(center.value["id"])
            is_self = row.get("stage") == policy.SELF_STAGE or (state.get("inspection.stage") is not None
                                                               and state["inspection.stage"].value == policy.SELF_STAGE)
            if known is None or (sealed and not is_self and known.get("source") != "bureau"):
                tx.put_center(center.value["id"], center.value)
        return hub_seq

    @staticmethod
    def _summary(state: dict[str, KeyValue], all_ops: list[HubOp], hub_seq: int, sealed: set[int]) -> dict:
        def value(key, default):
            kv = state.get(key)
            return kv.value if kv and kv.value is not None else default

        team = value("inspection.team", [])
        sealed = sealed | sealed_revisions(all_ops)
        return {
            "center_id": value("inspection.center_id", ""),
            "team": [m.get("name", "") for m in team if isinstance(m, dict) and m.get("role") != "director"],
            "standard_id": value("inspection.standard_id", ""),
            "stage": value("inspection.stage", "county"),
            "round_id": value("inspection.round_id", ""),
            "status": value("inspection.status", "draft"),
            "revision": int(value("inspection.revision", 1)),
            "sealed": sorted(sealed),
            "max_seq": hub_seq,
            "updated": utc_now().isoformat(),
        }

    # -- pull --------------------------------------------------------------------------------
    def pull(self, account: Account, since: int, exclude_device: str = "", inspection_id: str = "",
             limit: int = PULL_PAGE) -> tuple[PullResult, list[str]]:
        """Ops the account may read with hub_seq > since, oldest first; and the inspection ids
        it may read (a tablet fetches a newly shared inspection from 0 with inspection_id)."""
        # `top` first: every op at or below it is committed (the store guarantees it, see
        # docs/hub.md "pull cursor"), so handing out ops up to `top` and moving the cursor to
        # `top` never passes an op that becomes visible later.
        top = self.store.top()
        readable = self._pullable(account)
        ids = [iid for iid, _ in readable]
        if inspection_id:
            if inspection_id not in ids:
                raise Forbidden()
            readable = [(iid, seq) for iid, seq in readable if iid == inspection_id]
        wanted = [iid for iid, max_seq in readable if max_seq > since]
        raw = self.store.ops_since(wanted, since, exclude_device, limit + 1, top)
        more = len(raw) > limit
        raw = raw[:limit]
        found = policy.sort_stored(raw)[0]  # a quarantined op is skipped, never stops the pull
        cursor = int(raw[-1]["hub_seq"]) if more else max(since, top)
        return PullResult(ops=found, cursor=cursor, more=more), ids
