"""Signed reports in the tablet app: build one, export many for the bureau, and the download
routes' file look-ups (only files inside <data>/reports/ and <data>/exports/<stamp>/).

The work is the report engineer's (inspect_app/report/export.py); these are the small, tested
functions the sign and home screens call in a worker thread (asyncio.to_thread), and that
ui/server.py uses to serve /reports/<name> and /exports/<stamp>/<name> (404 for anything else).
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from inspect_app.clock import local
from inspect_app import services
from inspect_app.errors import UserError
from inspect_app.inspection import InspectionStatus

EXPORTS = "exports"
REPORT_NAME = re.compile(r"^JCR-\d{8}-[0-9A-F]{6}-R\d{1,4}\.pdf$")
EXPORT_STAMP = re.compile(r"^\d{8}-\d{6}(-\d{1,3})?$")
EXPORT_FILE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,100}(\.[A-Za-z0-9]{1,8})?$")
MEDIA_TYPES = {".pdf": "application/pdf", ".zip": "application/zip", ".csv": "text/csv; charset=utf-8",
               ".json": "application/json",
               ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}

NOTHING_LOCKED = UserError("还没有已锁定的评审，暂无签章报告可导出。请先在“签名”页完成签名并锁定评审。",
                           "No locked inspection yet, so there is no signed report to export. "
                           "Sign and lock an inspection first (Sign screen).")


@dataclass(frozen=True)
class ReportDownload:
    path: Path
    url: str
    created: bool
    notice: tuple[str, str]  # (zh, en): which key signed, said once when it was just created


@dataclass(frozen=True)
class ExportDownload:
    folder: Path
    url: str  # of the zip
    count: int
    skipped: list[tuple[str, str, str]]  # (inspection id, zh, en)


def report_url(path: Path) -> str:
    return f"/reports/{path.name}"


def existing_report(ws, inspection) -> Path | None:
    """The signed PDF of this locked revision if it was already made (no building here)."""
    from inspect_app.report.export import signed_report_path

    if inspection.status is not InspectionStatus.LOCKED:
        return None
    path = signed_report_path(ws.data_dir, inspection)
    return path if path.is_file() else None


def make_signed_report(ws, inspection_id: str) -> ReportDownload:
    """Build and sign (once per revision) the report of a locked inspection. Raises UserError:
    not locked, or a signing key problem (unreadable PKCS#12, wrong passphrase)."""
    from inspect_app.report.export import signed_report

    with _storage_said(("签章报告", "the signed report")):
        made = signed_report(ws, inspection_id)
    return ReportDownload(path=made.path, url=report_url(made.path), created=made.created,
                          notice=made.signer_notice)


def locked_inspections(ws) -> list:
    return services.list_inspections(ws, status=InspectionStatus.LOCKED)


def new_export_folder(data_dir: Path, now: datetime | None = None) -> Path:
    """<data>/exports/<YYYYMMDD-HHMMSS>[-n]/, created empty (never an earlier export's folder)."""
    root = Path(data_dir) / EXPORTS
    root.mkdir(parents=True, exist_ok=True)
    stamp = (now or local(datetime.now(timezone.utc))).strftime("%Y%m%d-%H%M%S")  # clock.py zone
    for n in range(1000):
        folder = root / (stamp if n == 0 else f"{stamp}-{n}")
        try:
            folder.mkdir()
            return folder
        except FileExistsError:
            continue
    raise UserError("导出文件夹已存在过多，请稍后再试。", "Too many export folders for this second; try again.")


def export_for_bureau(ws, inspection_ids: list[str] | None = None, now: datetime | None = None) -> ExportDownload:
    """Signed PDFs + manifest.csv/json + one zip of the chosen locked inspections (default:
    every locked one) into <data>/exports/<timestamp>/. Raises UserError when nothing is locked
    (or nothing chosen is) and for a signing key problem."""
    from inspect_app.report.export import export_reports

    if inspection_ids is not None and not inspection_ids:
        raise UserError("请至少勾选一项评审。", "Tick at least one inspection.")
    if not inspection_ids and not locked_inspections(ws):
        raise NOTHING_LOCKED
    with _storage_said(("导出文件", "the export")):
        folder = new_export_folder(ws.data_dir, now)
    try:
        with _storage_said(("导出文件", "the export")):
            result = export_reports(ws, folder, inspection_ids or None)
    except Exception:
        _remove_tree(folder)  # no half-made export folder left behind
        raise
    if not result.rows:
        _remove_tree(folder)
        raise NOTHING_LOCKED
    return ExportDownload(folder=folder, url=f"/{EXPORTS}/{folder.name}/{result.zip_path.name}",
                          count=len(result.rows), skipped=list(result.skipped))


@contextmanager
def _storage_said(what: tuple[str, str]):
    """A full disk (or read-only storage) while writing a report: a message, not a raw OSError."""
    from inspect_app.store.errors import storage_error

    try:
        yield
    except OSError as exc:
        said = storage_error(exc, getattr(exc, "filename", None), what)
        if said is None:
            raise
        raise said from exc


def _remove_tree(folder: Path) -> None:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)


# ---------------------------------------------------------------- download look-ups


def report_file(data_dir: Path, name: str) -> Path | None:
    """A signed report by its file name (JCR-….pdf in <data>/reports/), else None."""
    from inspect_app.report.export import reports_dir

    if not REPORT_NAME.match(name or ""):
        return None
    return _inside(reports_dir(data_dir), name)


def export_file(data_dir: Path, stamp: str, name: str) -> Path | None:
    """A file of one export (<data>/exports/<stamp>/<name>), else None."""
    if not EXPORT_STAMP.match(stamp or "") or not EXPORT_FILE.match(name or ""):
        return None
    return _inside(Path(data_dir) / EXPORTS / stamp, name)


def _inside(folder: Path, name: str) -> Path | None:
    path = folder / name
    try:
        if not path.is_file() or path.resolve().parent != folder.resolve():
            return None
    except OSError:
        return None
    return path


def media_type(path: Path) -> str:
    return MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream")
