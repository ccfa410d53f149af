"""Plain-text helpers shared by the importers: what a line of pasted guide text looks like.

The seeds are PDF or web extractions: half- and full-width punctuation mix, page
furniture repeats, whole foreign documents are pasted in between. These helpers
classify one line at a time; the importers decide what to do with it.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

# Sentence punctuation in both widths: a heading never contains it, a paragraph usually ends with it.
SENTENCE_PUNCT = "。；;！？!?，,：:"
TERMINAL_PUNCT = "。；;！？!?：:」”）)"

# 【C-1】, 【B-2】, 【A】, [C-1], ［Ｃ－１］, 【 C - 1 】 …
ITEM_MARKER = re.compile(
    r"[【\[［]\s*(?P<level>[ABCＡＢＣ])\s*(?:[-－—–‐]\s*(?P<n>[0-9０-９]{1,2}))?\s*[】\]］]"
)
# 评价方式方法: / 评价方式方法： / 评价方法:
METHOD_LINE = re.compile(r"^评价(?:方式)?方法\s*[:：]\s*(?P<text>.*)$")
METHOD_ANYWHERE = re.compile(r"评价(?:方式)?方法\s*[:：]")

# Whitespace between two non-ASCII characters ("管理措施 为了", "落实到人。 3.搞好"):
# the guide itself never has it, documents flattened from web pages are full of it.
_RUN_ON_SPACE = re.compile(r"(?<=[^\x00-\x7f])[ \t\u3000]+(?=[^\x00-\x7f]|\d)")
# Real Chinese prose breaks a sentence within ~60 characters; random-character filler does not.
_UNPUNCTUATED_CJK_RUN = re.compile(r"[\u4e00-\u9fff]{80,}")
_PAGE_NUMBER = re.compile(r"^(?:\d{1,3}|第\s*\d+\s*页|-\s*\d+\s*-|\d+\s*/\s*\d+)$")


def normalize_code(level: str, n: str | None) -> str:
    """'Ｃ', '１' → 'C-1'; a bare level stays bare ('C')."""
    level = unicodedata.normalize("NFKC", level)
    return f"{level}-{int(unicodedata.normalize('NFKC', n))}" if n else level


def comparable(text: str) -> str:
    """Text as compared for duplicates: width-folded, all whitespace removed.

    A run-together copy of the guide differs from the original only in spacing
    ("达到C 级" vs "达到C级"); that is the same requirement, not a conflict.
    """
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def is_run_on(text: str) -> bool:
    """A line flattened from another document (words separated by spaces)."""
    return bool(_RUN_ON_SPACE.search(text))


def split_run_on_spaces(text: str) -> list[str]:
    return [part for part in _RUN_ON_SPACE.split(text) if part]


def is_random_noise(text: str) -> bool:
    """Random-character filler (anti-copy noise on document sites): a long run with no punctuation."""
    return bool(_UNPUNCTUATED_CJK_RUN.search(text))


def noise_start(text: str) -> int | None:
    match = _UNPUNCTUATED_CJK_RUN.search(text)
    return match.start() if match else None


def is_page_number(text: str) -> bool:
    return bool(_PAGE_NUMBER.match(text.strip()))


def is_title_like(text: str, max_len: int = 40) -> bool:
    """Short, no sentence punctuation: a document or section title rather than prose."""
    text = text.strip()
    return 0 < len(text) <= max_len and not any(ch in SENTENCE_PUNCT for ch in text)


def ends_sentence(text: str) -> bool:
    return bool(text) and text.rstrip()[-1] in TERMINAL_PUNCT


def repeated_short_lines(lines: list[str], *, min_count: int = 2, exclude=lambda s: False) -> set[str]:
    """Short title-like lines that occur more than once: running headers, page furniture."""
    counts = Counter(s for s in (line.strip() for line in lines) if is_title_like(s, 30) and not exclude(s))
    return {s for s, n in counts.items() if n >= min_count}


def preview(text: str, n: int = 24) -> str:
    text = re.sub(r"\s+", " ", text.strip())
    return text if len(text) <= n else text[:n] + "…"


def append_paragraph(existing: str, new: str) -> str:
    """Add a paragraph; a paragraph cut mid-sentence by a page break ("生活习" / "惯,对…") is rejoined."""
    if not existing:
        return new
    if not ends_sentence(existing):
        return existing + new
    return existing + "\n" + new
