"""Evaluation rounds 评价轮次 and re-check samples 抽样复核: pure rules, no storage.

A round is one center, one standard (edition) and one year. Its stages are ordinary
inspections marked with `Inspection.stage` and `Inspection.round_id`, in the order
STAGE_ORDER (机构自评 → 县级审核 → 市级复核 → 省级评价); none overwrites another.

The round id is derived from what names the round, so the hub and every tablet arrive at the
same id without asking anyone. A re-check may rate a seeded random sample of clauses: the
sample is drawn once, when the stage starts, from the seed and the standard alone, and is
stored on the inspection with the rule that drew it (so anyone can draw it again and compare).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

from inspect_app.inspection import STAGE_ORDER, Stage
from inspect_app.standard.model import Standard


def round_id(center_id: str, standard_id: str, year: int) -> str:
    """评价轮次 id: the same (center, standard, year) always gives the same id (a SAFE_ID)."""
    digest = hashlib.sha256(f"{center_id}|{standard_id}|{int(year)}".encode()).hexdigest()[:16]
    return f"r{int(year)}-{digest}"


def round_year(round_id_: str) -> str:
    """The year a round id names ("" when it is not one)."""
    head = round_id_.split("-", 1)[0]
    return head[1:] if head.startswith("r") and head[1:].isdigit() else ""


def self_assessment_id(round_id_: str) -> str:
    """The id of a round's self-assessment (机构自评): the hub names it after the round, so a
    tablet finds the one of its own round without asking."""
    return f"self-{round_id_}"


def stage_rank(stage: Stage | str) -> int:
    return STAGE_ORDER.index(Stage(stage))


@dataclass(frozen=True)
class SampleRule:
    """How a re-check's clauses are drawn: `share` of the basic clauses by seed, plus every ★
    recommended clause when `recommended` is set, plus the sources of any derived clause drawn
    (a derived clause cannot be judged without them)."""

    seed: int
    share: float = 0.3
    recommended: bool = True

    def text(self) -> str:
        return f"seed={self.seed};share={self.share:g};recommended={'yes' if self.recommended else 'no'}"

    @staticmethod
    def parse(text: str) -> "SampleRule":
        parts = dict(p.split("=", 1) for p in text.split(";") if "=" in p)
        return SampleRule(int(parts["seed"]), float(parts.get("share", "0.3")), parts.get("recommended") != "no")


def draw_sample(standard: Standard, rule: SampleRule) -> list[str]:
    """The clauses a sampled re-check rates, in the standard's order.

    Basic clauses are ordered by SHA-256(seed:number) and the first ceil(share × count) taken:
    stable for a seed across machines and Python versions (no `random` module involved)."""
    if not 0 < rule.share <= 1:
        raise ValueError("share must be in (0, 1]")
    clauses = list(standard.clauses())
    basic = [c for c in clauses if not c.is_recommended]
    take = math.ceil(rule.share * len(basic))
    order = sorted(basic, key=lambda c: hashlib.sha256(f"{rule.seed}:{c.number}".encode()).hexdigest())
    chosen = {c.number for c in order[:take]}
    if rule.recommended:
        chosen |= {c.number for c in clauses if c.is_recommended}
    by_number = {c.number: c for c in clauses}
    pending = list(chosen)
    while pending:  # sources of derived clauses and items, transitively
        clause = by_number[pending.pop()]
        refs = set(clause.derived.sources if clause.derived else ())
        for item in clause.items:
            if item.derived is not None:
                refs |= set(item.derived.sources)
        for ref in refs & by_number.keys():
            if ref not in chosen:
                chosen.add(ref)
                pending.append(ref)
    return [c.number for c in clauses if c.number in chosen]


__all__ = ["SampleRule", "draw_sample", "round_id", "round_year", "self_assessment_id", "stage_rank"]
