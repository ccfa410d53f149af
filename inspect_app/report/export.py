"""Signed reports on disk, and the bundle for the bureau: PDFs + manifest (CSV and JSON) + one zip.

Signed reports live in `<data>/reports/<report id>.pdf`, one per inspection revision. The UI and
the CLI call `signed_report` (build and sign a locked inspection, once per revision) and
`export_reports` (bundle chosen inspections); the hub, which holds PDFs rather than a workspace,
calls `export_bundle` with the PDF files: every manifest row is read back from the report's
embedded content, so the manifest says exactly what the signed files say.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from inspect_app import services
from inspect_app.errors import UserError
from inspect_app.inspection import Inspection, InspectionStatus
from inspect_app.report.builder import BuiltReport, build_report
from inspect_app.report.content import report_id as make_report_id
from inspect_app.report.signing import ReportSigner, SigningConfig, get_signer, require_locked, sign_report
from inspect_app.report.source import report_input
from inspect_app.report.verify import read_embedded_content

REPORTS_DIR = "reports"
MANIFEST_CSV = "manifest.csv"
MANIFEST_JSON = "manifest.json"
ZIP_NAME = "jiceng-reports.zip"
# manifest.json keys (manifest.csv / manifest.xlsx carry Chinese headers: report/manifest.py)
MANIFEST_FIELDS = ("center", "code", "county", "report_id", "inspection_id", "revision", "standard", "edition",
                   "verdict", "provisional", "A", "B", "C", "D", "incomplete", "na", "file", "sha256",
                   "content_sha256", "bytes", "registration_code", "stage", "evaluation_date",
                   "basic_c", "basic_b", "basic_a", "recommended_c", "recommended_b", "recommended_a",
                   "self_verdict", "consistency", "kappa", "item_agreement", "disagreements")
# Fixed member time: the same PDFs give the same zip.
_ZIP_TIME = (2000, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class ManifestRow:
    center: str
    code: str
    county: str
    report_id: str
    inspection_id: str
    revision: int
    standard: str
    edition: str
    verdict: str
    provisional: bool
    A: int
    B: int
    C: int
    D: int
    incomplete: int
    na: int
    file: str
    sha256: str  # of the PDF file as sent
    content_sha256: str  # printed on the cover and in its QR code
    bytes: int
    # for the bureau (manifest.py writes them with Chinese headers): as the cover says them
    registration_code: str = ""
    stage: str = ""  # 评价阶段, e.g. 县级审核
    evaluation_date: str = ""  # 评审日期 in the inspection's zone, e.g. 2026-12-02 or 2026-12-02 至 2026-12-03
    basic_c: str = ""  # 基本条款 C级及以上 share, e.g. "95.4%" ("" when none applies)
    basic_b: str = ""
    basic_a: str = ""
    recommended_c: str = ""  # 推荐条款★ shares ("" for a standard without ★ clauses)
    recommended_b: str = ""
    recommended_a: str = ""
    # against the center's self-assessment (report/consistency.py): 机构自评结论, 等级一致率 …
    self_verdict: str = ""
    consistency: str = ""
    kappa: str = ""
    item_agreement: str = ""
    disagreements: str = ""


@dataclass(frozen=True)
class SignedReport:
    path: Path
    report_id: str
    content_sha256: str
    created: bool  # built and signed just now (False: the stored one for this revision)
    signer_notice: tuple[str, str] = ("", "")  # (zh, en): which key signed, and if it was just created


@dataclass(frozen=True)
class ExportResult:
    folder: Path
    files: list[Path]
    manifest_csv: Path
    manifest_json: Path
    zip_path: Path
    rows: list[ManifestRow]
    skipped: list[tuple[str, str, str]]  # (inspection id, zh, en)
    manifest_xlsx: Path | None = None


def reports_dir(data_dir: Path) -> Path:
    return Path(data_dir) / REPORTS_DIR


def signed_report_path(data_dir: Path, inspection: Inspection) -> Path:
    """Where the signed report of this revision is kept (it may not exist yet)."""
    return reports_dir(data_dir) / f"{make_report_id(inspection)}.pdf"


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def build_draft(ws: services.Workspace, inspection_id: str, gaps=None, *, burn_captions: bool = False) -> BuiltReport:
    """The unsigned report of any inspection (a draft says so in every page header)."""
    return build_report(report_input(ws, inspection_id, gaps, burn_captions=burn_captions))


def signed_report(ws: services.Workspace, inspection_id: str, *, signing: SigningConfig | None = None,
                  gaps=None, rebuild: bool = False, signer: ReportSigner | None = None,
                  burn_captions: bool = False) -> SignedReport:
    """The signed report of a locked inspection's current revision: built and signed on first
    call, then read from `<data>/reports/` (a revision never changes once locked)."""
    inspection = services.get_inspection(ws, inspection_id)
    require_locked(inspection)
    rid = make_report_id(inspection)
    path = signed_report_path(ws.data_dir, inspection)
    if path.is_file() and not rebuild:
        _, content_sha = report_content(path)
        return SignedReport(path=path, report_id=rid, content_sha256=content_sha, created=False)
    built = build_report(report_input(ws, inspection_id, gaps, burn_captions=burn_captions))
    if path.is_file():  # --rebuild: a locked revision's content never changes
        _, stored_sha = report_content(path)
        if stored_sha != built.content_sha256:
            raise UserError(
                f"报告 {rid} 已签章，重新生成的内容与已签章报告不同（{stored_sha[:12]}… ≠ {built.content_sha256[:12]}…），"
                "已拒绝覆盖。如需更改，请创建新修订版并说明原因。",
                f"Report {rid} is signed and a rebuild gives different content ({stored_sha[:12]}… ≠ "
                f"{built.content_sha256[:12]}…): refused. To change it, open a new revision with a reason.")
    signer = signer or get_signer(ws.data_dir, signing)
    center = built.content.center
    signed = sign_report(built.pdf, signer, location=center.county or center.name,
                         reason=f"优质服务基层行现场评审报告 {rid}", stamp=built.stamp,
                         zone=getattr(inspection, "time_zone", None))
    _write_atomic(path, signed.pdf)
    notes = [(signer.notice("zh"), signer.notice("en")), *signed.notes]
    return SignedReport(path=path, report_id=rid, content_sha256=built.content_sha256, created=True,
                        signer_notice=(" ".join(n[0] for n in notes), " ".join(n[1] for n in notes)))


# ---------------------------------------------------------------- manifest and bundle


def report_content(pdf: Path | bytes) -> tuple[dict, str]:
    """The canonical content embedded in a report PDF (see content.py) and its SHA-256."""
    raw = pdf if isinstance(pdf, bytes) else Path(pdf).read_bytes()
    data = read_embedded_content(raw)
    if data is None:
        name = getattr(pdf, "name", "")
        raise UserError(f"{name or '该文件'} 不是本系统生成的评审报告（缺少报告内容）。",
                        f"{name or 'The file'} is not a report made by this app (no report content).")
    return json.loads(data), hashlib.sha256(data).hexdigest()


def manifest_row(pdf: Path, file_name: str | None = None) -> ManifestRow:
    raw = Path(pdf).read_bytes()
    doc, content_sha = report_content(raw)
    counts = {k: doc["counts"]["basic"][k] + doc["counts"]["recommended"][k]
              for k in ("A", "B", "C", "D", "incomplete", "na")}
    from inspect_app.report.consistency import consistency_fields
    from inspect_app.report.manifest import bureau_fields

    return ManifestRow(
        center=doc["center"]["name"], code=doc["center"]["code"], county=doc["center"]["county"],
        report_id=doc["report_id"], inspection_id=doc["inspection"]["id"], revision=doc["inspection"]["revision"],
        standard=doc["standard"]["title"], edition=doc["standard"]["edition"],
        verdict=doc["verdict"].get("wording") or doc["verdict"]["name"], provisional=doc["verdict"]["provisional"],
        **counts, file=file_name or Path(pdf).name, sha256=hashlib.sha256(raw).hexdigest(),
        content_sha256=content_sha, bytes=len(raw), **bureau_fields(doc), **consistency_fields(doc),
    )


def export_bundle(pdfs: Iterable[Path], out_dir: Path, zip_name: str = ZIP_NAME) -> ExportResult:
    """Copy report PDFs into `out_dir`, write manifest.csv (UTF-8 with BOM, opens in Excel) and
    manifest.json, and pack all of them into one zip for the bureau."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rows: list[ManifestRow] = []
    files: list[Path] = []
    for pdf in sorted({Path(p).resolve() for p in pdfs}, key=lambda p: p.name):
        target = out_dir / pdf.name
        if target.resolve() != pdf:
            shutil.copyfile(pdf, target)
        files.append(target)
        rows.append(manifest_row(target))
    rows.sort(key=lambda r: (r.county, r.code, r.center, r.report_id))

    from inspect_app.report.manifest import MANIFEST_XLSX, manifest_csv_bytes, manifest_xlsx_bytes

    csv_path, json_path, xlsx_path = out_dir / MANIFEST_CSV, out_dir / MANIFEST_JSON, out_dir / MANIFEST_XLSX
    _write_atomic(csv_path, manifest_csv_bytes(rows))
    _write_atomic(xlsx_path, manifest_xlsx_bytes(rows))
    _write_atomic(json_path, json.dumps({"reports": [asdict(r) for r in rows]}, ensure_ascii=False,
                                        indent=2, sort_keys=True).encode("utf-8"))

    zip_path = out_dir / zip_name
    tmp = zip_path.with_name(f".{zip_name}.tmp")
    with zipfile.ZipFile(tmp, "w") as zf:
        for path in [csv_path, xlsx_path, json_path, *sorted(files, key=lambda p: p.name)]:
            info = zipfile.ZipInfo(path.name, date_time=_ZIP_TIME)
            # PDFs are mostly JPEG and deflate streams already: store them; deflate the manifests.
            info.compress_type = zipfile.ZIP_STORED if path.suffix == ".pdf" else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            with open(path, "rb") as src, zf.open(info, "w") as dst:
                shutil.copyfileobj(src, dst, 1024 * 1024)
    os.replace(tmp, zip_path)
    return ExportResult(folder=out_dir, files=files, manifest_csv=csv_path, manifest_json=json_path,
                        zip_path=zip_path, rows=rows, skipped=[], manifest_xlsx=xlsx_path)


