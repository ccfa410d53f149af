"""A synthetic graded standard of any size (for the latency bench and view-model tests).

Shaped like the township standard: four chapters, sections, clauses with C/B/A items whose
evaluation methods are 现场查看 / 查阅资料 / 访谈, every eighth clause recommended ★, and one
clause judged from others (依据…评审结果评判).
"""

from __future__ import annotations

from pathlib import Path

from inspect_app.standard.defaults import default_verdict_rules
from inspect_app.standard.model import (
    Chapter, Clause, ClauseKind, DerivedRule, Item, ItemLevel, MethodKind, Prerequisite, Section, Standard,
    StandardKind,
)

CHAPTERS = ("功能任务和资源配置", "基本医疗和公共卫生服务", "业务管理", "综合管理")
METHODS = (("现场查看诊室、药房和设备。", (MethodKind.ONSITE,)),
           ("查阅相关制度、记录和台账。", (MethodKind.DOCUMENTS,)),
           ("访谈医务人员，询问流程掌握情况。", (MethodKind.INTERVIEW,)),
           ("查阅资料，现场查看。", (MethodKind.DOCUMENTS, MethodKind.ONSITE)))


def synthetic_standard(clause_count: int = 250, std_id: str = "synthetic-250") -> Standard:
    per_chapter = -(-clause_count // len(CHAPTERS))
    chapters, made = [], 0
    for ci, ch_title in enumerate(CHAPTERS, start=1):
        sections = []
        si = 0
        while made < min(clause_count, ci * per_chapter):
            si += 1
            clauses = []
            for k in range(1, 6):
                if made >= min(clause_count, ci * per_chapter):
                    break
                made += 1
                number = f"{ci}.{si}.{k}"
                items = []
                for code, level in (("C-1", "C"), ("C-2", "C"), ("B-1", "B"), ("A-1", "A")):
                    method, kinds = METHODS[(made + len(items)) % len(METHODS)]
                    items.append(Item(code=code, level=ItemLevel(level),
                                      requirement=f"第{number}条{code}：建立并落实相关工作制度，有专人负责，记录完整。",
                                      explanation="按照国家基本公共卫生服务规范执行。", method=method,
                                      method_kinds=kinds))
                clauses.append(Clause(number=number, title=f"工作要求 {number}", items=tuple(items),
                                      kind=ClauseKind.RECOMMENDED if made % 8 == 0 else ClauseKind.BASIC))
            sections.append(Section(number=f"{ci}.{si}", title=f"第{ci}.{si}节 管理与服务", clauses=tuple(clauses)))
        chapters.append(Chapter(number=str(ci), title=ch_title, sections=tuple(sections)))
    # The last clause is judged from the first three (依据…评审结果评判).
    last_ch = chapters[-1]
    last_sec = last_ch.sections[-1]
    last = last_sec.clauses[-1]
    sources = tuple(c.number for c in chapters[0].sections[0].clauses[:3])
    derived = last.model_copy(update={"items": (), "title": "综合评价（依据其他条款）",
                                      "derived": DerivedRule(sources=sources, stated_count=len(sources))})
    last_sec = last_sec.model_copy(update={"clauses": (*last_sec.clauses[:-1], derived)})
    chapters[-1] = last_ch.model_copy(update={"sections": (*last_ch.sections[:-1], last_sec)})
    return Standard(id=std_id, title=f"合成评价标准（{clause_count} 条）", edition="bench", chapters=tuple(chapters),
                    verdict_rules=default_verdict_rules(StandardKind.GRADED),
                    prerequisites=(Prerequisite(id="P1", text="依法执业，无重大医疗安全事故"),))


def write_synthetic(directory: Path, clause_count: int = 250) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    std = synthetic_standard(clause_count)
    path = directory / f"{std.id}.json"
    path.write_text(std.model_dump_json(indent=1), encoding="utf-8")
    return path
