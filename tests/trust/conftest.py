from __future__ import annotations

import pytest

from tests.trust.county import TsaServer, make_county


@pytest.fixture(scope="module")
def county():
    c = make_county()
    server = TsaServer(c)
    yield c
    server.stop()
