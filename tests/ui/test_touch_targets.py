"""Every touch target is at least 48x48 px, and a screen reader hears each control once (issue 12).

In Chromium against one real app server (the walk-through's site: drafts with a note and a photo,
a submitted and a locked inspection, the checklist standard), every screen at 1280x800 and
390x844: home and its start and export dialogs, the center's facts, the overview, a clause, a checklist
post, the summary, photos, sign (draft, submitted, locked), answers and sync. On each, the
bounding box of every interactive node of Flutter's semantics tree (role button, checkbox,
switch, radio, tab, link, slider, textbox…, and any node Flutter marks tappable) is measured;
the test fails with the list of offenders: too small, or a name that says one word twice
("签名 签名": a label read once and again as its tooltip).
"""

from __future__ import annotations

import io
import re

import pytest

from inspect_app import services
from inspect_app.ui.i18n import t
from inspect_app.ui_state import clause_route, post_route
from tests.support.browser import PHONE, TABLET
from tests.ui.flet_driver import LONG, button, evaluate, open_app, scroll_wheel, wait_ready, wait_text
from tests.ui.test_walkthrough import Site

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(900)]

MIN = 48
SIZES = {"tablet": TABLET, "phone": PHONE}

# Every node a finger or a screen reader can act on, with its box and what it is called.
COLLECT = """() => {
  const roles = new Set(['button', 'checkbox', 'switch', 'radio', 'tab', 'link', 'slider', 'textbox',
                         'menuitem', 'combobox', 'searchbox', 'spinbutton', 'option']);
  const out = [];
  for (const el of document.querySelectorAll('flt-semantics, input, textarea')) {
    let role = el.getAttribute('role') || '';
    if (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA') role = role || 'textbox';
    const tappable = el.hasAttribute('flt-tappable');
    if (!roles.has(role) && !tappable) continue;
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;  // not laid out (another route's node)
    const name = (el.getAttribute('aria-label') || el.textContent || el.value || '').replace(/\\s+/g, ' ').trim();
    out.push({role: role || 'tappable', name: name.slice(0, 80), w: Math.round(r.width * 10) / 10,
              h: Math.round(r.height * 10) / 10, x: Math.round(r.x), y: Math.round(r.y),
              disabled: el.getAttribute('aria-disabled') === 'true'});
  }
  return out;
}"""


def _jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.effect_noise((800, 600), 40).convert("RGB").save(out, "JPEG", quality=85)
    return out.getvalue()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    s = Site(tmp_path_factory.mktemp("touch"))
    ws = services.open_workspace(s.data)
    try:  # a note, a photo and a rectification, so every kind of control is on screen
        iid, clause = s.draft["tablet"], s.reason_clause
        services.set_item_note(ws, iid, clause.number, clause.items[1].code, "制度未上墙")
        services.add_photo(ws, iid, _jpeg(), "档案室.jpg", clause_number=clause.number,
                           item_code=clause.items[0].code, actor="王珺")
        services.set_rectification(ws, iid, clause.number, clause.items[1].code, "一周内完善制度")
    finally:
        ws.close()
    yield s
    s.server.stop()


def _screens(site):
    d, c = site.draft["tablet"], site.reason_clause
    post = site.checklist_standard.chapters[0].sections[0]
    return [  # (name, route, a text the screen shows once drawn)
        ("home", "/", t("start_inspection")),
        ("facts", f"/i/{d}/facts", "机构与评审信息"),
        ("overview", f"/i/{d}", t("legend")),
        ("clause", clause_route(d, c.number), t("level_now")),
        ("clause-locked", clause_route(site.locked, site.hand[0].number), t("level_now")),
        ("post", post_route(site.checklist, post.number), t("compliance")),
        ("checklist-overview", f"/i/{site.checklist}", t("legend")),
        ("summary", f"/i/{d}/summary", t("deficiencies")),
        ("photos", f"/i/{d}/photos", t("photos")),
        ("sign-draft", f"/i/{d}/sign", t("submit")),
        ("sign-submitted", f"/i/{site.submitted}/sign", t("sign_here")),
        ("sign-locked", f"/i/{site.locked}/sign", t("report")),
        ("answers", f"/i/{site.locked}/answers", "整改回复"),
        ("sync", "/sync", "立即同步"),
    ]


