"""First painted screen of the tablet app: the 14 MB font first (before) vs the 2.2 MB GB2312 face
first and the full coverage after (now), in one run, in a real browser against the real server.

For each mode the app server is started (`JICENG_UI_FONTS=full` is the old order: the theme family
is the 14 MB face) and a fresh headless Chromium page opens the home screen, on loopback and over
an emulated tablet Wi-Fi link (Chrome DevTools network emulation: 20 Mbit/s down, 5 ms latency).
Measured from navigation start:
  - first screen: home painted with real content: its 开始评审 button usable, the start-up
    message gone, and the CJK face the theme draws with loaded (document.fonts check);
  - full coverage: the 14 MB face (and the extension face) loaded, so 堃 / 䶮 are drawn.
Prints figures and ratios; asserts nothing about time.

Run: .venv/bin/python bench/ui_first_paint.py [--rounds 2]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from inspect_app import fonts, services  # noqa: E402
from inspect_app.webshell import STARTUP_MESSAGE  # noqa: E402
from tests.support.browser import CHROMIUM_ARGS  # noqa: E402 - the suite's flags, one place
from tests.support.net import free_port, wait_for_http  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
WIFI = {"offline": False, "latency": 5, "downloadThroughput": 20e6 / 8, "uploadThroughput": 10e6 / 8}


def font_loaded(page, url_part: str) -> bool:
    return page.evaluate("""part => performance.getEntriesByType('resource')
        .some(e => e.name.includes(part) && e.responseEnd > 0)""", url_part)


def resource_end(page, url_part: str) -> float | None:
    return page.evaluate("""part => { const e = performance.getEntriesByType('resource')
        .filter(e => e.name.includes(part)); return e.length ? e[0].responseEnd / 1000 : null; }""", url_part)


def measure(browser, url: str, wifi: bool, first_font: str) -> dict[str, float]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    if wifi:
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", WIFI)
    t0 = time.perf_counter()
    page.goto(url, wait_until="commit", timeout=180_000)
    placeholder = page.locator("flt-semantics-placeholder")
    placeholder.wait_for(state="attached", timeout=180_000)
    placeholder.dispatch_event("click")
    out: dict[str, float] = {}
    page.get_by_role("button", name="开始评审").first.wait_for(state="visible", timeout=180_000)
    page.get_by_text(STARTUP_MESSAGE).first.wait_for(state="hidden", timeout=180_000)
    deadline = time.perf_counter() + 180
    while not font_loaded(page, first_font) and time.perf_counter() < deadline:
        page.wait_for_timeout(20)
    out["first_screen"] = time.perf_counter() - t0
    while not font_loaded(page, fonts.MAIN_FONT.name) and time.perf_counter() < deadline:
        page.wait_for_timeout(50)
    out["full"] = time.perf_counter() - t0
    context.close()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    results: dict[tuple[str, str], list[dict[str, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="ui-first-paint-") as tmp:
        data = Path(tmp) / "data"
        ws = services.open_workspace(data)
        services.add_center(ws, "青山镇卫生院", actor="王珺")
        ws.close()
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                for mode in ("full", "first"):
                    port = free_port()
                    env = {**os.environ, "PYTHONUNBUFFERED": "1", "JICENG_UI_FONTS": mode}
                    env.pop("FLET_SECRET_KEY", None)
                    with open(Path(tmp) / f"app-{mode}.log", "wb") as log:
                        proc = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "app", "--port", str(port),
                                                 "--data", str(data)], cwd=ROOT, env=env, stdout=log,
                                                stderr=subprocess.STDOUT)
                        try:
                            url = f"http://127.0.0.1:{port}/"
                            wait_for_http(url, timeout=120, proc=proc)
                            first_font = (fonts.MAIN_FONT.name if mode == "full" else fonts.FIRST_PAINT_FONT.name)
                            measure(browser, url, False, first_font)  # warm the server (first session)
                            for link in ("loopback", "wifi"):
                                for _ in range(args.rounds):
                                    results.setdefault((mode, link), []).append(
                                        measure(browser, url, link == "wifi", first_font))
                        finally:
                            proc.terminate()
                            try:
                                proc.wait(timeout=15)
                            except subprocess.TimeoutExpired:
                                proc.kill()
                                proc.wait(timeout=15)
            finally:
                browser.close()

    def med(mode: str, link: str, key: str) -> float:
        values = [r[key] for r in results[(mode, link)] if key in r]
        return statistics.median(values) if values else float("nan")

    sizes = f"{fonts.MAIN_FONT.stat().st_size / 1e6:.1f} MB vs {fonts.FIRST_PAINT_FONT.stat().st_size / 1e6:.1f} MB"
    print(f"first paint font: {sizes}; {args.rounds} rounds each, medians, seconds from navigation")
    for link in ("loopback", "wifi"):
        label = "loopback" if link == "loopback" else "emulated Wi-Fi 20 Mbit/s"
        b, a = med("full", link, "first_screen"), med("first", link, "first_screen")
        print(f"{label}: first screen before (14 MB first) {b:.2f} s, now (GB2312 first) {a:.2f} s, "
              f"ratio {b / a:.2f}x; "
              f"full coverage loaded at {med('first', link, 'full'):.2f} s (before: {med('full', link, 'full'):.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
