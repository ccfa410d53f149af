"""standards/ holds importer output only: regenerating from the seeds gives the same bytes."""

from __future__ import annotations

import pytest

from inspect_app.paths import STANDARDS_DIR
from inspect_app.standard.regenerate import SHIPPED, expected_files
from inspect_app.standard.validate import check_file, errors
from tests.standard.helpers import SEEDS


@pytest.mark.skipif(not SEEDS.exists(), reason="seed texts not present (../shared/seeds)")
def test_regenerating_from_the_seeds_gives_the_shipped_files_byte_for_byte():
    for name, text in expected_files(SEEDS).items():
        shipped = (STANDARDS_DIR / name).read_bytes()
        assert shipped == text.encode("utf-8"), f"{name} is stale: run .venv/bin/python -m inspect_app.standard.regenerate"


@pytest.mark.parametrize("spec", SHIPPED, ids=lambda s: s.file_name)
def test_shipped_standards_pass_the_check(spec):
    standard, problems = check_file(STANDARDS_DIR / spec.file_name)
    assert standard is not None and not errors(problems)
