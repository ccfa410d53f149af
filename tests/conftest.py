"""Suite-wide fixtures. `figures` lets a test report a number (e.g. the crash test's kill
count) in the closing summary of every run, CI included, instead of a captured print."""

from __future__ import annotations

import pytest

pytest_plugins = ["tests.support.browser", "tests.support.hub", "tests.support.workspace"]

_FIGURES: list[str] = []


@pytest.fixture
def figures():
    return _FIGURES.append


def pytest_terminal_summary(terminalreporter):
    if _FIGURES:
        terminalreporter.section("figures")
        for line in _FIGURES:
            terminalreporter.write_line(line)
