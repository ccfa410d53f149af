"""Driving a Flet web page with Playwright: semantics on, find by role and name, screenshots."""

from __future__ import annotations

import re
from pathlib import Path

LONG = 30_000  # ms; the 2-core CI machine is shared, so waits are generous


def open_app(page, url: str) -> None:
    page.goto(url, wait_until="load", timeout=90_000)
    enable_semantics(page)


def enable_semantics(page) -> None:
    """Flutter draws on a canvas; its accessibility tree appears after this placeholder is clicked."""
    placeholder = page.locator("flt-semantics-placeholder")
    placeholder.wait_for(state="attached", timeout=90_000)
    placeholder.dispatch_event("click")
    page.locator("flt-semantics").first.wait_for(state="attached", timeout=LONG)


def text(page, value: str | re.Pattern, exact: bool = False):
    # Flutter keeps off-screen nodes too (wait for a visible one), and a gesture area merges the
    # texts inside it into one node's aria-label.
    found = page.get_by_text(value, exact=exact)
    if isinstance(value, str) and not exact:
        found = found.or_(page.locator(f"flt-semantics[aria-label*={value!r}]"))
    return found.filter(visible=True).first


def button(page, name: str | re.Pattern, exact: bool = False):
    return page.get_by_role("button", name=name, exact=exact).first


def wait_text(page, value, timeout: int = LONG, exact: bool = False) -> None:
    text(page, value, exact=exact).wait_for(state="visible", timeout=timeout)


from inspect_app.webshell import STARTUP_MESSAGE  # noqa: E402 - the start-up screen until the first page arrives


def wait_ready(page, expect=None, timeout: int = LONG) -> None:
    """Real content, not the start-up screen: `expect` is visible and STARTUP_MESSAGE is not."""
    if expect is not None:
        wait_text(page, expect, timeout=timeout)
    page.get_by_text(STARTUP_MESSAGE).first.wait_for(state="hidden", timeout=timeout)


def shot(page, folder: Path, name: str, expect=None) -> Path:
    """Screenshot of real content once the frame settles.

    The semantics tree can hold the new screen before Flutter paints it (the client keeps painting
    "Working..." until the CJK font has arrived), so: the expected text, no request in flight (the
    font), then two identical frames in a row (the start-up spinner never is)."""
    wait_ready(page, expect)
    try:
        page.wait_for_load_state("networkidle", timeout=LONG)
    except Exception:  # noqa: BLE001 - a long poll elsewhere must not fail a screenshot
        pass
    previous = None
    for _ in range(20):
        page.wait_for_timeout(300)
        frame = page.screenshot()
        if frame == previous:
            break
        previous = frame
    wait_ready(page, expect)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def type_into(page, name: str | re.Pattern, value: str, *, nth: int = 0, blur: bool = True) -> None:
    """Type like a person: tap the field, then type. (Flutter web edits through one hidden input
    that follows focus; Playwright's fill() on a semantics node can race that switch.)"""
    field = page.get_by_role("textbox", name=name).nth(nth)
    field.click()
    try:  # the hidden editing input has taken focus: keys typed before that are lost (seen under load)
        page.wait_for_function(
            "() => { const e = document.activeElement; return !!e && (e.tagName === 'INPUT' || e.tagName === 'TEXTAREA') }",
            timeout=10_000)
    except Exception:  # noqa: BLE001 - a field Flutter edits some other way: the old pause below
        pass
    page.wait_for_timeout(250)
    page.keyboard.type(value, delay=15)
    if blur:
        page.keyboard.press("Tab")
        page.wait_for_timeout(250)
