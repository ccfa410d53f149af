"""Importer for a checklist standard (检查表式标准): service-conduct norms by post (岗位服务规范).

Shape it reads (seed: 门诊优质服务行为规范):

    门诊优质服务行为规范            document title → the one chapter
    1、导医服务台                   first post, numbered right after the title
    导医是患者对医院的第一印象…      post intro
    1.1导医的工作职责               sub-heading (short, no punctuation, …职责/规范/要求)
    面带微笑,规范坐姿站姿…          a norm (unnumbered under a sub-heading)
    门诊护士服务规范                next post (…服务规范)
    1、门诊护士基本服务规范          sub-heading
    1.1提前上班做诊前或治疗前准备…   a norm;  (1)早上8点准时开门… also a norm

Each norm becomes a clause with one item 'C' whose requirement is the norm text.
Essays, other organisations' rules and random-character filler are skipped and reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from inspect_app.standard import text as tx
from inspect_app.standard.coverage import coverage_of
from inspect_app.standard.defaults import default_prerequisites, default_verdict_rules
from inspect_app.standard.import_report import Conflict, Counts, Duplicate, ImportReport
from inspect_app.standard.importer import ImportResult, method_kinds
from inspect_app.standard.model import Chapter, Clause, Item, ItemLevel, Section, Standard, StandardKind

# Conduct norms are checked by watching the post at work and asking staff or patients.
DEFAULT_METHOD = "现场查看；访谈工作人员或患者"

_POST = re.compile(r"^(?!第)(?P<title>[^\d\s].{0,20}?)服务规范$")
_NUMBERED_POST = re.compile(r"^(?P<n>\d{1,2})\s*、\s*(?P<title>\S.*)$")
_SUBHEADING = re.compile(r"^(?P<label>\d{1,2}(?:\.\d{1,2})?)\s*[、.．]?\s*(?P<title>[^\d\s].*?(?:职责|规范|要求))$")
_NORM = re.compile(r"^(?:(?P<dotted>\d{1,2}\.\d{1,2})|[(（](?P<paren>\d{1,2})[)）])\s*(?P<text>\S.*)$")
_ARTICLE_BREAK = re.compile(r"^【篇[一二三四五六七八九十\d]+】")
_MAX_UNNUMBERED_NORM = 200  # a longer unnumbered paragraph is prose, not a conduct norm


@dataclass
class _Post:
    title: str
    line: int
    intro: str = ""
    norms: list[_Norm] = field(default_factory=list)


@dataclass
class _Norm:
    text: str
    line: int
    label: str
    heading: str

    def key(self) -> tuple[str, str]:
        return (self.heading, self.label or tx.comparable(self.text))


@dataclass
class _Reader:
    lines: list[str]
    report: ImportReport
    doc_title: str | None = None
    doc_line: int | None = None
    posts: dict[str, _Post] = field(default_factory=dict)
    post: _Post | None = None
    heading: str | None = None  # current sub-heading, e.g. "1、门诊护士基本服务规范"
    heading_line: int = 0
    inside: bool = False
    intro_seen: bool = False  # a repeated post's intro is compared, not appended
    norms_since_post: int = 0
    seen_keys: dict[tuple[str, tuple[str, str]], _Norm] = field(default_factory=dict)
    # (post, sub-heading) → first line, and whether any norm ever came under it
    headings_seen: dict[tuple[str, str], list] = field(default_factory=dict)

    @property
    def empty_headings(self) -> list[tuple[str, int]]:
        return [(h, line) for (_, h), (line, used) in self.headings_seen.items() if not used]

    def read(self) -> None:
        nonblank = [(i, s.strip()) for i, s in enumerate(self.lines, 1) if s.strip()]
        for pos, (line, text) in enumerate(nonblank):
            nxt = nonblank[pos + 1][1] if pos + 1 < len(nonblank) else ""
            self._read_line(line, text, nxt)
        self._end_heading()

    def _read_line(self, line: int, text: str, nxt: str) -> None:
        r = self.report
        if tx.is_page_number(text):
            r.skip(line, text, "页码", "page number")
        elif _ARTICLE_BREAK.match(text):
            self._leave()
            r.skip(line, text, "另一篇文章（非门诊服务规范）", "another article (not the outpatient norms)")
        elif tx.is_random_noise(text):
            cut = tx.noise_start(text)
            why = ("随机字符填充", "random-character filler") if cut == 0 else (
                "正文后接随机字符，整段跳过", "text followed by random-character filler; paragraph skipped")
            r.skip(line, text, *why)
        elif self._is_doc_title(text, nxt):
            self._end_heading()
            if self.doc_title is None:
                self.doc_title, self.doc_line = text, line
            elif tx.comparable(text) != tx.comparable(self.doc_title):
                r.note(f"另一份规范标题“{text}”，其岗位并入“{self.doc_title}”",
                       f"another norms title '{text}'; its posts join '{self.doc_title}'", line)
            else:
                r.note("文件标题重复出现（文本中的重复副本），已合并", "document title repeated (a copy in the text); merged", line)
            self.inside, self.post = True, None
            r.used()
        elif m := _POST.match(text) if tx.is_title_like(text, 24) else None:
            self._start_post(m["title"], line)
        elif self.inside and self.post is None and (m := _NUMBERED_POST.match(text)) and tx.is_title_like(text, 24):
            self._start_post(m["title"], line)
        elif not self.inside:
            r.skip(line, text, "不属于门诊服务规范的文字（文章、其他文件）", "not part of the outpatient norms (essay, other document)")
        elif (m := _SUBHEADING.match(text)) and tx.is_title_like(text, 24):
            self._end_heading()
            self.heading, self.heading_line = text, line
            if self.post is not None:
                self.headings_seen.setdefault((self.post.title, text), [line, False])
            r.used()
        elif m := _NORM.match(text):
            self._add_norm(m["text"].strip(), line, m["dotted"] or f"({m['paren']})")
        elif self.post is not None and self.heading is None and not self.norms_since_post:
            if not self.intro_seen:
                self.post.intro = tx.append_paragraph(self.post.intro, text)
            elif tx.comparable(text) not in tx.comparable(self.post.intro):
                r.note(f"岗位“{self.post.title}”重复出现时说明文字不同，保留第一处",
                       f"post '{self.post.title}' repeated with a different intro; first kept", line)
            r.used()
        elif self.post is not None and self.heading is not None and len(text) <= _MAX_UNNUMBERED_NORM and not tx.is_run_on(text):
            self._add_norm(text, line, "")
        else:
            self._leave()
            r.skip(line, text, "不属于门诊服务规范的文字（文章、其他文件）", "not part of the outpatient norms (essay, other document)")

    def _is_doc_title(self, text: str, nxt: str) -> bool:
        """A short '…规范' line followed by a numbered post such as '1、导医服务台'."""
        return (tx.is_title_like(text, 24) and text.endswith("规范") and not _POST.match(text)
                and not text.startswith("第") and bool(_NUMBERED_POST.match(nxt)))

    def _start_post(self, title: str, line: int) -> None:
        self._end_heading()
        title = title.strip()
        if title in self.posts:
            self.post = self.posts[title]
            self.intro_seen = True
            self.report.note(f"岗位“{title}”再次出现（文本中的重复副本），已合并", f"post '{title}' repeated (a copy); merged", line)
        else:
            self.post = self.posts[title] = _Post(title, line)
            self.intro_seen = False
        self.inside, self.heading, self.norms_since_post = True, None, 0
        self.report.used()

    def _add_norm(self, text: str, line: int, label: str) -> None:
        if self.post is None:
            self.report.skip(line, text, "规范条目不属于任何岗位", "norm outside any post")
            return
        norm = _Norm(text, line, label, self.heading or "")
        self.norms_since_post += 1
        if self.heading is not None:
            self.headings_seen.setdefault((self.post.title, self.heading), [line, False])[1] = True
        first = self.seen_keys.get((self.post.title, norm.key()))
        if first is None:
            self.seen_keys[(self.post.title, norm.key())] = norm
            self.post.norms.append(norm)
        elif tx.comparable(first.text) == tx.comparable(text):
            self.report.merged.append(Duplicate(self.post.title, "C", first.line, line))
        else:
            kind = "truncated" if tx.comparable(first.text).startswith(tx.comparable(text)) else "differs"
            self.report.conflicts.append(Conflict(self.post.title, "C", first.line, line, kind))
        self.report.used()

    def _end_heading(self) -> None:
        self.heading = None

    def _leave(self) -> None:
        self._end_heading()
        self.inside, self.post = False, None


def _clause_title(norm: str, limit: int = 20) -> str:
    head = re.split(r"[，,；;。：:！!？?]", norm, maxsplit=1)[0].strip()
    return head if len(head) <= limit else head[:limit] + "…"


def import_checklist(
    text: str,
    *,
    standard_id: str,
    title: str,
    edition: str = "",
    source: str = "",
    method: str = DEFAULT_METHOD,
) -> ImportResult:
    """Parse post-by-post conduct norms into a checklist Standard (one chapter, a section per post)."""
    report = ImportReport(source=source, counts_markers=False)
    reader = _Reader(text.splitlines(), report)
    reader.read()
    for heading, line in reader.empty_headings:
        report.note(f"小标题“{heading}”下原文没有规范条目", f"sub-heading '{heading}' has no norms in the text", line)
    sections = []
    for s_no, post in enumerate(reader.posts.values(), 1):
        number = f"1.{s_no}"
        clauses = []
        for c_no, norm in enumerate(post.norms, 1):
            origin = " ".join(p for p in (norm.heading, norm.label) if p)
            item = Item(
                code="C", level=ItemLevel.C, requirement=norm.text,
                explanation=f"原文：{origin}" if origin else "",
                method=method, method_kinds=method_kinds(method), source_line=norm.line,
            )
            clauses.append(Clause(number=f"{number}.{c_no}", title=_clause_title(norm.text), items=(item,), source_line=norm.line))
        if not clauses:
            report.note(f"岗位“{post.title}”没有规范条目", f"post '{post.title}' has no norms", post.line)
        sections.append(Section(number=number, title=post.title, intro=post.intro, clauses=tuple(clauses), source_line=post.line))
    chapters = (Chapter(number="1", title=reader.doc_title or title, sections=tuple(sections), source_line=reader.doc_line),) if sections else ()
    standard = Standard(
        id=standard_id, title=title, edition=edition, kind=StandardKind.CHECKLIST, source=source,
        prerequisites=default_prerequisites(StandardKind.CHECKLIST),
        verdict_rules=default_verdict_rules(StandardKind.CHECKLIST),
        chapters=chapters,
    )
    # A checklist holds the norms as written; nothing says it is part of a larger edition.
    standard = standard.model_copy(update={"coverage": coverage_of(standard, extent="complete")})
    report.counts = Counts.of(standard)
    return ImportResult(standard, report)
