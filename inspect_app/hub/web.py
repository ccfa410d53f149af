"""The hub's web pages (Flet web, served offline): clinic review and bureau overview.

Clinic (被评机构): sign in, the scored report of its own center's signed revision (verdict,
levels by chapter, 问题清单 with suggestions), which revision it is reading and why each
revision exists, the signed PDF, and a rectification plan (整改回复) per deficiency.
Bureau (卫健局): every center in one table (filter, sort), open any report, export all PDFs.

The pages call the same access rules as the API (ledger.may_read_report); downloads go
through short-lived signed links bound to the signed-in user, re-checked when used.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import time
from datetime import timedelta

import flet as ft
from cryptography.hazmat.primitives import hashes
from fastapi import FastAPI, HTTPException

from inspect_app import paths
from inspect_app.errors import UserError
from inspect_app.hub.accounts import WEB_SESSION_HOURS, Account, Role
from inspect_app.hub.ledger import may_read_report
from inspect_app.hub.reports import centers_table, report_view
from inspect_app.hub.standard_editor import standard_editor_button
from inspect_app.hub.service import ResponseRequest, answer_deficiency, export_response, ingest_clinic_photo

FONT_FAMILY = "NotoSansSC"
LINK_SECONDS = 300


def mount_web(api: FastAPI, hub):
    """Add the download routes and the Flet app to `api`; returns the ASGI app to serve."""
    import flet_web.fastapi as flet_fastapi

    from inspect_app.webshell import SHIM_PATH, InjectShims, shim_response

    # One key for every hub process (kept in the shared store): a link made by one worker is
    # good on any other.
    link_key = hub.accounts.store.secret("web_link_key", secrets.token_bytes(32))

    def sign(*parts: str) -> str:
        return hmac.new(link_key, "|".join(parts).encode(), hashlib.sha256).hexdigest()

    def link(kind: str, account: Account, *parts: str) -> str:
        exp = str(int(time.time()) + LINK_SECONDS)
        sig = sign(kind, account.username, exp, *parts)
        return f"/web/{kind}/{'/'.join(parts)}?u={account.username}&exp={exp}&sig={sig}"

    def check_link(kind: str, u: str, exp: str, sig: str, *parts: str) -> Account:
        if not (exp.isdigit() and int(exp) > time.time() and hmac.compare_digest(sign(kind, u, exp, *parts), sig)):
            raise HTTPException(403)
        row = next((r for r in hub.accounts.users() if r["username"] == u and not r["disabled"]), None)
        if row is None:
            raise HTTPException(403)
        return Account(row["username"], row["name"], Role(row["role"]), row["center_id"])

    @api.get("/web/pdf/{inspection_id}/{revision}")
    def web_pdf(inspection_id: str, revision: str, u: str, exp: str, sig: str):
        acct = check_link("pdf", u, exp, sig, inspection_id, revision)
        if not revision.isdigit() or not may_read_report(acct, hub.ledger.entry(inspection_id), int(revision)):
            raise HTTPException(403)
        sha = hub.report_pdf(inspection_id, int(revision))
        if sha is None:
            raise HTTPException(404, "该版本的签署报告尚未同步到中心。")
        return hub.blob_response(sha, "application/pdf", f"{inspection_id}-r{revision}.pdf")

    @api.get("/web/export/all")
    def web_export(u: str, exp: str, sig: str):
        if check_link("export", u, exp, sig, "all").role is not Role.ADMIN:
            raise HTTPException(403)
        return export_response(hub)

    @api.get(SHIM_PATH)
    async def offline_shims():
        return shim_response()

    async def main(page: ft.Page) -> None:
        await HubPages(page, hub, link).start()

    api.mount("/", flet_fastapi.app(main, assets_dir=str(paths.ASSETS_DIR), no_cdn=True,
                                    app_name="基层行县级中心", app_short_name="基层行中心",
                                    app_description="Jiceng Inspect hub"))
    return InjectShims(api)


_VERDICT_COLOURS = {0: ft.Colors.GREEN_800, 1: ft.Colors.RED_800, 3: ft.Colors.ORANGE_800}
_VERDICT_SHORT = {0: "有效", 1: "无效（已改动或损坏）", 3: "不受信任"}
_verdicts: dict[tuple, tuple[int, str, str]] = {}


def signature_verdict(hub, inspection_id: str, revision: int) -> tuple[int, str, str] | None:
    """签章核验 of a revision's signed PDF against this hub's county roots: the same (exit code,
    Chinese, English) as `report verify` (report/verify.report_trust_verdict); None without a PDF.
    Blobs are named by their SHA-256, so the answer is kept per file."""
    from inspect_app.hub.trust_routes import trust_of
    from inspect_app.report.verify import report_trust_verdict

    sha = hub.report_pdf(inspection_id, revision) if inspection_id else None
    if sha is None:
        return None
    roots = trust_of(hub).roots()
    key = (str(sha), tuple(r.fingerprint(hashes.SHA256()) for r in roots))
    if key not in _verdicts:
        _verdicts[key] = report_trust_verdict(hub.blobs.read(sha), roots)
    return _verdicts[key]


def verdict_text(hub, inspection_id: str, revision: int, short: bool = False) -> ft.Control:
    verdict = signature_verdict(hub, inspection_id, revision)
    if verdict is None:
        return ft.Text("—" if short else "签章核验：签署版 PDF 尚未同步到中心。")
    code, zh, _ = verdict
    return ft.Text(_VERDICT_SHORT.get(code, zh) if short else f"签章核验：{zh}", color=_VERDICT_COLOURS.get(code))


class HubPages:
    """One browser session: who signed in, and the page they look at."""

    def __init__(self, page: ft.Page, hub, link) -> None:
        self.page = page
        self.hub = hub
        self.link = link
        self.account: Account | None = None
        self.sort_key = "name"
        self.filter = ""
        # Clinic rectification photos: one FilePicker per deficiency, kept across re-renders
        # (constructing a picker registers a service with the page), and the photos picked so
        # far for each answer, sent with it.
        self.pickers: dict[tuple, ft.FilePicker] = {}
        self.attached: dict[tuple, list[dict]] = {}

    async def start(self) -> None:
        page = self.page
        page.title = "基层行县级中心"
        page.fonts = {FONT_FAMILY: "/fonts/" + paths.CJK_FONT.name}
        page.theme = ft.Theme(font_family=FONT_FAMILY, color_scheme_seed=ft.Colors.INDIGO)
        page.theme_mode = ft.ThemeMode.LIGHT
        page.scroll = ft.ScrollMode.AUTO
        self.show_login()

    def show(self, *controls: ft.Control) -> None:
        if self.account is not None and not self.hub.accounts.still_valid(self.account):
            # revoked (`hub user revoke`, --disable), expired, or signed out elsewhere
            self.account = None
            controls = self.login_controls("会话已结束（账号已停用、令牌已撤销或已过期），请重新登录。")
        self.page.controls.clear()
        self.page.controls.extend(controls)
        self.page.update()

    # ------------------------------------------------------------------ sign in
    def show_login(self, message: str = "") -> None:
        self.show(*self.login_controls(message))

    def login_controls(self, message: str = "") -> list[ft.Control]:
        user = ft.TextField(label="用户名", width=320, autofocus=True)
        password = ft.TextField(label="密码", password=True, width=320)
        error = ft.Text(message, color=ft.Colors.RED)

        async def submit(_=None):
            try:
                _, account = await asyncio.to_thread(
                    lambda: self.hub.accounts.login(user.value or "", password.value or "", "web",
                                                    client=getattr(self.page, "client_ip", "") or "",
                                                    lifetime=timedelta(hours=WEB_SESSION_HOURS)))
            except UserError as err:
                error.value = err.zh
                self.page.update()
                return
            self.account = account
            if account.role is Role.ADMIN:
                self.show_bureau()
            elif account.role is Role.CLINIC:
                self.show_clinic_home()
            else:
                self.show_login("评审专家请在平板上查看评审。请使用机构或卫健局账号登录。")

        password.on_submit = submit
        return [ft.Text("基层行县级中心", size=26, weight=ft.FontWeight.BOLD),
                ft.Text("机构查阅评审报告 · 卫健局总览"), user, password,
                ft.FilledButton("登录", on_click=submit), error]

    def header(self) -> ft.Control:
        def logout(_):
            if self.account is not None:  # the session's token ends here, not only the page
                self.hub.accounts.revoke(self.account.username, self.account.token_id)
            self.account = None
            self.show_login()

        who = f"{self.account.name}（{'卫健局' if self.account.role is Role.ADMIN else '机构'}）"
        return ft.Row([ft.Text(who, weight=ft.FontWeight.BOLD), ft.TextButton("退出登录", on_click=logout)],
                      alignment=ft.MainAxisAlignment.SPACE_BETWEEN)

    # ------------------------------------------------------------------ clinic
    def show_clinic_home(self) -> None:
        acct = self.account
        rows = []
        for entry in self.hub.ledger.entries():
            if entry.sealed and entry.stage != "self" and may_read_report(acct, entry, max(entry.sealed)):
                rows.append(entry)
        if not rows:
            self.show(self.header(), self.self_assessment_button(), ft.Text("暂无已签署的评审报告。"))
            return
        latest = max(rows, key=lambda e: e.max_seq)
        self.show_report(latest.id, max(latest.sealed))

    def self_assessment_button(self) -> ft.Control:
        """机构自评 (hub/self_assessment.py): the clinic rates its own center on these pages."""
        from inspect_app.hub.self_assessment import SelfAssessmentPage

        if getattr(self, "self_page", None) is None:
            self.self_page = SelfAssessmentPage(self)
        return ft.FilledButton(content=ft.Text("机构自评"), icon=ft.Icons.FACT_CHECK,
                               on_click=lambda _: self.self_page.show())

    def show_report(self, inspection_id: str, revision: int) -> None:
        acct = self.account
        if not may_read_report(acct, self.hub.ledger.entry(inspection_id), revision):
            self.show(self.header(), ft.Text("无权查看此报告。"))
            return
        view = report_view(self.hub.ledger, inspection_id, revision, self.hub.data_dir)
        center = view["center"]
        verdict = view["verdict"] or {}
        revs = [r for r in view["revisions"] if acct.role is not Role.CLINIC or r["signed"]]
        controls: list[ft.Control] = [self.header()]
        if acct.role is Role.ADMIN:
            controls.append(ft.TextButton("← 返回全县概览", on_click=lambda _: self.show_bureau()))
        else:
            controls.append(self.self_assessment_button())
        controls += [
            ft.Text(f"{center.get('name', '')} 评审报告", size=24, weight=ft.FontWeight.BOLD),
            ft.Text(f"正在查看：第 {revision} 版" + ("（已签署）" if any(r["revision"] == revision and r["signed"]
                                                                   for r in view["revisions"]) else "（未签署）")),
            ft.Column([ft.TextButton(f"第 {r['revision']} 版：{r['reason'] or '—'}" + ("" if r["signed"] else "（未签署）"),
                                     on_click=lambda _, n=r["revision"]: self.show_report(inspection_id, n))
                       for r in revs]),
            ft.Text(f"结论：{verdict.get('label') or verdict.get('name', '') + ('（暂定）' if verdict.get('provisional') else '')}",
                    size=20, weight=ft.FontWeight.BOLD),
            *[ft.Text(r) for r in verdict.get("reasons", [])],
        ]
        if view["pdf"]:
            url = self.link("pdf", acct, inspection_id, str(revision))
            controls.append(ft.FilledButton("下载签署版 PDF", on_click=lambda _: self.page.launch_url(url)))
        else:
            controls.append(ft.Text("签署版 PDF 尚未同步到中心。"))
        controls.append(verdict_text(self.hub, inspection_id, revision))  # 签章核验, as report verify says
        if acct.role is Role.CLINIC:  # pickers before any control is built (see PhotoButton on the tablet)
            for d in view["deficiencies"]:
                key = (inspection_id, revision, d["clause"], d["item"])
                if key not in self.pickers:
                    self.pickers[key] = ft.FilePicker()
        controls.append(ft.Text(f"问题清单（{len(view['deficiencies'])} 项）", size=18, weight=ft.FontWeight.BOLD))
        for d in view["deficiencies"]:
            controls.append(self.deficiency_card(inspection_id, revision, d))
        controls.append(ft.Text("各章评审结果", size=18, weight=ft.FontWeight.BOLD))
        controls.append(ft.DataTable(
            columns=[ft.DataColumn(ft.Text(t)) for t in ("章", "A", "B", "C", "D 不合格", "未完成", "不适用")],
            rows=[ft.DataRow(cells=[ft.DataCell(ft.Text(f"{ch['number']} {ch['title']}"))] +
                             [ft.DataCell(ft.Text(str(ch["counts"][k]))) for k in ("A", "B", "C", "D", "incomplete", "na")])
                  for ch in view["chapters"]]))
        self.show(*controls)

    def deficiency_card(self, inspection_id: str, revision: int, d: dict) -> ft.Control:
        response = d.get("response") or {}
        parts: list[ft.Control] = [
            ft.Text(f"{d['clause']} {d['title']} 【{d['item']}】", weight=ft.FontWeight.BOLD),
            ft.Text(d["requirement"]),
            ft.Text(f"整改建议：{d['suggestion'] or '—'}"),
        ]
        if response:
            shown = len(response.get("photos") or [])
            parts.append(ft.Text(f"已提交整改回复：{response.get('plan', '')}（完成期限 {response.get('due') or '—'}）"
                                 + (f"，整改照片 {shown} 张" if shown else ""), color=ft.Colors.GREEN_800))
        if self.account.role is Role.CLINIC:
            key = (inspection_id, revision, d["clause"], d["item"])
            tag = f"{d['clause']} {d['item']}"
            plan = ft.TextField(label=f"整改措施 {tag}", multiline=True, width=520)
            due = ft.TextField(label=f"完成期限 {tag}", hint_text="YYYY-MM-DD", width=200)
            note = ft.Text("")
            attached = self.attached.setdefault(key, [])
            photos_line = ft.Text(self._photos_text(attached, tag))
            picker = self.pickers[key]

            async def picked(e):
                for f in e.files or []:
                    if not f.bytes:
                        continue
                    try:  # the evidence store: a usable photo, upright, GPS stripped; else why not
                        info = await asyncio.to_thread(ingest_clinic_photo, self.hub, f.bytes, f.name,
                                                     self.account.username)
                    except UserError as err:
                        note.value = err.zh
                        continue
                    if info["sha256"] not in {p["sha256"] for p in attached}:
                        attached.append(info)
                    note.value = ""
                photos_line.value = self._photos_text(attached, tag)
                self.page.update()

            picker.on_result = picked

            async def send(_):
                try:
                    body = ResponseRequest(clause=d["clause"], item=d["item"], plan=(plan.value or "").strip(),
                                           due=(due.value or "").strip(), photos=[p["sha256"] for p in attached])
                    await asyncio.to_thread(answer_deficiency, self.hub, self.account, inspection_id, revision, body)
                except (UserError, ValueError) as err:
                    note.value = getattr(err, "zh", "请填写整改措施。")
                    self.page.update()
                    return
                attached.clear()
                self.show_report(inspection_id, revision)

            parts += [plan, due,
                      ft.OutlinedButton(f"添加整改照片 {tag}", icon=ft.Icons.ADD_A_PHOTO,
                                        action=ft.PickFiles(picker, file_type=ft.FilePickerFileType.IMAGE,
                                                            with_data=True, allow_multiple=True)),
                      photos_line,
                      ft.OutlinedButton(f"提交整改回复 {tag}", on_click=send), note]
        return ft.Container(ft.Column(parts), padding=12, bgcolor=ft.Colors.SURFACE_CONTAINER_LOW)

    @staticmethod
    def _photos_text(attached: list[dict], tag: str) -> str:
        if not attached:
            return ""
        return f"整改照片 {tag}：已添加 {len(attached)} 张（" + "、".join(p["name"] or p["sha256"][:8] for p in attached) + "）"

    # ------------------------------------------------------------------ bureau
    def show_bureau(self) -> None:
        from inspect_app.hub.self_assessment import BUREAU_COLUMNS, bureau_cell, bureau_sort_key

        rows = centers_table(self.hub.ledger, self.hub.data_dir)
        needle = self.filter.strip()
        if needle:
            rows = [r for r in rows if any(needle in str(r[k]) for k in ("name", "county", "type", "verdict"))]
        reverse = self.sort_key in ("below_c", "last_inspection")
        rows.sort(key=lambda r: bureau_sort_key(r, self.sort_key), reverse=reverse)
        search = ft.TextField(label="筛选（机构、县区、类型、结论）", value=self.filter, width=360)

        def apply_filter(_):
            self.filter = search.value or ""
            self.show_bureau()

        search.on_submit = apply_filter

        def sort_by(key):
            def handler(_):
                self.sort_key = key
                self.show_bureau()
            return handler

        columns = [("name", "机构"), ("county", "县区"), ("type", "类型"), ("last_inspection", "最近评审"),
                   ("verdict", "结论"), *BUREAU_COLUMNS, ("below_c", "低于C级条款数"), ("change", "较上轮变化")]
        export_url = self.link("export", self.account, "all")
        table = ft.DataTable(
            # rows as tall as their cells (a wrapped report button was cut at the default 48 px);
            # the whole table scrolls sideways below (13 columns do not fit a 1280 px screen)
            data_row_min_height=48, data_row_max_height=96, column_spacing=20,
            columns=[ft.DataColumn(ft.Text(label), on_sort=sort_by(key)) for key, label in columns]
            + [ft.DataColumn(ft.Text("报告")), ft.DataColumn(ft.Text("签章核验"))],
            rows=[ft.DataRow(
                cells=[ft.DataCell(bureau_cell(r, key, self)) for key, _ in columns]
                + [ft.DataCell(ft.TextButton(f"查看报告 {r['name']}",
                                             on_click=lambda _, r=r: self.show_report(r["inspection_id"], r["revision"]))
                               if r["inspection_id"] else ft.Text("—")),
                   ft.DataCell(verdict_text(self.hub, r["inspection_id"], r["revision"], short=True))],
                on_select_change=(lambda _, r=r: self.show_report(r["inspection_id"], r["revision"]))
                if r["inspection_id"] else None)
                for r in rows])
        held = self.hub.ledger.quarantined()  # ops that fail the door: left out, shown here
        notice = ft.Text(f"注意：{len(held)} 条已存的变更未通过中心校验，已隔离（不计入任何评审）："
                         + "；".join(f"{q['inspection_id']} {q['key']}（{q['reason']}）" for q in held[:5]),
                         color=ft.Colors.RED) if held else ft.Container()
        # Rows the scorer has not caught up with yet show their last stored figures (hub/reports.py).
        stale = [r["name"] for r in rows if r.get("pending")]
        rescoring = ft.Text(f"{len(stale)} 个机构有新同步的评审，正在重新计分，暂显示上次结果："
                            + "、".join(stale[:5]) + ("等" if len(stale) > 5 else "") + "。稍后刷新即可看到最新结论。",
                            color=ft.Colors.ORANGE_900) if stale else ft.Container()
        self.show(self.header(), ft.Text("全县机构概览", size=24, weight=ft.FontWeight.BOLD), notice, rescoring,
                  ft.Row([search, ft.OutlinedButton("筛选", on_click=apply_filter)]),
                  ft.Row([ft.Text("排序：")] + [ft.TextButton(label, on_click=sort_by(key)) for key, label in columns],
                         wrap=True),
                  ft.Row([table], scroll=ft.ScrollMode.AUTO),
                  ft.FilledButton("导出全部签署报告（PDF 与清单）", on_click=lambda _: self.page.launch_url(export_url)),
                  standard_editor_button(self))  # 评价标准归位与分发 (hub/standard_editor.py)
