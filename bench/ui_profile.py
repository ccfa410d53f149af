"""Where the server's time goes when a clause is opened and when an item is tapped (cProfile).

Runs the real app server (main.py app) in a subprocess with profiling hooks around
InspectApp.show (opening a screen) and ChoiceRow.choose (a tap: save, read model, control
updates), drives it with headless Chromium like bench/ui_latency.py, then prints each hook's wall
time (median) and the top functions by cumulative time. Not a timing test: it asserts nothing.

Run: .venv/bin/python bench/ui_profile.py [--taps 12] [--opens 6] [--top 25]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SERVE = r'''
import cProfile, functools, inspect, json, os, sys, time
sys.path.insert(0, os.environ["F_ROOT"])
from inspect_app.ui import app as appmod
from inspect_app.ui.components import choice
out = os.environ["F_OUT"]
profs = {"show": cProfile.Profile(), "tap": cProfile.Profile()}
walls = {"show": [], "tap": []}
def dump():
    for k, p in profs.items():
        p.dump_stats(f"{out}/{k}.prof")
    with open(f"{out}/walls.json", "w") as f:
        json.dump(walls, f)
orig_show = appmod.InspectApp.show
def show(self, route):
    t = time.perf_counter(); profs["show"].enable()
    try:
        return orig_show(self, route)
    finally:
        profs["show"].disable(); walls["show"].append([route, (time.perf_counter() - t) * 1000]); dump()
appmod.InspectApp.show = show
orig_choose = choice.ChoiceRow.choose
async def choose(self, value):
    t = time.perf_counter(); profs["tap"].enable()
    try:
        return await orig_choose(self, value)
    finally:
        profs["tap"].disable(); walls["tap"].append([value, (time.perf_counter() - t) * 1000]); dump()
choice.ChoiceRow.choose = choose
from inspect_app.cli import main
sys.exit(main(sys.argv[1:]))
'''


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--taps", type=int, default=12)
    parser.add_argument("--opens", type=int, default=6)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--clauses", type=int, default=250)
    args = parser.parse_args()

    import json
    import pstats
    import statistics

    from playwright.sync_api import sync_playwright

    from bench.ui_latency import CHROMIUM, CHROMIUM_ARGS, enable_semantics, make_inspection
    from inspect_app.scoring import ClauseLevel, level_name
    from inspect_app.ui_state import clause_route
    from tests.support.net import free_port, wait_for_http
    from tests.ui.flet_driver import text

    with tempfile.TemporaryDirectory(prefix="ui-profile-") as tmp:
        root = Path(tmp)
        data, std_dir, iid, numbers = make_inspection(root, args.clauses)
        out = root / "prof"
        out.mkdir()
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "F_ROOT": str(ROOT), "F_OUT": str(out)}
        env.pop("FLET_SECRET_KEY", None)
        met, below = level_name(ClauseLevel.A), level_name(ClauseLevel.D)
        proc = subprocess.Popen([sys.executable, "-c", SERVE, "app", "--port", str(port), "--data", str(data),
                                 "--standards", str(std_dir)], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for_http(url + "/", timeout=120, proc=proc)
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1280, "height": 800})
                page.goto(url + clause_route(iid, numbers[0]), wait_until="load", timeout=120_000)
                enable_semantics(page)
                text(page, met).wait_for(state="visible", timeout=120_000)
                for k in range(args.opens):
                    nxt = numbers[k + 1]
                    page.get_by_role("button", name=re.compile(f"下一条 {re.escape(nxt)}$")).first.click()
                    text(page, f"{nxt} 工作要求 {nxt}").wait_for(state="visible", timeout=60_000)
                    page.wait_for_timeout(200)
                for i in range(args.taps):
                    label, expect = ("不符合", below) if i % 2 == 0 else ("符合", met)
                    page.get_by_role("button", name=label, exact=True).first.click()
                    text(page, expect).wait_for(state="visible", timeout=60_000)
                    page.wait_for_timeout(200)
                page.wait_for_timeout(500)
                browser.close()
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)
        walls = json.loads((out / "walls.json").read_text())
        # The clause screen shows the next clause at once and then lets the URL follow: the
        # route-change echo is a second, cheap show of the same route (nothing rebuilt).
        opens, echoes, seen = [], [], set()
        for route, ms in [(r, ms) for r, ms in walls["show"] if "/c/" in r][1:]:  # the first is the page load
            (echoes if route in seen else opens).append(ms)
            seen.add(route)
        taps = [ms for _, ms in walls["tap"]]
        echo = f", its URL echo median {statistics.median(echoes):.0f} ms" if echoes else ""
        print(f"server wall time: open a clause (InspectApp.show) median {statistics.median(opens):.0f} ms "
              f"over {len(opens)}{echo}; tap (ChoiceRow.choose, save included) median "
              f"{statistics.median(taps):.0f} ms over {len(taps)}")
        for name in ("show", "tap"):
            print(f"\n==== {name}: top {args.top} by cumulative time (all calls summed) ====")
            pstats.Stats(str(out / f"{name}.prof")).sort_stats("cumulative").print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
