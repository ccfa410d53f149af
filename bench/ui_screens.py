"""Screenshots of every screen of the tablet app at 1280x800 and 390x844, in Chinese and English,
for a person to look at (not a test): bench/out/screens/<lang>-<size>-<screen>.png.

The data is the browser tests' site (tests/ui/test_walkthrough.py: drafts, a submitted and a
locked inspection, a checklist) plus a note and a photo, on one app server.

Run: .venv/bin/python bench/ui_screens.py [--only zh-phone]
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from inspect_app import services  # noqa: E402
from inspect_app.ui.i18n import t  # noqa: E402
from inspect_app.ui_state import clause_route, post_route  # noqa: E402
from tests.support.browser import CHROMIUM_ARGS, PHONE, TABLET  # noqa: E402
from tests.ui.flet_driver import button, open_app, shot, wait_text  # noqa: E402
from tests.ui.test_walkthrough import Site  # noqa: E402

OUT = ROOT / "bench" / "out" / "screens"


def _jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.effect_noise((800, 600), 40).convert("RGB").save(out, "JPEG", quality=85)
    return out.getvalue()


def decorate(site: Site) -> None:
    """A note, a photo and a rectification on the tablet draft, so every part of a screen shows."""
    ws = services.open_workspace(site.data)
    try:
        iid, clause = site.draft["tablet"], site.reason_clause
        services.set_item_note(ws, iid, clause.number, clause.items[1].code, "制度未上墙，现场询问两名医生均不熟悉流程")
        services.add_photo(ws, iid, _jpeg(), "档案室.jpg", clause_number=clause.number,
                           item_code=clause.items[0].code, actor="王珺")
        services.set_rectification(ws, iid, clause.number, clause.items[1].code, "一周内完善制度并组织培训")
    finally:
        ws.close()


def screens(site: Site):
    d, c = site.draft["tablet"], site.reason_clause
    post = site.checklist_standard.chapters[0].sections[0]
    # (name, route, a text key the screen shows once it is really drawn)
    return [
        ("01-home", "/", "start_inspection"),
        ("02-overview", f"/i/{d}", "legend"),
        ("03-clause", clause_route(d, c.number), "level_now"),
        ("04-summary", f"/i/{d}/summary", "deficiencies"),
        ("05-photos", f"/i/{d}/photos", "photos"),
        ("06-sign-draft", f"/i/{d}/sign", "submit"),
        ("07-sign-submitted", f"/i/{site.submitted}/sign", "sign_here"),
        ("08-sign-locked", f"/i/{site.locked}/sign", "report"),
        ("09-clause-locked", clause_route(site.locked, site.hand[0].number), "level_now"),
        ("10-checklist-overview", f"/i/{site.checklist}", "legend"),
        ("11-checklist-post", post_route(site.checklist, post.number), "compliance"),
        ("12-checklist-summary", f"/i/{site.checklist}/summary", "posts"),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="e.g. zh-phone")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="ui-screens-") as tmp:
        site = Site(Path(tmp))
        try:
            decorate(site)
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
                for lang in ("zh", "en"):
                    for size, viewport in (("tablet", TABLET), ("phone", PHONE)):
                        if args.only and args.only != f"{lang}-{size}":
                            continue
                        ctx = browser.new_context(viewport=viewport, device_scale_factor=1)
                        page = ctx.new_page()
                        if lang == "en":  # the device's language (kept in its local storage)
                            open_app(page, site.url("/"))
                            switch = button(page, "EN" if size == "phone" else "English", exact=True)
                            switch.wait_for(timeout=120_000)
                            switch.click()
                            wait_text(page, t("start_inspection", "en"), timeout=60_000)
                        for name, route, key in screens(site):
                            for attempt in range(3):  # a loaded machine sometimes never paints a load
                                open_app(page, site.url(route))
                                try:
                                    wait_text(page, t(key, lang), timeout=60_000)
                                    break
                                except Exception:
                                    page.screenshot(path=str(OUT / f"FAILED-{lang}-{size}-{name}-{attempt}.png"))
                                    if attempt == 2:
                                        print(site.server.output()[-3000:])
                                        raise
                            path = shot(page, OUT, f"{lang}-{size}-{name}", expect=t(key, lang))
                            print(path.relative_to(ROOT), flush=True)
                        # The dialogs of the home screen.
                        open_app(page, site.url("/"))
                        button(page, t("start_inspection", lang)).click()
                        print(shot(page, OUT, f"{lang}-{size}-13-start-dialog", expect=t("keep_gps", lang))
                              .relative_to(ROOT), flush=True)
                        ctx.close()
                browser.close()
        finally:
            site.server.stop()
    print(f"done in {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
