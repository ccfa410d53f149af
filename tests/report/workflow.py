"""An inspection walked through the real services and store, for report tests that need the app's
path (signing, locking, editing the center afterwards, photo numbers, dates)."""

from __future__ import annotations

import subprocess
from datetime import datetime
from pathlib import Path

from inspect_app import services
from inspect_app.inspection import TeamMember, TeamRole
from tests.report.fixtures import SYNTHETIC_RESULTS, jpeg, signature_png, synthetic_standard
from tests.support.system import ensure_pdftoppm

TEAM = [TeamMember(name="王喆", role=TeamRole.LEADER, unit="花溪区卫生健康局", title="副主任医师"),
        TeamMember(name="李彧", role=TeamRole.EXPERT, unit="花溪区人民医院", title="主管护师")]


def pdftotext(pdf: Path | bytes, first: int | None = None, last: int | None = None, *, raw: bool = False) -> str:
    """Text as laid out on the page, or (raw) in drawing order: a table cell's lines one after
    the other, so a phrase wrapped inside a narrow column reads whole."""
    ensure_pdftoppm()
    args = ["pdftotext", "-raw" if raw else "-layout"]
    if first:
        args += ["-f", str(first)]
    if last:
        args += ["-l", str(last)]
    data = pdf if isinstance(pdf, bytes) else Path(pdf).read_bytes()
    return subprocess.run([*args, "-", "-"], input=data, check=True, capture_output=True).stdout.decode("utf-8")


def set_started(ws: services.Workspace, inspection_id: str, when: datetime) -> None:
    """Test setup: the visit began at `when` (start_inspection stamps the clock's now)."""
    with ws.store.write(inspection_id) as tx:
        tx.put_inspection(tx.inspection().model_copy(update={"started_on": when}))


def walk(ws: services.Workspace, name: str = "青石镇中心卫生院", *, started: datetime | None = None,
         lock: bool = True, photos: int = 1, code: str = "0012") -> str:
    """A synthetic inspection rated, noted, photographed, signed and (by default) locked."""
    standard = synthetic_standard()
    center = services.add_center(ws, name, actor="王喆", code=code, county="花溪区", director="陈昇",
                                 address="青石路18号", population_served=32500, beds=60, medical_staff=48)
    ins = services.start_inspection(ws, center.id, standard, TEAM, "李彧")
    if started is not None:
        set_started(ws, ins.id, started)
    for p in standard.prerequisites:
        services.set_prerequisite(ws, ins.id, p.id, True, actor="王喆")
    for clause in standard.clauses():
        if clause.derived is not None:
            continue
        for item in clause.items:
            if item.derived is not None:
                continue
            result = SYNTHETIC_RESULTS[clause.number].get(item.code, "met")
            services.rate_item(ws, ins.id, clause.number, item.code, result,
                               na_reason="本院未设病房" if result == "na" else "", actor="李彧")
            if result == "not_met":
                services.set_item_note(ws, ins.id, clause.number, item.code, "制度未上墙", actor="李彧")
                services.set_rectification(ws, ins.id, clause.number, item.code, "一周内整改上墙", actor="王喆")
        for k in range(photos):
            photo = ws.photos.ingest(jpeg(hash((clause.number, k)) % 1000), f"{clause.number}-{k}.jpg")
            services.attach_evidence(ws, ins.id, photo, clause_number=clause.number, caption="现场", actor="李彧")
    services.set_overall_assessment(ws, ins.id, achievements="公共卫生服务落实较好。", problems="制度未上墙。",
                                    opinion="限期整改。", actor="王喆")
    sign_and_lock(ws, ins.id, lock=lock)
    return ins.id


def sign_and_lock(ws: services.Workspace, inspection_id: str, *, lock: bool = True) -> None:
    """Submitted, signed by the leader, the expert and the director, signed off and locked."""
    services.submit(ws, inspection_id, actor="王喆")
    for i, (signer, role) in enumerate([("王喆", "leader"), ("李彧", "expert"), ("陈昇", "director")]):
        services.add_signature(ws, inspection_id, signer, role, signature_png(signer, i), actor="王喆")
    services.sign(ws, inspection_id, actor="王喆")
    if lock:
        services.lock(ws, inspection_id, actor="王喆")
