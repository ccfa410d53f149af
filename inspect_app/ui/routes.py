"""Route path → screen. Each screen lives in its own folder and exposes a class with `.view`."""

from __future__ import annotations

import re

_ROUTES = [
    (re.compile(r"^/?$"), "home"),
    (re.compile(r"^/i/(?P<inspection_id>[^/]+)/?$"), "overview"),
    (re.compile(r"^/i/(?P<inspection_id>[^/]+)/c/(?P<number>[^/]+)/?$"), "clause"),
    (re.compile(r"^/i/(?P<inspection_id>[^/]+)/p/(?P<section>[^/]+)/?$"), "post"),
    (re.compile(r"^/i/(?P<inspection_id>[^/]+)/photos/?$"), "photos"),
    (re.compile(r"^/i/(?P<inspection_id>[^/]+)/summary/?$"), "summary"),
    (re.compile(r"^/i/(?P<inspection_id>[^/]+)/sign/?$"), "sign"),
    (re.compile(r"^/i/(?P<inspection_id>[^/]+)/answers/?$"), "answers"),
    (re.compile(r"^/i/(?P<inspection_id>[^/]+)/facts/?$"), "facts"),  # 机构信息与评审信息
    (re.compile(r"^/sync/?$"), "sync"),
]


def match(route: str) -> tuple[str, dict[str, str]]:
    path = (route or "/").split("?", 1)[0]
    for pattern, name in _ROUTES:
        m = pattern.match(path)
        if m:
            return name, m.groupdict()
    return "home", {}


def build_screen(app, route: str):
    name, params = match(route)
    if "number" in params:
        from inspect_app.ui_state import clause_from_slug
        params["number"] = clause_from_slug(params["number"])
    if "section" in params:
        from inspect_app.ui_state import clause_from_slug
        params["section"] = clause_from_slug(params["section"])
    if name == "home":
        from inspect_app.ui.home.view import HomeScreen
        return HomeScreen(app)
    if name == "overview":
        from inspect_app.ui.overview.view import OverviewScreen
        return OverviewScreen(app, **params)
    if name == "clause":
        from inspect_app.ui.clause.view import ClauseScreen
        return ClauseScreen(app, **params)
    if name == "post":
        from inspect_app.ui.post.view import PostScreen
        return PostScreen(app, **params)
    if name == "photos":
        from inspect_app.ui.photos.view import PhotosScreen
        return PhotosScreen(app, **params)
    if name == "summary":
        from inspect_app.ui.summary.view import SummaryScreen
        return SummaryScreen(app, **params)
    if name == "sign":
        from inspect_app.ui.sign.view import SignScreen
        return SignScreen(app, **params)
    if name == "answers":
        from inspect_app.ui.answers.view import AnswersScreen
        return AnswersScreen(app, **params)
    if name == "facts":
        from inspect_app.ui.center.view import CenterFactsScreen
        return CenterFactsScreen(app, **params)
    if name == "sync":
        from inspect_app.ui.sync.view import SyncScreen
        return SyncScreen(app)
    raise KeyError(name)
