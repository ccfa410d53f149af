"""The hub's ledger of ops (同步台账): accept pushes, hand out pulls, know who may see what.

Every decision about access is made here, on the server, from the hub's own records: the
team list of an inspection (as merged from its ops), the center it is about, and which
revisions are signed. Routes and web pages ask these functions; none decides on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from inspect_app.errors import UserError
from inspect_app.hub.accounts import Account, Role
from inspect_app.hub.store.base import BlobStore, LedgerStore, LedgerTx
from inspect_app.inspection import utc_now
from inspect_app.sync.merge import KeyValue, fold, sealed_revisions
from inspect_app.sync.protocol import (
    AFTER_SIGNING_PREFIXES,
    SAFE_ID,
    HubOp,
    Op,
    PullResult,
    PushResult,
    Rejection,
    blob_refs,
    valid_key,
)

HUB_DEVICE = "hub"
PULL_PAGE = 5000


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
    return any(e.center_id == entry.center_id and e.stage != "self" and on_team(account, e) for e in entries)


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
        # file is the one named): set by the hub, which may read reports and standards.
        self.check = check

    # -- reading ---------------------------------------------------------------------------
    def entry(self, inspection_id: str) -> InspectionEntry | None:
        row = self.store.row(inspection_id) if SAFE_ID.match(inspection_id) else None
        return InspectionEntry.of(row) if row else None

    def rows(self) -> list[dict]:
        """Every inspection's stored row, with its stored score (see reports.centers_table)."""
        return self.store.rows()

    def entries(self) -> list[InspectionEntry]:
        return [InspectionEntry.of(r) for r in self.store.rows()]

    def centers(self) -> dict[str, dict]:
        return self.store.centers()

    def ops(self, inspection_id: str) -> list[HubOp]:
        if not SAFE_ID.match(inspection_id):
            return []
        return [HubOp.model_validate(v) for v in self.store.ops(inspection_id)]

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

    def readable_entries(self, account: Account) -> list[InspectionEntry]:
        entries = self.entries()
        return [e for e in entries if may_read(account, e) or may_read_self_assessment(account, e, entries)]

    # -- push --------------------------------------------------------------------------------
    def push(self, account: Account | None, ops: Iterable[Op], trusted: bool = False) -> PushResult:
        """Accept ops idempotently. Raises Forbidden before writing anything if any op is for
        an inspection the account may not write. `trusted`: a bundle imported on the hub
        machine itself by its operator (no account)."""
        groups: dict[str, list[Op]] = {}
        for op in ops:
            groups.setdefault(op.inspection_id, []).append(op)
        result = PushResult()
        with self.store.transaction(groups) as tx:
            for iid in groups:
                row = tx.row(iid) if SAFE_ID.match(iid) else None
                entry = InspectionEntry.of(row) if row else None
                if not SAFE_ID.match(iid) or not (trusted or (account and may_write(account, entry))):
                    raise Forbidden()
            pusher = account.username if account else ""
            for iid, group in groups.items():
                self._accept(tx, iid, sorted(group, key=lambda o: (o.device, o.seq)), pusher, result)
        return result

    def append_hub_op(self, inspection_id: str, revision: int, key: str, value, author: str,
                      supersedes: list[str]) -> HubOp:
        """An op written on the hub itself (a clinic's answer), with the hub's own counter."""
        with self.store.transaction([inspection_id]) as tx:
            seq = tx.next_counter("hub_device_seq")
            op = Op(device=HUB_DEVICE, seq=seq, inspection_id=inspection_id, revision=revision, key=key,
                    value=value, supersedes=supersedes, author=author, at=utc_now())
            result = PushResult()
            hub_seq = self._accept(tx, inspection_id, [op], author, result, from_hub=True)
            if result.rejected:
                r = result.rejected[0]
                raise UserError(r.zh, r.en)
        return HubOp(**op.model_dump(), hub_seq=hub_seq)

    def _accept(self, tx: LedgerTx, iid: str, ops: list[Op], pusher: str, result: PushResult,
                from_hub: bool = False) -> int:
        stored = tx.ops(iid)
        row = dict(tx.row(iid) or {"id": iid, "creator": pusher})
        sealed = set(row.get("sealed", []))
        fresh: list[dict] = []
        for op in ops:
            if op.id in stored or any(f"{v['device']}:{v['seq']}" == op.id for v in fresh):
                known = stored.get(op.id) or next(v for v in fresh if f"{v['device']}:{v['seq']}" == op.id)
                same = HubOp.model_validate(known).model_dump(exclude={"hub_seq"}) == op.model_dump()
                if same:
                    result.duplicates.append(op.id)
                else:
                    result.rejected.append(Rejection(
                        id=op.id, code="forged_replay",
                        zh=f"变更 {op.id} 与中心已有的同号变更内容不同，已拒收。请检查该设备的设备号。",
                        en=f"Change {op.id} differs from the change the hub already holds under that id; refused. "
                           "Check this device's id."))
                continue
            if not valid_key(op.key) or op.inspection_id != iid or (op.device == HUB_DEVICE and not from_hub):
                result.rejected.append(Rejection(id=op.id, code="bad_key",
                                                 zh=f"无法识别的变更 {op.key}，已拒收。", en=f"Unknown change {op.key}; refused."))
                continue
            if any(s >= op.revision for s in sealed) and not op.key.startswith(AFTER_SIGNING_PREFIXES):
                result.rejected.append(Rejection(
                    id=op.id, code="sealed",
                    zh=f"第 {op.revision} 版评审已签署，不能再修改（{op.key}）。如需更改，请新建修订版并说明原因。",
                    en=f"Revision {op.revision} is signed and cannot change ({op.key}). "
                       "Open a new revision with a reason to change it."))
                continue
            refused = self.check(op) if self.check else None
            if refused is not None:
                result.rejected.append(refused)
                continue
            fresh.append(op.model_dump(mode="json"))
            result.accepted.append(op.id)
            if op.key == "inspection.status" and op.value in ("signed", "locked"):
                sealed.add(op.revision)
            for sha in blob_refs(op):
                tx.add_blob_holder(sha, iid)
        if not fresh:
            return int(row.get("max_seq", 0))
        hub_seq = tx.append(iid, fresh)[-1]
        all_ops = [HubOp.model_validate(v) for v in tx.ops(iid).values()]
        state = fold(all_ops)
        row.pop("score", None)  # the stored score was of the ops before these: computed again when read
        row.update(self._summary(state, all_ops, hub_seq, sealed))
        tx.put_row(iid, row)
        center = state.get("center")
        if center and isinstance(center.value, dict) and SAFE_ID.match(str(center.value.get("id", ""))):
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
        readable = self.readable_entries(account)
        ids = [e.id for e in readable]
        if inspection_id:
            if inspection_id not in ids:
                raise Forbidden()
            readable = [e for e in readable if e.id == inspection_id]
        wanted = [e.id for e in readable if e.max_seq > since]
        found = [HubOp.model_validate(v) for v in self.store.ops_since(wanted, since, exclude_device, limit + 1, top)]
        more = len(found) > limit
        found = found[:limit]
        cursor = found[-1].hub_seq if more else max(since, top)
        return PullResult(ops=found, cursor=cursor, more=more), ids
