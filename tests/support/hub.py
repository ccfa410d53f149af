"""The real hub process on 127.0.0.1 with the test accounts, for every test that syncs or
talks to the hub (tests/sync, tests/hub, the tablet's sync screen in tests/ui)."""

from __future__ import annotations

import pytest

from tests.store.helpers import write_standard
from tests.support.backends import hub_backend, shared_engines  # noqa: F401 - fixtures
from tests.sync.hubproc import add_users, start_hub

__all__ = ["hub", "hub_backend", "shared_engines", "standards"]  # this plugin's fixtures, by name


@pytest.fixture
def standards(tmp_path):
    folder = tmp_path / "standards"
    write_standard(folder)
    return folder


@pytest.fixture
def hub(tmp_path, hub_backend):
    """On the data folder, or (tests/hub, tests/sync: both) on PostgreSQL + S3."""
    data = tmp_path / "hub"
    data.mkdir()
    add_users(data, backend=hub_backend)
    proc = start_hub(data, backend=hub_backend)
    yield proc
    proc.stop()