def export_reports(ws: services.Workspace, out_dir: Path, inspection_ids: Sequence[str] | None = None, *,
                   signing: SigningConfig | None = None) -> ExportResult:
    """Every signed report of the chosen inspections (default: all locked ones), signing any
    locked revision that has no report yet; unlocked inspections are skipped and listed."""
    if inspection_ids:
        chosen = list(dict.fromkeys(inspection_ids))
    else:
        chosen = [i.id for i in services.list_inspections(ws, status=InspectionStatus.LOCKED)]
    pdfs: list[Path] = []
    skipped: list[tuple[str, str, str]] = []
    signer: ReportSigner | None = None
    for inspection_id in chosen:
        try:
            inspection = services.get_inspection(ws, inspection_id)
        except Exception:  # noqa: BLE001 - an unknown id is reported, not fatal for the rest
            skipped.append((inspection_id, "找不到该评审。", "Inspection not found."))
            continue
        if inspection.status is not InspectionStatus.LOCKED:
            skipped.append((inspection_id, f"评审未锁定（{inspection.status.value}），没有签章报告。",
                            f"Not locked ({inspection.status.value}): no signed report."))
            continue
        if signer is None and not signed_report_path(ws.data_dir, inspection).is_file():
            signer = get_signer(ws.data_dir, signing)
        pdfs.append(signed_report(ws, inspection_id, signing=signing, signer=signer).path)
    result = export_bundle(pdfs, out_dir)
    return ExportResult(**{**result.__dict__, "skipped": skipped})


__all__ = ["ExportResult", "ManifestRow", "SignedReport", "build_draft", "export_bundle", "export_reports",
           "manifest_row", "report_content", "reports_dir", "signed_report"]
