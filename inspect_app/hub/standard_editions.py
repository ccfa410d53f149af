"""The bureau's editions on the hub (评价标准版本): place what the text left unplaced, set lost titles,
and distribute the placed edition to the tablets.

The edits are the domain's (standard.placement: each re-validated and kept in the file's history);
here the hub keeps its working copy of each edition and, on publishing, stores the file's exact
bytes as a content-addressed blob and lists it in the catalogue
({id: {sha256, version, title, edition, published_at, by}}). Tablets read the catalogue at
GET /api/standards and fetch each file by hash (sync/editions.py).

Where, by the hub's store (every function takes the hub, or a data folder for the folder):

    data folder      <data>/standards/<id>.json (working copies), <data>/standards/catalogue.json
    PostgreSQL + S3  the settings document "standard_editions" ({"working": {id: sha256},
                     "catalogue": {...}}) and the working copies as blobs, so that every hub
                     process edits and serves the same editions
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path

from inspect_app import paths
from inspect_app.errors import UserError
from inspect_app.standard.loader import (
    dumps_standard,
    list_standards,
    load_standard,
    loads_standard,
    standard_version,
    write_text_atomically,
)
from inspect_app.standard.model import Standard
from inspect_app.standard.placement import place_item, set_title
from inspect_app.standard.validate import check_standard, errors

CATALOGUE = "catalogue.json"
SETTING = "standard_editions"


def editions_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "standards"


def _shipped() -> dict[str, Path]:
    return {s.id: s.path for s in list_standards(paths.STANDARDS_DIR)}


class _FolderEditions:
    """The county hub's data folder: files, as always."""

    def __init__(self, data_dir: Path) -> None:
        self.dir = editions_dir(data_dir)

    def own(self) -> dict[str, Standard]:
        return {s.id: load_standard(s.path) for s in list_standards(self.dir)}

    def load(self, standard_id: str) -> tuple[Standard | None, str]:
        std = self.own().get(standard_id)
        return std, ""

    def save(self, standard: Standard, based_on: str) -> None:
        write_text_atomically(self.dir / f"{standard.id}.json", dumps_standard(standard))

    def catalogue(self) -> dict[str, dict]:
        try:
            return json.loads((self.dir / CATALOGUE).read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            return {}

    def list_published(self, standard_id: str, entry: dict) -> None:
        entries = self.catalogue()
        entries[standard_id] = entry
        write_text_atomically(self.dir / CATALOGUE, json.dumps(entries, ensure_ascii=False, indent=2) + "\n")

    def working_blobs(self) -> set[str]:
        return set()


class _SharedEditions:
    """Several hub processes: the index in the shared settings, the copies in the blob store."""

    def __init__(self, settings, blobs) -> None:
        self.settings = settings
        self.blobs = blobs

    def _doc(self) -> dict:
        return self.settings.get(SETTING) or {}

    def _read(self, sha: str) -> Standard:
        return loads_standard(self.blobs.read(sha).decode("utf-8"), name=f"standard {sha[:12]}")

    def own(self) -> dict[str, Standard]:
        return {i: self._read(sha) for i, sha in sorted((self._doc().get("working") or {}).items())}

    def load(self, standard_id: str) -> tuple[Standard | None, str]:
        sha = (self._doc().get("working") or {}).get(standard_id, "")
        return (self._read(sha) if sha else None), sha

    def save(self, standard: Standard, based_on: str) -> None:
        data = dumps_standard(standard).encode("utf-8")
        sha = hashlib.sha256(data).hexdigest()
        if not self.blobs.has(sha) and not self.blobs.put(sha, data):
            raise UserError("标准文件未能保存到文件库，请重试。", "The standard file could not be stored; try again.")

        def point(current):
            doc = dict(current or {})
            working = dict(doc.get("working") or {})
            if working.get(standard.id, "") != based_on:
                raise UserError("此标准刚被另一位用户修改过，请刷新后再改。",
                                "Someone else changed this standard just now; reload and edit again.")
            doc["working"] = working | {standard.id: sha}
            return doc

        self.settings.change(SETTING, point)

    def catalogue(self) -> dict[str, dict]:
        return dict(self._doc().get("catalogue") or {})

    def list_published(self, standard_id: str, entry: dict) -> None:
        def put(current):
            doc = dict(current or {})
            doc["catalogue"] = dict(doc.get("catalogue") or {}) | {standard_id: entry}
            return doc

        self.settings.change(SETTING, put)

    def working_blobs(self) -> set[str]:
        return set((self._doc().get("working") or {}).values())


def _editions_of(where):
    """`where`: the Hub (its store decides), or a data folder's path."""
    if isinstance(where, (str, Path)):
        return _FolderEditions(Path(where))
    store = where.store
    if store.folder is not None or store.settings is None:
        return _FolderEditions(where.data_dir)
    return _SharedEditions(store.settings, store.blobs)


def editions(where) -> list[Standard]:
    """Every graded edition the bureau can edit: its own working copies, else the shipped ones."""
    own = _editions_of(where).own()
    shipped = _shipped()
    return [own[i] if i in own else load_standard(shipped[i]) for i in sorted(set(own) | set(shipped))]


def _working(where, standard_id: str) -> tuple[Standard, str]:
    std, based_on = _editions_of(where).load(standard_id)
    if std is not None:
        return std, based_on
    shipped = _shipped()
    if standard_id in shipped:
        return load_standard(shipped[standard_id]), ""
    raise UserError(f"没有评价标准 {standard_id}。", f"No standard {standard_id}.")


def working_copy(where, standard_id: str) -> Standard:
    return _working(where, standard_id)[0]


def _save(where, standard: Standard, based_on: str) -> Standard:
    problems = errors(check_standard(standard))
    if problems:
        raise UserError("修改后的标准未通过校验，未保存：\n" + "\n".join("  " + p.text() for p in problems),
                        "The edited standard does not pass the check; not saved:\n" + "\n".join(f"  {p.where}: {p.en}" for p in problems))
    _editions_of(where).save(standard, based_on)
    return standard


def move_item(where, standard_id: str, item_ref: str, to: str, *, title: str = "", by: str = "") -> Standard:
    """standard place --item on the hub's working copy (re-validated, saved, recorded)."""
    std, based_on = _working(where, standard_id)
    return _save(where, place_item(std, item_ref, to, title=title or None, by=by), based_on)


def set_group_title(where, standard_id: str, number: str, title: str, *, by: str = "") -> Standard:
    std, based_on = _working(where, standard_id)
    return _save(where, set_title(std, number, title, by=by), based_on)


def catalogue(where) -> dict[str, dict]:
    return _editions_of(where).catalogue()


def edition_blobs(where) -> set[str]:
    """Every blob the editions need kept: the published files and the shared working copies."""
    ed = _editions_of(where)
    return {str(e.get("sha256", "")) for e in ed.catalogue().values()} | ed.working_blobs()


def publish(where, blobs, standard_id: str, *, by: str = "") -> dict:
    """Store the working copy's exact bytes as a blob and list it: the tablets fetch it by hash."""
    standard = working_copy(where, standard_id)
    if errors(check_standard(standard)):
        raise UserError("此标准未通过校验，不能分发。", "This standard does not pass the check; not distributed.")
    data = dumps_standard(standard).encode("utf-8")
    sha = hashlib.sha256(data).hexdigest()
    if not blobs.has(sha) and not blobs.put(sha, data):
        raise UserError("标准文件未能保存到文件库，请重试。", "The standard file could not be stored; try again.")
    entry = {"sha256": sha, "version": standard_version(standard), "title": standard.title,
             "edition": standard.edition, "by": by,
             "published_at": datetime.now(timezone.utc).replace(microsecond=0).isoformat()}
    _editions_of(where).list_published(standard.id, entry)
    return entry


def folder_document(data_dir: Path) -> tuple[dict | None, dict[str, bytes]]:
    """A data folder's editions as the shared store keeps them (for `hub migrate`): the settings
    document and the working copies' bytes by SHA-256. (None, {}): the folder has none."""
    folder = _FolderEditions(Path(data_dir))
    files = {}
    working = {}
    for standard_id, std in folder.own().items():
        data = dumps_standard(std).encode("utf-8")
        sha = hashlib.sha256(data).hexdigest()
        files[sha] = data
        working[standard_id] = sha
    listed = folder.catalogue()
    if not working and not listed:
        return None, {}
    return {"working": working, "catalogue": listed}, files


def open_work(standard: Standard) -> dict:
    """What is left for the bureau: unplaced items and sections/chapters without a title."""
    unplaced = [(c.number, i.code, i.requirement) for c in standard.clauses() if c.unplaced for i in c.items]
    untitled = [g.number for ch in standard.chapters for g in (ch, *ch.sections)
                if not g.title.strip() and not (g.number.startswith("0"))]
    return {"unplaced": unplaced, "untitled": untitled}


__all__ = ["catalogue", "edition_blobs", "editions", "folder_document", "move_item", "open_work", "publish", "set_group_title",
           "working_copy"]
