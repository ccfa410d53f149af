"""The house rules of docs/architecture.md, read from the source's import statements (every import,
including the ones inside functions): the domain imports no UI, storage or network; the hub imports
nothing of the tablet's UI; the tablet's UI does not reach into the hub."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "inspect_app"

DOMAIN = ["standard", "scoring.py", "consistency.py", "inspection.py", "clock.py", "evidence_rules.py"]
NOT_IN_DOMAIN = ("inspect_app.ui", "inspect_app.hub", "inspect_app.store", "inspect_app.sync", "inspect_app.services",
                 "flet", "tinydb", "httpx", "fastapi", "uvicorn", "psycopg", "boto3")


def _modules(where: str) -> list[Path]:
    path = PACKAGE / where
    return sorted(path.rglob("*.py")) if path.is_dir() else [path]


def _imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from inspect_app import services` names the module inspect_app.services
            names += [node.module] + [f"{node.module}.{a.name}" for a in node.names]
    return names


def _offenders(wheres: list[str], forbidden: tuple[str, ...]) -> list[str]:
    return [f"{path.relative_to(PACKAGE.parent)} imports {name}"
            for where in wheres for path in _modules(where) for name in _imports(path)
            if any(name == f or name.startswith(f + ".") for f in forbidden)]


@pytest.mark.parametrize("where", DOMAIN)
def test_the_domain_imports_no_ui_storage_or_network(where):
    assert _offenders([where], NOT_IN_DOMAIN) == []


def test_the_hub_imports_nothing_of_the_tablet_ui():
    assert _offenders(["hub"], ("inspect_app.ui",)) == []


def test_the_tablet_ui_does_not_reach_into_the_hub():
    assert _offenders(["ui"], ("inspect_app.hub",)) == []
