"""What an inspector feels on the clause screen, in a real browser against the real app server.

Set-up: a finished 250-clause inspection (tests/ui/synthetic.py's standard, every item rated
met, prerequisites checked) made through services in a temporary data folder.

Measured, in one run:
  1. process start -> first interactive screen: `main.py app` started in a subprocess; time until
     the server answers HTTP, and until headless Chromium (/usr/bin/chromium via Playwright) shows
     the home screen with its start button usable (semantics on). The browser is launched first,
     so its own start-up is not counted.
  2. tap -> new clause level visible: on one clause of the loaded inspection, alternately tap
     不符合 and 符合 on its first C item, so the level flips between A 优秀 and D 不合格; time from
     the tap until the new level badge is visible. Playwright's own round trips are included.
  3. baseline: the server-side time of the same service call (services.rate_item, durable save)
     on the same data folder, after the server stopped, with the same alternation.
Prints figures and ratios; asserts nothing about time.

Run: .venv/bin/python bench/ui_latency.py [--taps 20] [--clauses 250]
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

from inspect_app import services  # noqa: E402
from inspect_app.inspection import TeamMember, TeamRole  # noqa: E402
from inspect_app.scoring import ClauseLevel, level_name  # noqa: E402
from inspect_app.ui_state import clause_route  # noqa: E402
from tests.support.net import free_port, wait_for_http  # noqa: E402
from tests.ui.flet_driver import text  # noqa: E402
from tests.ui.synthetic import synthetic_standard, write_synthetic  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ITEM = "C-1"


def make_inspection(root: Path, clauses: int) -> tuple[Path, Path, str, str]:
    """A data folder holding one finished inspection; returns (data, standards, id, clause)."""
    std_dir = root / "standards"
    write_synthetic(std_dir, clauses)
    std = synthetic_standard(clauses)
    ws = services.open_workspace(root / "data", standards_dir=std_dir)
    try:
        center = services.add_center(ws, "青山镇卫生院", actor="王珺", director="赵彧")
        team = [TeamMember(name="王珺", role=TeamRole.LEADER), TeamMember(name="李堃")]
        iid = services.start_inspection(ws, center.id, std.id, team, "王珺").id
        for clause in std.clauses():
            if clause.derived is not None:
                continue
            for item in clause.items:
                if item.derived is None:
                    services.rate_item(ws, iid, clause.number, item.code, "met", actor="王珺")
        for p in std.prerequisites:
            services.set_prerequisite(ws, iid, p.id, True, actor="王珺")
    finally:
        ws.close()
    # A clause in the middle of the standard, rated by hand, whose first item is C-1.
    hand = [c for c in std.clauses() if c.derived is None and c.items and c.items[0].code == ITEM]
    return root / "data", std_dir, iid, hand[len(hand) // 2].number


def stats(ms: list[float]) -> tuple[float, float]:
    ordered = sorted(ms)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    return statistics.median(ordered), p90


def enable_semantics(page) -> None:
    placeholder = page.locator("flt-semantics-placeholder")
    placeholder.wait_for(state="attached", timeout=120_000)
    placeholder.dispatch_event("click")
    page.locator("flt-semantics").first.wait_for(state="attached", timeout=60_000)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--taps", type=int, default=20, help="taps on the item choice (>= 15)")
    parser.add_argument("--clauses", type=int, default=250)
    args = parser.parse_args()
    taps = max(15, args.taps)

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="ui-latency-") as tmp:
        root = Path(tmp)
        t = time.perf_counter()
        data, std_dir, iid, number = make_inspection(root, args.clauses)
        print(f"set-up: {args.clauses}-clause inspection, every item rated, in {time.perf_counter() - t:.1f} s; "
              f"tapping clause {number} item {ITEM}")

        met = level_name(ClauseLevel.A)
        below = level_name(ClauseLevel.D)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env.pop("FLET_SECRET_KEY", None)
        log = open(root / "app.log", "wb")
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            proc = None
            try:
                # 1. process start -> first interactive screen
                t0 = time.perf_counter()
                proc = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "app", "--port", str(port),
                                         "--data", str(data), "--standards", str(std_dir)],
                                        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
                wait_for_http(url + "/", timeout=120, proc=proc)
                t_http = time.perf_counter() - t0
                page = browser.new_page(viewport={"width": 1280, "height": 800})
                page.goto(url + "/", wait_until="load", timeout=120_000)
                enable_semantics(page)
                start = page.get_by_role("button", name="开始评审").first
                start.wait_for(state="visible", timeout=120_000)
                t_ready = time.perf_counter() - t0

                # 2. tap -> new level visible, on the loaded 250-clause inspection
                t = time.perf_counter()
                page.goto(url + clause_route(iid, number), wait_until="load", timeout=120_000)
                enable_semantics(page)
                text(page, met).wait_for(state="visible", timeout=120_000)
                t_clause = time.perf_counter() - t
                ui_ms: list[float] = []
                for i in range(taps):
                    label, expect = ("不符合", below) if i % 2 == 0 else ("符合", met)
                    target = page.get_by_role("button", name=label, exact=True).first
                    target.wait_for(state="visible", timeout=60_000)
                    t = time.perf_counter()
                    target.click()
                    text(page, expect).wait_for(state="visible", timeout=60_000)
                    ui_ms.append((time.perf_counter() - t) * 1000)
                    page.wait_for_timeout(150)  # let the save finish before the next tap
                page.wait_for_timeout(500)
                page.close()
            finally:
                if proc is not None and proc.poll() is None:
                    proc.terminate()
                    try:
                        proc.wait(timeout=15)
                    except subprocess.TimeoutExpired:
                        proc.kill()
                        proc.wait(timeout=15)
                browser.close()
                log.close()

        # 3. the same service call, server side, same data folder, same alternation
        ws = services.open_workspace(data, standards_dir=std_dir)
        svc_ms: list[float] = []
        try:
            for i in range(taps):
                t = time.perf_counter()
                services.rate_item(ws, iid, number, ITEM, "not_met" if i % 2 == 0 else "met", actor="王珺")
                svc_ms.append((time.perf_counter() - t) * 1000)
        finally:
            ws.close()

    ui_med, ui_p90 = stats(ui_ms)
    svc_med, svc_p90 = stats(svc_ms)
    print(f"start-up: server answers HTTP after {t_http:.2f} s; first interactive screen (home, "
          f"start button usable) after {t_ready:.2f} s from process start")
    print(f"open clause {number} of the 250-clause inspection (load, semantics, level shown): {t_clause:.2f} s")
    print(f"tap -> new clause level visible ({taps} taps, A<->D): median {ui_med:.0f} ms, p90 {ui_p90:.0f} ms, "
          f"min {min(ui_ms):.0f} ms, max {max(ui_ms):.0f} ms")
    print(f"services.rate_item server side (baseline, {taps} calls): median {svc_med:.1f} ms, p90 {svc_p90:.1f} ms")
    print(f"ratio tap->visible / rate_item: median {ui_med / svc_med:.1f}x, p90 {ui_p90 / svc_p90:.1f}x; "
          f"UI overhead beyond the save: median {ui_med - svc_med:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
