"""View-model functions of the tablet app: pure, no Flet, tested as plain functions.

The screens only render what these return: rows of the overview with filters, search and
paging; where to resume; previous/next clause; the URL form of a clause number.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from inspect_app.inspection import Finding, Inspection, InspectionStatus, ItemResult, TeamMember, TeamRole
from inspect_app.scoring import ClauseLevel, ClauseScore
from inspect_app.standard.model import Standard

PAGE_SIZE = 30


# ------------------------------------------------------------------ routes


def clause_slug(number: str) -> str:
    """A clause number in a URL path. Dots would make '2.2.3.1' look like a file with an
    extension, which the web server answers with 404 instead of the app; '_' never occurs in
    clause numbers."""
    return number.replace(".", "_")


def clause_from_slug(slug: str) -> str:
    return slug.replace("_", ".")


def clause_route(inspection_id: str, number: str) -> str:
    return f"/i/{inspection_id}/c/{clause_slug(number)}"


def post_route(inspection_id: str, section_number: str) -> str:
    """A post (岗位) of a checklist standard: one screen with its norms as rows."""
    return f"/i/{inspection_id}/p/{clause_slug(section_number)}"


# ------------------------------------------------------------------ overview rows


class Filter(StrEnum):
    ALL = "all"
    UNRATED = "unrated"  # 未评: items still unrated
    BELOW_C = "below_c"  # 低于C级
    RECOMMENDED = "recommended"  # ★
    NOTES = "notes"  # 有备注
    MINE = "mine"  # 分配给我
    MISSING = "missing"  # 缺佐证


@dataclass(frozen=True)
class ClauseRow:
    number: str
    title: str
    recommended: bool
    chapter: str
    section: str
    level: ClauseLevel
    rated: int
    total: int
    has_notes: bool
    assigned_to: str
    derived: bool
    gaps: int = 0

    @property
    def unrated(self) -> bool:
        return self.rated < self.total


def clause_rows(standard: Standard, scores: Mapping[str, ClauseScore], findings: Mapping[str, Finding],
                assignments: Mapping[str, str], gaps: Mapping[str, list] | None = None) -> list[ClauseRow]:
    rows = []
    gaps = gaps or {}
    for chapter in standard.chapters:
        for section in chapter.sections:
            for clause in section.clauses:
                if getattr(clause, "unplaced", False):
                    continue  # an importer's 未归位条目 is not a clause to walk through
                score = scores[clause.number]
                finding = findings.get(clause.number)
                notes = bool(finding and (finding.note.strip() or any(r.note.strip() for r in finding.items.values())))
                rows.append(ClauseRow(
                    number=clause.number, title=clause.title, recommended=clause.is_recommended,
                    chapter=chapter.number, section=section.number, level=score.level,
                    rated=score.rated, total=score.total, has_notes=notes,
                    assigned_to=assignments.get(chapter.number, ""),
                    derived=clause.derived is not None, gaps=len(gaps.get(clause.number, ())),
                ))
    return rows


def _matches(row: ClauseRow, query: str) -> bool:
    q = query.strip().lower()
    if not q:
        return True
    return row.number.startswith(q) or q in row.title.lower()


def filter_rows(rows: Iterable[ClauseRow], flt: Filter | str = Filter.ALL, query: str = "",
                me: str = "") -> list[ClauseRow]:
    flt = Filter(flt)
    keep = {
        Filter.ALL: lambda r: True,
        Filter.UNRATED: lambda r: r.unrated,
        Filter.BELOW_C: lambda r: r.level is ClauseLevel.D,
        Filter.RECOMMENDED: lambda r: r.recommended,
        Filter.NOTES: lambda r: r.has_notes,
        Filter.MINE: lambda r: bool(me) and r.assigned_to == me,
        Filter.MISSING: lambda r: r.gaps > 0,
    }[flt]
    return [r for r in rows if keep(r) and _matches(r, query)]


def page_of(rows: list, page: int, size: int = PAGE_SIZE) -> tuple[list, bool]:
    """The first (page+1)*size rows ("show more" paging) and whether more remain."""
    end = (page + 1) * size
    return rows[:end], len(rows) > end


# ------------------------------------------------------------------ navigation


def neighbours(standard: Standard, number: str) -> tuple[str | None, str | None]:
    numbers = [c.number for c in standard.clauses()]
    i = numbers.index(number)
    return (numbers[i - 1] if i > 0 else None, numbers[i + 1] if i + 1 < len(numbers) else None)


def resume_clause(standard: Standard, inspection: Inspection, findings: Mapping[str, Finding]) -> str:
    """Where to continue: the bookmark, else the first clause with an unrated hand-rated item
    (of the recorded sample only, for a re-check on a sample)."""
    numbers = {c.number for c in standard.clauses()}
    if inspection.current_clause in numbers:
        return inspection.current_clause
    chosen = set(inspection.sample)
    for clause in standard.clauses():
        if clause.derived is not None or (chosen and clause.number not in chosen):
            continue
        items = findings[clause.number].items if clause.number in findings else {}
        if any(i.derived is None and (i.code not in items or items[i.code].result is ItemResult.UNRATED)
               for i in clause.items):
            return clause.number
    clauses = standard.clauses()
    return clauses[0].number if clauses else ""


STATUS_ORDER = (InspectionStatus.DRAFT, InspectionStatus.SUBMITTED, InspectionStatus.SIGNED,
                InspectionStatus.LOCKED)


def by_status(inspections: Iterable[Inspection]) -> list[tuple[InspectionStatus, list[Inspection]]]:
    groups: dict[InspectionStatus, list[Inspection]] = {s: [] for s in STATUS_ORDER}
    for insp in inspections:
        groups.setdefault(insp.status, []).append(insp)
    return [(s, groups[s]) for s in STATUS_ORDER if groups.get(s)]


def split_team(text: str) -> list[str]:
    """'张三，李四、王五' → ['张三', '李四', '王五'] (Chinese and ASCII separators)."""
    for sep in "，、;；\n":
        text = text.replace(sep, ",")
    seen, out = set(), []
    for name in (p.strip() for p in text.split(",")):
        if name and name not in seen:
            seen.add(name)
            out.append(name)
    return out


def team_members(names: list[str], leader: str | None) -> list[TeamMember]:
    """The start dialog's names with the chosen 评审组长; everybody else is a 评审专家. With no
    choice, services.start_inspection makes the inspector on this device the leader."""
    return [TeamMember(name=n, role=TeamRole.LEADER if n == leader else TeamRole.EXPERT) for n in names]


def append_phrase(note: str, phrase: str) -> str:
    """Quick phrase appended to a note, separated by '；' (not duplicated)."""
    note = note.rstrip()
    if phrase in note:
        return note
    return f"{note}；{phrase}" if note else phrase


def signers(team: Iterable[TeamMember], director: str = "") -> list[tuple[str, TeamRole]]:
    """Who signs, with the roles the team was started with: the 评审组长 first, then the 评审专家
    in team order, then the center's director (被评机构负责人)."""
    team = [m for m in team if m.role is not TeamRole.DIRECTOR]
    ordered = [m for m in team if m.role is TeamRole.LEADER] + [m for m in team if m.role is not TeamRole.LEADER]
    return [(m.name, m.role) for m in ordered] + [(director, TeamRole.DIRECTOR)]


def inspection_label(center_name: str, inspection: Inspection, lang: str = "zh") -> str:
    """How two inspections of the same center are told apart on every screen and in the export
    list: the center, the start time in the inspection's zone, a short number, the revision."""
    from inspect_app.clock import local_time_text, zone_of

    when = local_time_text(inspection.started_on, zone_of(inspection))
    number = ("No. " if lang == "en" else "编号 ") + inspection.id[:4].upper()
    rev = f" · R{inspection.revision}" if inspection.revision > 1 else ""
    return f"{center_name} · {when} · {number}{rev}"
