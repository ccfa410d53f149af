"""较上轮变化: the change since a center's previous round, for the bureau table (全县概览).

The comparison itself is the domain's pure function (standard.editions.round_change); this reads
the previous round's snapshot and standard from the ledger and finds an edition mapping when the
two rounds used different editions (`*.mapping.json` in standards/mappings or the hub's data folder).
"""

from __future__ import annotations

from pathlib import Path

from inspect_app import paths
from inspect_app.hub.ledger import InspectionEntry
from inspect_app.standard.editions import find_mapping, round_change


def previous_round(entries: list[InspectionEntry], entry: InspectionEntry | None) -> InspectionEntry | None:
    """The center's latest review before `entry` in an earlier round (another round id when rounds are
    named; otherwise another inspection); self-assessments are not rounds of review."""
    if entry is None:
        return None
    earlier = [e for e in entries if e.center_id == entry.center_id and e.id != entry.id and e.stage != "self"
               and e.max_seq < entry.max_seq and (not entry.round_id or e.round_id != entry.round_id)]
    return max(earlier, key=lambda e: e.max_seq, default=None)


def mapping_folders(data_dir: Path | None) -> list[Path]:
    folders = [paths.STANDARDS_DIR / "mappings"]
    if data_dir:
        folders += [Path(data_dir) / "standards" / "mappings", Path(data_dir) / "mappings"]
    return folders


def change_since(ledger, previous: InspectionEntry | None, standard, score, data_dir: Path | None = None) -> str:
    """'未达标 → 基本标准；18 条可比：升 2、降 0、持平 16', or '' without a previous round."""
    from inspect_app.hub.reports import score_snapshot, snapshot, standard_of

    if previous is None:
        return ""
    snap = snapshot(previous.id, ledger.state(previous.id))
    before_standard = standard_of(ledger, snap, data_dir)
    if before_standard is None:
        return ""
    before = score_snapshot(before_standard, snap)
    same = before_standard.id == standard.id
    mapping = None if same else find_mapping(before_standard.id, standard.id, mapping_folders(data_dir))
    return round_change({n: s.level.value for n, s in before.clauses.items()}, before.verdict.label("zh"),
                        {n: s.level.value for n, s in score.clauses.items()}, score.verdict.label("zh"),
                        same_edition=same, mapping=mapping).text()
