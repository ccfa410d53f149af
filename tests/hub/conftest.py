from tests.sync.conftest import hub, standards  # noqa: F401  (same real hub process fixture)
