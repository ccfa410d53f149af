"""The real hub process on 127.0.0.1 with the test accounts, for every test that syncs or
talks to the hub (tests/sync, tests/hub, the tablet's sync screen in tests/ui)."""

from __future__ import annotations

import pytest

from tests.store.helpers import write_standard
from tests.sync.hubproc import add_users, start_hub


@pytest.fixture
def standards(tmp_path):
    folder = tmp_path / "standards"
    write_standard(folder)
    return folder


@pytest.fixture
def hub(tmp_path):
    data = tmp_path / "hub"
    data.mkdir()
    add_users(data)
    proc = start_hub(data)
    yield proc
    proc.stop()
