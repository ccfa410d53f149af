"""版本对照 (edition mapping): clause numbers of one edition against another's (2018 → 2022 → 2023 …),
so that a center's results can be compared clause by clause across rounds.

A mapping file is small JSON, written by hand or imported from a two-column sheet (旧条款号, 新条款号):

    {"format": "edition-mapping", "version": 1,
     "from": {"id": "township-2018"}, "to": {"id": "township-2022"},
     "clauses": [{"from": "2.2.3.1", "to": ["2.2.3.1"]},
                 {"from": "1.2.3", "to": ["1.2.3", "1.2.5"], "note": "拆分"},
                 {"from": "3.1.4", "to": [], "note": "删除"},
                 {"from": null, "to": ["4.3.2"], "note": "新增"}]}

`check_mapping` validates it against both standards; `compare_levels` and `round_change` are pure
functions the bureau table calls to show the change since a center's previous round.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from inspect_app.errors import UserError
from inspect_app.standard.loader import pretty_json, write_text_atomically
from inspect_app.standard.model import Standard
from inspect_app.standard.validate import Problem

MAPPING_FORMAT = "edition-mapping"


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class EditionRef(_M):
    id: str
    edition: str = ""


class ClausePair(_M):
    old: str | None = Field(None, alias="from", description="clause of the older edition; null: new in the newer")
    new: tuple[str, ...] = Field((), alias="to", description="its clause(s) in the newer edition; empty: removed")
    note: str = ""


class EditionMapping(_M):
    format: str = MAPPING_FORMAT
    version: int = 1
    old: EditionRef = Field(alias="from")
    new: EditionRef = Field(alias="to")
    clauses: tuple[ClausePair, ...] = ()

    def targets(self, old_number: str) -> tuple[str, ...]:
        for pair in self.clauses:
            if pair.old == old_number:
                return pair.new
        return ()


def identity_mapping(old: Standard, new: Standard) -> EditionMapping:
    """Same numbers map to each other; the rest are removed / new. A starting point to edit by hand."""
    old_numbers = [c.number for c in old.clauses() if not c.unplaced]
    new_numbers = [c.number for c in new.clauses() if not c.unplaced]
    pairs = [ClausePair(old=n, new=(n,) if n in new_numbers else (), note="" if n in new_numbers else "删除")
             for n in old_numbers]
    pairs += [ClausePair(old=None, new=(n,), note="新增") for n in new_numbers if n not in old_numbers]
    return EditionMapping(old=EditionRef(id=old.id, edition=old.edition), new=EditionRef(id=new.id, edition=new.edition),
                          clauses=tuple(pairs))


def dumps_mapping(mapping: EditionMapping) -> str:
    return pretty_json(mapping.model_dump(mode="json", by_alias=True))


def save_mapping(mapping: EditionMapping, path: Path | str) -> Path:
    return write_text_atomically(Path(path), dumps_mapping(mapping))


def load_mapping(path: Path | str) -> EditionMapping:
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise UserError(f"找不到版本对照文件：{path}", f"Mapping file not found: {path}") from exc
    except json.JSONDecodeError as exc:
        raise UserError(f"{path}：第 {exc.lineno} 行第 {exc.colno} 列不是有效的 JSON（{exc.msg}）",
                        f"{path}: line {exc.lineno} column {exc.colno}: not valid JSON ({exc.msg})") from exc
    if not isinstance(data, dict) or data.get("format") != MAPPING_FORMAT:
        raise UserError(f"{path}：不是版本对照文件（format 应为 {MAPPING_FORMAT}）",
                        f"{path}: not an edition mapping (format must be {MAPPING_FORMAT})")
    try:
        return EditionMapping.model_validate(data)
    except ValidationError as exc:
        lines = [f"  {'.'.join(str(p) for p in e['loc'])}：{e['msg']}" for e in exc.errors()]
        raise UserError(f"{path}：版本对照文件内容有误：\n" + "\n".join(lines),
                        f"{path}: the mapping has errors:\n" + "\n".join(lines)) from exc


def import_mapping_table(source: Path | str, old: Standard, new: Standard) -> EditionMapping:
    """From a .csv or .xlsx with columns 旧条款号, 新条款号 (several new numbers separated by 、 or ,), 说明.
    Rows with the same 旧条款号 add targets; an empty 旧条款号 is a new clause; an empty 新条款号 a removed one."""
    source = Path(source)
    if source.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        try:
            wb = load_workbook(source, data_only=True)
        except Exception as exc:
            raise UserError(f"{source}：不是有效的 .xlsx 文件", f"{source}: not a valid .xlsx file") from exc
        ws = wb.active
        if ws.merged_cells.ranges:
            raise UserError(f"工作表“{ws.title}”有合并单元格：请取消合并", f"sheet '{ws.title}' has merged cells: unmerge them")
        rows = [["" if v is None else str(v).strip() for v in r] for r in ws.iter_rows(values_only=True)]
        sheet = ws.title
    else:
        try:
            text = source.read_text(encoding="utf-8-sig")
        except FileNotFoundError as exc:
            raise UserError(f"找不到文件：{source}", f"File not found: {source}") from exc
        rows = [[v.strip() for v in r] for r in csv.reader(io.StringIO(text))]
        sheet = source.name
    if not rows:
        raise UserError(f"{source}：文件为空", f"{source}: empty")
    header = [h.replace(" ", "") for h in rows[0]]
    try:
        i_old, i_new = header.index("旧条款号"), header.index("新条款号")
    except ValueError:
        raise UserError(f"“{sheet}”第 1 行应有列名 旧条款号、新条款号（可选 说明）", f"'{sheet}' row 1 must name 旧条款号, 新条款号") from None
    i_note = header.index("说明") if "说明" in header else None
    pairs: dict[str | None, list] = {}
    news: list[ClausePair] = []
    for row in rows[1:]:
        cell = lambda i: row[i] if i is not None and i < len(row) else ""  # noqa: E731
        old_no, new_cell, note = cell(i_old), cell(i_new), cell(i_note)
        targets = tuple(t.strip() for t in new_cell.replace("，", ",").replace("、", ",").split(",") if t.strip())
        if not old_no and not targets:
            continue
        if not old_no:
            news.append(ClausePair(old=None, new=targets, note=note or "新增"))
            continue
        entry = pairs.setdefault(old_no, [(), note])
        entry[0] = entry[0] + tuple(t for t in targets if t not in entry[0])
        entry[1] = entry[1] or note
    mapping = EditionMapping(
        old=EditionRef(id=old.id, edition=old.edition), new=EditionRef(id=new.id, edition=new.edition),
        clauses=tuple(ClausePair(old=k, new=v[0], note=v[1]) for k, v in pairs.items()) + tuple(news))
    return mapping


def check_mapping(mapping: EditionMapping, old: Standard, new: Standard) -> list[Problem]:
    """Every number must exist in its edition; an old clause is listed once; clauses neither mapped
    nor marked removed/new are worth a look (warnings)."""
    problems: list[Problem] = []
    add = problems.append
    if mapping.old.id != old.id:
        add(Problem("对照表 from", f"旧版本编号 {mapping.old.id} 与标准 {old.id} 不符", f"from id {mapping.old.id} is not {old.id}"))
    if mapping.new.id != new.id:
        add(Problem("对照表 to", f"新版本编号 {mapping.new.id} 与标准 {new.id} 不符", f"to id {mapping.new.id} is not {new.id}"))
    old_numbers = {c.number for c in old.clauses() if not c.unplaced}
    new_numbers = {c.number for c in new.clauses() if not c.unplaced}
    seen_old: set[str] = set()
    seen_new: set[str] = set()
    for index, pair in enumerate(mapping.clauses):
        where = f"对照第 {index + 1} 项" + (f"（{pair.old}）" if pair.old else "")
        if pair.old is not None:
            if pair.old not in old_numbers:
                add(Problem(where, f"旧版本中没有条款 {pair.old}", f"no clause {pair.old} in the older edition"))
            if pair.old in seen_old:
                add(Problem(where, f"旧条款 {pair.old} 出现多次", f"old clause {pair.old} listed more than once"))
            seen_old.add(pair.old)
        elif not pair.new:
            add(Problem(where, "新旧条款号都为空", "both sides empty"))
        for target in pair.new:
            if target not in new_numbers:
                add(Problem(where, f"新版本中没有条款 {target}", f"no clause {target} in the newer edition"))
            seen_new.add(target)
    for n in sorted(old_numbers - seen_old):
        add(Problem(f"旧条款 {n}", "对照表未列出：按删除处理", "not in the mapping: read as removed", None, "warning"))
    for n in sorted(new_numbers - seen_new):
        add(Problem(f"新条款 {n}", "对照表未列出：按新增处理", "not in the mapping: read as new", None, "warning"))
    return problems


# ---------------------------------------------------------------- comparing rounds

_RANK = {"D": 0, "C": 1, "B": 2, "A": 3}


@dataclass(frozen=True)
class ClauseChange:
    old: str | None
    new: str | None
    before: str  # level value: A/B/C/D, incomplete, na, or "" (no such clause)
    after: str

    @property
    def delta(self) -> int | None:
        """+1 per level gained (D→C = +1), None when either side has no decided level."""
        if self.before in _RANK and self.after in _RANK:
            return _RANK[self.after] - _RANK[self.before]
        return None


def compare_levels(before: dict[str, str], after: dict[str, str], mapping: EditionMapping | None = None) -> list[ClauseChange]:
    """Clause by clause: levels (clause number → level value) of the previous and the current round.
    Without a mapping the numbers are the same edition's. A clause split in two is compared with each."""
    out = []
    if mapping is None:
        for number in sorted(set(before) | set(after), key=_natural):
            out.append(ClauseChange(number if number in before else None, number if number in after else None,
                                    before.get(number, ""), after.get(number, "")))
        return out
    for pair in mapping.clauses:
        if pair.old is None:
            out.extend(ClauseChange(None, n, "", after.get(n, "")) for n in pair.new)
        elif not pair.new:
            out.append(ClauseChange(pair.old, None, before.get(pair.old, ""), ""))
        else:
            out.extend(ClauseChange(pair.old, n, before.get(pair.old, ""), after.get(n, "")) for n in pair.new)
    return out


