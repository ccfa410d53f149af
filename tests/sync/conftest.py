from __future__ import annotations

import pytest

from tests.sync.hubproc import add_users, start_hub
from tests.store.helpers import write_standard


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
