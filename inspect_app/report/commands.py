"""`python main.py report build|verify|export`.

    report build INSPECTION_ID [--out FILE] [--draft] [--rebuild] [--pkcs12 FILE --passphrase P]
        A locked inspection: build, sign (PAdES) and keep <data>/reports/<report id>.pdf.
        --draft: an unsigned report of any inspection (header says 草稿).
    report verify FILE.pdf [--hash SHA256] [--trust CERT.pem]
        Every signature with pyHanko's validator, against the roots this data folder knows plus
        --trust. Exit 0: intact and signed by a trusted signer; 1: changed or broken; 3: intact
        but untrusted (2: a usage error). --hash checks the value from paper or the QR code.
    report export --out DIR [--inspection ID ...]
        Signed PDFs of the chosen inspections (default: all locked), manifest.csv/json, one zip.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from inspect_app import paths
from inspect_app.errors import UserError


def _lang(args) -> str:
    return getattr(args, "lang", "zh") or "zh"


def _say(args, zh: str, en: str) -> None:
    print(en if _lang(args) == "en" else zh)


def _signing(args):
    from inspect_app.report.signing import SigningConfig

    if getattr(args, "pkcs12", None):
        return SigningConfig(pkcs12=Path(args.pkcs12), passphrase=args.passphrase)
    return None


def _workspace(args):
    from inspect_app import services

    return services.open_workspace(paths.data_dir(args.data))


def cmd_build(args) -> int:
    from inspect_app.report.export import build_draft, signed_report

    ws = _workspace(args)
    try:
        if args.draft:
            built = build_draft(ws, args.inspection, burn_captions=args.burn_captions)
            out = Path(args.out) if args.out else ws.data_dir / "reports" / "drafts" / f"{built.report_id}-草稿.pdf"
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(built.pdf)
            _say(args, f"已生成未签章草稿：{out}", f"Unsigned draft written: {out}")
            _say(args, f"报告编号 {built.report_id}，内容校验值 {built.content_sha256}",
                 f"report id {built.report_id}, content SHA-256 {built.content_sha256}")
            return 0
        result = signed_report(ws, args.inspection, signing=_signing(args), rebuild=args.rebuild,
                               burn_captions=args.burn_captions)
        if result.signer_notice[0]:
            _say(args, *result.signer_notice)
        verb_zh, verb_en = ("已生成并签章", "Built and signed") if result.created else ("已有签章报告", "Signed report exists")
        _say(args, f"{verb_zh}：{result.path}", f"{verb_en}: {result.path}")
        _say(args, f"报告编号 {result.report_id}，内容校验值 {result.content_sha256}",
             f"report id {result.report_id}, content SHA-256 {result.content_sha256}")
        if args.out:
            out = Path(args.out)
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(result.path, out)
            _say(args, f"已复制到 {out}", f"Copied to {out}")
        return 0
    finally:
        ws.close()


def cmd_verify(args) -> int:
    from inspect_app.report.verify import verify_report

    path = Path(args.file)
    if not path.is_file():
        raise UserError(f"找不到文件 {path}。", f"File not found: {path}.")
    extra = []
    for pem in getattr(args, "trust", None) or []:
        from inspect_app.trust.roots import load_pem_file

        try:
            extra.extend(load_pem_file(Path(pem)))
        except (OSError, ValueError) as exc:
            raise UserError(f"无法读取信任证书 {pem}（需 PEM 格式）：{exc}",
                            f"Cannot read the trusted certificate {pem} (PEM needed): {exc}") from exc
    result = verify_report(path, expected_hash=args.hash, data_dir=paths.data_dir(args.data),
                           signing=_signing(args), extra_trust=extra)
    for line in result.lines(_lang(args)):
        print(line)
    return int(result.code)  # 0 valid and trusted, 1 changed or broken, 3 intact but untrusted


def cmd_export(args) -> int:
    from inspect_app.report.export import export_reports

    ws = _workspace(args)
    try:
        result = export_reports(ws, Path(args.out), args.inspection or None, signing=_signing(args))
    finally:
        ws.close()
    for inspection_id, zh, en in result.skipped:
        _say(args, f"跳过 {inspection_id}：{zh}", f"Skipped {inspection_id}: {en}")
    for row in result.rows:
        print(f"{row.file}  {row.center}  {row.verdict}  A{row.A} B{row.B} C{row.C} D{row.D} NA{row.na}  {row.sha256[:16]}…")
    _say(args, f"共 {len(result.rows)} 份报告；清单 {result.manifest_csv.name} / {result.manifest_json.name}；"
               f"打包文件 {result.zip_path}",
         f"{len(result.rows)} report(s); manifest {result.manifest_csv.name} / {result.manifest_json.name}; "
         f"zip {result.zip_path}")
    return 0 if result.rows or not result.skipped else 1


def _guard(func):
    """Turn a UserError into its sentence and exit code 2 instead of a traceback."""
    def run(args) -> int:
        try:
            return func(args)
        except UserError as exc:
            print(exc.message(_lang(args)))
            return 2
    return run


def register(sub) -> None:
    """Add `report build|verify|export` to the main parser."""
    report = sub.add_parser("report", help="评审报告：生成、核验、导出 (build, verify, export the signed PDF report)")
    actions = report.add_subparsers(dest="report_command", metavar="ACTION", required=True)

    def common(p, signing: bool = True):
        p.add_argument("--lang", choices=("zh", "en"), default="zh", help="message language / 提示语言")
        if signing:
            p.add_argument("--pkcs12", help="PKCS#12 certificate file to sign with (default: this device's key)")
            p.add_argument("--passphrase", default=None,
                           help="its passphrase (or set JICENG_PKCS12_PASSPHRASE)")

    build = actions.add_parser("build", help="生成（并为已锁定的评审签章）报告 / build (and sign) a report")
    build.add_argument("inspection", help="inspection id")
    build.add_argument("--out", help="also copy the PDF here")
    build.add_argument("--draft", action="store_true", help="unsigned draft of any inspection")
    build.add_argument("--rebuild", action="store_true", help="rebuild and re-sign even if a signed report exists")
    build.add_argument("--burn-captions", action="store_true",
                       help="write center, clause and time onto each photo (a copy; the evidence is untouched)")
    common(build)
    build.set_defaults(func=_guard(cmd_build))

    verify = actions.add_parser("verify", help="核验报告签章与内容校验值 / verify signature and content hash")
    verify.add_argument("file", help="report PDF")
    verify.add_argument("--hash", help="content SHA-256 from a printed copy or its QR code")
    verify.add_argument("--trust", action="append", metavar="CERT.pem",
                        help="also trust this root certificate (repeatable) / 另行信任的根证书")
    common(verify)
    verify.set_defaults(func=_guard(cmd_verify))

    export = actions.add_parser("export", help="导出签章报告、清单和压缩包 / export signed PDFs, manifest and zip")
    export.add_argument("--out", required=True, help="output folder")
    export.add_argument("--inspection", action="append", help="inspection id (repeatable; default: all locked)")
    common(export)
    export.set_defaults(func=_guard(cmd_export))

    from inspect_app.report.results_xlsx import register_xlsx  # report xlsx: results as Excel (issue 15)
    register_xlsx(actions, common, _guard, _workspace)
