"""The sync view-model: badge, status lines, hub address, conflicts, clinic answers, revisions."""

from __future__ import annotations

from datetime import datetime, timezone
from types import SimpleNamespace

import pytest

from inspect_app.errors import UserError
from inspect_app.sync.background import SyncStatus
from inspect_app.sync.engine import Conflict
from inspect_app.sync.merge import fold
from inspect_app.sync.protocol import Op
from inspect_app.ui.sync.model import (
    answers, badge, conflict_clauses, conflict_views, new_rating, normalize_hub_url, revision_history,
    revision_line, status_lines,
)
from tests.store.helpers import make_standard

AT = datetime(2024, 5, 6, 2, 30, tzinfo=timezone.utc)


def test_badge_words_for_every_state():
    assert badge(SyncStatus(), signed_in=False).text == "未登录中心"
    assert badge(SyncStatus(pending=3), signed_in=False).text == "3 条待同步"
    assert badge(SyncStatus(state="syncing", pending=3), True).text == "同步中"
    assert badge(SyncStatus(state="offline"), True).text == "离线"
    assert badge(SyncStatus(state="offline", pending=2), True).text == "离线 · 2 条待同步"
    assert badge(SyncStatus(state="error", error_zh="坏了"), True).kind == "error"
    assert badge(SyncStatus(state="error"), True).text == "错误"
    assert badge(SyncStatus(state="refused"), True).text == "需重新登录"
    assert badge(SyncStatus(conflicts=2, pending=5), True).text == "冲突 2"
    assert badge(SyncStatus(pending=4), True).text == "4 条待同步"
    synced = badge(SyncStatus(last_synced=AT), True)
    assert synced.kind == "synced"
    assert synced.text == "已同步 " + AT.astimezone().strftime("%H:%M")
    assert badge(SyncStatus(), True).text == "未同步"
    assert badge(SyncStatus(pending=4), True, "en").text == "4 waiting"
    assert badge(SyncStatus(state="offline"), True, "en").text == "Offline"


def test_status_lines_split_changes_and_photos_and_say_errors_in_words():
    status = SyncStatus(state="offline", pending=7, conflicts=1, last_synced=AT,
                        error_zh="无法连接县级中心", error_en="Cannot reach the hub")
    zh = dict(status_lines(status, photos_pending=2))
    assert zh["待同步变更"] == "5" and zh["待上传照片"] == "2" and zh["冲突"] == "1"
    assert zh["问题"] == "无法连接县级中心"
    assert zh["同步状态"] == "离线"
    en = dict(status_lines(SyncStatus(), 0, "en"))
    assert en["Last synced"] == "Never" and en["Problems"] == "None"


@pytest.mark.parametrize("text, url", [
    ("192.168.1.10:8600", "http://192.168.1.10:8600"),
    (" http://hub.local:8600/ ", "http://hub.local:8600"),
    ("https://hub.example.cn", "https://hub.example.cn"),
])
def test_hub_address_normalized(text, url):
    assert normalize_hub_url(text) == url


@pytest.mark.parametrize("text", ["", "ftp://x", "http://", "http://h:99999", "http://h/?a=1"])
def test_bad_hub_address_refused_in_words(text):
    with pytest.raises(UserError) as err:
        normalize_hub_url(text)
    assert err.value.zh and err.value.en


def _op(device, seq, key, value, author, supersedes=()):
    return Op(device=device, seq=seq, inspection_id="i1", key=key, value=value, supersedes=list(supersedes),
              author=author, at=AT)


def test_conflict_views_show_both_values_with_who_and_only_that_clause():
    a = _op("tabA", 1, "item/1.1.3/C-1", {"result": "met", "rated_by": "王芳"}, "王芳")
    b = _op("tabB", 1, "item/1.1.3/C-1", {"result": "not_met", "note": "记录不完整"}, "李明")
    c = _op("tabA", 2, "note/1.2.1", "甲", "王芳")
    d = _op("tabB", 2, "note/1.2.1", "乙", "李明")
    state = fold([a, b, c, d])
    conflicts = [Conflict("i1", k, kv.live) for k, kv in state.items() if kv.conflict]
    [view] = conflict_views(conflicts, "1.1.3", device="tabA")
    assert (view.clause, view.item, view.kind) == ("1.1.3", "C-1", "item")
    assert [(x.text, x.who, x.mine) for x in view.candidates] == [("符合", "王芳", True),
                                                                 ("不符合 · 记录不完整", "李明", False)]
    mine_second = conflict_views(conflicts, "1.1.3", device="tabB")[0]
    assert [x.who for x in mine_second.candidates] == ["李明", "王芳"]  # this tablet's value first
    en = conflict_views(conflicts, "1.1.3", device="tabA", lang="en")[0]
    assert en.candidates[0].text == "Met"
    assert conflict_clauses(conflicts) == {"1.1.3": 1, "1.2.1": 1}
    # resolved by a person: no conflict left
    r = _op("tabA", 3, "item/1.1.3/C-1", b.value, "王芳", supersedes=[a.id, b.id])
    assert not fold([a, b, r])["item/1.1.3/C-1"].conflict


def test_new_rating_is_a_value_and_the_services_judge_it():
    value = new_rating("not_met", "王芳", AT)
    assert value["result"] == "not_met" and value["rated_by"] == "王芳" and value["na_reason"] == ""
    with pytest.raises(ValueError):
        new_rating("maybe", "王芳", AT)
    # "N/A needs a reason" is the services' rule, applied when the engine writes the choice
    # (tests/sync/test_tablet_rules.py), not a second copy here
    assert new_rating("na", "王芳", AT)["na_reason"] == ""
    assert new_rating("na", "王芳", AT, na_reason=" 未开展 ")["na_reason"] == "未开展"


def test_answers_joined_with_the_standard_and_current_deficiencies():
    std = make_standard()
    merged = {
        "response/1.1.2/C-1": SimpleNamespace(value={"plan": "补充制度", "due": "2024-06-30", "photos": ["a" * 64],
                                                     "by": "qingshan", "at": AT.isoformat(), "revision": 1}),
        "response/1.1.10/B-1": SimpleNamespace(value={"plan": "x", "revision": 2}),
        "item/1.1.2/C-1": SimpleNamespace(value={"result": "not_met"}),
        "response/1.1.1/C-2": SimpleNamespace(value=None),
    }
    found = answers(merged, std, deficient=[("1.1.2", "C-1")])
    assert [(a.clause, a.item) for a in found] == [("1.1.2", "C-1"), ("1.1.10", "B-1")]  # numeric order
    first = found[0]
    assert first.title == "条款 1.1.2" and first.requirement == "1.1.2 要求 C-1"
    assert (first.plan, first.due, first.revision, first.still_deficient) == ("补充制度", "2024-06-30", 1, True)
    assert first.photos == ["a" * 64] and first.by == "qingshan"
    assert found[1].still_deficient is False and found[1].title == ""


def test_revision_lines_and_history():
    assert revision_line(1, "") == "第 1 版"
    assert revision_line(2, "机构整改后复核") == "第 2 版（机构整改后复核）"
    assert revision_line(2, "recheck", "en") == "Revision 2 (recheck)"
    frozen = [{"revision": 1, "inspection": {"revision": 1, "revision_reason": ""}},
              {"revision": 2, "inspection": {"revision": 2, "revision_reason": "更正笔误"}}]
    assert revision_history(frozen, 3, "整改后复核") == ["第 1 版", "第 2 版（更正笔误）", "第 3 版（整改后复核）"]
