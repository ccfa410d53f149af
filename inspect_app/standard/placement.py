"""归位 (placement): the bureau places what the importer could not, and sets lost titles.

Items the text gave before any heading sit in an unplaced clause (0.0.N, not rated or scored);
a section whose heading was lost has an empty title. `place_item` moves an item under a clause
(creating the clause when a title is given), `set_title` sets a section's or chapter's title.
Each edit is recorded in the file (`Standard.placements`) so it can be reviewed, and the file's
coverage is recounted. Pure functions: the CLI and the hub's bureau page call them, then check.
"""

from __future__ import annotations

from datetime import datetime, timezone

from inspect_app.errors import UserError
from inspect_app.standard.coverage import refresh_coverage
from inspect_app.standard.model import Chapter, Clause, ClauseKind, Placement, Section, Standard


def _natural(number: str) -> tuple[int, ...]:
    return tuple(int(p) if p.isdigit() else 0 for p in number.split("."))


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def parse_item_ref(ref: str) -> tuple[str, str]:
    """'0.0.1/C-2' → ('0.0.1', 'C-2')."""
    clause, sep, code = ref.strip().partition("/")
    if not sep or not clause or not code:
        raise UserError(f"条目应写作 条款号/条目编号，如 0.0.1/C-2（收到“{ref}”）。",
                        f"Give the item as CLAUSE/CODE, e.g. 0.0.1/C-2 (got '{ref}').")
    return clause.strip(), code.strip().upper()


def _valid_clause_number(number: str) -> bool:
    parts = number.split(".")
    return len(parts) >= 3 and all(p.isdigit() for p in parts) and not number.startswith("0.")


def place_item(standard: Standard, item_ref: str, to: str, *, title: str | None = None, code: str | None = None,
               recommended: bool = False, by: str = "", at: str | None = None) -> Standard:
    """Move one item (e.g. '0.0.1/C-2') under clause `to` (e.g. '1.1.1'). A clause that does not
    exist yet is created in its section (and chapter) when `title` is given. `code` renames the item
    when the target already has one with its code. An unplaced clause left empty is removed."""
    source_number, item_code = parse_item_ref(item_ref)
    to = to.strip()
    try:
        source = standard.clause(source_number)
    except KeyError:
        raise UserError(f"没有条款 {source_number}。", f"There is no clause {source_number}.") from None
    item = next((i for i in source.items if i.code == item_code), None)
    if item is None:
        codes = "、".join(i.code for i in source.items) or "无"
        raise UserError(f"条款 {source_number} 中没有条目 {item_code}（现有：{codes}）。",
                        f"Clause {source_number} has no item {item_code} (it has: {codes}).")
    if to == source_number:
        raise UserError("目标条款与原条款相同。", "The target clause is the item's own clause.")
    if not _valid_clause_number(to):
        raise UserError(f"目标条款号“{to}”无效：应为 1.1.1 这样的三级及以上编号，且不在未归位区 0.x。",
                        f"Target clause '{to}' is not valid: give a number such as 1.1.1, outside the unplaced area 0.x.")
    if code:
        code = code.strip().upper()
        if code[:1] != item.level.value:
            raise UserError(f"新编号 {code} 与条目级别 {item.level.value} 不符。",
                            f"New code {code} does not match the item's level {item.level.value}.")
        item = item.model_copy(update={"code": code})
    existing = {c.number: c for c in standard.clauses()}
    target = existing.get(to)
    created = target is None
    if target is None:
        if not (title and title.strip()):
            raise UserError(f"条款 {to} 不存在：请用 --title 给出标题以新建该条款。",
                            f"Clause {to} does not exist: give --title to create it.")
        target = Clause(number=to, title=title.strip(),
                        kind=ClauseKind.RECOMMENDED if recommended else ClauseKind.BASIC)
    elif target.unplaced:
        raise UserError(f"条款 {to} 也是未归位条款，不能作为目标。", f"Clause {to} is unplaced itself; not a target.")
    if any(i.code == item.code for i in target.items):
        raise UserError(f"条款 {to} 已有条目 {item.code}：请用 --code 给出新编号（如 {item.level.value}-9）。",
                        f"Clause {to} already has item {item.code}: give a new code with --code.")
    items = sorted((*target.items, item), key=lambda i: i.level.rank)  # stable: C before B before A
    target = target.model_copy(update={"items": tuple(items)})
    remaining = tuple(i for i in source.items if i.code != item_code)
    chapters = _rebuild(standard, drop_item=(source_number, item_code), put=target,
                        drop_clause=source_number if source.unplaced and not remaining else None)
    record = Placement(action="move_item", item=f"{source_number}/{item_code}", to=f"{to}/{item.code}",
                       title=title.strip() if created and title else "", created_clause=created, at=at or _now(), by=by)
    placed = standard.model_copy(update={"chapters": chapters, "placements": (*standard.placements, record)})
    return refresh_coverage(placed)


