"""What an inspector feels on the clause screen, in a real browser against the real app server.

Set-up: a finished 250-clause inspection (tests/ui/synthetic.py's standard, every item rated
met, prerequisites checked) made through services in a temporary data folder.

Measured, in one run:
  1. process start -> first interactive screen: `main.py app` in a subprocess; time until the
     server answers HTTP, and until headless Chromium shows the home screen with its start button
     usable. The browser is launched first, so its own start-up is not counted.
  2. open a clause inside the app (the way an inspector does: 下一条 in the bottom bar): time from
     the tap until the next clause's header and level are visible; and the server's part of it
     (the app prints how long building and sending the screen took, JICENG_UI_TIMING=1); and in
     the page, from pointerdown to the next clause's title in the semantics tree.
  3. tap -> new clause level visible: alternately tap 不符合 and 符合 on the first C item, so the
     level flips between A 优秀 and D 不合格. Playwright's own round trips are included (its click
     waits for the button to be stable over animation frames, and its wait polls). Also measured
     in the page itself, what the inspector sees: from the pointerdown event to the new level's
     text in Flutter's semantics tree (a MutationObserver; the tree is written with the frame
     that paints it), and the server's part (the app prints how long the save and the read model
     took in app.call, JICENG_UI_TIMING=1).
  4. photo -> thumbnail: a 12 MP JPEG (4000x3000), picked by path, through the photo button
     (upload, ingest, attach) until its thumbnail shows: the quick one made from a draft decode
     while the photo is stored, and the stored, numbered one.
  Baselines, server side, on the same data after the server stopped: services.rate_item (one
  durable save), read_models.rate (save + the clause's read model), read_models.clause_state on
  a changed file, read_models.clause_state after only the bookmark was saved (what opening a
  clause reads: services.set_current_clause rewrote the file), services.add_photo of the same 12 MP JPEG.
Prints figures and ratios; asserts nothing about time.

Run: .venv/bin/python bench/ui_latency.py [--taps 20] [--opens 10] [--clauses 250]
"""

from __future__ import annotations

import argparse
import io
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from inspect_app import read_models, services  # noqa: E402
from inspect_app.inspection import TeamMember, TeamRole  # noqa: E402
from inspect_app.scoring import ClauseLevel, level_name  # noqa: E402
from inspect_app.ui_state import clause_route  # noqa: E402
from inspect_app.webshell import flet_client_file  # noqa: E402
from tests.support.browser import CHROMIUM_ARGS  # noqa: E402 - the suite's flags, one place
from tests.support.net import free_port, wait_for_http  # noqa: E402
from tests.ui.flet_driver import text  # noqa: E402
from tests.ui.synthetic import synthetic_standard, write_synthetic  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ITEM = "C-1"
CALL_TIME = re.compile(r"call (\S+) returned in ([0-9.]+) ms")
# In the page: when the pointer went down, and when a watched text first appeared in the
# semantics tree (Flutter writes it with the frame that paints it).
PAGE_PROBE = r"""
window.__tap = {down: null, seen: null, watch: null};
window.addEventListener('pointerdown', () => { window.__tap.down = performance.now(); }, true);
new MutationObserver(() => {
  const tap = window.__tap;
  if (!tap.watch) return;
  for (const el of document.querySelectorAll('flt-semantics')) {
    if (((el.getAttribute('aria-label') || '') + ' ' + (el.textContent || '')).includes(tap.watch)) {
      tap.seen = performance.now(); tap.watch = null; return;
    }
  }
}).observe(document, {subtree: true, childList: true, characterData: true, attributes: true});
"""
SCREEN_TIME = re.compile(r"screen (\S+) built and sent in ([0-9.]+) ms(?: \(built ([0-9.]+) ms\))?")


