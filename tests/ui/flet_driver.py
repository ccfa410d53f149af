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


_WHEEL = """([x, y, dy]) => {
  const view = document.querySelector('flutter-view') || document.querySelector('flt-glass-pane');
  view.dispatchEvent(new WheelEvent('wheel', {deltaY: dy, deltaMode: 0, clientX: x, clientY: y,
                                              bubbles: true, cancelable: true, view: window}));
  return true;
}"""


def evaluate(page, script: str, arg=None, timeout: int = LONG):
    """`page.evaluate` with a time limit: the value of `script` (it must be truthy; an empty
    list is). Playwright's evaluate has none, and a renderer whose main thread stops answering
    (seen about once in 50 page loads on the loaded CI machine) would hold the test until
    pytest's own limit; this raises Playwright's TimeoutError instead, like every other wait."""
    return page.wait_for_function(script, arg=arg, timeout=timeout, polling=100).json_value()


def scroll_wheel(page, x: int, y: int, dy: int) -> None:
    """Scroll the scroll view under (x, y) by `dy` px, as a mouse wheel there would.

    The wheel event is handed to Flutter's view from the page's own script, not through
    Chromium's input pipeline: `page.mouse.move`/`wheel` wait for the renderer to acknowledge the
    event and have no timeout, and on the loaded 2-core CI machine one such call never returned
    (a touch audit stuck 900 s in `mouse.move`)."""
    evaluate(page, _WHEEL, [x, y, dy])


def bring_into_view(page, hint) -> dict:
    """`hint` scrolled to the middle of the screen (at least 200 px of the page above it and
    120 below it on screen); its box. Flutter does not scroll for a semantics node's
    scrollIntoView, and a pointer drawn past the viewport's edge never reaches the control: a
    signature drawn there leaves the pad empty."""
    height = page.viewport_size["height"]
    box = None
    for _ in range(8):
        box = hint.bounding_box()
        if box and 200 <= box["y"] <= height - 120:
            return box
        dy = (box["y"] if box else height) - height // 2
        scroll_wheel(page, page.viewport_size["width"] // 2, height // 3, int(dy))
        page.wait_for_timeout(500)
    raise AssertionError(f"{hint} stays out of view: {box}")


def tap(page, target) -> None:
    """Click `target` as a finger would: on screen first. Playwright's click scrolls the DOM,
    which Flutter ignores, and a semantics node below the fold is clicked where no control is
    drawn (CI: the clinic's fourth 符合 of a clause, below the phone's bottom edge, never rated).
    A control wholly on screen (a bottom bar's) is clicked where it is."""
    box = target.bounding_box(timeout=LONG)
    if box is None or box["y"] < 0 or box["y"] + box["height"] > page.viewport_size["height"]:
        bring_into_view(page, target)
    target.click()


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


_SEMANTICS = """() => Array.from(document.querySelectorAll('flt-semantics')).slice(0, 80)
  .map(e => [e.getAttribute('aria-label'), e.getAttribute('role'), (e.innerText || '').slice(0, 80)])"""


def failure_dump(page, folder: Path, name: str) -> None:
    """A failed test's screenshot (folder/name.png) and its first 80 semantics nodes, printed.
    Never raises and never waits long: a dump must not hide the failure it is dumping (shot()
    waits for a ready screen, which a stalled page never shows)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"{name}.png"), timeout=5000)
    except Exception as exc:  # noqa: BLE001
        print("no screenshot:", exc)
    try:
        for label, role, inner in evaluate(page, _SEMANTICS, timeout=5000):
            print("SEM", repr(label), repr(role), repr(inner))
    except Exception as exc:  # noqa: BLE001
        print("no semantics:", exc)


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
