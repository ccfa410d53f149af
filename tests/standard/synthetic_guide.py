"""A full-size synthetic evaluation guide, written the way the real ones are laid out (and messed up):
4 chapters, 100 clauses (12 recommended ★), about 380 items of every level, with running headers,
page numbers, random-character filler, a flattened foreign paragraph and headings broken across
lines between them. Deterministic: the same text every time, and the counts it should import to."""

from __future__ import annotations

import random
from dataclasses import dataclass

CHAPTERS = (("1", "功能任务和资源配置", 4), ("2", "基本医疗和公共卫生服务", 6), ("3", "业务管理", 5), ("4", "综合管理", 5))
CLAUSES_PER_SECTION = 5  # 20 sections × 5 = 100 clauses
RECOMMENDED_EVERY = 8  # clause index % 8 == 3 (below 96) → ★: 12 of 100, as in the township standard
WORDS = ("制度", "流程", "台账", "人员", "设备", "培训", "考核", "质量", "服务", "记录", "管理", "评估", "随访", "公示")
CN = "一二三四五六七八九十"


@dataclass(frozen=True)
class SyntheticGuide:
    text: str
    chapters: int
    sections: int
    clauses: int
    recommended: int
    items: int
    items_by_level: dict[str, int]
    derived_clause: str


def _phrase(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(WORDS) for _ in range(n))


def synthetic_guide(seed: int = 15) -> SyntheticGuide:
    rng = random.Random(seed)
    out: list[str] = ["乡镇卫生院服务能力评价指南（合成样本）", "", "优质服务基层行动", ""]
    counts = {"C": 0, "B": 0, "A": 0}
    clause_index = recommended = sections = 0
    derived_clause = ""
    for ch_no, ch_title, n_sections in CHAPTERS:
        out += [f"第{CN[int(ch_no) - 1]}章 {ch_title}", ""]
        for s in range(1, n_sections + 1):
            sections += 1
            out += [f"{ch_no}.{s}{ch_title[:2]}第{s}部分", ""]
            for c in range(1, CLAUSES_PER_SECTION + 1):
                clause_index += 1
                number = f"{ch_no}.{s}.{c}"
                star = clause_index % RECOMMENDED_EVERY == 3 and clause_index < 96
                recommended += star
                title = f"{_phrase(rng, 2)}{clause_index}号"
                if clause_index % 37 == 5:  # a heading broken across a page break: "2.3." ⏎ ⏎ "1标题"
                    out += [f"{ch_no}.{s}.", "", f"{c}{'★' if star else ''}{title}", ""]
                else:
                    out += [f"{'★' if star else ''}{number}{title}", ""]
                out += [f"本条款规范{_phrase(rng, 3)}，保障{_phrase(rng, 2)}。", ""]
                levels = (["C"] * (1 + (clause_index % 3 != 0)) + ["B"] * (1 + (clause_index % 3 == 0))
                          + ["A"] * (clause_index % 4 != 0))
                seen: dict[str, int] = {}
                for level in levels:
                    seen[level] = seen.get(level, 0) + 1
                    counts[level] += 1
                    code = level if len([x for x in levels if x == level]) == 1 and clause_index % 5 == 0 else f"{level}-{seen[level]}"
                    out += [f"【{code}】{_phrase(rng, 3)}符合要求。", "", f"{_phrase(rng, 4)}，{_phrase(rng, 3)}。", ""]
                    if clause_index == 60 and level == "C" and seen[level] == 1:
                        derived_clause = number
                        out += ["评价方式方法:依据1.1.1、1.1.2等2条标准评审结果评判,2条标准均达到C级及以上水平则此条款合格。", ""]
                    else:
                        out += [f"评价方式方法:{rng.choice(('现场查看', '查阅资料', '访谈相关人员', '现场查看；查阅资料'))}。", ""]
                # noise between clauses, where the real PDFs put it
                if clause_index % 9 == 0:
                    out += [f"- {clause_index // 9 + 1} -", "", "优质服务基层行动", ""]
                if clause_index % 23 == 0:
                    out += ["".join(rng.choice("的一是了我不人在他有这个上们来到时大地为子中你说生国年着就那和要她出也得里后自以会") for _ in range(120)), ""]
                if clause_index % 31 == 0:
                    out += ["相关通知", "", "各 乡镇 卫生院 要 认真 学习 文件 精神 切实 做好 相关 工作 确保 取得 实效", ""]
    total = sum(counts.values())
    return SyntheticGuide("\n".join(out) + "\n", len(CHAPTERS), sections, clause_index, recommended, total, counts,
                          derived_clause)
