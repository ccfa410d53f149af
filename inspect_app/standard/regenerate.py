"""Rebuild the shipped standards and the schema from the seed texts.

    .venv/bin/python -m inspect_app.standard.regenerate [SEEDS_DIR] [--check]

The shipped files are importer output, never hand-edited: this is the one recipe,
and tests/standard/test_shipped.py compares its output with standards/ byte for byte.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from inspect_app import paths
from inspect_app.standard.checklist import import_checklist
from inspect_app.standard.defaults import known_edition_clauses, known_titles
from inspect_app.standard.importer import ImportResult, import_guide
from inspect_app.standard.loader import SCHEMA_FILE_NAME, dumps_standard, schema_text, write_text_atomically

DEFAULT_SEEDS = paths.PROJECT_ROOT.parent / "shared" / "seeds"


@dataclass(frozen=True)
class ShippedStandard:
    file_name: str
    seed: str
    options: dict
    checklist: bool = False


SHIPPED = (
    ShippedStandard(
        "township-2018.json",
        "004_8678df3bdeaa872d.txt",
        dict(standard_id="township-2018", title="乡镇卫生院服务能力评价指南", edition="2018年版", titles="township"),
    ),
    ShippedStandard(
        "outpatient-conduct.json",
        "000_0bb9a6f94e591a83.txt",
        dict(standard_id="outpatient-conduct", title="门诊优质服务行为规范", edition=""),
        checklist=True,
    ),
)


def build(spec: ShippedStandard, seeds_dir: Path) -> ImportResult:
    text = (seeds_dir / spec.seed).read_text(encoding="utf-8")
    options = dict(spec.options, source=spec.seed)
    if spec.checklist:
        return import_checklist(text, **options)
    table = options.pop("titles", None)
    options["titles"] = known_titles(table)
    options["edition_clauses"] = known_edition_clauses(table)
    return import_guide(text, **options)


def expected_files(seeds_dir: Path = DEFAULT_SEEDS) -> dict[str, str]:
    """File name → exact text the standards/ folder should hold."""
    files = {spec.file_name: dumps_standard(build(spec, seeds_dir).standard) for spec in SHIPPED}
    files[SCHEMA_FILE_NAME] = schema_text()
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="重新生成随程序发布的评价标准 / regenerate the shipped standards")
    parser.add_argument("seeds", nargs="?", default=str(DEFAULT_SEEDS))
    parser.add_argument("--check", action="store_true", help="only compare, exit 1 when a file differs")
    args = parser.parse_args(argv)
    stale = []
    for name, text in expected_files(Path(args.seeds)).items():
        target = paths.STANDARDS_DIR / name
        current = target.read_text(encoding="utf-8") if target.exists() else None
        if current == text:
            print(f"不变 unchanged  {target}")
        elif args.check:
            stale.append(name)
            print(f"过期 stale      {target}")
        else:
            write_text_atomically(target, text)
            print(f"已写 written    {target}")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
