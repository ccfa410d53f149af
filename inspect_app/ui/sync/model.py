"""View-model of sync on the tablet (同步): pure functions, no Flet, no files, tested as plain code.

The screens only render what these return: the header badge, the lines of the sync screen,
the conflicts of one clause with who rated what, and the clinic's answers of one inspection.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from inspect_app.errors import UserError
from inspect_app.sync import keys

# ------------------------------------------------------------------ strings (zh first, en)

STRINGS: dict[str, tuple[str, str]] = {
    "sync": ("同步", "Sync"),
    "sync_title": ("同步与设置", "Sync and settings"),
    "account": ("县级中心账号", "Hub account"),
    "hub_url": ("中心地址", "Hub address"),
    "hub_url_hint": ("例如 http://192.168.1.10:8600", "e.g. http://192.168.1.10:8600"),
    "username": ("账号名", "Account name"),
    "password": ("密码", "Password"),
    "sign_in": ("登录", "Sign in"),
    "sign_out": ("退出登录", "Sign out"),
    "signed_in_as": ("已登录：{who}", "Signed in: {who}"),
    "password_note": ("密码不会保存在本机；本机只保存中心发放的登录令牌。",
                      "The password is never stored; this tablet keeps only the hub's sign-in token."),
    "not_signed_in": ("尚未登录县级中心：评审照常进行，数据保存在本机。",
                      "Not signed in to the hub: rating works as usual, everything stays on this tablet."),
    "status": ("同步状态", "Sync status"),
    "sync_now": ("立即同步", "Sync now"),
    "last_synced": ("上次同步", "Last synced"),
    "never": ("尚未同步", "Never"),
    "pending": ("待同步变更", "Changes waiting"),
    "photos_pending": ("待上传照片", "Photos waiting"),
    "conflicts": ("冲突", "Conflicts"),
    "errors": ("问题", "Problems"),
    "no_errors": ("无", "None"),
    "by_file": ("无网络时用文件同步", "Sync by file (no network)"),
    "by_file_note": ("导出同步包，用U盘等方式带到县级中心或另一台平板，在那里导入。",
                     "Export a bundle and carry it (a USB stick…) to the county hub or to another tablet, "
                     "and import it there."),
    "export": ("导出同步包", "Export sync bundle"),
    "download": ("下载同步包", "Download bundle"),
    "import": ("导入同步包", "Import sync bundle"),
    "exported": ("已导出：{name}", "Exported: {name}"),
    "imported": ("已导入 {n} 项变更", "Imported {n} changes"),
    "importing": ("正在导入…", "Importing…"),
    "b_none": ("未登录中心", "No hub"),
    "b_syncing": ("同步中", "Syncing"),
    "b_offline": ("离线", "Offline"),
    "b_error": ("错误", "Error"),
    "b_refused": ("需重新登录", "Sign in again"),
    "b_conflicts": ("冲突 {n}", "{n} conflict(s)"),
    "b_pending": ("{n} 条待同步", "{n} waiting"),
    "b_synced": ("已同步 {when}", "Synced {when}"),
    "b_never": ("未同步", "Not synced"),
    "conflict_title": ("冲突：评审员给出了不同结果，请选定一个", "Conflict: inspectors disagree, choose one"),
    "choose_this": ("采用此结果", "Use this"),
    "or_new": ("或重新评定：", "Or rate anew:"),
    "resolved": ("冲突已解决", "Conflict resolved"),
    "conflicts_here": ("{n} 处冲突待处理", "{n} conflict(s) to resolve"),
    "answers": ("整改回复", "Clinic answers"),
    "answers_n": ("整改回复（{n}）", "Clinic answers ({n})"),
    "no_answers": ("还没有机构的整改回复。同步后，机构在中心填写的回复会出现在这里。",
                   "No answers from the clinic yet. After a sync, answers written on the hub appear here."),
    "plan": ("整改措施", "Plan"),
    "due": ("完成期限", "Due"),
    "answered_rev": ("针对第 {n} 版", "on revision {n}"),
    "recheck": ("复核此条", "Re-check"),
    "not_deficient_now": ("按当前评分已不是问题项", "No longer deficient in the current ratings"),
    "new_revision": ("复核并重新评分（新修订版）", "Re-check and re-score (new revision)"),
    "revision_reason": ("新修订版的原因", "Reason for the new revision"),
    "revision_note": ("已签名的版本保持不变；新修订版从草稿开始，复核的条款重新评分后再签名。",
                      "The signed revision stays as it is; the new revision starts as a draft: re-rate the "
                      "re-checked clauses, then sign again."),
    "revision_now": ("第 {n} 版", "Revision {n}"),
    "revision_why": ("第 {n} 版（{reason}）", "Revision {n} ({reason})"),
    "revisions": ("修订记录", "Revisions"),
    "only_signed": ("签名后才能开始新修订版。", "A new revision can start only after signing."),
    "confirm": ("确定", "Confirm"),
    "by_who": ("{who} 评定", "rated by {who}"),
    "this_tablet": ("本机", "this tablet"),
}


def tr(key: str, lang: str = "zh", **kw) -> str:
    zh, en = STRINGS[key]
    text = en if lang == "en" else zh
    return text.format(**kw) if kw else text


# ------------------------------------------------------------------ hub address


def normalize_hub_url(text: str) -> str:
    """'192.168.1.10:8600' → 'http://192.168.1.10:8600'. Refuses what cannot be a hub address."""
    text = (text or "").strip()
    if not text:
        raise UserError("请填写县级中心地址。", "Enter the hub address.")
    if "://" not in text:
        text = "http://" + text
    parts = urlsplit(text)
    text = text.rstrip("/")
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise UserError(f"中心地址“{text}”无效，应类似 http://192.168.1.10:8600。",
                        f"'{text}' is not a hub address; it should look like http://192.168.1.10:8600.")
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        raise UserError(f"中心地址“{text}”的端口无效。", f"The port of '{text}' is not valid.") from None
    return text


# ------------------------------------------------------------------ badge


@dataclass(frozen=True)
class Badge:
    kind: str  # none | syncing | offline | error | conflict | pending | synced
    text: str
    detail: str = ""  # the long form (tooltip / sync screen)


def _hhmm(when: datetime | None) -> str:
    return when.astimezone().strftime("%H:%M") if when else ""


def badge(status: Any, signed_in: bool, lang: str = "zh") -> Badge:
    """What the header shows, from a SyncStatus (state, last_synced, pending, conflicts, errors)."""
    detail = status.text(lang) if hasattr(status, "text") else ""
    pending = int(getattr(status, "pending", 0) or 0)
    conflicts = int(getattr(status, "conflicts", 0) or 0)
    state = getattr(status, "state", "idle")
    if not signed_in:
        if pending:
            return Badge("pending", tr("b_pending", lang, n=pending), tr("not_signed_in", lang))
        return Badge("none", tr("b_none", lang), tr("not_signed_in", lang))
    if state == "syncing":
        return Badge("syncing", tr("b_syncing", lang), detail)
    if state == "refused":
        return Badge("error", tr("b_refused", lang), detail)
    if state == "error":
        return Badge("error", tr("b_error", lang), detail)
    if conflicts:
        return Badge("conflict", tr("b_conflicts", lang, n=conflicts), detail)
    if state == "offline":
        text = tr("b_offline", lang) + (f" · {tr('b_pending', lang, n=pending)}" if pending else "")
        return Badge("offline", text, detail)
    if pending:
        return Badge("pending", tr("b_pending", lang, n=pending), detail)
    last = getattr(status, "last_synced", None)
    if last:
        return Badge("synced", tr("b_synced", lang, when=_hhmm(last)), detail)
    return Badge("pending", tr("b_never", lang), detail)


def status_lines(status: Any, photos_pending: int, lang: str = "zh") -> list[tuple[str, str]]:
    """(label, value) rows of the sync screen's status card."""
    last = getattr(status, "last_synced", None)
    errors = [e for e in ((status.error_en if lang == "en" else status.error_zh),) if e]
    return [
        (tr("status", lang), status.text(lang).split(" · ")[0]),
        (tr("last_synced", lang), last.astimezone().strftime("%Y-%m-%d %H:%M") if last else tr("never", lang)),
        (tr("pending", lang), str(max(0, int(status.pending) - photos_pending))),
        (tr("photos_pending", lang), str(photos_pending)),
        (tr("conflicts", lang), str(status.conflicts)),
        (tr("errors", lang), "；".join(errors) if errors else tr("no_errors", lang)),
    ]


