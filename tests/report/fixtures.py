"""Inspections to build reports from: a synthetic standard where every level appears, and a full
inspection of any standard (the shipped township standard when it exists)."""

from __future__ import annotations

import io
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

from PIL import Image, ImageDraw

from inspect_app.inspection import (
    EvidenceRecord, EvidenceTarget, Finding, HealthCenter, Inspection, InspectionStatus, ItemRating,
    ItemResult, OverallAssessment, Signature, TeamMember, TeamRole,
)
from inspect_app.report.content import EvidenceGap, ReportInput
from inspect_app.standard.defaults import default_verdict_rules
from inspect_app.standard.model import (
    Chapter, Clause, ClauseKind, DerivedRule, Item, ItemLevel, Prerequisite, Section, Standard, StandardKind,
)
from inspect_app.evidence.store import sha256_hex

L = ItemLevel
START = datetime(2024, 5, 20, 1, 30, tzinfo=timezone.utc)
CENTER_NAME = "青石镇中心卫生院"


def _item(code: str, text: str, **kw) -> Item:
    return Item(code=code, level=L(code[0]), requirement=text, method="查阅资料，现场查看", **kw)


TITLES = {
    "1.1.1": "设置与功能定位", "1.1.2": "科室设置", "1.2.1": "床位与设备配置", "1.2.2": "人员配备",
    "2.1.1": "门诊服务", "2.1.2": "急诊急救服务", "2.2.1": "居民健康档案管理", "2.2.2": "健康教育",
    "2.2.3": "公共卫生服务综合评价",
}


def synthetic_standard() -> Standard:
    """Two chapters with C/B/A items, ★ recommended clauses, a derived clause and a derived item."""
    def clause(number, kind=ClauseKind.BASIC, items=None, **kw):
        items = items or (
            _item("C-1", f"{TITLES[number]}：有明确的制度与职责分工，并严格落实。"),
            _item("C-2", "有相关记录，记录完整、规范，可追溯。"),
            _item("B-1", "符合C级标准，并定期开展自查，有分析、有整改。"),
            _item("A-1", "符合B级标准，持续改进有成效，相关指标优于全县平均水平。"),
        )
        return Clause(number=number, title=TITLES[number], kind=kind, items=items, **kw)

    ch1 = Chapter(number="1", title="功能任务和资源配置", sections=(
        Section(number="1.1", title="功能任务", clauses=(clause("1.1.1"), clause("1.1.2"))),
        Section(number="1.2", title="资源配置", clauses=(clause("1.2.1"), clause("1.2.2", ClauseKind.RECOMMENDED))),
    ))
    ch2 = Chapter(number="2", title="基本医疗和公共卫生服务", sections=(
        Section(number="2.1", title="基本医疗服务", clauses=(
            clause("2.1.1"),
            clause("2.1.2", ClauseKind.RECOMMENDED, items=(
                _item("C-1", "能够开展常见急症的初步诊断和急救处理，配备急救药品和设备。"),
                _item("C-2", "有急诊急救转诊制度与流程。"),
                _item("B-1", "与上级医院建立急诊转诊绿色通道。", derived=DerivedRule(sources=("2.1.1",), min_level=L.B)),
            )),
        )),
        Section(number="2.2", title="基本公共卫生服务", clauses=(
            clause("2.2.1"), clause("2.2.2"),
            Clause(number="2.2.3", title=TITLES["2.2.3"],
                   derived=DerivedRule(sources=("2.2.1", "2.2.2"), min_level=L.C, stated_count=2)),
        )),
    ))
    return Standard(
        id="synthetic", title="乡镇卫生院服务能力评价指南（测试）", edition="2018版",
        prerequisites=(Prerequisite(id="P1", text="执业许可证在有效期内"),),
        verdict_rules=default_verdict_rules(StandardKind.GRADED), chapters=(ch1, ch2),
    )


