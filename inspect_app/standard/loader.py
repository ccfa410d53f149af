"""Reading and writing a standard file (评价标准文件): pretty UTF-8 JSON, versioned.

Saving is deterministic: the same standard always gives the same bytes, so a
regenerated file can be compared with the shipped one and diffs stay readable.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from inspect_app.errors import UserError
from inspect_app.standard.model import FORMAT_VERSION, ItemLevel, Standard, StandardKind, standard_json_schema

SCHEMA_FILE_NAME = "standard.schema.json"


# -- writing -----------------------------------------------------------------
def standard_to_data(standard: Standard) -> dict:
    data = standard.model_dump(mode="json")
    # min_percent is a dict: write it in level order (C, B, A) whatever order it was built in.
    for tier in data["verdict_rules"]["tiers"]:
        for rule in tier["rules"]:
            rule["min_percent"] = {k: rule["min_percent"][k] for k in sorted(rule["min_percent"], key=_level_rank)}
    return data


def dumps_standard(standard: Standard) -> str:
    return pretty_json(standard_to_data(standard))


def pretty_json(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def save_standard(standard: Standard, path: Path | str) -> Path:
    """Write atomically (temp file + rename) so a crash never leaves half a standard."""
    return write_text_atomically(Path(path), dumps_standard(standard))


def write_text_atomically(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; a standard file is meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def content_hash(standard: Standard) -> str:
    """sha256 of canonical JSON (sorted keys, no spaces): the inspection's standard_version."""
    canonical = json.dumps(standard_to_data(standard), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def standard_version(standard: Standard) -> str:
    """Edition plus content hash (`Inspection.standard_version`): a report names exactly the text
    that was used. The one definition; the app (services) and the hub's catalogue both use it."""
    return f"{standard.edition or '-'}+{content_hash(standard)[:12]}"


def schema_text() -> str:
    return pretty_json(standard_json_schema())


# -- reading -----------------------------------------------------------------
def loads_standard(text: str, *, name: str = "") -> Standard:
    """Parse a standard from JSON text; every problem is a UserError naming the place."""
    where = f"{name}：" if name else ""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(
            f"{where}第 {exc.lineno} 行第 {exc.colno} 列：不是有效的 JSON（{exc.msg}）。请检查该处的括号、逗号或引号。",
            f"{name}: line {exc.lineno} column {exc.colno}: not valid JSON ({exc.msg}). Check brackets, commas or quotes there.",
        ) from exc
    return standard_from_data(data, name=name)


def standard_from_data(data: object, *, name: str = "") -> Standard:
    where = f"{name}：" if name else ""
    if not isinstance(data, dict):
        raise UserError(f"{where}文件顶层应为一个对象 {{…}}。", f"{name}: the top level must be an object {{...}}.")
    version = data.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise UserError(
            f"{where}缺少整数 format_version 字段，无法判断文件格式版本。",
            f"{name}: missing integer format_version; cannot tell the file format version.",
        )
    if version > FORMAT_VERSION:
        raise UserError(
            f"{where}此评价标准文件的格式版本为 {version}，本程序只支持到版本 {FORMAT_VERSION}。请升级本程序后再打开。",
            f"{name}: this standard file has format version {version}; this program reads up to {FORMAT_VERSION}. "
            "Update the program to open it.",
        )
    try:
        return Standard.model_validate(data)
    except ValidationError as exc:
        lines_zh, lines_en = [], []
        for err in exc.errors():
            place = describe_location(data, err["loc"])
            lines_zh.append(f"  {place}：{err['msg']}")
            lines_en.append(f"  {place}: {err['msg']}")
        raise UserError(
            f"{where}评价标准文件内容有误（{exc.error_count()} 处）：\n" + "\n".join(lines_zh),
            f"{name}: the standard file has {exc.error_count()} error(s):\n" + "\n".join(lines_en),
        ) from exc


def describe_location(data: object, loc: tuple) -> str:
    """('chapters', 1, 'sections', 0, 'clauses', 2, 'items', 0, 'level') →
    'chapters[1].sections[0].clauses[2] (条款 2.2.3.1).items[0] (【C-1】).level'."""
    parts: list[str] = []
    node = data
    for key in loc:
        if isinstance(key, int):
            parts[-1:] = [f"{parts[-1]}[{key}]"] if parts else [f"[{key}]"]
            node = node[key] if isinstance(node, list) and key < len(node) else None
            label = _label(node)
            if label:
                parts[-1] += f" ({label})"
        else:
            parts.append(str(key))
            node = node.get(key) if isinstance(node, dict) else None
    return ".".join(parts) or "(顶层)"


def _label(node: object) -> str:
    if not isinstance(node, dict):
        return ""
    if "code" in node and isinstance(node["code"], str):
        return f"【{node['code']}】"
    if "number" in node and isinstance(node["number"], str):
        return f"{node['number']}"
    if "id" in node and isinstance(node["id"], str):
        return node["id"]
    return ""


def load_standard(path: Path | str) -> Standard:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise UserError(f"找不到评价标准文件：{path}", f"Standard file not found: {path}") from exc
    except UnicodeDecodeError as exc:
        raise UserError(
            f"{path}：文件不是 UTF-8 编码（第 {exc.start} 字节）。请另存为 UTF-8。",
            f"{path}: not UTF-8 (byte {exc.start}). Save it as UTF-8.",
        ) from exc
    return loads_standard(text, name=str(path))


# -- registry ----------------------------------------------------------------
@dataclass(frozen=True)
class StandardInfo:
    """One row of the standards list (评价标准目录)."""

    id: str
    title: str
    edition: str
    kind: StandardKind
    path: Path
    clause_count: int
    item_count: int
    coverage_zh: str = ""  # 节选：含本版 100 条条款中的 18 条，仅含 C 级条目 (coverage.coverage_text)
    coverage_en: str = ""
    excerpt: bool = False


def list_standards(directory: Path | str, problems: list[tuple[Path, UserError]] | None = None, *,
                   published: Path | str | None = None) -> list[StandardInfo]:
    """Every readable standard in a folder, sorted by id. Unreadable files are left out and,
    when `problems` is given, appended to it so the caller can show them. A file in `published`
    (editions the bureau distributed, fetched by sync) supersedes the folder's file of the same name."""
    newer = sorted(Path(published).glob("*.json")) if published else []
    superseded = {p.name for p in newer}
    rows = []
    for path in [p for p in sorted(Path(directory).glob("*.json")) if p.name not in superseded] + newer:
        if path.name.endswith(".schema.json"):
            continue
        try:
            std = load_standard(path)
        except UserError as err:
            if problems is not None:
                problems.append((path, err))
            continue
        from inspect_app.standard.coverage import coverage_text

        placed = std.assessable()  # what inspectors rate: unplaced items (未归位) are not counted
        rows.append(StandardInfo(std.id, std.title, std.edition, std.kind, path, len(placed.clauses()), placed.item_count(),
                                 coverage_text(std, "zh"), coverage_text(std, "en"), std.is_excerpt))
    return sorted(rows, key=lambda r: (r.id, str(r.path)))


def _level_rank(key: str) -> int:
    try:
        return ItemLevel(key).rank
    except ValueError:
        return 99