def measure_all(page, steps: int = 14) -> list[dict]:
    """Every interactive node of the screen, scrolled through from top to bottom.

    Flutter clips a node's semantics box to its scroll view, so a control cut by the edge of the
    screen measures small: each node keeps the largest box it had at any scroll position (a
    control that is small is small everywhere)."""
    size = page.viewport_size
    best: dict[tuple, dict] = {}
    previous, still = None, 0
    for _ in range(steps):
        nodes = evaluate(page, COLLECT)
        for n in nodes:
            key = (n["role"], n["name"], n["x"])
            held = best.get(key)
            if held is None or n["w"] * n["h"] > held["w"] * held["h"]:
                best[key] = n
        where = [(n["name"], n["y"]) for n in nodes]
        still = still + 1 if where == previous else 0
        if still >= 2:  # the end of the page: scrolling twice moved nothing (the tree may lag once)
            break
        previous = where
        scroll_wheel(page, *_wheel_spot(nodes, size), size["height"] // 2)
        page.wait_for_timeout(600)
    return list(best.values())


def _open_screen(page, site, route: str, expect: str) -> None:
    open_app(page, site.url(route))
    wait_ready(page, expect, timeout=60_000)


def _open_start_dialog(page, site) -> None:
    open_app(page, site.url("/"))
    wait_ready(page, t("start_inspection"), timeout=60_000)
    button(page, t("start_inspection")).click()
    wait_text(page, t("keep_gps"), timeout=LONG)


def _open_export_dialog(page, site) -> None:
    open_app(page, site.url("/"))
    wait_ready(page, t("export_reports"), timeout=60_000)
    page.wait_for_timeout(800)
    button(page, t("export_reports")).click()
    page.get_by_role("checkbox").first.wait_for(timeout=LONG)


def _measure_screen(ctx, page, opener, name: str, retried: list[str]):
    """(page, nodes) of the screen `opener(page)` opens. A page that stalls (the screen never
    arrives, a button never appears, or the renderer stops answering: each seen once in CI
    runs under load, on different screens, never reproduced alone) is closed and the screen
    opened once more in a fresh page; the retries are printed among the figures. What is
    measured is the controls' size, which a second load shows the same."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in (1, 2):
        try:
            opener(page)
            page.wait_for_timeout(800)  # the frame settles (bars arrive with the screen)
            return page, measure_all(page)
        except PlaywrightTimeout:
            if attempt == 2:
                raise
            retried.append(name)
            page.close(run_before_unload=False)
            page = ctx.new_page()
    raise AssertionError("unreachable")


def _wheel_spot(nodes: list[dict], size: dict) -> tuple[int, int]:
    """A point of the page's scroll view not over a text field (a field takes the wheel)."""
    fields = [n for n in nodes if n["role"] == "textbox"]
    for fx in (0.5, 0.85, 0.15, 0.95):
        for fy in (0.5, 0.4, 0.6, 0.3, 0.7):
            x, y = int(size["width"] * fx), int(size["height"] * fy)
            if not any(f["x"] <= x <= f["x"] + f["w"] and f["y"] <= y <= f["y"] + f["h"] for f in fields):
                return x, y
    return size["width"] // 2, size["height"] // 2


def said_twice(name: str) -> str | None:
    """A word (two characters or more, not a number) that the name says twice, or None."""
    words = [w for w in re.split(r"[\s·:：,，]+", name) if len(w) >= 2 and re.search(r"[^\W\d_]", w)]
    seen = set()
    for w in words:
        if w in seen:
            return w
        seen.add(w)
    return None


def offenders(nodes: list[dict]) -> list[str]:
    out = []
    for n in nodes:
        what = f"{n['role']} {n['name']!r} {n['w']:g}x{n['h']:g} at ({n['x']},{n['y']})"
        if n["w"] < MIN - 0.5 or n["h"] < MIN - 0.5:
            out.append(f"small: {what}")
        twice = said_twice(n["name"])
        if twice:
            out.append(f"said twice ({twice}): {what}")
    return out


def test_said_twice_finds_a_repeated_label():
    assert said_twice("签名 签名") == "签名"
    assert said_twice("已同步 12-02 04:15 已同步 04:15") == "已同步"
    assert said_twice("1.1.1 条款 1.1.1") is None  # numbers are not words
    assert said_twice("签名") is None


@pytest.mark.parametrize("size", list(SIZES))
def test_every_touch_target_is_48_px_and_named_once(browser, site, size, artifacts, figures):
    ctx = browser.new_context(viewport=SIZES[size], device_scale_factor=1)
    page = ctx.new_page()
    found: dict[str, list[str]] = {}
    retried: list[str] = []
    try:
        for name, route, expect in _screens(site):
            page, nodes = _measure_screen(ctx, page, lambda pg, r=route, e=expect: _open_screen(pg, site, r, e),
                                          name, retried)
            assert nodes, f"{name}: no interactive node found (semantics off?)"
            bad = offenders(nodes)
            if bad:
                found[name] = bad
                page.screenshot(path=str(artifacts / f"touch-{size}-{name}.png"))
        # the start dialog of the home screen (GPS switch, pickers), scrolled too: a field cut
        # by the dialog's edge measures small; and the export dialog (a checkbox per locked inspection)
        for name, opener in (("start-dialog", _open_start_dialog), ("export-dialog", _open_export_dialog)):
            page, nodes = _measure_screen(ctx, page, lambda pg, o=opener: o(pg, site), name, retried)
            bad = offenders(nodes)
            if bad:
                found[name] = bad
                page.screenshot(path=str(artifacts / f"touch-{size}-{name}.png"))
    finally:
        ctx.close()
    if retried:
        figures(f"touch audit [{size}]: opened again in a fresh page after a stalled page: {', '.join(retried)}")
    report = "\n".join(f"[{size}] {screen}: {line}" for screen, lines in found.items() for line in lines)
    assert not found, f"touch targets under {MIN} px or names said twice:\n{report}"