@dataclass(frozen=True)
class RoundChange:
    """What changed since the previous round, for one line of the bureau table."""

    before_verdict: str
    after_verdict: str
    improved: int
    declined: int
    same: int
    compared: int
    comparable: bool  # False: different editions and no mapping: only the verdicts can be compared

    def text(self) -> str:
        verdict = "结论不变" if self.before_verdict == self.after_verdict else f"{self.before_verdict} → {self.after_verdict}"
        if not self.comparable:
            return f"{verdict}（版本不同且无对照表，未逐条比较）"
        return f"{verdict}；{self.compared} 条可比：升 {self.improved}、降 {self.declined}、持平 {self.same}"

    def text_en(self) -> str:
        verdict = "verdict unchanged" if self.before_verdict == self.after_verdict else f"{self.before_verdict} → {self.after_verdict}"
        if not self.comparable:
            return f"{verdict} (different editions, no mapping: not compared clause by clause)"
        return f"{verdict}; {self.compared} comparable: {self.improved} up, {self.declined} down, {self.same} same"


def round_change(before_levels: dict[str, str], before_verdict: str, after_levels: dict[str, str], after_verdict: str,
                 *, same_edition: bool, mapping: EditionMapping | None = None) -> RoundChange:
    """Pure: the table passes the two rounds' clause levels and verdict labels."""
    if not same_edition and mapping is None:
        return RoundChange(before_verdict, after_verdict, 0, 0, 0, 0, False)
    changes = [c for c in compare_levels(before_levels, after_levels, None if same_edition else mapping)
               if c.delta is not None]
    return RoundChange(before_verdict, after_verdict, sum(c.delta > 0 for c in changes), sum(c.delta < 0 for c in changes),
                       sum(c.delta == 0 for c in changes), len(changes), True)


def find_mapping(old_id: str, new_id: str, folders: list[Path]) -> EditionMapping | None:
    """A mapping file for these two editions in any of the folders (*.mapping.json), else None."""
    for folder in folders:
        if not Path(folder).is_dir():
            continue
        for path in sorted(Path(folder).glob("*.mapping.json")):
            try:
                m = load_mapping(path)
            except UserError:
                continue
            if m.old.id == old_id and m.new.id == new_id:
                return m
    return None


def _natural(number: str) -> tuple:
    return tuple(int(p) if p.isdigit() else 0 for p in number.split("."))


__all__ = ["ClauseChange", "ClausePair", "EditionMapping", "RoundChange", "check_mapping", "compare_levels", "find_mapping",
           "identity_mapping", "import_mapping_table", "load_mapping", "round_change", "save_mapping"]
