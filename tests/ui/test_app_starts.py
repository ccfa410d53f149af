"""`python main.py app` serves a real Flet web app, offline, with Chinese rendered.

The home page lists the shipped standards; no request leaves this machine (no CDN) and none
fails. Screenshots at tablet (1280×800) and phone (390×844) size go to test-artifacts/.
"""

from __future__ import annotations

import pytest

from inspect_app import paths
from inspect_app.standard.loader import list_standards
from tests.support.browser import PHONE, TABLET
from tests.ui.flet_driver import open_app, shot, wait_text

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]


def _shipped():
    found = list_standards(paths.STANDARDS_DIR)
    assert found, "no shipped standards in standards/"
    return found


@pytest.mark.parametrize("size_name,size", [("tablet", TABLET), ("phone", PHONE)])
def test_home_lists_shipped_standards_offline(browser, app_server, watch, artifacts, size_name, size):
    context = browser.new_context(viewport=size, device_scale_factor=1)
    page = context.new_page()
    watch.attach(page)
    try:
        open_app(page, app_server.url)
        for std in _shipped():
            wait_text(page, std.title)
            wait_text(page, f"{std.clause_count} 个条款")
        shot(page, artifacts, f"home-standards-{size_name}")
        assert watch.failed == [], watch.failed
        assert watch.foreign == [], watch.foreign
    finally:
        context.close()
