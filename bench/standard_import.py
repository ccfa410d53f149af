"""Standard import benchmark: the full-size synthetic guide (4 chapters, 100 clauses, ~380 items,
noise between them) through the text importer, `standard check`, the xlsx writer and reader,
against the floor of reading the same text line by line in the same run.

    .venv/bin/python bench/standard_import.py [--runs 5]

Figures: median ms of --runs for import, check, JSON save+load, xlsx write, xlsx read; each as a
ratio to the floor (splitlines + one regex per line: the least any line-based importer must do).
"""

from __future__ import annotations

import argparse
import io
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from inspect_app.standard.importer import import_guide  # noqa: E402
from inspect_app.standard.loader import dumps_standard, loads_standard  # noqa: E402
from inspect_app.standard.validate import check_standard  # noqa: E402
from inspect_app.standard.xlsx import read_standard_xlsx, standard_workbook  # noqa: E402
from tests.standard.synthetic_guide import synthetic_guide  # noqa: E402

_MARKER = re.compile(r"[【\[]\s*[ABC](?:-\d+)?\s*[】\]]")


def _time(fn, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    guide = synthetic_guide()
    lines = guide.text.count("\n")
    floor, _ = _time(lambda: sum(1 for line in guide.text.splitlines() if _MARKER.search(line)), args.runs)
    t_import, result = _time(lambda: import_guide(guide.text, standard_id="syn", title="合成", edition_clauses=100), args.runs)
    std = result.standard
    t_check, problems = _time(lambda: check_standard(std), args.runs)
    t_json, _ = _time(lambda: loads_standard(dumps_standard(std)), args.runs)

    def write_xlsx() -> bytes:
        out = io.BytesIO()
        standard_workbook(std).save(out)
        return out.getvalue()

    t_xw, data = _time(write_xlsx, args.runs)
    t_xr, back = _time(lambda: read_standard_xlsx(data), args.runs)
    assert dumps_standard(back) == dumps_standard(std)
    c = result.report.counts
    print(f"synthetic guide: {lines} lines, {len(guide.text)} chars; imported {c.chapters} chapters, {c.sections} sections, "
          f"{c.clauses} clauses ({c.recommended_clauses} ★), {c.items} items {c.items_by_level}; "
          f"{len(result.report.skipped)} skipped blocks; check: {len(problems)} problem(s); xlsx {len(data) / 1024:.0f} KB")
    print(f"{'step':<22}{'median ms':>10}{'× floor':>10}")
    for name, ms in (("floor (scan lines)", floor), ("import (text)", t_import), ("standard check", t_check),
                     ("JSON save + load", t_json), ("xlsx write", t_xw), ("xlsx read", t_xr)):
        print(f"{name:<22}{ms:>10.1f}{ms / floor:>10.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
