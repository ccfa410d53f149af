"""The bureau's editions on the hub (评价标准版本): place what the text left unplaced, set lost titles,
and distribute the placed edition to the tablets.

The edits are the domain's (standard.placement: each re-validated and kept in the file's history);
here the hub keeps its working copy of each edition in <data>/standards/<id>.json, and publishing
stores the file's exact bytes as a content-addressed blob and lists it in
<data>/standards/catalogue.json ({id: {sha256, version, title, edition, published_at, by}}).
Tablets read the catalogue at GET /api/standards and fetch each file by hash (sync/editions.py).
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path

from inspect_app import paths
from inspect_app.errors import UserError
from inspect_app.standard.loader import content_hash, dumps_standard, list_standards, load_standard, write_text_atomically
from inspect_app.standard.model import Standard
from inspect_app.standard.placement import place_item, set_title
from inspect_app.standard.validate import check_standard, errors

CATALOGUE = "catalogue.json"


def editions_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "standards"


def version_of(standard: Standard) -> str:
    """The same text as services.standard_version (edition + content hash), without the app layer."""
    return f"{standard.edition or '-'}+{content_hash(standard)[:12]}"


def editions(data_dir: Path) -> list[Standard]:
    """Every graded edition the bureau can edit: its own working copies, else the shipped ones."""
    own = {s.id: s.path for s in list_standards(editions_dir(data_dir))}
    shipped = {s.id: s.path for s in list_standards(paths.STANDARDS_DIR)}
    return [load_standard(own.get(i) or shipped[i]) for i in sorted(set(own) | set(shipped))]


def working_copy(data_dir: Path, standard_id: str) -> Standard:
    for std in editions(data_dir):
        if std.id == standard_id:
            return std
    raise UserError(f"没有评价标准 {standard_id}。", f"No standard {standard_id}.")


def _save(data_dir: Path, standard: Standard) -> Standard:
    problems = errors(check_standard(standard))
    if problems:
        raise UserError("修改后的标准未通过校验，未保存：\n" + "\n".join("  " + p.text() for p in problems),
                        "The edited standard does not pass the check; not saved:\n" + "\n".join(f"  {p.where}: {p.en}" for p in problems))
    write_text_atomically(editions_dir(data_dir) / f"{standard.id}.json", dumps_standard(standard))
    return standard


def move_item(data_dir: Path, standard_id: str, item_ref: str, to: str, *, title: str = "", by: str = "") -> Standard:
    """standard place --item on the hub's working copy (re-validated, saved, recorded)."""
    return _save(data_dir, place_item(working_copy(data_dir, standard_id), item_ref, to, title=title or None, by=by))


def set_group_title(data_dir: Path, standard_id: str, number: str, title: str, *, by: str = "") -> Standard:
    return _save(data_dir, set_title(working_copy(data_dir, standard_id), number, title, by=by))


def catalogue(data_dir: Path) -> dict[str, dict]:
    path = editions_dir(data_dir) / CATALOGUE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def publish(data_dir: Path, blobs, standard_id: str, *, by: str = "") -> dict:
    """Store the working copy's exact bytes as a blob and list it: the tablets fetch it by hash."""
    standard = working_copy(data_dir, standard_id)
    if errors(check_standard(standard)):
        raise UserError("此标准未通过校验，不能分发。", "This standard does not pass the check; not distributed.")
    data = dumps_standard(standard).encode("utf-8")
    sha = hashlib.sha256(data).hexdigest()
    if not blobs.has(sha) and not blobs.put(sha, data):
        raise UserError("标准文件未能保存到文件库，请重试。", "The standard file could not be stored; try again.")
    entries = catalogue(data_dir)
    entries[standard.id] = {"sha256": sha, "version": version_of(standard), "title": standard.title,
                            "edition": standard.edition, "by": by,
                            "published_at": datetime.now(timezone.utc).replace(microsecond=0).isoformat()}
    write_text_atomically(editions_dir(data_dir) / CATALOGUE, json.dumps(entries, ensure_ascii=False, indent=2) + "\n")
    return entries[standard.id]


def open_work(standard: Standard) -> dict:
    """What is left for the bureau: unplaced items and sections/chapters without a title."""
    unplaced = [(c.number, i.code, i.requirement) for c in standard.clauses() if c.unplaced for i in c.items]
    untitled = [g.number for ch in standard.chapters for g in (ch, *ch.sections)
                if not g.title.strip() and not (g.number.startswith("0"))]
    return {"unplaced": unplaced, "untitled": untitled}


__all__ = ["catalogue", "editions", "move_item", "open_work", "publish", "set_group_title", "working_copy"]
