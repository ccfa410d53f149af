"""Which evidence (佐证) an item needs, from its evaluation method (评价方式方法) and its rating.

Pure functions, no I/O and no UI: the clause screen shows what is missing, the summary lists
every clause with gaps before signing, the report records them.

Rules:
- 现场查看 (on-site look)        → a photo of what was seen.
- 查阅资料 (document review)      → a photo of the document page.
- 访谈 (interview)               → a note saying who was interviewed.
- an item rated 不符合 (not met)  → a note or a photo that shows why.
Evidence is asked for once an item is rated met or not met. 不适用 needs its reason (the
service enforces that), derived items are judged from other clauses and need nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from inspect_app.inspection import EvidenceRecord, Finding, ItemRating, ItemResult
from inspect_app.standard.model import Clause, Item, MethodKind, Standard


class Need(StrEnum):
    PHOTO = "photo"  # 现场照片
    DOCUMENT_PHOTO = "document_photo"  # 资料照片
    INTERVIEW_NOTE = "interview_note"  # 访谈记录（访谈对象）
    NOT_MET_SUPPORT = "not_met_support"  # 不符合的依据（备注或照片）


NEED_TEXT = {
    Need.PHOTO: ("需现场照片", "needs an on-site photo"),
    Need.DOCUMENT_PHOTO: ("需资料页照片", "needs a photo of the document page"),
    Need.INTERVIEW_NOTE: ("需备注访谈对象", "needs a note of who was interviewed"),
    Need.NOT_MET_SUPPORT: ("不符合需备注或照片", "not met: needs a note or a photo"),
}


def need_text(need: Need, lang: str = "zh") -> str:
    zh, en = NEED_TEXT[need]
    return en if lang == "en" else zh


_TEXT_KINDS = (
    (MethodKind.ONSITE, re.compile(r"现场|查看.{0,4}(场所|设施|设备|环境|科室|诊室|病房)|实地|抽查.{0,6}(设备|药品)")),
    (MethodKind.DOCUMENTS, re.compile(r"查阅|资料|档案|记录|台账|文件|制度")),
    (MethodKind.INTERVIEW, re.compile(r"访谈|询问|提问|座谈|问卷")),
)


def method_kinds(item: Item) -> tuple[MethodKind, ...]:
    """The item's ways of checking: the standard's own list, else read from the method text."""
    if item.method_kinds:
        return tuple(item.method_kinds)
    return tuple(kind for kind, pattern in _TEXT_KINDS if pattern.search(item.method or ""))


def expected(item: Item) -> tuple[Need, ...]:
    """Evidence the method asks for, whatever the rating (shown as a hint before rating)."""
    if item.derived is not None:
        return ()
    kinds = method_kinds(item)
    needs = []
    if MethodKind.ONSITE in kinds:
        needs.append(Need.PHOTO)
    if MethodKind.DOCUMENTS in kinds:
        needs.append(Need.DOCUMENT_PHOTO)
    if MethodKind.INTERVIEW in kinds:
        needs.append(Need.INTERVIEW_NOTE)
    return tuple(needs)


def missing_for_item(item: Item, rating: ItemRating | None, photo_count: int) -> tuple[Need, ...]:
    """What is still missing for one item given its rating, its note and its photos.

    One photo of the item satisfies both photo needs (a page photographed on site is both);
    the interview note is the item note.
    """
    if item.derived is not None or rating is None:
        return ()
    if rating.result not in (ItemResult.MET, ItemResult.NOT_MET):
        return ()
    has_note = bool(rating.note.strip())
    missing = []
    for need in expected(item):
        if need in (Need.PHOTO, Need.DOCUMENT_PHOTO) and photo_count == 0:
            missing.append(need)
        elif need is Need.INTERVIEW_NOTE and not has_note:
            missing.append(need)
    if rating.result is ItemResult.NOT_MET and not has_note and photo_count == 0:
        missing.append(Need.NOT_MET_SUPPORT)
    return tuple(missing)


def photo_counts(evidence: Iterable[EvidenceRecord], clause_number: str | None = None) -> dict[tuple[str, str], int]:
    """Live photos per (clause, item); item "" holds photos of the clause as a whole."""
    counts: dict[tuple[str, str], int] = {}
    for record in evidence:
        if record.deleted:
            continue
        key = (record.target.clause_number, record.target.item_code)
        if clause_number is not None and key[0] != clause_number:
            continue
        counts[key] = counts.get(key, 0) + 1
    return counts


@dataclass(frozen=True)
class ItemGap:
    clause_number: str
    item_code: str
    needs: tuple[Need, ...]

    def text(self, lang: str = "zh") -> str:
        sep = "; " if lang == "en" else "；"
        return f"{self.item_code}: " + sep.join(need_text(n, lang) for n in self.needs)


def clause_gaps(clause: Clause, finding: Finding | None, counts: Mapping[tuple[str, str], int]) -> list[ItemGap]:
    """Every rated item of a clause whose evidence is incomplete."""
    ratings = finding.items if finding else {}
    gaps = []
    for item in clause.items:
        missing = missing_for_item(item, ratings.get(item.code), counts.get((clause.number, item.code), 0))
        if missing:
            gaps.append(ItemGap(clause.number, item.code, missing))
    return gaps


def inspection_gaps(standard: Standard, findings: Mapping[str, Finding],
                    evidence: Iterable[EvidenceRecord]) -> dict[str, list[ItemGap]]:
    """Clause number → its evidence gaps, for every clause that has any (in standard order)."""
    counts = photo_counts(evidence)
    out = {}
    for clause in standard.clauses():
        finding = findings.get(clause.number)
        if finding is None:
            continue
        gaps = clause_gaps(clause, finding, counts)
        if gaps:
            out[clause.number] = gaps
    return out
