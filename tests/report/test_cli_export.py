"""The real path: an inspection kept by the store, signed and locked through services, then
`report build|verify|export` through main.py's parser."""

from __future__ import annotations

import csv
import json
import zipfile

import pytest

from inspect_app import services
from inspect_app.cli import main
from inspect_app.report.content import report_id
from inspect_app.report.export import export_bundle, reports_dir
from tests.report.workflow import sign_and_lock, walk


@pytest.fixture
def workspace(tmp_path):
    data = tmp_path / "data"
    ws = services.open_workspace(data)
    locked = walk(ws, "青石镇中心卫生院", code="52010200001")
    unlocked = walk(ws, "白云社区卫生服务中心", code="52010200001", lock=False)
    ws.close()
    return data, locked, unlocked


def test_build_verify_export_through_the_cli(workspace, tmp_path, capsys):
    data, locked, unlocked = workspace

    assert main(["--data", str(data), "report", "build", locked]) == 0
    out = capsys.readouterr().out
    assert "创建本机签章密钥" in out and "已生成并签章" in out
    pdfs = list(reports_dir(data).glob("*.pdf"))
    assert len(pdfs) == 1
    signed = pdfs[0]
    # gaps from inspect_app/evidence_rules.py (photos were attached per clause, not per item)
    from pypdf import PdfReader
    text = "".join(page.extract_text() for page in PdfReader(signed).pages)
    assert "佐证材料缺失清单" in text and "需资料页照片" in text

    assert main(["--data", str(data), "report", "verify", str(signed)]) == 0
    assert "有效" in capsys.readouterr().out
    assert main(["--data", str(data), "report", "verify", "--lang", "en", str(signed)]) == 0
    assert "VALID" in capsys.readouterr().out

    tampered = tmp_path / "tampered.pdf"
    raw = bytearray(signed.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    tampered.write_bytes(bytes(raw))
    assert main(["--data", str(data), "report", "verify", str(tampered)]) == 1
    assert "无效" in capsys.readouterr().out

    # building again for the same revision reuses the signed file
    before = signed.read_bytes()
    assert main(["--data", str(data), "report", "build", locked]) == 0
    assert "已有签章报告" in capsys.readouterr().out and signed.read_bytes() == before

    # an unlocked inspection: a clear message, and a draft on request
    assert main(["--data", str(data), "report", "build", unlocked]) == 2
    assert "锁定" in capsys.readouterr().out
    draft = tmp_path / "draft.pdf"
    assert main(["--data", str(data), "report", "build", unlocked, "--draft", "--out", str(draft)]) == 0
    assert draft.read_bytes().startswith(b"%PDF")

    out_dir = tmp_path / "bureau"
    assert main(["--data", str(data), "report", "export", "--out", str(out_dir),
                 "--inspection", locked, "--inspection", unlocked]) == 0
    printed = capsys.readouterr().out
    assert "跳过" in printed and "共 1 份报告" in printed

    rows = list(csv.DictReader((out_dir / "manifest.csv").read_text("utf-8-sig").splitlines()))
    assert len(rows) == 1
    row = rows[0]
    # Chinese headers; the code kept as text for Excel; the verdict worded as on the cover
    assert row["机构名称"] == "青石镇中心卫生院" and row["机构代码"] == '="52010200001"'
    assert row["评审结论"] == "未达到基本标准"
    assert (row["A级条款数"], row["B级条款数"], row["C级条款数"], row["D级（不合格）条款数"], row["不适用条款数"]) == (
        "1", "3", "1", "3", "1")
    import hashlib
    assert row["文件SHA-256"] == hashlib.sha256((out_dir / row["报告文件"]).read_bytes()).hexdigest()
    manifest = json.loads((out_dir / "manifest.json").read_text("utf-8"))
    assert manifest["reports"][0]["content_sha256"] == row["报告内容校验值"]
    assert manifest["reports"][0]["verdict"] == "未达到基本标准"
    with zipfile.ZipFile(out_dir / "jiceng-reports.zip") as zf:
        assert sorted(zf.namelist()) == sorted(["manifest.csv", "manifest.xlsx", "manifest.json", row["报告文件"]])
        assert zf.read(row["报告文件"]) == signed.read_bytes()


def test_export_defaults_to_every_locked_inspection_and_bundle_is_reproducible(workspace, tmp_path):
    data, locked, _ = workspace
    ws = services.open_workspace(data)
    try:
        from inspect_app.report.export import export_reports

        first = export_reports(ws, tmp_path / "a")
        ins = services.get_inspection(ws, locked)
    finally:
        ws.close()
    assert [r.report_id for r in first.rows] == [report_id(ins)]
    second = export_bundle(first.files, tmp_path / "b")
    assert (tmp_path / "a" / "jiceng-reports.zip").read_bytes() == (tmp_path / "b" / "jiceng-reports.zip").read_bytes()
    assert second.rows == first.rows


def test_a_re_scored_revision_names_the_earlier_one_and_why(workspace, tmp_path):
    from pypdf import PdfReader

    from inspect_app.report.builder import build_report
    from inspect_app.report.source import report_input

    data, locked, _ = workspace
    ws = services.open_workspace(data)
    services.new_revision(ws, locked, "机构整改后复核 1.1.2", actor="王喆")
    services.rate_item(ws, locked, "1.1.2", "A-1", "met", actor="王喆")
    sign_and_lock(ws, locked)
    built = build_report(report_input(ws, locked))
    ws.close()
    out = tmp_path / "r2.pdf"  # kept on disk so a failing run can be rendered and looked at
    out.write_bytes(built.pdf)
    text = "".join(page.extract_text() for page in PdfReader(out).pages[:1])
    assert "第 2 版（机构整改后复核 1.1.2）" in text
    assert "修订记录" in text and "第 1 版（初次评审）" in text
    assert built.content.input.earlier_revisions[0].revision == 1


def test_burned_captions_change_the_report_photos_not_the_evidence(workspace, tmp_path):
    import hashlib
    import io

    from PIL import Image, ImageStat
    from pypdf import PdfReader

    from inspect_app.report.export import build_draft

    data, locked, _ = workspace
    ws = services.open_workspace(data)
    record = services.snapshot(ws, locked).live_evidence[0]
    stored = ws.photos.stored_path(record.sha256)
    before = hashlib.sha256(stored.read_bytes()).hexdigest()
    plain = build_draft(ws, locked)
    burned = build_draft(ws, locked, burn_captions=True)
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == before  # evidence untouched
    assert plain.content_sha256 == burned.content_sha256  # photos are referenced by hash, not pixels
    ws.close()

    def first_photo(pdf: bytes) -> Image.Image:
        reader = PdfReader(io.BytesIO(pdf))
        for page in reader.pages:
            for image in page.images:
                picture = Image.open(io.BytesIO(image.data))
                if picture.format == "JPEG":  # photos; signatures are PNG
                    return picture.convert("L")
        raise AssertionError("no photo in the appendix")

    a, b = first_photo(plain.pdf), first_photo(burned.pdf)
    assert a.size == b.size
    band = (0, b.height - b.height // 12, b.width, b.height)  # the caption's dark band
    mean = lambda im: ImageStat.Stat(im.crop(band)).mean[0]  # noqa: E731
    assert mean(b) < mean(a) - 20
