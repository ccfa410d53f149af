"""The hub's two storage backends for tests: the data folder, and PostgreSQL + S3 (a
throwaway cluster and a SeaweedFS store, started once per test session, only when a test
asks for the shared backend). Every test on the shared backend gets its own database and
bucket, so tests never see each other's data.

tests/hub and tests/sync run every test against both (their conftest parametrizes
`hub_backend`); elsewhere `hub_backend` is the folder.
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest

BACKENDS = ("folder", "shared")
_numbers = itertools.count(1)


@dataclass
class Backend:
    name: str
    database: str = ""
    blobs: str = ""
    pg: object = None  # PgCluster, for the tests that restart it
    s3: object = None  # SeaweedS3, for the tests that stop it
    env: dict = field(default_factory=dict)

    @property
    def shared(self) -> bool:
        return self.name == "shared"

    def args(self) -> list[str]:
        """`main.py … hub` options that select this backend."""
        out = []
        if self.database:
            out += ["--database", self.database]
        if self.blobs:
            out += ["--blobs", self.blobs]
        return out

    def open(self, data: Path):
        from inspect_app.hub.store import open_store

        return open_store(data, self.database, self.blobs, pool_size=2)


@pytest.fixture(scope="session")
def shared_engines(tmp_path_factory):
    """One PostgreSQL cluster and one SeaweedFS for the whole session (about 3 s to start)."""
    from tests.support.postgres import PgCluster
    from tests.support.seaweed import CREDENTIALS, SeaweedS3

    os.environ.update(CREDENTIALS)  # boto3 in this process and in every hub it starts
    pg = PgCluster.create()
    s3 = SeaweedS3.start(tmp_path_factory.mktemp("seaweed"))
    yield pg, s3
    s3.remove()
    pg.remove()


@pytest.fixture
def hub_backend(request):
    name = getattr(request, "param", "folder")
    if name == "folder":
        yield Backend("folder")
        return
    pg, s3 = request.getfixturevalue("shared_engines")
    if s3.proc.poll() is not None:  # an earlier test stopped it and failed before starting it again
        s3.run()
    n = next(_numbers)
    yield Backend("shared", pg.create_database(f"hub_{os.getpid()}_{n}"), s3.url(f"hub-{os.getpid()}-{n}"), pg, s3)


def parametrize_backends(metafunc) -> None:
    """For a conftest's pytest_generate_tests: every test that uses the hub runs on both,
    except the browser tests (*_browser.py): they test the pages, which speak to the same
    interfaces, and a second run would double their minute of CI time for nothing new."""
    if "hub_backend" in metafunc.fixturenames:
        browser = metafunc.module.__name__.endswith("_browser")
        metafunc.parametrize("hub_backend", ["folder"] if browser else BACKENDS, indirect=True)