# ------------------------------------------------------------------ conflicts

_RESULT = {"met": ("符合", "Met"), "not_met": ("不符合", "Not met"), "na": ("不适用", "N/A"),
           "unrated": ("未评", "Not rated")}


def result_label(result: str, lang: str = "zh") -> str:
    zh, en = _RESULT.get(result, (result, result))
    return en if lang == "en" else zh


@dataclass(frozen=True)
class Candidate:
    op_id: str
    text: str  # the value in words: 不符合 · 理由 · 备注
    who: str
    when: str
    value: Any
    mine: bool = False


@dataclass(frozen=True)
class ConflictView:
    inspection_id: str
    key: str
    clause: str
    item: str  # item code, "" for a clause-wide key
    kind: str  # item | note | advice | other
    candidates: list[Candidate] = field(default_factory=list)


def value_text(key: str, value: Any, lang: str = "zh") -> str:
    if key.startswith("item/") and isinstance(value, dict):
        parts = [result_label(str(value.get("result", "unrated")), lang)]
        if value.get("na_reason"):
            parts.append(str(value["na_reason"]))
        if value.get("note"):
            parts.append(str(value["note"]))
        return " · ".join(parts)
    if value is None:
        return "（已删除）" if lang != "en" else "(removed)"
    if isinstance(value, str):
        return value
    return str(value)


