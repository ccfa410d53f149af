"""评价标准 ⇄ Excel (.xlsx): bureaus keep their editions in spreadsheets.

Sheet 条款 (required), one row per item:

    章 | 节 | 条款号 | 条款名称 | 类别 | 等级 | 条目编号 | 要求 | 说明 | 评价方式方法 | [条款说明 | 否决理由 | 条款行号 | 条目行号]

- 章 "1 功能任务和资源配置" / "第一章 …" / a title alone; 节 "1.2 科室设置" or a title alone (the numbers
  follow from 条款号 when not given); 类别 基本 or 推荐★; 等级 C/B/A; 条目编号 C-1, B-2, A-1 or C.
- A blank 章, 节, 条款号, 条款名称 or 类别 repeats the row above (a clause's later items need not repeat it).
- A row with no 等级 and no 条目编号 is a clause without items (judged from others by its 条款说明).
- 依据…评审结果评判 in 评价方式方法 (or 条款说明) is read as a derived rule, as the text importer does.

Optional sheets: 标准信息 (key/value: 编号, 名称, 版本, 类型, 来源, 覆盖范围, 本版条款数, 评定规则说明),
章节 (chapter/section numbers with titles and intros), 前置条件 (编号, 内容, 核查方法, 否决理由),
评定规则 (编号, 名称, 英文名称, 说明, 仅限小型机构, 条款类别, C, B, A), 归位记录. Without them the packaged
defaults apply. Every problem is reported by sheet, row and column; merged cells and missing
columns are refused with a sentence, never a traceback.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

from inspect_app.errors import UserError
from inspect_app.standard.coverage import coverage_of
from inspect_app.standard.defaults import default_prerequisites, default_verdict_rules
from inspect_app.standard.derived import parse_derived
from inspect_app.standard.importer import UNPLACED_SECTION, method_kinds
from inspect_app.standard.model import (
    Chapter,
    Clause,
    ClauseKind,
    Item,
    ItemLevel,
    Placement,
    Prerequisite,
    Section,
    Standard,
    StandardKind,
    Tier,
    TierRule,
    VerdictRules,
    Veto,
)

MAIN = "条款"
INFO = "标准信息"
GROUPS = "章节"
PREREQ = "前置条件"
TIERS = "评定规则"
HISTORY = "归位记录"

REQUIRED = ("章", "节", "条款号", "条款名称", "类别", "等级", "条目编号", "要求", "说明", "评价方式方法")
OPTIONAL = ("条款说明", "否决理由", "条款行号", "条目行号")
PREREQ_COLUMNS = ("编号", "内容", "核查方法", "否决理由")
TIER_COLUMNS = ("编号", "名称", "英文名称", "说明", "仅限小型机构", "条款类别", "C", "B", "A")
GROUP_COLUMNS = ("编号", "标题", "说明", "原文行号")
HISTORY_COLUMNS = ("操作", "条目", "移至", "标题", "新建条款", "时间", "操作人")
INFO_KEYS = ("编号", "名称", "版本", "类型", "来源", "覆盖范围", "本版条款数", "评定规则说明")

_CLAUSE_NO = re.compile(r"^\d{1,2}(?:\.\d{1,2}){2,4}$")
_CODE = re.compile(r"^(?P<level>[ABC])(?:-(?P<n>[1-9]\d*))?$")
_GROUP_CELL = re.compile(r"^(?:第\s*(?P<cn>[一二三四五六七八九十\d]{1,3})\s*章|(?P<num>\d{1,2}(?:\.\d{1,2}){0,3}))?\s*[、.．]?\s*(?P<title>.*)$")
_FULL = str.maketrans("ＡＢＣａｂｃ－０１２３４５６７８９", "ABCabc-0123456789")
_KIND_WORDS = {"基本": ClauseKind.BASIC, "基本条款": ClauseKind.BASIC, "推荐": ClauseKind.RECOMMENDED,
               "推荐★": ClauseKind.RECOMMENDED, "★": ClauseKind.RECOMMENDED, "推荐条款": ClauseKind.RECOMMENDED,
               "推荐条款★": ClauseKind.RECOMMENDED, "basic": ClauseKind.BASIC, "recommended": ClauseKind.RECOMMENDED}
KIND_CELL = {ClauseKind.BASIC: "基本", ClauseKind.RECOMMENDED: "推荐★"}
_YES = {"是", "yes", "y", "true", "1", "√"}


@dataclass(frozen=True)
class CellProblem:
    sheet: str
    row: int
    column: str  # letter, "" for the whole row
    header: str
    zh: str
    en: str

    def text(self, lang: str = "zh") -> str:
        col = f" {self.column} 列（{self.header}）" if self.column and lang != "en" else (
            f" column {self.column} ({self.header})" if self.column else "")
        if lang == "en":
            return f"sheet '{self.sheet}' row {self.row}{col}: {self.en}"
        return f"工作表“{self.sheet}”第 {self.row} 行{col}：{self.zh}"


def _openpyxl():
    try:
        import openpyxl
    except ImportError as exc:  # declared in pyproject; a broken install still gets a sentence
        raise UserError("读取 Excel 需要 openpyxl：pip install openpyxl", "Reading Excel needs openpyxl: pip install openpyxl") from exc
    return openpyxl


# ---------------------------------------------------------------- reading


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _header_name(raw: str) -> str:
    """'类别（基本/推荐★）' → '类别'; spaces and a trailing '*' dropped."""
    name = re.sub(r"\s+", "", raw).rstrip("*＊")
    return re.split(r"[（(]", name, maxsplit=1)[0]


class _Sheet:
    """One worksheet read as rows of text by header name, remembering where each value came from."""

    def __init__(self, ws, required: tuple[str, ...], optional: tuple[str, ...], problems: list[CellProblem]):
        from openpyxl.utils import get_column_letter

        self.name, self.rows, self.letters, self.ok = ws.title, [], {}, True
        if ws.merged_cells.ranges:
            ranges = sorted(ws.merged_cells.ranges, key=lambda r: (r.min_row, r.min_col))
            spans = "、".join(str(r) for r in ranges[:5]) + ("…" if len(ranges) > 5 else "")
            problems.append(CellProblem(ws.title, ranges[0].min_row, "", "", f"有合并单元格（{spans}）：请取消合并，并在每一行填写完整的值"
                                        "（Excel：开始 → 合并后居中 → 取消单元格合并）",
                                        f"has merged cells ({spans}): unmerge them and fill in every row"))
            self.ok = False
            return
        rows = list(ws.iter_rows(values_only=True))
        header_at = next((i for i, r in enumerate(rows[:10]) if required and any(_header_name(_text(v)) == required[0] for v in r)
                          or not required and any(_text(v) for v in r)), None)
        if header_at is None:
            problems.append(CellProblem(ws.title, 1, "", "", f"找不到列名行（应含：{'、'.join(required)}）",
                                        f"no header row found (it should name: {', '.join(required)})"))
            self.ok = False
            return
        header = [_header_name(_text(v)) for v in rows[header_at]]
        for index, name in enumerate(header):
            if name in required + optional and name not in self.letters:
                self.letters[name] = (index, get_column_letter(index + 1))
        missing = [n for n in required if n not in self.letters]
        if missing:
            problems.append(CellProblem(ws.title, header_at + 1, "", "", f"缺少列：{'、'.join(missing)}（第 {header_at + 1} 行应为列名："
                                        f"{'、'.join(required)}）", f"missing column(s): {', '.join(missing)}"))
            self.ok = False
            return
        for offset, row in enumerate(rows[header_at + 1:], start=header_at + 2):
            values = {name: _text(row[i]) if i < len(row) else "" for name, (i, _) in self.letters.items()}
            if any(values.values()):
                self.rows.append((offset, values))

    def problem(self, row: int, header: str, zh: str, en: str) -> CellProblem:
        letter = self.letters.get(header, (0, ""))[1]
        return CellProblem(self.name, row, letter, header, zh, en)


def read_standard_xlsx(source: Path | str | bytes, *, standard_id: str = "", title: str = "") -> Standard:
    """A Standard from a workbook; a UserError listing every problem by sheet, row and column."""
    openpyxl = _openpyxl()
    name = "" if isinstance(source, bytes) else Path(source).name
    try:
        wb = openpyxl.load_workbook(io.BytesIO(source) if isinstance(source, bytes) else source, data_only=True)
    except FileNotFoundError as exc:
        raise UserError(f"找不到 Excel 文件：{source}", f"Excel file not found: {source}") from exc
    except Exception as exc:  # zipfile.BadZipFile, KeyError, InvalidFileException: not a workbook
        raise UserError(f"{name or 'Excel'}：不是有效的 .xlsx 文件（{type(exc).__name__}）。请用 Excel 另存为 .xlsx。",
                        f"{name or 'Excel'}: not a valid .xlsx file ({type(exc).__name__}). Save it as .xlsx.") from exc
    problems: list[CellProblem] = []
    if MAIN not in wb.sheetnames:
        raise UserError(f"{name}：缺少工作表“{MAIN}”（现有：{'、'.join(wb.sheetnames)}）。可用 standard template 生成模板。",
                        f"{name}: no sheet '{MAIN}' (sheets: {', '.join(wb.sheetnames)}). standard template writes one.")
    info = _read_info(wb, problems)
    main = _Sheet(wb[MAIN], REQUIRED, OPTIONAL, problems)
    groups = _read_groups(wb, problems)
    prereqs = _read_prerequisites(wb, problems)
    kind = StandardKind.CHECKLIST if info.get("类型", "").lower() in ("checklist", "检查表") else StandardKind.GRADED
    tiers = _read_tiers(wb, problems)
    history = _read_history(wb, problems)
    chapters = _read_clauses(main, groups, problems) if main.ok else ()
    if problems:
        shown = problems[:40]
        more = len(problems) - len(shown)
        raise UserError(
            f"{name}：Excel 中有 {len(problems)} 处问题：\n" + "\n".join("  " + p.text("zh") for p in shown)
            + (f"\n  ……另有 {more} 处" if more else ""),
            f"{name}: {len(problems)} problem(s) in the workbook:\n" + "\n".join("  " + p.text("en") for p in shown)
            + (f"\n  ... and {more} more" if more else ""),
        )
    default_rules = default_verdict_rules(kind)
    standard = Standard(
        id=info.get("编号") or standard_id or (Path(name).stem if name else "standard"),
        title=info.get("名称") or title or info.get("编号") or standard_id or Path(name).stem,
        edition=info.get("版本", ""),
        kind=kind,
        source=info.get("来源", name),
        prerequisites=prereqs if prereqs is not None else default_prerequisites(kind),
        verdict_rules=VerdictRules(note=info.get("评定规则说明") or default_rules.note, tiers=tiers) if tiers
        else default_rules.model_copy(update={"note": info.get("评定规则说明") or default_rules.note}),
        chapters=chapters,
        placements=history,
    )
    extent = {"节选": "excerpt", "excerpt": "excerpt", "完整版": "complete", "complete": "complete"}.get(info.get("覆盖范围", ""))
    size = info.get("本版条款数", "")
    return standard.model_copy(update={"coverage": coverage_of(standard, extent=extent,
                                                               edition_clauses=int(size) if size.isdigit() else None)})


def _read_info(wb, problems) -> dict[str, str]:
    if INFO not in wb.sheetnames:
        return {}
    out = {}
    ws = wb[INFO]
    for row_no, row in enumerate(ws.iter_rows(values_only=True), start=1):
        key, value = (_text(row[0]) if row else ""), (_text(row[1]) if len(row) > 1 else "")
        if key in INFO_KEYS:
            out[key] = value
    if out.get("本版条款数") and not out["本版条款数"].isdigit():
        problems.append(CellProblem(INFO, 0, "B", "本版条款数", "应为整数", "must be a whole number"))
    return out


def _read_groups(wb, problems) -> dict[str, tuple[str, str, int | None]]:
    if GROUPS not in wb.sheetnames:
        return {}
    sheet = _Sheet(wb[GROUPS], GROUP_COLUMNS[:2], GROUP_COLUMNS[2:], problems)
    out = {}
    for row, v in sheet.rows:
        if not re.fullmatch(r"\d{1,2}(?:\.\d{1,2}){0,3}", v["编号"]):
            problems.append(sheet.problem(row, "编号", f"“{v['编号']}”不是章或小节编号（如 2 或 2.1）", "not a chapter or section number"))
            continue
        line = v.get("原文行号", "")
        out[v["编号"]] = (v["标题"], v.get("说明", ""), int(line) if line.isdigit() else None)
    return out


def _read_prerequisites(wb, problems) -> tuple[Prerequisite, ...] | None:
    if PREREQ not in wb.sheetnames:
        return None
    sheet = _Sheet(wb[PREREQ], PREREQ_COLUMNS[:2], PREREQ_COLUMNS[2:], problems)
    out, seen = [], {}
    for row, v in sheet.rows:
        if not v["编号"]:
            problems.append(sheet.problem(row, "编号", "缺少编号", "missing id"))
            continue
        if v["编号"] in seen:
            problems.append(sheet.problem(row, "编号", f"编号 {v['编号']} 重复（另见第 {seen[v['编号']]} 行）", "duplicate id"))
            continue
        seen[v["编号"]] = row
        if not v["内容"]:
            problems.append(sheet.problem(row, "内容", "缺少内容", "missing text"))
            continue
        veto = v.get("否决理由", "")
        out.append(Prerequisite(id=v["编号"], text=v["内容"], method=v.get("核查方法", ""),
                                veto=Veto(reason=veto) if veto else None))
    return tuple(out)


def _read_tiers(wb, problems) -> tuple[Tier, ...]:
    if TIERS not in wb.sheetnames:
        return ()
    sheet = _Sheet(wb[TIERS], TIER_COLUMNS[:2] + ("条款类别",), ("英文名称", "说明", "仅限小型机构", "C", "B", "A"), problems)
    tiers: dict[str, dict] = {}
    for row, v in sheet.rows:
        tid = v["编号"]
        if not tid:
            problems.append(sheet.problem(row, "编号", "缺少评定等级编号", "missing tier id"))
            continue
        tier = tiers.setdefault(tid, {"id": tid, "name": v["名称"] or tid, "name_en": v.get("英文名称", ""),
                                      "note": v.get("说明", ""), "small": v.get("仅限小型机构", "").lower() in _YES, "rules": []})
        kind = _KIND_WORDS.get(v["条款类别"])
        if kind is None:
            problems.append(sheet.problem(row, "条款类别", f"“{v['条款类别']}”应为 基本 或 推荐", "must be 基本 or 推荐"))
            continue
        percents = {}
        for level in "CBA":
            raw = v.get(level, "").rstrip("%％")
            if not raw:
                continue
            try:
                value = float(raw)
            except ValueError:
                problems.append(sheet.problem(row, level, f"“{raw}”不是数字（百分比，如 95）", "not a number (percent, e.g. 95)"))
                continue
            if not 0 <= value <= 100:
                problems.append(sheet.problem(row, level, f"{raw} 不在 0–100 之间", "outside 0..100"))
            percents[ItemLevel(level)] = int(value) if value.is_integer() else value
        tier["rules"].append(TierRule(clause_kind=kind, min_percent=percents))
    return tuple(Tier(id=t["id"], name=t["name"], name_en=t["name_en"], note=t["note"],
                      small_institutions_only=t["small"], rules=tuple(t["rules"])) for t in tiers.values())


def _read_history(wb, problems) -> tuple[Placement, ...]:
    if HISTORY not in wb.sheetnames:
        return ()
    sheet = _Sheet(wb[HISTORY], HISTORY_COLUMNS[:3], HISTORY_COLUMNS[3:], problems)
    out = []
    for row, v in sheet.rows:
        action = {"移动条目": "move_item", "move_item": "move_item", "设置标题": "set_title", "set_title": "set_title"}.get(v["操作"])
        if action is None:
            problems.append(sheet.problem(row, "操作", "应为 移动条目 或 设置标题", "must be 移动条目 or 设置标题"))
            continue
        out.append(Placement(action=action, item=v["条目"], to=v["移至"], title=v.get("标题", ""),
                             created_clause=v.get("新建条款", "").lower() in _YES, at=v.get("时间", ""), by=v.get("操作人", "")))
    return tuple(out)


def _group_cell(text: str) -> tuple[str, str]:
    """'1.2 科室设置' → ('1.2', '科室设置'); '第二章 基本医疗…' → ('2', '基本医疗…'); '科室设置' → ('', '科室设置')."""
    from inspect_app.standard.importer import _chapter_number

    m = _GROUP_CELL.match(text)
    if not m:
        return "", text
    if m["cn"]:
        return str(_chapter_number(m["cn"]) if not m["cn"].isdigit() else int(m["cn"])), m["title"].strip()
    return (m["num"] or ""), m["title"].strip()


def _read_clauses(sheet: _Sheet, groups: dict, problems: list[CellProblem]) -> tuple[Chapter, ...]:
    clauses: dict[str, dict] = {}
    titles: dict[str, tuple[str, int]] = {}  # chapter/section number → title, row
    last = {"章": "", "节": "", "条款号": "", "条款名称": "", "类别": ""}
    for row, v in sheet.rows:
        if v["条款号"]:
            if v["条款号"] != last["条款号"]:
                last["条款名称"] = last["类别"] = ""
        for key in last:  # a blank cell repeats the row above (a clause's later items)
            if v[key]:
                last[key] = v[key]
            else:
                v[key] = last[key]
        number = v["条款号"].translate(_FULL).replace("．", ".")
        if not _CLAUSE_NO.match(number):
            problems.append(sheet.problem(row, "条款号", f"“{v['条款号']}”不是条款号（应如 1.2.3 或 2.2.3.1）",
                                          "not a clause number (e.g. 1.2.3 or 2.2.3.1)"))
            continue
        chapter_no, section_no = number.split(".")[0], number.rpartition(".")[0]
        for key, expect in (("章", chapter_no), ("节", section_no)):
            cell_no, cell_title = _group_cell(v[key])
            if cell_no and cell_no != expect:
                problems.append(sheet.problem(row, key, f"编号 {cell_no} 与条款号 {number} 不符（应为 {expect}）",
                                              f"number {cell_no} does not match clause {number} (should be {expect})"))
                continue
            if cell_title:
                seen = titles.get(expect)
                if seen and seen[0] != cell_title:
                    problems.append(sheet.problem(row, key, f"标题“{cell_title}”与第 {seen[1]} 行的“{seen[0]}”不同",
                                                  f"title differs from row {seen[1]}"))
                titles.setdefault(expect, (cell_title, row))
        kind = _KIND_WORDS.get(v["类别"] or "基本")
        if kind is None:
            problems.append(sheet.problem(row, "类别", f"“{v['类别']}”应为 基本 或 推荐★", "must be 基本 or 推荐★"))
            kind = ClauseKind.BASIC
        entry = clauses.get(number)
        if entry is None:
            entry = clauses[number] = {"title": v["条款名称"], "kind": kind, "intro": v.get("条款说明", ""), "items": {},
                                       "row": row, "line": _int(v.get("条款行号", ""))}
            if not v["条款名称"] and not number.startswith(UNPLACED_SECTION + "."):
                problems.append(sheet.problem(row, "条款名称", "缺少条款名称", "missing clause title"))
        else:
            if v["条款名称"] and v["条款名称"] != entry["title"]:
                problems.append(sheet.problem(row, "条款名称", f"与第 {entry['row']} 行的条款名称“{entry['title']}”不同",
                                              f"differs from the clause title in row {entry['row']}"))
            if v.get("条款说明") and not entry["intro"]:
                entry["intro"] = v["条款说明"]
        level_raw = v["等级"].translate(_FULL).upper()
        code = v["条目编号"].translate(_FULL).upper().replace("【", "").replace("】", "").replace(" ", "")
        if not level_raw and not code:
            continue  # a clause without items (derived from others, or intro only)
        if level_raw not in ("A", "B", "C"):
            problems.append(sheet.problem(row, "等级", f"“{v['等级']}”应为 C、B 或 A", "must be C, B or A"))
            continue
        code = code or level_raw
        m = _CODE.match(code)
        if not m or m["level"] != level_raw:
            problems.append(sheet.problem(row, "条目编号", f"“{v['条目编号']}”与等级 {level_raw} 不符（应为 {level_raw} 或 {level_raw}-n）",
                                          f"does not match level {level_raw}"))
            continue
        if code in entry["items"]:
            problems.append(sheet.problem(row, "条目编号", f"条款 {number} 中条目 {code} 重复（另见第 {entry['items'][code][1]} 行）",
                                          f"item {code} repeated in clause {number}"))
            continue
        if not v["要求"]:
            problems.append(sheet.problem(row, "要求", "缺少要求", "missing requirement"))
            continue
        method = v["评价方式方法"]
        derived = parse_derived(method)
        veto = v.get("否决理由", "")
        item = Item(code=code, level=ItemLevel(level_raw), requirement=v["要求"], explanation=v["说明"], method=method,
                    method_kinds=method_kinds(method), derived=derived.rule if derived else None,
                    veto=Veto(reason=veto) if veto else None, source_line=_int(v.get("条目行号", "")) or row)
        entry["items"][code] = (item, row)
    return _tree(clauses, titles, groups)


def _int(text: str) -> int | None:
    return int(text) if text.isdigit() else None


def _natural(number: str) -> tuple[int, ...]:
    return tuple(int(p) for p in number.split("."))


def _tree(clauses: dict[str, dict], titles: dict, groups: dict) -> tuple[Chapter, ...]:
    sections: dict[str, list[Clause]] = {}
    for number in sorted(clauses, key=_natural):
        e = clauses[number]
        derived = parse_derived(e["intro"]) if e["intro"] else None
        sections.setdefault(number.rpartition(".")[0], []).append(Clause(
            number=number, title=e["title"], intro=e["intro"], kind=e["kind"],
            items=tuple(i for i, _ in e["items"].values()), derived=derived.rule if derived else None,
            unplaced=number.startswith(UNPLACED_SECTION + "."), source_line=e["line"] or e["row"]))
    for number in groups:  # a section listed in 章节 without clauses is kept
        if "." in number:
            sections.setdefault(number, [])
    chapters: dict[str, list[Section]] = {}
    for number in sorted(sections, key=_natural):
        title, intro, line = groups.get(number, (titles.get(number, ("", 0))[0], "", None))
        chapters.setdefault(number.split(".")[0], []).append(
            Section(number=number, title=title or titles.get(number, ("", 0))[0], intro=intro, clauses=tuple(sections[number]),
                    source_line=line))
    for number in groups:
        if "." not in number:
            chapters.setdefault(number, [])
    out = []
    for number in sorted(chapters, key=_natural):
        title, _, line = groups.get(number, (titles.get(number, ("", 0))[0], "", None))
        out.append(Chapter(number=number, title=title or titles.get(number, ("", 0))[0], sections=tuple(chapters[number]),
                           source_line=line))
    return tuple(out)


# ---------------------------------------------------------------- writing


def _sheet(wb, title: str, header: tuple[str, ...], widths: dict[int, int] | None = None):
    from openpyxl.styles import Alignment, Font, PatternFill

    ws = wb.create_sheet(title)
    ws.append(list(header))
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(vertical="center")
    ws.freeze_panes = "A2"
    for index, width in (widths or {}).items():
        ws.column_dimensions[chr(ord("A") + index)].width = width
    return ws


def _as_text_cells(ws) -> None:
    """Numbers such as 2.10 would be read back as 2.1: every cell is text."""
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.number_format = "@"


def standard_workbook(standard: Standard):
    """The whole standard as a workbook that read_standard_xlsx reads back to the same standard."""
    openpyxl = _openpyxl()
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    ws = _sheet(wb, MAIN, REQUIRED + OPTIONAL, {0: 18, 1: 18, 2: 10, 3: 22, 4: 7, 5: 6, 6: 9, 7: 40, 8: 40, 9: 30, 10: 30})
    for ch in standard.chapters:
        for s in ch.sections:
            for c in s.clauses:
                base = [f"{ch.number} {ch.title}".strip(), f"{s.number} {s.title}".strip(), c.number, c.title, KIND_CELL[c.kind]]
                tail = [c.intro, "", str(c.source_line or "")]
                if not c.items:
                    ws.append(base + ["", "", "", "", ""] + tail + [""])
                for index, i in enumerate(c.items):
                    ws.append(base + [i.level.value, i.code, i.requirement, i.explanation, i.method,
                                      c.intro if index == 0 else "", i.veto.reason if i.veto else "",
                                      str(c.source_line or "") if index == 0 else "", str(i.source_line or "")])
    _as_text_cells(ws)
    info = wb.create_sheet(INFO)
    cov = standard.coverage
    for key, value in (("编号", standard.id), ("名称", standard.title), ("版本", standard.edition),
                       ("类型", standard.kind.value), ("来源", standard.source),
                       ("覆盖范围", {"excerpt": "节选", "complete": "完整版"}[cov.extent] if cov else ""),
                       ("本版条款数", str(cov.edition_clauses) if cov and cov.edition_clauses else ""),
                       ("评定规则说明", standard.verdict_rules.note)):
        info.append([key, value])
    info.column_dimensions["A"].width, info.column_dimensions["B"].width = 14, 60
    groups = _sheet(wb, GROUPS, GROUP_COLUMNS, {0: 8, 1: 30, 2: 50})
    for ch in standard.chapters:
        groups.append([ch.number, ch.title, "", str(ch.source_line or "")])
        for s in ch.sections:
            groups.append([s.number, s.title, s.intro, str(s.source_line or "")])
    _as_text_cells(groups)
    pre = _sheet(wb, PREREQ, PREREQ_COLUMNS, {0: 6, 1: 50, 2: 40, 3: 30})
    for p in standard.prerequisites:
        pre.append([p.id, p.text, p.method, p.veto.reason if p.veto else ""])
    tiers = _sheet(wb, TIERS, TIER_COLUMNS, {1: 12, 2: 20, 3: 40})
    for t in standard.verdict_rules.tiers:
        for rule in t.rules:
            tiers.append([t.id, t.name, t.name_en, t.note, "是" if t.small_institutions_only else "否",
                          KIND_CELL[rule.clause_kind].rstrip("★")]
                         + [rule.min_percent.get(lv, None) for lv in (ItemLevel.C, ItemLevel.B, ItemLevel.A)])
    if standard.placements:
        hist = _sheet(wb, HISTORY, HISTORY_COLUMNS)
        for p in standard.placements:
            hist.append([{"move_item": "移动条目", "set_title": "设置标题"}[p.action], p.item, p.to, p.title,
                         "是" if p.created_clause else "否", p.at, p.by])
    return wb


def save_standard_xlsx(standard: Standard, path: Path | str) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    standard_workbook(standard).save(path)
    return path


def template_workbook():
    """The template bureaus fill in: two example clauses, the default prerequisites and tiers, and a
    sheet saying how to fill it in."""
    example = Standard(
        id="my-edition", title="（标准名称）", edition="2024年版", kind=StandardKind.GRADED,
        prerequisites=default_prerequisites(StandardKind.GRADED), verdict_rules=default_verdict_rules(StandardKind.GRADED),
        chapters=(Chapter(number="1", title="功能任务和资源配置", sections=(Section(number="1.2", title="科室设置", clauses=(
            Clause(number="1.2.3", title="公共卫生科或预防保健科", items=(
                Item(code="C-1", level=ItemLevel.C, requirement="设预防接种室、儿童保健室、妇女保健室等。",
                     explanation="上述各室达到建设标准要求。", method="现场查看。", method_kinds=method_kinds("现场查看。")),
                Item(code="B-1", level=ItemLevel.B, requirement="各室布局合理、标识清楚。", method="现场查看。",
                     method_kinds=method_kinds("现场查看。")),
                Item(code="A-1", level=ItemLevel.A, requirement="有持续改进记录。", method="查阅资料。",
                     method_kinds=method_kinds("查阅资料。")),
            )),
            Clause(number="1.2.5", title="（推荐条款示例）", kind=ClauseKind.RECOMMENDED, items=(
                Item(code="C", level=ItemLevel.C, requirement="（要求）", method="查阅资料；访谈。",
                     method_kinds=method_kinds("查阅资料；访谈。")),)),
        )),)),),
    )
    example = example.model_copy(update={"coverage": coverage_of(example, extent="complete")})
    wb = standard_workbook(example)
    help_ws = wb.create_sheet("填写说明", 0)
    for line in (
        "评价标准 Excel 模板 / standard template",
        "“条款”表每行一个条目。必填列：" + "、".join(REQUIRED) + "；可选列：" + "、".join(OPTIONAL) + "。",
        "章、节写“编号 标题”（如 1 功能任务和资源配置、1.2 科室设置）；类别填 基本 或 推荐★；等级填 C、B 或 A；条目编号如 C-1、B-2、A-1 或 C。",
        "同一条款的后续条目可留空 章、节、条款号、条款名称、类别（沿用上一行）。请勿合并单元格。",
        "评价方式方法写“依据 2.2.3.2、2.2.3.3 等标准评审结果评判”时，按其他条款结果评判。否决理由非空的条目为一票否决项。",
        "“前置条件”“评定规则”“标准信息”“章节”表可选；省略时采用内置默认值。",
        "导入：python main.py standard xlsx 文件.xlsx --out standards/名称.json，再 python main.py standard check standards/名称.json",
        "One row per item on sheet 条款; do not merge cells; optional sheets fall back to the packaged defaults.",
    ):
        help_ws.append([line])
    help_ws.column_dimensions["A"].width = 120
    return wb


__all__ = ["CellProblem", "read_standard_xlsx", "save_standard_xlsx", "standard_workbook", "template_workbook"]
