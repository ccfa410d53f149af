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
from inspect_app.hub.storage import HubFiles
from inspect_app.inspection import utc_now
from inspect_app.store.migrations import HEADER
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
    def __init__(self, files: HubFiles, check: Callable[[Op], Rejection | None] | None = None) -> None:
        self.files = files
        # Checks of an op's blob on arrival (the signed PDF is this inspection's, the standard
        # file is the one named): set by the hub, which may read reports and standards.
        self.check = check

    # -- reading ---------------------------------------------------------------------------
    def entry(self, inspection_id: str) -> InspectionEntry | None:
        doc = self.files.index.load() or {}
        row = doc.get("inspections", {}).get(inspection_id)
        return InspectionEntry.of(row) if row else None

    def entries(self) -> list[InspectionEntry]:
        doc = self.files.index.load() or {}
        return [InspectionEntry.of(r) for r in doc.get("inspections", {}).values()]

    def centers(self) -> dict[str, dict]:
        doc = self.files.index.load() or {}
        return dict(doc.get("centers", {}))

    def ops(self, inspection_id: str) -> list[HubOp]:
        if not SAFE_ID.match(inspection_id):
            return []
        doc = self.files.ops_file(inspection_id).load() or {}
        return [HubOp.model_validate(v) for v in doc.get("ops", {}).values()]

    def state(self, inspection_id: str, max_revision: int | None = None) -> dict[str, KeyValue]:
        return fold(self.ops(inspection_id), max_revision)

    def blob_readable(self, account: Account, sha: str) -> bool:
        doc = self.files.index.load() or {}
        for iid in doc.get("blobs", {}).get(sha, []):
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
        with self.files.lock.exclusive():
            index = self.files.tables(self.files.index, "inspections", "centers", "blobs")
            for iid in groups:
                row = index["inspections"].get(iid)
                entry = InspectionEntry.of(row) if row else None
                if not SAFE_ID.match(iid) or not (trusted or (account and may_write(account, entry))):
                    raise Forbidden()
            pusher = account.username if account else ""
            for iid, group in groups.items():
                self._accept(index, iid, sorted(group, key=lambda o: (o.device, o.seq)), pusher, result)
            self.files.index.commit(index)
        return result

    def append_hub_op(self, inspection_id: str, revision: int, key: str, value, author: str,
                      supersedes: list[str]) -> HubOp:
        """An op written on the hub itself (a clinic's answer), with the hub's own counter."""
        with self.files.lock.exclusive():
            index = self.files.tables(self.files.index, "inspections", "centers", "blobs")
            seq = int(index[HEADER].get("hub_device_seq", 0)) + 1
            index[HEADER]["hub_device_seq"] = seq
            op = Op(device=HUB_DEVICE, seq=seq, inspection_id=inspection_id, revision=revision, key=key,
                    value=value, supersedes=supersedes, author=author, at=utc_now())
            result = PushResult()
            self._accept(index, inspection_id, [op], author, result, from_hub=True)
            if result.rejected:
                r = result.rejected[0]
                raise UserError(r.zh, r.en)
            self.files.index.commit(index)
        return HubOp(**op.model_dump(), hub_seq=index[HEADER]["hub_seq"])

    def _accept(self, index: dict, iid: str, ops: list[Op], pusher: str, result: PushResult,
                from_hub: bool = False) -> None:
        file = self.files.ops_file(iid)
        doc = self.files.tables(file, "ops")
        stored = doc["ops"]
        row = dict(index["inspections"].get(iid) or {"id": iid, "creator": pusher})
        sealed = set(row.get("sealed", []))
        hub_seq = int(index[HEADER].get("hub_seq", 0))
        changed = False
        for op in ops:
            if op.id in stored:
                same = HubOp.model_validate(stored[op.id]).model_dump(exclude={"hub_seq"}) == op.model_dump()
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
            hub_seq += 1
            stored[op.id] = op.model_dump(mode="json") | {"hub_seq": hub_seq}
            result.accepted.append(op.id)
            changed = True
            if op.key == "inspection.status" and op.value in ("signed", "locked"):
                sealed.add(op.revision)
            for sha in blob_refs(op):
                holders = index["blobs"].setdefault(sha, [])
                if iid not in holders:
                    index["blobs"][sha] = [*holders, iid]
        if not changed:
            return
        file.commit(doc)
        index[HEADER]["hub_seq"] = hub_seq
        all_ops = [HubOp.model_validate(v) for v in stored.values()]
        state = fold(all_ops)
        row.update(self._summary(state, all_ops, hub_seq, sealed))
        index["inspections"][iid] = row
        center = state.get("center")
        if center and isinstance(center.value, dict) and SAFE_ID.match(str(center.value.get("id", ""))):
            index["centers"][center.value["id"]] = center.value

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
        # Read the top counter first: an op that lands while we gather is sent again next
        # time (harmless, ops are idempotent) instead of being skipped.
        top = int((self.files.index.load() or {}).get(HEADER, {}).get("hub_seq", 0))
        readable = self.readable_entries(account)
        ids = [e.id for e in readable]
        if inspection_id:
            if inspection_id not in ids:
                raise Forbidden()
            readable = [e for e in readable if e.id == inspection_id]
        found: list[HubOp] = []
        for entry in readable:
            if entry.max_seq <= since:
                continue
            doc = self.files.ops_file(entry.id).load() or {}
            found.extend(HubOp.model_validate(v) for v in doc.get("ops", {}).values()
                         if v["hub_seq"] > since and v["device"] != exclude_device)
        found.sort(key=lambda o: o.hub_seq)
        more = len(found) > limit
        found = found[:limit]
        cursor = found[-1].hub_seq if more else max(since, top)
        return PullResult(ops=found, cursor=cursor, more=more), ids
