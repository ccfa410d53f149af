"""Headless Debian Chromium for the browser tests, one fixture for the whole suite.

Two facts of Playwright's sync API shape it: only one `sync_playwright()` may be alive in a
thread, and while it is alive its event loop counts as running, so any later test that calls
`asyncio.run()` (pyHanko's signing does) fails. Hence one fixture (loaded for every folder by
tests/conftest.py) with module scope: each browser-test module starts and stops its own.
"""

from __future__ import annotations

import pytest

from tests.support.system import MissingProgram, ensure_chromium

# The flags keep Chromium off the network (this machine has none but the registries).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
TABLET = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def chromium_path() -> str:
    try:
        return ensure_chromium()
    except MissingProgram as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="module")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()
