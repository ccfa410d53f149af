"""Defaults the importers copy into a new standard: verdict rules (评定规则), prerequisites
(前置条件) and known chapter/section titles. All of it is package data (JSON), so a bureau
changes a number by editing a file, never code."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path

from inspect_app.errors import UserError
from inspect_app.standard.model import Prerequisite, StandardKind, VerdictRules


@cache
def _package_json(name: str) -> dict:
    return json.loads(resources.files("inspect_app.standard").joinpath(name).read_text(encoding="utf-8"))


def default_verdict_rules(kind: StandardKind) -> VerdictRules:
    return VerdictRules.model_validate(_package_json("default_rules.json")[kind.value]["verdict_rules"])


def default_prerequisites(kind: StandardKind) -> tuple[Prerequisite, ...]:
    rows = _package_json("default_rules.json")[kind.value]["prerequisites"]
    return tuple(Prerequisite.model_validate(row) for row in rows)


def known_title_tables() -> list[str]:
    return sorted(k for k in _package_json("known_titles.json") if not k.startswith("_"))


def known_titles(name_or_path: str | None) -> dict[str, str]:
    """Titles by number from a packaged table ('township', 'community') or a JSON file
    of the same shape ({"titles": {"1": "…", "1.2": "…"}} or a flat {"1": "…"})."""
    if not name_or_path:
        return {}
    tables = _package_json("known_titles.json")
    if name_or_path in tables and not name_or_path.startswith("_"):
        return dict(tables[name_or_path]["titles"])
    path = Path(name_or_path)
    if not path.is_file():
        raise UserError(
            f"找不到标题表“{name_or_path}”：可用的内置表为 {', '.join(known_title_tables())}，或给出 JSON 文件路径。",
            f"No title table '{name_or_path}': built-in tables are {', '.join(known_title_tables())}, or give a JSON file path.",
        )
    data = json.loads(path.read_text(encoding="utf-8"))
    return {str(k): str(v) for k, v in data.get("titles", data).items() if not str(k).startswith("_")}


def known_edition_clauses(name: str | None) -> int | None:
    """How many clauses the whole edition of a packaged title table has (township 100, community 90)."""
    tables = _package_json("known_titles.json")
    if name and name in tables and not name.startswith("_"):
        return tables[name].get("edition_clauses")
    return None
