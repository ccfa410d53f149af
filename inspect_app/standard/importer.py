"""Importer for an evaluation guide's plain text (评价指南 → 评价标准文件).

The text is read line by line through a small grammar:

    [chapter heading]  第一章 功能任务和资源配置 / 一、… (optional)
    numbered heading   1.2科室设置 · 1.2.3公共卫生科 · 2.2.3.1居民健康档案管理 (★ → recommended)
    intro paragraphs
    【C-1】requirement          item marker, also 【C】, [C-1], 【 Ｃ－１ 】
    explanation paragraphs
    评价方式方法:how to check  closes the item

Everything else is classified and reported rather than guessed at: page furniture
(running headers, page numbers), headings broken across lines (`2.2.` ⏎ `3.1居民…`),
a run-together copy of the guide on one line (split back into lines), foreign
documents pasted in between (flattened web text, random-character filler), items
before any heading (kept in an "unplaced" clause), and repeated items (identical
ones merged, different ones reported with both line numbers, the first kept).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from inspect_app.standard import text as tx
from inspect_app.standard.coverage import coverage_of
from inspect_app.standard.defaults import default_prerequisites, default_verdict_rules
from inspect_app.standard.derived import parse_derived
from inspect_app.standard.import_report import (
    Conflict,
    Counts,
    DerivedFound,
    Duplicate,
    ImportReport,
    UnplacedItem,
)
from inspect_app.standard.model import (
    Chapter,
    Clause,
    ClauseKind,
    Item,
    ItemLevel,
    MethodKind,
    Section,
    Standard,
    StandardKind,
    Veto,
)

UNPLACED_CHAPTER = "0"
UNPLACED_SECTION = "0.0"
UNPLACED_TITLE = "未归位条目（请重新编号）"

_NUM = r"\d{1,2}(?:\.\d{1,2}){1,4}"
HEADING = re.compile(rf"^(?P<star>[★☆]\s*)?(?P<num>{_NUM})(?:\.?\s+|\.?(?=[^\d\s.．]))(?P<title>.+)$")
FRAGMENT = re.compile(r"^\d{1,2}(?:\.\d{1,2})*\.$")  # "2.2." left alone by a page break
CHAPTER = re.compile(
    r"^(?:第\s*(?P<n1>[一二三四五六七八九十\d]{1,3})\s*章|(?P<n2>[一二三四五六七八九十]{1,3}|\d{1,2})\s*[、．.]?)"
    r"\s*(?P<title>[^\d\s.．、].*)$"
)
_CN_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九十")}
_MARKER_NOGROUP = re.compile(
    r"[【\[［]\s*[ABCＡＢＣ]\s*(?:[-－—–‐]\s*[0-9０-９]{1,2})?\s*[】\]］]"
)
_SPLIT_BEFORE_LABELS = re.compile(rf"(?={_MARKER_NOGROUP.pattern})|(?={tx.METHOD_ANYWHERE.pattern})")
_SPLIT_RUN_ON = re.compile(rf"(?<=[。；;！？])\s+|\s+(?={_NUM}\s*[^\d\s.．,，、。])")

# Method kinds by the words the guides use (评价方式方法).
_METHOD_WORDS: tuple[tuple[MethodKind, tuple[str, ...]], ...] = (
    (MethodKind.ONSITE, ("现场", "查看")),
    (MethodKind.DOCUMENTS, ("查阅", "资料", "记录", "台账", "档案", "制度", "名单", "材料")),
    (MethodKind.INTERVIEW, ("访谈", "询问", "问")),
)


def method_kinds(method: str) -> tuple[MethodKind, ...]:
    """现场查看 → onsite; 查阅/资料/记录/台账 → documents; 访谈/询问 → interview; none of them → other."""
    kinds = tuple(kind for kind, words in _METHOD_WORDS if any(w in method for w in words))
    return kinds or ((MethodKind.OTHER,) if method else ())


@dataclass(frozen=True)
class ImportResult:
    standard: Standard
    report: ImportReport


@dataclass
class _Unit:
    line: int
    text: str
    kind: str = "plain"  # blank furniture fragment heading chapter marker method plain
    match: re.Match | None = None


@dataclass
class _Heading:
    number: str
    title: str
    line: int
    recommended: bool
    intro: str = ""


@dataclass
class _ItemDraft:
    clause: str | None  # None: before any heading, lands in an unplaced clause
    code: str
    level: ItemLevel
    line: int
    requirement: str = ""
    explanation: str = ""
    method: str | None = None

    def comparable(self) -> str:
        return tx.comparable(self.requirement + self.explanation + (self.method or ""))


def _natural(number: str) -> tuple[int, ...]:
    return tuple(int(p) if p.isdigit() else 0 for p in number.split("."))


def _parent(number: str) -> str:
    return number.rpartition(".")[0]


def _chapter_number(raw: str) -> int:
    if raw.isdigit():
        return int(raw)
    if raw == "十":
        return 10
    if raw.startswith("十"):
        return 10 + _CN_DIGITS[raw[1]]
    if raw.endswith("十"):
        return _CN_DIGITS[raw[0]] * 10
    if "十" in raw:
        a, b = raw.split("十")
        return _CN_DIGITS[a] * 10 + _CN_DIGITS[b]
    return _CN_DIGITS[raw]


# -- step 1: lines → units ----------------------------------------------------
def _split_line(line_no: int, line: str) -> list[_Unit]:
    """One physical line → units; a run-together copy of the guide is split back into its lines."""
    text = line.strip()
    has_labels = bool(_MARKER_NOGROUP.search(text) or tx.METHOD_ANYWHERE.search(text))
    if not has_labels:
        return [_Unit(line_no, text)]
    pieces = [p.strip() for p in _SPLIT_BEFORE_LABELS.split(text) if p.strip()]
    if not tx.is_run_on(text):
        return [_Unit(line_no, p) for p in pieces]
    units = []
    for piece in pieces:
        for part in _SPLIT_RUN_ON.split(piece):
            part = part.strip()
            if not part:
                continue
            if re.match(_NUM, part):  # "1.2.4计划生育科 计划生育技术服务是…": title ends at the first space
                units.extend(_Unit(line_no, p) for p in tx.split_run_on_spaces(part)[:1])
                rest = part[len(tx.split_run_on_spaces(part)[0]):].strip()
                if rest:
                    units.append(_Unit(line_no, rest))
            else:
                units.append(_Unit(line_no, part))
    return units


def _units(lines: list[str]) -> list[_Unit]:
    units = [u for i, line in enumerate(lines, 1) for u in _split_line(i, line)]
    furniture = tx.repeated_short_lines(
        lines, exclude=lambda s: bool(HEADING.match(s) or FRAGMENT.match(s) or _MARKER_NOGROUP.search(s))
    )
    for u in units:
        if not u.text:
            u.kind = "blank"
        elif m := _MARKER_NOGROUP.match(u.text):
            u.kind, u.match = "marker", tx.ITEM_MARKER.match(u.text)
        elif m := tx.METHOD_LINE.match(u.text):
            u.kind, u.match = "method", m
        elif FRAGMENT.match(u.text):
            u.kind = "fragment"
        elif u.text in furniture or tx.is_page_number(u.text):
            u.kind = "furniture"
        elif (m := HEADING.match(u.text)) and _heading_title(m):
            u.kind, u.match = "heading", m
        elif (m := CHAPTER.match(u.text)) and tx.is_title_like(m["title"], 30):
            u.kind, u.match = "chapter", m
    _join_fragments(units)
    _confirm_chapters(units)
    return units


def _heading_title(m: re.Match) -> str:
    title = m["title"].strip().strip("★☆").strip()
    return title if tx.is_title_like(title, 40) else ""


def _join_fragments(units: list[_Unit]) -> None:
    """`2.2.` + blank + `3.1居民健康档案管理` → `2.2.3.1居民健康档案管理`."""
    for i, u in enumerate(units):
        if u.kind != "fragment":
            continue
        nxt = next((v for v in units[i + 1:] if v.kind not in ("blank", "furniture")), None)
        if nxt is None or not nxt.text[:1].isdigit():
            continue
        joined = u.text + nxt.text
        m = HEADING.match(joined)
        if m and _heading_title(m):
            u.text, u.kind, u.match = joined, "heading", m
            nxt.kind, nxt.text = "joined", ""


def _confirm_chapters(units: list[_Unit]) -> None:
    """`一、…`/`1 …` is a chapter heading only when the next numbered heading is inside it
    (a short numbered line in an explanation is not); `第N章` always is."""
    current = 0  # chapter of the last numbered heading: a list item "1、人员配备" inside chapter 1 is no chapter
    for i, u in enumerate(units):
        if u.kind == "heading":
            current = int(u.match["num"].split(".")[0])
        if u.kind != "chapter" or u.match["n1"]:
            continue
        n = _chapter_number(u.match["n2"])
        nxt = next((v for v in units[i + 1:] if v.kind in ("heading", "chapter")), None)
        if n <= current or not (nxt and nxt.kind == "heading" and nxt.match["num"].split(".")[0] == str(n)):
            u.kind, u.match = "plain", None


# -- step 2: the reading ------------------------------------------------------
@dataclass
class _Reader:
    units: list[_Unit]
    report: ImportReport
    headings: dict[str, _Heading] = field(default_factory=dict)
    chapters: dict[str, tuple[str, int]] = field(default_factory=dict)
    items: dict[tuple[str, str], _ItemDraft] = field(default_factory=dict)
    unplaced: list[_ItemDraft] = field(default_factory=list)
    unplaced_groups: int = 0
    clause: str | None = None
    item: _ItemDraft | None = None
    repeat: _Heading | None = None  # a heading seen before: its intro is compared, not stored
    phase: str = "outside"  # outside | intro | item | after_method | foreign
    _group: str | None = None

    def read(self) -> None:
        for i, u in enumerate(self.units):
            getattr(self, f"_on_{u.kind}")(i, u)
        self._close_item()
        self._close_heading()

    # structure -----------------------------------------------------------
    def _on_blank(self, i: int, u: _Unit) -> None:
        pass

    _on_joined = _on_blank

    def _on_furniture(self, i: int, u: _Unit) -> None:
        # A running header or page number: the paragraph around it continues.
        self.report.skip(u.line, u.text, "页眉页脚等版面文字", "page furniture (running header, page number)")

    def _on_fragment(self, i: int, u: _Unit) -> None:
        self.report.skip(u.line, u.text, "孤立的编号片段", "stray number fragment")

    def _on_chapter(self, i: int, u: _Unit) -> None:
        self._close_item()
        self._close_heading()
        n = str(int(u.match["n1"]) if (u.match["n1"] or "").isdigit() else _chapter_number(u.match["n1"] or u.match["n2"]))
        self.chapters.setdefault(n, (u.match["title"].strip(), u.line))
        self.clause, self.phase, self._group = None, "outside", None
        self.report.used()

    def _on_heading(self, i: int, u: _Unit) -> None:
        self._close_item()
        self._close_heading()
        number = u.match["num"]
        title = _heading_title(u.match)
        recommended = "★" in u.text
        self.report.used()
        if number in self.headings:
            self.repeat = _Heading(number, title, u.line, recommended)
        else:
            self.headings[number] = _Heading(number, title, u.line, recommended)
        self.clause, self.phase, self._group = number, "intro", None

    def _on_marker(self, i: int, u: _Unit) -> None:
        self._close_item()
        m = u.match
        code = tx.normalize_code(m["level"], m["n"])
        self.item = _ItemDraft(self.clause, code, ItemLevel(code[0]), u.line, requirement=u.text[m.end():].strip())
        self.phase = "item"
        self.report.used()

    def _on_method(self, i: int, u: _Unit) -> None:
        text = u.match["text"].strip()
        if self.item is not None and self.item.method is None:
            self.item.method = text
            self.phase = "after_method"
            self.report.used()
        elif self.phase == "intro" and self.clause is not None:
            # A clause judged as a whole (no items): keep the method with the clause's intro.
            self._add_intro(u.text)
            self.report.note("评价方式方法写在条款说明中（无条目），已并入条款说明", "method given for the clause (no items); kept in its intro", u.line)
            self.report.used()
        else:
            self.report.skip(u.line, u.text, "评价方式方法不属于任何条目", "method line outside any item")

    def _on_plain(self, i: int, u: _Unit) -> None:
        text = u.text
        if self.phase == "foreign":
            self.report.skip(u.line, text, "与评价指南无关的文字", "text unrelated to the guide")
            return
        if self._starts_foreign(i, u):
            self._close_item()
            self._close_heading()
            # After a foreign block we no longer know which clause we are in: items met before the
            # next heading go to an unplaced clause instead of being glued to the last one.
            self.clause, self.phase, self._group = None, "foreign", None
            why = ("随机字符填充", "random-character filler") if tx.is_random_noise(text) else (
                "与评价指南无关的文字", "text unrelated to the guide")
            self.report.skip(u.line, text, *why)
            return
        if self.item is not None and self.phase == "item":
            if not self.item.requirement:
                self.item.requirement = text
            else:
                self.item.explanation = tx.append_paragraph(self.item.explanation, text)
            self.report.used()
        elif self.item is not None and self.phase == "after_method":
            if not tx.ends_sentence(self.item.method or "。"):
                self.item.method += text  # the method line was cut by a page break
                self.report.used()
            elif text.startswith(("注", "备注", "说明")):
                self.item.explanation = tx.append_paragraph(self.item.explanation, text)
                self.report.used()
            else:
                self.report.skip(u.line, text, "条目评价方式方法之后的多余文字", "text after an item's method")
        elif self.phase == "intro":
            self._add_intro(text)
            self.report.used()
        else:
            self.report.skip(u.line, text, "不在任何条款内（前言、标题或说明）", "outside any clause (preface, title)")

    def _starts_foreign(self, i: int, u: _Unit) -> bool:
        if tx.is_run_on(u.text) or tx.is_random_noise(u.text):
            return True
        if not tx.is_title_like(u.text):
            return False
        # A document title: a short line followed by a flattened document.
        nxt = next((v for v in self.units[i + 1:] if v.kind not in ("blank", "furniture", "joined")), None)
        return nxt is not None and nxt.kind == "plain" and (tx.is_run_on(nxt.text) or tx.is_random_noise(nxt.text))

    # helpers -------------------------------------------------------------
    def _add_intro(self, text: str) -> None:
        target = self.repeat or self.headings[self.clause]
        target.intro = tx.append_paragraph(target.intro, text)

    def _close_heading(self) -> None:
        if self.repeat is not None:
            first = self.headings[self.repeat.number]
            same = tx.comparable(first.title) == tx.comparable(self.repeat.title) and (
                not self.repeat.intro or tx.comparable(first.intro) == tx.comparable(self.repeat.intro)
                or tx.comparable(first.intro).startswith(tx.comparable(self.repeat.intro))
            )
            if same:
                self.report.note(
                    f"标题 {first.number} 重复出现，与第 {first.line} 行一致，已合并",
                    f"heading {first.number} repeated, same as line {first.line}; merged",
                    self.repeat.line,
                )
            else:
                self.report.note(
                    f"标题 {first.number} 重复出现且标题或说明与第 {first.line} 行不同，保留第一处",
                    f"heading {first.number} repeated with a different title or intro than line {first.line}; first kept",
                    self.repeat.line,
                )
            self.repeat = None

    def _close_item(self) -> None:
        draft, self.item = self.item, None
        if draft is None:
            return
        if self.phase in ("item", "after_method"):
            self.phase = "after_method"
        if draft.clause is None:
            twin = self._twin_of_unplaced(draft)
        else:
            twin = self.items.get((draft.clause, draft.code))
        if twin is not None:
            self._record_duplicate(twin, draft)
            return
        if draft.clause is None:
            if self._group is None:
                self.unplaced_groups += 1
                self._group = f"{UNPLACED_SECTION}.{self.unplaced_groups}"
            self.unplaced.append(draft)
            self.report.unplaced.append(UnplacedItem(self._group, draft.code, draft.line, draft.requirement))
            draft.clause = self._group
            self.items[(self._group, draft.code + f"@{draft.line}")] = draft
        else:
            self.items[(draft.clause, draft.code)] = draft

    def _twin_of_unplaced(self, draft: _ItemDraft) -> _ItemDraft | None:
        """An item met outside any clause may be a copy of one already read (a run-together copy of
        the guide after a foreign block): same code and same text anywhere, else the one item with the
        same code and requirement (a cut-off or edited copy). Otherwise it is a new unplaced item."""
        everything = list(self.items.values())
        same = [d for d in everything if d.code == draft.code and d.comparable() == draft.comparable()]
        if same:
            return same[0]
        alike = [d for d in everything if d.code == draft.code
                 and tx.comparable(d.requirement) == tx.comparable(draft.requirement)]
        return alike[0] if len(alike) == 1 else None

    def _record_duplicate(self, first: _ItemDraft, again: _ItemDraft) -> None:
        clause = first.clause or ""
        a, b = first.comparable(), again.comparable()
        if a == b:
            self.report.merged.append(Duplicate(clause, first.code, first.line, again.line))
        else:
            kind = "truncated" if a.startswith(b) else "differs"
            self.report.conflicts.append(Conflict(clause, first.code, first.line, again.line, kind))


# -- step 3: the tree ---------------------------------------------------------
def import_guide(
    text: str,
    *,
    standard_id: str,
    title: str,
    edition: str = "",
    source: str = "",
    titles: Mapping[str, str] | None = None,
    edition_clauses: int | None = None,
) -> ImportResult:
    """Parse an evaluation guide's text into a graded Standard and say what was done with every line.

    `titles` gives chapter/section titles by number ("1", "1.2") for headings missing from the text
    (see defaults.known_titles); each use is reported. Verdict rules and prerequisites are the
    packaged defaults (default_rules.json), to be edited in the resulting file when they differ.
    `edition_clauses` is how many clauses the whole edition has, where known: the file's coverage
    (complete or excerpt) is recorded from it and from the item levels seen.
    """
    lines = text.splitlines()
    report = ImportReport(source=source, marker_count=len(tx.ITEM_MARKER.findall(text)))
    reader = _Reader(_units(lines), report)
    reader.read()
    chapters = _build_tree(reader, dict(titles or {}), report)
    standard = Standard(
        id=standard_id,
        title=title,
        edition=edition,
        kind=StandardKind.GRADED,
        source=source,
        prerequisites=default_prerequisites(StandardKind.GRADED),
        verdict_rules=default_verdict_rules(StandardKind.GRADED),
        chapters=chapters,
    )
    standard = standard.model_copy(update={"coverage": coverage_of(standard, edition_clauses=edition_clauses)})
    report.counts = Counts.of(standard)
    return ImportResult(standard, report)


def _build_tree(reader: _Reader, titles: dict[str, str], report: ImportReport) -> tuple[Chapter, ...]:
    by_clause: dict[str, list[_ItemDraft]] = {}
    for draft in reader.items.values():
        by_clause.setdefault(draft.clause, []).append(draft)
    numbers = set(reader.headings) | set(by_clause)
    # A numbered heading with numbered children (2.2.3 公共卫生服务 → 2.2.3.1 …) groups clauses: it is
    # their section. A depth-2 heading is always a section; any other heading is a clause.
    groups = {n for n in numbers if any(o.startswith(n + ".") for o in numbers)}
    clause_numbers = sorted(
        (n for n in numbers if n in by_clause or (n.count(".") >= 2 and n not in groups)), key=_natural
    )
    section_numbers = {n for n in reader.headings if n.count(".") == 1} | {_parent(n) for n in clause_numbers}

    sections: dict[str, list[Clause]] = {s: [] for s in section_numbers}
    for number in clause_numbers:
        sections[_parent(number)].append(_clause(number, reader, by_clause.get(number, []), report))

    chapter_sections: dict[str, list[Section]] = {}
    for number in sorted(sections, key=_natural):
        heading = reader.headings.get(number)
        if heading:
            title, line = heading.title, heading.line
            intro = heading.intro
        elif number == UNPLACED_SECTION:
            title, line, intro = UNPLACED_TITLE, None, ""
        else:
            title, line, intro = _missing_title(number, titles, report), None, ""
        if not sections[number]:
            report.note(f"小节 {number} {title} 没有条款", f"section {number} has no clauses", line)
        chapter_sections.setdefault(number.split(".")[0], []).append(
            Section(number=number, title=title, intro=intro, clauses=tuple(sections[number]), source_line=line)
        )
    chapters = []
    for number in sorted(set(chapter_sections) | set(reader.chapters), key=_natural):
        if number in reader.chapters:
            title, line = reader.chapters[number]
        elif number == UNPLACED_CHAPTER:
            title, line = "未归位条目", None
        else:
            title, line = _missing_title(number, titles, report), None
        chapters.append(Chapter(number=number, title=title, sections=tuple(chapter_sections.get(number, ())), source_line=line))
    return tuple(chapters)


def _missing_title(number: str, titles: dict[str, str], report: ImportReport) -> str:
    """A title the text lost: from the known-title table, else left empty for the bureau to set
    (`standard place FILE --section N --title …`); never a placeholder shown as a title."""
    level = "章" if "." not in number else "小节"
    if number in titles:
        report.note(
            f"原文缺少{level} {number} 的标题，采用已知标题表：{titles[number]}",
            f"heading of {number} missing from the text; title taken from the known-title table: {titles[number]}",
        )
        return titles[number]
    report.note(
        f"原文缺少{level} {number} 的标题，标题留空：请用 standard place 文件 --section {number} --title … 补充",
        f"heading of {number} missing from the text; title left empty: set it with standard place FILE --section {number} --title ...",
    )
    return ""


def _clause(number: str, reader: _Reader, drafts: list[_ItemDraft], report: ImportReport) -> Clause:
    heading = reader.headings.get(number)
    unplaced = number.startswith(UNPLACED_SECTION + ".")
    items = []
    for d in drafts:
        derived = parse_derived(d.method or "")
        if derived:
            _report_derived(report, number, d.code, derived, d.line)
        if d.method is None:
            report.note(f"{number} 【{d.code}】 没有评价方式方法（原文可能被截断）",
                        f"{number} [{d.code}] has no method (text may be cut off)", d.line)
        if not d.requirement:
            report.note(f"{number} 【{d.code}】 要求为空", f"{number} [{d.code}] has an empty requirement", d.line)
        veto = _veto_in(d.requirement + "\n" + d.explanation)
        if veto:
            report.note(f"{number} 【{d.code}】 标为否决项：{veto.reason}", f"{number} [{d.code}] marked as a veto: {veto.reason}",
                        d.line)
        items.append(Item(
            code=d.code, level=d.level, requirement=d.requirement, explanation=d.explanation,
            method=d.method or "", method_kinds=method_kinds(d.method or ""),
            derived=derived.rule if derived else None, veto=veto, source_line=d.line,
        ))
    intro = heading.intro if heading else ""
    clause_derived = parse_derived(intro) if intro else None
    if clause_derived:
        _report_derived(report, number, None, clause_derived, heading.line)
    if not items and not clause_derived:
        report.note(f"条款 {number} 没有条目", f"clause {number} has no items", heading.line if heading else None)
    return Clause(
        number=number,
        title=UNPLACED_TITLE if unplaced else (heading.title if heading else number),
        intro=intro,
        kind=ClauseKind.RECOMMENDED if heading and heading.recommended else ClauseKind.BASIC,
        items=tuple(items),
        derived=clause_derived.rule if clause_derived else None,
        unplaced=unplaced,
        source_line=heading.line if heading else (drafts[0].line if drafts else None),
    )


_VETO = re.compile(r"一票否决|否决项|实行否决")
_SENTENCE = re.compile(r"[^。；;！!\n]*(?:一票否决|否决项|实行否决)[^。；;！!\n]*[。；;！!]?")


def _veto_in(text: str) -> Veto | None:
    """An item whose text says 一票否决 / 否决项 is a veto; the sentence saying so is its reason."""
    if not _VETO.search(text):
        return None
    m = _SENTENCE.search(text)
    return Veto(reason=(m.group(0) if m else text).strip())


def _report_derived(report: ImportReport, clause: str, code: str | None, parsed, line: int | None) -> None:
    rule = parsed.rule
    report.derived.append(DerivedFound(clause, code, rule.sources, rule.stated_count, parsed.named_count, line))
    where = f"{clause}" + (f" 【{code}】" if code else "")
    if parsed.count_differs:
        report.note(
            f"{where}：原文称依据 {rule.stated_count} 条标准，但只列出 {parsed.named_count} 条（{', '.join(rule.sources)}），请核对",
            f"{where}: text says {rule.stated_count} clauses but names {parsed.named_count} ({', '.join(rule.sources)}); check it",
            line,
        )
    for r in parsed.unexpanded_ranges:
        report.note(f"{where}：无法展开范围 {r}", f"{where}: cannot expand range {r}", line)
