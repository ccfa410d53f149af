"""The one font rule (inspect_app/fonts.py): every character is drawn by a shipped font or refused
at entry with its name; rare name characters reach the PDF's text layer (pdftotext)."""

from __future__ import annotations

import dataclasses
import subprocess

import pytest

from inspect_app import fonts, services
from inspect_app.errors import UserError
from inspect_app.fonts import check_drawable, undrawable
from inspect_app.report.builder import build_report
from tests.report.fixtures import synthetic_input
from tests.support.system import ensure_pdftoppm

RARE = "𠮷㙟䶮𬌗𫖮"  # Ext B, Ext A, Ext A, Ext E, Ext C: people's and places' names


def test_shipped_faces_draw_gbk_and_the_rare_name_characters():
    for ch in "堃喆昇彧珺" + RARE + "★✓①，。":
        assert fonts.is_drawable(ch), f"{ch} U+{ord(ch):04X}"
    assert fonts.FALLBACK_FONT.is_file() and fonts.FIRST_PAINT_FONT.is_file()
    # the fallback is only what the main face lacks
    assert not (fonts._cmap(str(fonts.MAIN_FONT)) & fonts._cmap(str(fonts.FALLBACK_FONT))) - set(range(0xF900, 0xFB00))


@pytest.mark.parametrize("char,code", [("😀", "U+1F600"), ("\u200d", "U+200D"), ("\ue000", "U+E000"),
                                        ("\U000e0041", "U+E0041"), ("ꙮ", "U+A66E")])
def test_undrawable_characters_are_refused_with_their_code(char, code):
    with pytest.raises(UserError) as err:
        check_drawable(f"青石{char}卫生院", "center_name")
    assert code in err.value.zh and code in err.value.en
    assert "机构名称" in err.value.zh and "center name" in err.value.en
    if char.isprintable():
        assert f"「{char}」" in err.value.zh


def test_emoji_message_names_the_character():
    with pytest.raises(UserError) as err:
        check_drawable("很好😀", "note")
    assert err.value.zh == "备注中有无法显示的字符「😀」(U+1F600)，请改用常用汉字或删去该字符。"
    assert "GRINNING FACE" in err.value.en


def test_line_breaks_and_plain_text_pass():
    assert undrawable("第一行\n第二行\t（完）ABC-1 ≥95%") == []


def test_services_refuse_undrawable_text_where_it_is_entered(tmp_path):
    ws = services.open_workspace(tmp_path / "data")
    with pytest.raises(UserError, match="U\\+1F3E5"):
        services.add_center(ws, "青石🏥卫生院", actor="李彧")
    center = services.add_center(ws, "青石𠮷卫生院", actor="李彧", county="花溪区")
    with pytest.raises(UserError, match="U\\+1F600"):
        services.edit_center(ws, center.id, actor="李彧", contact="刘珺😀")
    with pytest.raises(UserError, match="评审组成员"):
        services.start_inspection(ws, center.id, services.list_standards(ws)[0], ["王喆😀"], "李彧")
    ins = services.start_inspection(ws, center.id, services.list_standards(ws)[0], ["王䶮"], "李彧")
    std = services.standard_for(ws, ins)
    clause = next(c for c in std.clauses() if c.derived is None and any(i.derived is None for i in c.items))
    item = next(i for i in clause.items if i.derived is None)
    for call in (lambda: services.set_item_note(ws, ins.id, clause.number, item.code, "记录😀"),
                 lambda: services.set_clause_note(ws, ins.id, clause.number, "记录😀"),
                 lambda: services.rate_item(ws, ins.id, clause.number, item.code, "na", na_reason="无😀"),
                 lambda: services.set_rectification(ws, ins.id, clause.number, item.code, "整改😀")):
        with pytest.raises(UserError, match="U\\+1F600"):
            call()
    services.set_item_note(ws, ins.id, clause.number, item.code, f"负责人{RARE}已到场")
    assert services.get_inspection(ws, ins.id).team[0].name in ("王䶮", "李彧")


def test_rare_characters_are_in_the_pdf_text(tmp_path):
    data = synthetic_input(tmp_path)
    center = data.center.model_copy(update={"name": "青石𠮷䶮社区卫生服务中心"})
    number, finding = next(iter(data.findings.items()))
    finding = finding.model_copy(update={"note": f"现场核对：负责人姓名含{RARE}，均已登记。"})
    data = dataclasses.replace(data, center=center, findings={**data.findings, number: finding})
    pdf = tmp_path / "rare.pdf"
    pdf.write_bytes(build_report(data).pdf)
    ensure_pdftoppm()
    text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    assert "青石𠮷䶮社区卫生服务中心" in text
    compact = "".join(text.split())
    assert f"负责人姓名含{RARE}" in compact
    used = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True, text=True).stdout
    assert "JicengHanExt" in used.replace(" ", "") or "Jiceng" in used


def test_the_hubs_clinic_answer_is_checked_before_anything_is_stored():
    from inspect_app.hub.service import ResponseRequest, answer_deficiency

    body = ResponseRequest(clause="1.1.1", item="C-1", plan="已整改😀", due="2026-12-31")
    with pytest.raises(UserError, match="U\\+1F600") as err:
        answer_deficiency(None, None, "ins-1", 1, body)  # refused before the hub is even asked
    assert "整改反馈" in err.value.zh
