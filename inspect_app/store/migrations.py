"""Schema versions of the data files and the functions that bring old files up to date.

Every file carries a header `"_file": {"kind": ..., "schema_version": N, "last_seq": S}`.
A file without a header is version 0: the layout of the first prototype, which used
TinyDB's stock JSONStorage. `migrate` applies registered steps N -> N+1 in order; a
file from a newer version is refused by the caller (never read as if it were current).
To change a format: bump CURRENT_VERSIONS[kind], register `@migration(kind, old)`, and
add a fixture of the old version to tests/store/fixtures.
"""

from __future__ import annotations

from typing import Callable

HEADER = "_file"

CURRENT_VERSIONS: dict[str, int] = {
    "inspection": 1,
    "centers": 1,
    "index": 1,
    "changes": 1,
    "device": 1,
    "tinydb": 1,  # AtomicJSONStorage used directly by other areas
}

Migration = Callable[[dict], dict]
MIGRATIONS: dict[tuple[str, int], Migration] = {}


def migration(kind: str, from_version: int) -> Callable[[Migration], Migration]:
    def register(fn: Migration) -> Migration:
        MIGRATIONS[(kind, from_version)] = fn
        return fn

    return register


def file_version(doc: dict) -> int:
    header = doc.get(HEADER)
    return int(header.get("schema_version", 0)) if isinstance(header, dict) else 0


def migrate(kind: str, doc: dict) -> tuple[dict, int]:
    """Return (doc at the current version, the version it started at)."""
    start = version = file_version(doc)
    target = CURRENT_VERSIONS[kind]
    while version < target:
        step = MIGRATIONS.get((kind, version))
        if step is None:
            raise LookupError(f"no migration for {kind} v{version} -> v{version + 1}")
        doc = step(doc)
        version += 1
        doc.setdefault(HEADER, {})
        doc[HEADER].update({"kind": kind, "schema_version": version})
    return doc, start


@migration("tinydb", 0)
def _plain_tinydb_v0_to_v1(doc: dict) -> dict:
    """A file written by TinyDB's stock JSONStorage: same tables, add the header."""
    doc[HEADER] = {"last_seq": 0}
    return doc


def _tables_v0(doc: dict) -> dict:
    return {name: table for name, table in doc.items() if name != HEADER}


@migration("inspection", 0)
def _inspection_v0_to_v1(doc: dict) -> dict:
    """Prototype files: the prototype kept the visit in
    table 'visit', item results as bare strings ('met'), and had no audit table."""
    tables = _tables_v0(doc)
    visit = tables.pop("visit", {})
    findings = {}
    for doc_id, finding in tables.pop("findings", {}).items():
        finding = dict(finding)
        finding["items"] = {
            code: ({"result": value} if isinstance(value, str) else value)
            for code, value in finding.get("items", {}).items()
        }
        findings[doc_id] = finding
    out = {
        "inspection": {doc_id: dict(v) for doc_id, v in visit.items()},
        "findings": findings,
        "evidence": tables.pop("evidence", {}),
        "signatures": tables.pop("signatures", {}),
        "audit": {},
        "revisions": {},
    }
    out.update(tables)  # keep anything unknown rather than drop it
    out[HEADER] = {"last_seq": 0}
    return out


@migration("centers", 0)
def _centers_v0_to_v1(doc: dict) -> dict:
    """The prototype kept centers in TinyDB's '_default' table."""
    tables = _tables_v0(doc)
    centers = tables.pop("_default", {})
    centers.update(tables.pop("centers", {}))
    out = {"centers": centers, "audit": tables.pop("audit", {})}
    out.update(tables)
    out[HEADER] = {"last_seq": 0}
    return out
