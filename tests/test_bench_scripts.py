"""The benchmarks in bench/ are run by hand (`make bench`), not by the suite, so nothing else
would notice when a change breaks one: import each, which resolves every name it uses at module
level without running the measurement (each runs only under __main__)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"


@pytest.mark.parametrize("script", sorted(BENCH.glob("*.py")), ids=lambda p: p.stem)
def test_bench_script_imports(script: Path):
    spec = importlib.util.spec_from_file_location(f"bench_{script.stem}", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert callable(getattr(module, "main", None)), f"{script.name} has no main()"
