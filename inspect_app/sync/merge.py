"""Merging ops into values (合并): a multi-value register per key, no clocks involved.

Plain functions over lists of ops, used the same way by the hub and by every tablet, so
that everyone who holds the same set of ops sees the same values and the same conflicts,
whatever order the ops arrived in.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from inspect_app.sync.protocol import SEALED_STATUSES, Op, canonical_json, substance


@dataclass
class KeyValue:
    """The merged state of one key: its value, or the competing values of a conflict (冲突)."""

    key: str
    live: list[Op]  # ops nobody supersedes, sorted by id
    all_ids: set[str] = field(default_factory=set)

    @property
    def conflict(self) -> bool:
        return len({canonical_json(substance(self.key, op.value)) for op in self.live}) > 1

    @property
    def value(self) -> Any:
        """The agreed value; during a conflict the first candidate by op id (deterministic,
        never presented as the answer: callers check `conflict`)."""
        return self.live[0].value if self.live else None

    @property
    def head_ids(self) -> list[str]:
        return [op.id for op in self.live]


def _op_order(op: Op) -> tuple:
    return (op.device, op.seq)


def fold(ops: Iterable[Op], max_revision: int | None = None) -> dict[str, KeyValue]:
    """Merge ops (any order, duplicates allowed) into one KeyValue per key.

    With `max_revision`, only ops of that revision or earlier count: the state a signed
    revision had, even after later revisions changed things.
    """
    by_key: dict[str, dict[str, Op]] = defaultdict(dict)
    for op in ops:
        if max_revision is not None and op.revision > max_revision:
            continue
        by_key[op.key][op.id] = op
    result = {}
    for key, ops_by_id in by_key.items():
        superseded = {s for op in ops_by_id.values() for s in op.supersedes}
        live = sorted((op for op in ops_by_id.values() if op.id not in superseded), key=_op_order)
        result[key] = KeyValue(key, live, set(ops_by_id))
    return result


def conflicts(state: dict[str, KeyValue]) -> list[KeyValue]:
    return [kv for key, kv in sorted(state.items()) if kv.conflict]


def sealed_revisions(ops: Iterable[Op]) -> set[int]:
    """Revisions that were signed: an op set the inspection's status to signed/locked there."""
    return {op.revision for op in ops if op.key == "inspection.status" and op.value in SEALED_STATUSES}


def current_revision(state: dict[str, KeyValue]) -> int:
    kv = state.get("inspection.revision")
    values = [op.value for op in kv.live] if kv else []
    return max([int(v) for v in values if isinstance(v, int)] or [1])