def make_inspection(root: Path, clauses: int) -> tuple[Path, Path, str, list[str]]:
    """A data folder holding one finished inspection; returns (data, standards, id, clauses)."""
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
    # Clauses in the middle of the standard, rated by hand, whose first item is C-1.
    hand = [c.number for c in std.clauses() if c.derived is None and c.items and c.items[0].code == ITEM]
    return root / "data", std_dir, iid, hand[len(hand) // 2:]


def twelve_mp_jpeg() -> bytes:
    from PIL import Image

    small = Image.effect_noise((500, 375), 60).convert("RGB")  # noise: a realistic JPEG size
    big = small.resize((4000, 3000))
    out = io.BytesIO()
    big.save(out, "JPEG", quality=90)
    return out.getvalue()


def stats(ms: list[float]) -> tuple[float, float]:
    ordered = sorted(ms)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    return statistics.median(ordered), p90


def enable_semantics(page) -> None:
    placeholder = page.locator("flt-semantics-placeholder")
    placeholder.wait_for(state="attached", timeout=120_000)
    placeholder.dispatch_event("click")
    page.locator("flt-semantics").first.wait_for(state="attached", timeout=60_000)


class LogTail:
    """The app's stdout, kept for the screen timings it prints."""

    def __init__(self, proc) -> None:
        self.lines: list[str] = []
        self.thread = threading.Thread(target=self._read, args=(proc,), daemon=True)
        self.thread.start()

    def _read(self, proc) -> None:
        for raw in proc.stdout:
            self.lines.append(raw.decode("utf-8", "replace"))

    def call_ms(self, name: str) -> list[float]:
        return [float(m.group(2)) for line in self.lines for m in [CALL_TIME.search(line)] if m and m.group(1) == name]

    def screen_ms(self, route: str, part: int = 2) -> list[float]:
        return [float(m.group(part)) for line in self.lines for m in [SCREEN_TIME.search(line)]
                if m and m.group(1) == route and m.group(part)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--taps", type=int, default=20, help="taps on the item choice (>= 15)")
    parser.add_argument("--opens", type=int, default=10, help="clauses opened with 下一条 (>= 5)")
    parser.add_argument("--clauses", type=int, default=250)
    parser.add_argument("--skwasm-threads", choices=("single", "multi"), default="single",
                        help="multi: the page gets Flet's own loader (multi-threaded skwasm), for a before/after")
    args = parser.parse_args()
    taps, opens = max(15, args.taps), max(5, args.opens)

    from playwright.sync_api import sync_playwright

    # Six different photos: the photo store keeps one copy per content, so a repeated photo would
    # measure a hash look-up, not an ingest.
    photos = [twelve_mp_jpeg() for _ in range(6)]
    photo = photos[0]
    with tempfile.TemporaryDirectory(prefix="ui-latency-") as tmp:
        root = Path(tmp)
        # Files on disk, picked by path as a tablet's picker does (a buffer would be sent to the
        # page as base64 by Playwright and its decoding counted as if it were the app's).
        photo_files = []
        for n, blob in enumerate(photos[:3]):
            photo_files.append(root / f"p{n}.jpg")
            photo_files[-1].write_bytes(blob)
        t = time.perf_counter()
        data, std_dir, iid, numbers = make_inspection(root, args.clauses)
        number = numbers[0]
        print(f"skwasm: {args.skwasm_threads}-threaded")
        print(f"set-up: {args.clauses}-clause inspection, every item rated, in {time.perf_counter() - t:.1f} s; "
              f"tapping clause {number} item {ITEM}; photo {len(photo) / 1e6:.1f} MB, 4000x3000")

        met, below = level_name(ClauseLevel.A), level_name(ClauseLevel.D)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "JICENG_UI_TIMING": "1"}
        env.pop("FLET_SECRET_KEY", None)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            proc = None
            try:
                # 1. process start -> first interactive screen
                t0 = time.perf_counter()
                proc = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "app", "--port", str(port),
                                         "--data", str(data), "--standards", str(std_dir)],
                                        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
                tail = LogTail(proc)
                wait_for_http(url + "/", timeout=120, proc=proc)
                t_http = time.perf_counter() - t0
                page = browser.new_page(viewport={"width": 1280, "height": 800})
                page.add_init_script(PAGE_PROBE)
                if args.skwasm_threads == "multi":  # what the app served before webshell.patched_bootstrap_js
                    original = flet_client_file("flutter_bootstrap.js")
                    page.route("**/flutter_bootstrap.js", lambda route: route.fulfill(
                        body=original, content_type="application/javascript"))
                page.goto(url + "/", wait_until="load", timeout=120_000)
                enable_semantics(page)
                page.get_by_role("button", name="开始评审").first.wait_for(state="visible", timeout=120_000)
                t_ready = time.perf_counter() - t0

                # 2. open a clause inside the app: 下一条, until the next clause's header shows
                page.goto(url + clause_route(iid, number), wait_until="load", timeout=120_000)
                enable_semantics(page)
                text(page, met).wait_for(state="visible", timeout=120_000)
                open_ms: list[float] = []
                felt_open: list[float] = []
                for k in range(opens):
                    nxt = numbers[k + 1]
                    go = page.get_by_role("button", name=re.compile(f"下一条 {re.escape(nxt)}$")).first
                    go.wait_for(state="visible", timeout=60_000)
                    page.evaluate("w => { window.__tap.down = window.__tap.seen = null; window.__tap.watch = w; }",
                                  f"{nxt} 工作要求 {nxt}")
                    t = time.perf_counter()
                    go.click()
                    text(page, f"{nxt} 工作要求 {nxt}").wait_for(state="visible", timeout=60_000)
                    text(page, met).wait_for(state="visible", timeout=60_000)
                    open_ms.append((time.perf_counter() - t) * 1000)
                    tap = page.evaluate("window.__tap")
                    if tap["down"] is not None and tap["seen"] is not None:
                        felt_open.append(max(0.0, tap["seen"] - tap["down"]))
                    page.wait_for_timeout(200)
                server_open = [ms for k in range(opens) for ms in tail.screen_ms(clause_route(iid, numbers[k + 1]))]
                server_build = [ms for k in range(opens) for ms in tail.screen_ms(clause_route(iid, numbers[k + 1]), 3)]
                here = numbers[opens]

                # 3. tap -> new level visible
                ui_ms: list[float] = []
                felt_ms: list[float] = []
                calls_before = len(tail.call_ms("rate"))
                for i in range(taps):
                    label, expect = ("不符合", below) if i % 2 == 0 else ("符合", met)
                    target = page.get_by_role("button", name=label, exact=True).first
                    target.wait_for(state="visible", timeout=60_000)
                    page.evaluate("w => { window.__tap.down = window.__tap.seen = null; window.__tap.watch = w; }",
                                  expect)
                    t = time.perf_counter()
                    target.click()
                    text(page, expect).wait_for(state="visible", timeout=60_000)
                    ui_ms.append((time.perf_counter() - t) * 1000)
                    tap = page.evaluate("window.__tap")
                    if tap["down"] is not None and tap["seen"] is not None:
                        felt_ms.append(max(0.0, tap["seen"] - tap["down"]))
                    page.wait_for_timeout(150)  # let the save finish before the next tap

                server_rate = tail.call_ms("rate")[calls_before:]

                # 4. photo -> thumbnail (12 MP through the upload, ingest and attach): first the
                # quick thumbnail shown while the photo is stored (or the stored one, whichever
                # shows first), then the stored, numbered thumbnail.
                photo_ms: list[float] = []
                stored_ms: list[float] = []
                where = f"^照片 {re.escape(here)} {ITEM} "
                for n in range(3):
                    with page.expect_file_chooser(timeout=60_000) as chooser:
                        page.get_by_role("button", name="拍照/添加照片").first.click()
                    t = time.perf_counter()
                    chooser.value.set_files(files=[photo_files[n]])
                    stored = page.get_by_role("img", name=re.compile(where + "(?!正在)")).nth(n)
                    preview = page.get_by_role("img", name=re.compile(where + "正在保存"))
                    preview.or_(stored).first.wait_for(timeout=60_000)
                    photo_ms.append((time.perf_counter() - t) * 1000)
                    stored.wait_for(timeout=60_000)
                    stored_ms.append((time.perf_counter() - t) * 1000)
                    if os.environ.get("BENCH_PHOTO_TRACE"):
                        print(f"  bench: photo {n} files set at {t * 1000:.1f} ms, stored thumbnail visible at "
                              f"{time.perf_counter() * 1000:.1f} ms")
                page.wait_for_timeout(500)
                page.close()
                for line in tail.lines if os.environ.get("BENCH_PHOTO_TRACE") else ():
                    if line.startswith("photo "):
                        print("  app:", line.rstrip())
            finally:
                if proc is not None and proc.poll() is None:
                    proc.terminate()
                    try:
                        proc.wait(timeout=15)
                    except subprocess.TimeoutExpired:
                        proc.kill()
                        proc.wait(timeout=15)
                browser.close()

        # Baselines: the same service calls, server side, same data folder
        ws = services.open_workspace(data, standards_dir=std_dir)
        svc_ms, rate_ms, state_ms, add_ms, mark_ms = [], [], [], [], []
        try:
            for i in range(taps):
                t = time.perf_counter()
                services.rate_item(ws, iid, number, ITEM, "not_met" if i % 2 == 0 else "met", actor="王珺")
                svc_ms.append((time.perf_counter() - t) * 1000)
            for i in range(taps):
                t = time.perf_counter()
                read_models.rate(ws, iid, number, ITEM, "not_met" if i % 2 == 0 else "met", actor="王珺")
                rate_ms.append((time.perf_counter() - t) * 1000)
            for k in range(opens):
                services.set_clause_note(ws, iid, numbers[k], f"备注 {k}", actor="王珺")  # the file changed
                t = time.perf_counter()
                read_models.clause_state(ws, iid, numbers[k + 1])
                state_ms.append((time.perf_counter() - t) * 1000)
            for k in range(opens):  # what opening a clause does: save the bookmark, read the clause
                services.set_current_clause(ws, iid, numbers[k])
                t = time.perf_counter()
                read_models.clause_state(ws, iid, numbers[k])
                mark_ms.append((time.perf_counter() - t) * 1000)
            for n in range(3):
                t = time.perf_counter()
                services.add_photo(ws, iid, photos[3 + n], f"b{n}.jpg", clause_number=number, item_code=ITEM,
                                   actor="王珺")
                add_ms.append((time.perf_counter() - t) * 1000)
        finally:
            ws.close()

    ui_med, ui_p90 = stats(ui_ms)
    svc_med, _ = stats(svc_ms)
    rate_med, _ = stats(rate_ms)
    open_med, open_p90 = stats(open_ms)
    state_med, _ = stats(state_ms)
    photo_med, _ = stats(photo_ms)
    add_med, _ = stats(add_ms)
    print(f"start-up: server answers HTTP after {t_http:.2f} s; first interactive screen (home, "
          f"start button usable) after {t_ready:.2f} s from process start")
    if server_open:
        srv_med, srv_p90 = stats(server_open)
        srv = (f"; server part (screen built and sent): median {srv_med:.0f} ms, p90 {srv_p90:.0f} ms, of which "
               f"building the controls (read model included) median "
               f"{stats(server_build)[0] if server_build else float('nan'):.0f} ms")
    else:
        srv_med, srv = float("nan"), "; server part: not reported"
    print(f"open a clause in the app (下一条 -> header and level visible, {opens} opens): median {open_med:.0f} ms, "
          f"p90 {open_p90:.0f} ms{srv}")
    if felt_open:
        fo_med, fo_p90 = stats(felt_open)
        print(f"  in the page (pointerdown -> the next clause's title in the semantics tree): median {fo_med:.0f} ms, "
              f"p90 {fo_p90:.0f} ms")
    print(f"  baseline read_models.clause_state after a change: median {state_med:.1f} ms; "
          f"ratio open/clause_state {open_med / state_med:.1f}x, server part/clause_state {srv_med / state_med:.1f}x")
    mark_med, _ = stats(mark_ms)
    print(f"  baseline read_models.clause_state after a bookmark save only (set_current_clause, as each open "
          f"does): median {mark_med:.2f} ms; ratio after a change/after a bookmark {state_med / mark_med:.1f}x")
    print(f"tap -> new clause level visible ({taps} taps, A<->D): median {ui_med:.0f} ms, p90 {ui_p90:.0f} ms, "
          f"min {min(ui_ms):.0f} ms, max {max(ui_ms):.0f} ms")
    if felt_ms:
        felt_med, felt_p90 = stats(felt_ms)
        print(f"  in the page (pointerdown -> new level in the semantics tree, {len(felt_ms)} taps): median "
              f"{felt_med:.0f} ms, p90 {felt_p90:.0f} ms; Playwright's click and wait add median "
              f"{ui_med - felt_med:.0f} ms")
    if server_rate:
        sr_med, sr_p90 = stats(server_rate)
        print(f"  server part in the app (read_models.rate: save + read model, thread wait included): median "
              f"{sr_med:.1f} ms, p90 {sr_p90:.1f} ms")
    print(f"  baseline services.rate_item: median {svc_med:.1f} ms; read_models.rate (save + read model): "
          f"median {rate_med:.1f} ms; ratio tap/rate_item {ui_med / svc_med:.1f}x, tap/read_models.rate "
          f"{ui_med / rate_med:.1f}x")
    stored_med, _ = stats(stored_ms)
    print(f"photo 12 MP -> thumbnail visible (3 photos; the quick one shown while storing): median {photo_med:.0f} ms; "
          f"-> stored thumbnail visible: median {stored_med:.0f} ms; baseline services.add_photo "
          f"median {add_med:.0f} ms; ratios {photo_med / add_med:.1f}x, {stored_med / add_med:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
