"""Every sync test runs against the hub on the data folder and on PostgreSQL + S3."""

from tests.support.backends import parametrize_backends


def pytest_generate_tests(metafunc):
    parametrize_backends(metafunc)
