"""Driving the hub's own web pages in the browser: the sign-in every page test starts with."""

from __future__ import annotations

from tests.sync.hubproc import PASSWORD
from tests.ui.flet_driver import button, open_app, type_into, wait_text


def sign_in(page, hub_url: str, user: str, password: str = PASSWORD) -> None:
    """Open the hub's front page and sign in as `user` (the page's next screen is the caller's)."""
    open_app(page, hub_url + "/")
    wait_text(page, "基层行县级中心")
    type_into(page, "用户名", user)
    type_into(page, "密码", password)
    button(page, "登录").click()
