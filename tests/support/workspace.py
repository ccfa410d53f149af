"""The workspace most service and read-model tests start from: a real data folder on disk with
the small test standard (tests/store/helpers.make_standard), and one inspection started in it."""

from __future__ import annotations

import pytest

from tests.store.helpers import new_workspace, started


@pytest.fixture
def ws(tmp_path):
    workspace = new_workspace(tmp_path)
    yield workspace
    workspace.close()


@pytest.fixture
def iid(ws):
    return started(ws)