# clause -> item code -> result, chosen so that A, B, C, D and N/A all appear
SYNTHETIC_RESULTS = {
    "1.1.1": {"C-1": "met", "C-2": "met", "B-1": "met", "A-1": "met"},  # A
    "1.1.2": {"C-1": "met", "C-2": "met", "B-1": "met", "A-1": "not_met"},  # B
    "1.2.1": {"C-1": "met", "C-2": "met", "B-1": "not_met", "A-1": "not_met"},  # C
    "1.2.2": {"C-1": "not_met", "C-2": "met", "B-1": "not_met", "A-1": "not_met"},  # D ★
    "2.1.1": {"C-1": "met", "C-2": "met", "B-1": "met", "A-1": "na"},  # B
    "2.1.2": {"C-1": "met", "C-2": "met"},  # B-1 derived from 2.1.1 (B) -> B ★
    "2.2.1": {"C-1": "na", "C-2": "na", "B-1": "na", "A-1": "na"},  # N/A
    "2.2.2": {"C-1": "not_met", "C-2": "met", "B-1": "not_met", "A-1": "not_met"},  # D
}


def jpeg(seed: int, size=(800, 600), noise: bool = False, quality: int = 85) -> bytes:
    """A small test photo: coloured blocks and a label, or random noise (does not compress)."""
    rnd = random.Random(seed)
    if noise:
        image = Image.frombytes("RGB", size, rnd.randbytes(size[0] * size[1] * 3))
    else:
        image = Image.new("RGB", size, (rnd.randrange(60, 200), rnd.randrange(60, 200), rnd.randrange(60, 200)))
        draw = ImageDraw.Draw(image)
        for _ in range(6):
            x, y = rnd.randrange(size[0]), rnd.randrange(size[1])
            draw.rectangle((x, y, x + size[0] // 4, y + size[1] // 4),
                           fill=(rnd.randrange(256), rnd.randrange(256), rnd.randrange(256)))
        draw.text((20, 20), f"photo {seed}", fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def signature_png(text: str, seed: int) -> bytes:
    rnd = random.Random(seed)
    image = Image.new("RGBA", (600, 220), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    points = [(40 + i * 26, 110 + rnd.randrange(-60, 60)) for i in range(21)]
    draw.line(points, fill=(20, 20, 120, 255), width=6, joint="curve")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


class ImageFolder:
    """Stand-in for the photo store: files named by sha256 in a folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def put(self, data: bytes, suffix: str) -> str:
        sha = sha256_hex(data)
        (self.root / f"{sha}.{suffix}").write_bytes(data)
        return sha

    def __call__(self, sha: str) -> Path | None:
        for suffix in ("jpg", "png"):
            path = self.root / f"{sha}.{suffix}"
            if path.is_file():
                return path
        return None


def full_inspection(standard: Standard, images: ImageFolder, *, results=None, photos_per_clause: int = 1,
                    status=InspectionStatus.LOCKED, photo_bytes=None, gaps=()) -> ReportInput:
    """Every clause rated (by `results`, else a deterministic mix), notes, rectification,
    photos and the four signatures."""
    rnd = random.Random(7)
    center = HealthCenter(id="c-1", name=CENTER_NAME, code="52010200001", county="花溪区",
                          director="陈昇", address="贵阳市花溪区青石镇青石路18号", registration_code="PDY00012-252011211A1001",
                          population_served=32500, beds=60, medical_staff=48, contact="刘珺 0851-83851234")
    team = [TeamMember(name="王喆", role=TeamRole.LEADER, unit="花溪区卫生健康局", title="副主任医师"),
            TeamMember(name="李彧", role=TeamRole.EXPERT, unit="花溪区人民医院", title="主管护师"),
            TeamMember(name="赵珺", role=TeamRole.EXPERT, unit="花溪区疾病预防控制中心", title="主治医师"),
            TeamMember(name="陈昇", role=TeamRole.DIRECTOR)]
    inspection = Inspection(id="ins-0001", center_id=center.id, standard_id=standard.id,
                            standard_version=f"{standard.edition or '-'}+0123456789ab", team=team,
                            inspector="李彧", started_on=START, finished_on=START + timedelta(days=1, hours=6),
                            status=status, prerequisites={p.id: True for p in standard.prerequisites},
                            reviewing_body="贵阳市花溪区卫生健康局",
                            assessment=OverallAssessment(
                                achievements="基本公共卫生服务项目落实较好，居民健康档案建档率高。",
                                problems="部分制度未上墙，记录不完整；急诊急救设备配置不足。",
                                opinion="建议限期整改后申请复核。", by="王喆"))
    findings: dict[str, Finding] = {}
    evidence: list[EvidenceRecord] = []
    n = 0
    for ci, clause in enumerate(standard.clauses()):
        if clause.derived is not None and not clause.items:
            continue
        chosen = (results or {}).get(clause.number)
        items = {}
        rectification = {}
        due: dict[str, str] = {}
        dept: dict[str, str] = {}
        for item in clause.items:
            if item.derived is not None:
                continue
            if chosen is not None:
                result = ItemResult(chosen.get(item.code, "met"))
            else:
                result = ItemResult.MET if rnd.random() < {"C": 0.93, "B": 0.7, "A": 0.45}[item.level.value] else ItemResult.NOT_MET
            note = ""
            if result is ItemResult.NOT_MET:
                note = "现场查看发现制度未上墙，相关记录不完整，部分月份缺失签字。"
                rectification[item.code] = "一个月内完善制度并上墙，补齐记录，由分管院长每月抽查。"
                due[item.code] = "2024-06-30"
                dept[item.code] = "医务科"
            items[item.code] = ItemRating(
                result=result, note=note, rated_by=team[1 + ci % 2].name,
                na_reason="本院未设置住院病房，该项不适用。" if result is ItemResult.NA else "",
                rated_at=START + timedelta(minutes=ci))
        findings[clause.number] = Finding(inspection_id=inspection.id, clause_number=clause.number, items=items,
                                          note="查阅2023年度资料，现场询问相关人员。" if ci % 3 == 0 else "",
                                          rectification=rectification, rectification_due=due,
                                          rectification_dept=dept)
        for k in range(photos_per_clause):
            n += 1
            data = photo_bytes(n) if photo_bytes else jpeg(n)
            sha = images.put(data, "jpg")
            code = clause.items[k % len(clause.items)].code if clause.items and k % 2 == 0 else ""
            evidence.append(EvidenceRecord(
                id=f"ev-{n:04d}", inspection_id=inspection.id,
                target=EvidenceTarget(clause_number=clause.number, item_code=code), sha256=sha,
                original_name=f"IMG_{n:04d}.JPG", width=800, height=600,
                captured_at=START + timedelta(minutes=n), added_at=START + timedelta(minutes=n, seconds=5),
                added_by=team[1 + n % 2].name, caption=f"{clause.title}现场照片", number=f"P-{n:03d}"))
    signatures = []
    for i, member in enumerate(team):
        sha = images.put(signature_png(member.name, i), "png")
        signatures.append(Signature(inspection_id=inspection.id, signer=member.name, role=member.role,
                                    image_sha256=sha, signed_at=START + timedelta(days=1, hours=5, minutes=i)))
    return ReportInput(standard=standard, center=center, inspection=inspection, findings=findings,
                       evidence=evidence, signatures=signatures, images=images, evidence_gaps=tuple(gaps))


def synthetic_input(tmp: Path, **kw) -> ReportInput:
    gaps = (EvidenceGap("1.2.2", "C-1", "缺少制度文件照片"), EvidenceGap("2.2.2", "", "缺少健康教育活动记录照片"))
    return full_inspection(synthetic_standard(), ImageFolder(tmp / "images"), results=SYNTHETIC_RESULTS,
                           gaps=kw.pop("gaps", gaps), **kw)
