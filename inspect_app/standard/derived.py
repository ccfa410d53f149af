"""Derived judgements (依据其他条款评审结果评判): a clause or item judged from other clauses.

    依据2.2.3.2健康教育、2.2.3.3预防接种…等6条标准评审结果评判,6条标准均达到C级及以上水平则此条款合格
    依据2.2.3.4-2.2.3.10公共卫生服务项目等7条标准评审结果评判
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from inspect_app.standard.model import DerivedRule, ItemLevel

_NUMBER = r"\d{1,2}(?:\.\d{1,2}){2,4}"
_REFERENCE = re.compile(rf"(?P<first>{_NUMBER})(?:\s*[-－—–~～至到]\s*(?P<last>{_NUMBER}))?")
_STATED_COUNT = re.compile(r"(?:等|共)\s*(\d{1,3})\s*[条项个]")
_MIN_LEVEL = re.compile(r"(?:均|全部|都)?达到\s*([ABCＡＢＣ])\s*级")
_JUDGED_FROM_OTHERS = re.compile(r"评审结果|结果评判|评判|均达到")


@dataclass(frozen=True)
class ParsedDerived:
    rule: DerivedRule
    named_count: int
    unexpanded_ranges: tuple[str, ...] = ()

    @property
    def count_differs(self) -> bool:
        return self.rule.stated_count is not None and self.rule.stated_count != self.named_count


def expand_range(first: str, last: str) -> list[str] | None:
    """'2.2.3.4'-'2.2.3.10' → 2.2.3.4 … 2.2.3.10; None when the two do not share a parent."""
    head_a, _, tail_a = first.rpartition(".")
    head_b, _, tail_b = last.rpartition(".")
    if head_a != head_b or int(tail_b) < int(tail_a):
        return None
    return [f"{head_a}.{n}" for n in range(int(tail_a), int(tail_b) + 1)]


def parse_derived(text: str) -> ParsedDerived | None:
    """A DerivedRule when the text says the result comes from other clauses, else None."""
    if not _JUDGED_FROM_OTHERS.search(text):
        return None
    sources: list[str] = []
    unexpanded: list[str] = []
    for match in _REFERENCE.finditer(text):
        first, last = match["first"], match["last"]
        numbers = [first]
        if last:
            expanded = expand_range(first, last)
            if expanded is None:
                unexpanded.append(match.group(0))
            numbers = expanded or [first, last]
        sources.extend(n for n in numbers if n not in sources)
    if not sources:
        return None
    stated = _STATED_COUNT.search(text)
    level = _MIN_LEVEL.search(text)
    rule = DerivedRule(
        sources=tuple(sources),
        min_level=ItemLevel(_fold(level.group(1))) if level else ItemLevel.C,
        stated_count=int(stated.group(1)) if stated else None,
    )
    return ParsedDerived(rule, len(sources), tuple(unexpanded))


def _fold(letter: str) -> str:
    return {"Ａ": "A", "Ｂ": "B", "Ｃ": "C"}.get(letter, letter)
