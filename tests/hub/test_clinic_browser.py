"""In headless Chromium against the real hub process: a clinic signs in, reads its own signed
report (verdict, deficiencies, which revision), answers a deficiency, and cannot reach
another center's report."""

from __future__ import annotations

import hashlib

import httpx
import pytest

from tests.support.browser import TABLET
from tests.hub.pages import sign_in
from tests.ui.flet_driver import LONG, button, type_into, wait_text
from tests.sync.photos import jpeg_bytes

PHOTO = jpeg_bytes(30, seed=3)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]


def test_clinic_signs_in_and_sees_only_its_own_report(world, browser):
    hub, tokens, _ = world
    context = browser.new_context(viewport=TABLET)
    page = context.new_page()
    foreign = []
    page.on("request", lambda r: foreign.append(r.url) if not r.url.startswith(("http://127.0.0.1", "data:", "blob:")) else None)
    try:
        sign_in(page, hub.url, "clinic1")
        wait_text(page, "机构 c1 评审报告")
        wait_text(page, "正在查看：第 1 版（已签署）")
        wait_text(page, "整改建议：补齐台账")
        assert page.get_by_text("机构 c2").count() == 0
        assert page.get_by_text("第 2 版").count() == 0  # the unsigned revision is not shown to the clinic
        type_into(page, "整改措施 1.1.1 C-1", "三月底前补齐台账")
        # a rectification photo, picked like on a phone; a file that is not a photo is refused
        with page.expect_file_chooser(timeout=LONG) as chooser:
            button(page, "添加整改照片 1.1.1 C-1").click()
        chooser.value.set_files(files=[{"name": "台账.jpg", "mimeType": "image/jpeg", "buffer": PHOTO}])
        wait_text(page, "已添加 1 张（台账.jpg）", timeout=LONG)
        with page.expect_file_chooser(timeout=LONG) as chooser:
            button(page, "添加整改照片 1.1.1 C-1").click()
        chooser.value.set_files(files=[{"name": "说明.txt", "mimeType": "text/plain", "buffer": "不是照片".encode()}])
        wait_text(page, "这不是可识别的图片文件", timeout=LONG)
        button(page, "提交整改回复 1.1.1 C-1").click()
        wait_text(page, "已提交整改回复：三月底前补齐台账", timeout=LONG)
        wait_text(page, "整改照片 1 张")
        assert foreign == []
    finally:
        context.close()
    # the answer is on the hub, as an op the inspectors' tablets will pull
    pulled = httpx.get(f"{hub.url}/api/sync/pull", params={"since": 0},
                       headers={"Authorization": f"Bearer {tokens['wangfang']}"}).json()
    [answer] = [o for o in pulled["ops"] if o["key"] == "response/1.1.1/C-1"]
    [sha] = answer["value"]["photos"]
    assert answer["value"]["plan"] == "三月底前补齐台账" and sha != hashlib.sha256(PHOTO).hexdigest()
    photo = httpx.get(f"{hub.url}/api/blobs/{sha}", headers={"Authorization": f"Bearer {tokens['wangfang']}"})
    # the hub's GPS-free derivative (the phone's original is not kept), named by its own hash
    assert hashlib.sha256(photo.content).hexdigest() == sha and photo.content[:3] == b"\xff\xd8\xff"