def conflict_views(conflicts: Iterable[Any], clause: str | None = None, device: str = "",
                   lang: str = "zh") -> list[ConflictView]:
    """engine.conflicts() → what a screen shows; only keys of `clause` when given."""
    out = []
    for c in conflicts:
        parsed = keys.parse(c.key)  # the one codec (clause-wide advice "-" is "" again)
        head = parsed.kind if parsed else ""
        number = parsed.clause if parsed and head in ("item", "note", "advice") else ""
        if clause is not None and number != clause:
            continue
        item = parsed.code if parsed and head in ("item", "advice") else ""
        cands = []
        for op in c.candidates:
            who = op.author or (op.value.get("rated_by") if isinstance(op.value, dict) else "") or op.device
            when = op.at.astimezone().strftime("%m-%d %H:%M") if op.at else ""
            cands.append(Candidate(op.id, value_text(c.key, op.value, lang), who, when, op.value,
                                   mine=bool(device) and op.device == device))
        cands.sort(key=lambda x: (not x.mine, x.who, x.op_id))  # this tablet's value first, then by name
        out.append(ConflictView(c.inspection_id, c.key, number, item,
                                head if head in ("item", "note", "advice") else "other", cands))
    return out


def conflict_clauses(conflicts: Iterable[Any]) -> dict[str, int]:
    """clause number → how many conflicted keys it has (for the overview)."""
    out: dict[str, int] = {}
    for v in conflict_views(conflicts):
        if v.clause:
            out[v.clause] = out.get(v.clause, 0) + 1
    return out


def new_rating(result: str, who: str, at: datetime, na_reason: str = "", note: str = "") -> dict:
    """The value a person chose anew while resolving an item conflict (an ItemRating as JSON).
    Whether it may be written (N/A needs a reason, the revision is a draft) is decided by the
    services when the engine writes it (SyncEngine.resolve → services.rate_item)."""
    if result not in ("met", "not_met", "na"):
        raise ValueError(result)
    return {"result": result, "na_reason": na_reason.strip() if result == "na" else "", "note": note,
            "rated_by": who, "rated_at": at.isoformat()}


# ------------------------------------------------------------------ clinic answers


@dataclass(frozen=True)
class Answer:
    clause: str
    item: str
    title: str  # clause title
    requirement: str
    plan: str
    due: str
    photos: list[str]
    by: str
    at: str
    revision: int  # the revision the clinic answered
    still_deficient: bool  # in the current ratings


def answers(merged: Mapping[str, Any], standard: Any = None, deficient: Iterable[tuple[str, str]] = ()) -> list[Answer]:
    """response/<clause>/<item> values (engine.merged) joined with the standard's texts.

    `deficient`: (clause, item) pairs deficient in the current ratings."""
    deficient = set(deficient)
    out = []
    for key, kv in merged.items():
        if not key.startswith("response/"):
            continue
        value = getattr(kv, "value", kv)
        if not isinstance(value, dict):
            continue
        parsed = keys.parse(key)
        if parsed is None:
            continue
        clause, item = parsed.clause, parsed.code
        title = requirement = ""
        if standard is not None:
            try:
                c = standard.clause(clause)
                title = c.title
                requirement = next((i.requirement for i in c.items if i.code == item), "")
            except KeyError:
                pass
        at = str(value.get("at") or "")
        try:
            at = datetime.fromisoformat(at).astimezone().strftime("%Y-%m-%d %H:%M") if at else ""
        except ValueError:
            pass
        out.append(Answer(clause, item, title, requirement, str(value.get("plan", "")), str(value.get("due", "")),
                          [p for p in value.get("photos", []) or [] if isinstance(p, str)],
                          str(value.get("by", "")), at, int(value.get("revision", 1) or 1),
                          (clause, item) in deficient))
    return sorted(out, key=lambda a: (_number_key(a.clause), a.item))


def _number_key(number: str) -> tuple:
    return tuple(int(p) if p.isdigit() else 0 for p in number.split("."))


def revision_line(revision: int, reason: str, lang: str = "zh") -> str:
    return tr("revision_why", lang, n=revision, reason=reason) if reason else tr("revision_now", lang, n=revision)


def revision_history(frozen: Iterable[Mapping], current_revision: int, current_reason: str,
                     lang: str = "zh") -> list[str]:
    """One line per revision, oldest first: the frozen (signed) ones from services.revisions()
    and the current one."""
    lines = []
    for doc in frozen:
        insp = doc.get("inspection", doc) if isinstance(doc, Mapping) else {}
        rev = int(insp.get("revision", doc.get("revision", 0)) or 0)
        if rev and rev != current_revision:
            lines.append((rev, revision_line(rev, str(insp.get("revision_reason", "") or ""), lang)))
    lines.append((current_revision, revision_line(current_revision, current_reason, lang)))
    return [text for _, text in sorted(dict(lines).items())]
