"""One durable item save (services.rate_item) with an archive of 1 and of 200 past inspections.

Each inspection has ~250 findings (250 clauses x 5 items, all rated, with their audit log).
Compared with the floor: writing + fsyncing the same number of bytes to a temp file, rename,
fsync of the folder, measured in the same run on the same disk.
Targets: median within 3x of the floor; 200-inspection median within 1.5x of 1-inspection.
Run: .venv/bin/python bench/save_latency.py [--samples N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from inspect_app import services  # noqa: E402
from inspect_app.inspection import TeamMember, TeamRole  # noqa: E402
from inspect_app.standard.model import (  # noqa: E402
    Chapter, Clause, ClauseKind, Item, ItemLevel, Section, Standard, Tier, TierRule, VerdictRules,
)
from inspect_app.store.durable import fsync_dir  # noqa: E402

CODES = ("C-1", "C-2", "B-1", "B-2", "A-1")


def bench_standard() -> Standard:
    chapters = []
    for ch in range(1, 5):
        sections = []
        for se in range(1, 6):
            clauses = tuple(
                Clause(number=f"{ch}.{se}.{n}", title=f"条款{ch}.{se}.{n} 居民健康档案管理",
                       items=tuple(Item(code=c, level=ItemLevel(c[0]),
                                        requirement="建立健全制度并落实，有记录可查") for c in CODES))
                for n in range(1, 13) if not (ch == 4 and se == 5 and n > 2)  # 250 clauses
            )
            sections.append(Section(number=f"{ch}.{se}", title=f"第{ch}.{se}节", clauses=clauses))
        chapters.append(Chapter(number=str(ch), title=f"第{ch}章", sections=tuple(sections)))
    return Standard(id="bench-std", title="基准标准", edition="2024",
                    verdict_rules=VerdictRules(tiers=(Tier(id="b", name="基本标准", rules=(
                        TierRule(clause_kind=ClauseKind.BASIC, min_percent={ItemLevel.C: 95}),)),)),
                    chapters=tuple(chapters))


def make_template(root: Path) -> tuple[Path, Path, str]:
    """A full inspection built through the services (so its file has the real shape)."""
    std_dir = root / "standards"
    std_dir.mkdir(parents=True)
    std = bench_standard()
    (std_dir / "bench-std.json").write_text(std.model_dump_json(), encoding="utf-8")
    ws = services.open_workspace(root / "data", standards_dir=std_dir)
    center = services.add_center(ws, "青山镇卫生院", actor="王芳")
    iid = services.start_inspection(ws, center.id, "bench-std",
                                    [TeamMember(name="王芳", role=TeamRole.LEADER), TeamMember(name="李明")],
                                    "王芳").id
    for clause in std.clauses():
        for code in CODES:
            services.rate_item(ws, iid, clause.number, code, "met" if code != "A-1" else "not_met")
        services.set_clause_note(ws, iid, clause.number, "查阅资料：制度齐全，部分记录不完整。")
    ws.close()
    return root / "data", std_dir, iid


def make_archive(template_data: Path, template_id: str, std_dir: Path, dest: Path, past: int) -> str:
    """past + 1 inspection files cloned from the template; returns the current one's id."""
    shutil.copytree(template_data / "standards", dest / "data" / "standards")
    shutil.copy(template_data / "centers.json", dest / "data" / "centers.json")
    (dest / "data" / "inspections").mkdir(parents=True)
    raw = (template_data / "inspections" / f"{template_id}.json").read_text(encoding="utf-8")
    ids = [f"{n:04d}{template_id[4:]}" for n in range(past + 1)]
    for new in ids:
        (dest / "data" / "inspections" / f"{new}.json").write_text(raw.replace(template_id, new), encoding="utf-8")
    services.open_workspace(dest / "data", standards_dir=std_dir).close()  # builds index + counter
    return ids[-1]


class SaveLoop:
    """Saves in one archive's current inspection, and the floor for the same file size."""

    def __init__(self, data: Path, std_dir: Path, iid: str) -> None:
        self.data, self.iid = data, iid
        self.ws = services.open_workspace(data, standards_dir=std_dir)
        std = services.standard_for(self.ws, services.get_inspection(self.ws, iid))
        self.clauses = [c.number for c in std.clauses()]
        self.n = 0
        self.saves: list[float] = []
        self.floor: list[float] = []
        for _ in range(5):  # warm caches as a running app would be
            self.save(record=False)

    def save(self, record: bool = True) -> None:
        n, self.n = self.n, self.n + 1
        # every call changes a value, so every call is a real save
        result = "not_met" if (n // (len(self.clauses) * len(CODES))) % 2 == 0 else "met"
        clause, code = self.clauses[n % len(self.clauses)], CODES[(n // len(self.clauses)) % len(CODES)]
        t = time.perf_counter()
        services.rate_item(self.ws, self.iid, clause, code, result)
        if record:
            self.saves.append(time.perf_counter() - t)

    def floor_write(self) -> None:
        size = (self.data / "inspections" / f"{self.iid}.json").stat().st_size
        self.floor.append(write_floor(self.data / "inspections", os.urandom(size)))


def write_floor(folder: Path, payload: bytes) -> float:
    target, tmp = folder / "floor.json", folder / ".floor.json.tmp"
    t = time.perf_counter()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.write(fd, payload)
    os.fsync(fd)
    os.close(fd)
    os.replace(tmp, target)
    fsync_dir(folder)
    return time.perf_counter() - t


def stats(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered) * 1e3, ordered[int(0.95 * (len(ordered) - 1))] * 1e3


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", type=int, default=300)
    ap.add_argument("--dir", default=None, help="where to build the archives (default: a temp folder)")
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="save-bench-", dir=args.dir))
    try:
        t0 = time.perf_counter()
        template, std_dir, tid = make_template(root / "template")
        small = make_archive(template, tid, std_dir, root / "a1", past=1)
        large = make_archive(template, tid, std_dir, root / "a200", past=200)
        print(f"setup {time.perf_counter() - t0:.1f} s; archive of 200: "
              f"{sum(p.stat().st_size for p in (root / 'a200' / 'data').rglob('*.json')) / 1e6:.0f} MB")
        loops = {"1 past": SaveLoop(root / "a1" / "data", std_dir, small),
                 "200 past": SaveLoop(root / "a200" / "data", std_dir, large)}
        # interleaved (save, floor) x (small, large): load from other processes hits all alike
        for _ in range(args.samples):
            for loop in loops.values():
                loop.save()
                loop.floor_write()
        results = {label: (stats(loop.saves), stats(loop.floor),
                           (loop.data / "inspections" / f"{loop.iid}.json").stat().st_size)
                   for label, loop in loops.items()}
        for loop in loops.values():
            loop.ws.close()
        print(f"{'archive':<10}{'file KB':>9}{'save med':>10}{'save p95':>10}{'floor med':>11}"
              f"{'floor p95':>11}{'med/floor':>11}{'p95/floor':>11}")
        for label, ((med, p95), (fmed, fp95), size) in results.items():
            print(f"{label:<10}{size / 1024:>9.0f}{med:>8.2f}ms{p95:>8.2f}ms{fmed:>9.2f}ms{fp95:>9.2f}ms"
                  f"{med / fmed:>10.2f}x{p95 / fp95:>10.2f}x")
        growth = results["200 past"][0][0] / results["1 past"][0][0]
        print(f"200-inspection median / 1-inspection median: {growth:.2f}x (target <= 1.5x)")
        worst = max(r[0][0] / r[1][0] for r in results.values())
        print(f"worst median / floor: {worst:.2f}x (target <= 3x)")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