def set_title(standard: Standard, number: str, title: str, *, by: str = "", at: str | None = None) -> Standard:
    """Set the title of a section (e.g. '2.1') or chapter ('2') whose heading the text lost (or fix one)."""
    number, title = number.strip(), title.strip()
    if not title:
        raise UserError("标题不能为空。", "The title must not be empty.")
    chapters, found = [], False
    for ch in standard.chapters:
        if ch.number == number:
            ch, found = ch.model_copy(update={"title": title}), True
        sections = []
        for s in ch.sections:
            if s.number == number:
                s, found = s.model_copy(update={"title": title}), True
            sections.append(s)
        chapters.append(ch.model_copy(update={"sections": tuple(sections)}))
    if not found:
        raise UserError(f"没有编号为 {number} 的章或小节。", f"There is no chapter or section {number}.")
    record = Placement(action="set_title", to=number, title=title, at=at or _now(), by=by)
    return standard.model_copy(update={"chapters": tuple(chapters), "placements": (*standard.placements, record)})


def _rebuild(standard: Standard, *, drop_item: tuple[str, str], put: Clause, drop_clause: str | None) -> tuple[Chapter, ...]:
    """The tree with the item taken out of its clause and `put` in place (added where it belongs)."""
    src_number, src_code = drop_item
    section_number = put.number.rpartition(".")[0]
    chapter_number = put.number.split(".")[0]
    chapters: dict[str, Chapter] = {ch.number: ch for ch in standard.chapters}
    if chapter_number not in chapters:
        chapters[chapter_number] = Chapter(number=chapter_number, title="")
    out = []
    for number in sorted(chapters, key=_natural):
        ch = chapters[number]
        sections = {s.number: s for s in ch.sections}
        if number == chapter_number and section_number not in sections:
            sections[section_number] = Section(number=section_number, title="")
        new_sections = []
        for s_number in sorted(sections, key=_natural) if number == chapter_number else [s.number for s in ch.sections]:
            s = sections[s_number]
            clauses = []
            for c in s.clauses:
                if c.number == drop_clause or c.number == put.number:
                    continue
                if c.number == src_number:
                    c = c.model_copy(update={"items": tuple(i for i in c.items if i.code != src_code)})
                clauses.append(c)
            if s_number == section_number:
                clauses = sorted((*clauses, put), key=lambda c: _natural(c.number))
            if clauses or not s.clauses:  # drop a section the move emptied (the unplaced 0.0)
                new_sections.append(s.model_copy(update={"clauses": tuple(clauses)}))
        if new_sections or not ch.sections:
            out.append(ch.model_copy(update={"sections": tuple(new_sections)}))
    return tuple(out)


def placement_text(p: Placement, lang: str = "zh") -> str:
    """One line of the history, for `standard check` and the bureau page."""
    who = f" {p.by}" if p.by else ""
    if p.action == "set_title":
        return (f"{p.at}{who} set the title of {p.to}: {p.title}" if lang == "en"
                else f"{p.at}{who} 设置 {p.to} 的标题：{p.title}")
    made = (f" (new clause: {p.title})" if lang == "en" else f"（新建条款：{p.title}）") if p.created_clause else ""
    return (f"{p.at}{who} moved {p.item} → {p.to}{made}" if lang == "en" else f"{p.at}{who} 将 {p.item} 移至 {p.to}{made}")


__all__ = ["parse_item_ref", "place_item", "placement_text", "set_title"]
