"""Round trips that must hold for any standard, not just the ones we thought of."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inspect_app.standard.importer import import_guide
from inspect_app.standard.loader import content_hash, dumps_standard, loads_standard
from inspect_app.standard.model import (
    Chapter,
    Clause,
    ClauseKind,
    DerivedRule,
    Item,
    ItemLevel,
    MethodKind,
    Prerequisite,
    Section,
    Standard,
    StandardKind,
    Tier,
    TierRule,
    VerdictRules,
)
from tests.standard.helpers import render_guide_text

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# -- any model ----------------------------------------------------------------
text = st.text(max_size=30)
levels = st.sampled_from(list(ItemLevel))
percent = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)
derived = st.builds(DerivedRule, sources=st.lists(text, max_size=3).map(tuple), min_level=levels,
                    stated_count=st.none() | st.integers(0, 50))
any_item = st.builds(Item, code=text, level=levels, requirement=text, explanation=text, method=text,
                     method_kinds=st.lists(st.sampled_from(list(MethodKind)), max_size=3).map(tuple),
                     derived=st.none() | derived, source_line=st.none() | st.integers(1, 10**6))
any_clause = st.builds(Clause, number=text, title=text, intro=text, kind=st.sampled_from(list(ClauseKind)),
                       items=st.lists(any_item, max_size=3).map(tuple), derived=st.none() | derived,
                       unplaced=st.booleans(), source_line=st.none() | st.integers(1, 10**6))
any_section = st.builds(Section, number=text, title=text, intro=text, clauses=st.lists(any_clause, max_size=3).map(tuple))
any_chapter = st.builds(Chapter, number=text, title=text, sections=st.lists(any_section, max_size=2).map(tuple))
any_rules = st.builds(VerdictRules, note=text, tiers=st.lists(st.builds(
    Tier, id=text, name=text, name_en=text, note=text,
    rules=st.lists(st.builds(TierRule, clause_kind=st.sampled_from(list(ClauseKind)),
                             min_percent=st.dictionaries(levels, percent)), max_size=2).map(tuple)),
    max_size=3).map(tuple))
any_standard = st.builds(
    Standard, id=text, title=text, edition=text, kind=st.sampled_from(list(StandardKind)), source=text,
    prerequisites=st.lists(st.builds(Prerequisite, id=text, text=text, method=text), max_size=2).map(tuple),
    verdict_rules=any_rules, chapters=st.lists(any_chapter, max_size=2).map(tuple),
)


@SETTINGS
@given(any_standard)
def test_model_to_json_to_model_is_identity(std):
    back = loads_standard(dumps_standard(std))
    assert back == std
    assert dumps_standard(back) == dumps_standard(std)
    assert content_hash(back) == content_hash(std)


# -- standards a guide text can express ------------------------------------------
CJK = "健康教育管理服务制度人员设备记录合格档案预防接种慢病随访家庭医生签约中医药质量安全"
words = st.text(alphabet=CJK, min_size=2, max_size=12)
sentence = st.lists(words, min_size=1, max_size=3).map(lambda ws: "，".join(ws) + "。")
paragraphs = st.lists(sentence, max_size=2).map("\n".join)
METHODS = ["现场查看。", "查阅资料。", "访谈医务人员。", "现场查看设施设备；查阅人员名单。"]


@st.composite
def guide_standards(draw):
    chapters = []
    for c in range(1, draw(st.integers(1, 3)) + 1):
        sections = []
        for s in range(1, draw(st.integers(1, 3)) + 1):
            clauses = []
            for k in range(1, draw(st.integers(0, 3)) + 1):
                items = []
                for level in "CBA":
                    for n in range(1, draw(st.integers(0 if level != "C" else 1, 2)) + 1):
                        items.append(Item(code=f"{level}-{n}", level=ItemLevel(level), requirement=draw(sentence),
                                          explanation=draw(paragraphs), method=draw(st.sampled_from(METHODS))))
                clauses.append(Clause(number=f"{c}.{s}.{k}", title=draw(words), intro=draw(paragraphs),
                                      kind=draw(st.sampled_from(list(ClauseKind))), items=tuple(items)))
            sections.append(Section(number=f"{c}.{s}", title=draw(words), intro=draw(paragraphs), clauses=tuple(clauses)))
        chapters.append(Chapter(number=str(c), title=draw(words), sections=tuple(sections)))
    return Standard(id="g", title="生成的标准", verdict_rules=VerdictRules(tiers=()), chapters=tuple(chapters))


def _shape(std: Standard) -> list:
    return [
        (ch.number, ch.title, [
            (s.number, s.title, s.intro, [
                (c.number, c.title, c.intro, c.kind, [(i.code, i.level, i.requirement, i.explanation, i.method) for i in c.items])
                for c in s.clauses])
            for s in ch.sections])
        for ch in std.chapters
    ]


@SETTINGS
@given(guide_standards())
def test_import_save_load_save_is_identity(std):
    imported = import_guide(render_guide_text(std), standard_id="g", title="生成的标准").standard
    first = dumps_standard(imported)
    assert dumps_standard(loads_standard(first)) == first


@SETTINGS
@given(guide_standards())
def test_a_rendered_guide_imports_back_to_the_same_tree(std):
    result = import_guide(render_guide_text(std), standard_id="g", title="生成的标准")
    assert _shape(result.standard) == _shape(std)
    assert result.report.skipped == [] and result.report.unaccounted_markers() == 0
