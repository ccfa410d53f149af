"""机构自评 on the hub: a clinic rates its own center, item by item, on the hub's web pages.

The self-assessment is an ordinary inspection (stage `self`) held as ops in the hub's ledger,
written by the hub (device `hub`) on the clinic's behalf, so it syncs to the tablets like any
inspection. Its id is named after the round (`self-<round id>`). Submitting needs the
center's director to sign (drawn or typed), sets its status to signed, which seals the
revision (later changes are refused, as for a signed revision), and the hub then builds the
self-assessment's report and certifies it with a key its county root issues for it
(`ensure_report`): a signed PDF like a tablet's, kept as `report/<revision>`.

Use cases first (plain functions the pages call), then the page (`SelfAssessmentPage`),
which works from a 390 px phone up. The door's rule for these ops is `door_rule`.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import flet as ft

from inspect_app import paths, services
from inspect_app.clock import local, local_date_text
from inspect_app.errors import UserError
from inspect_app.sync import keys
from inspect_app.hub.accounts import Account, Role
from inspect_app.hub.reports import find_standard, score_snapshot, snapshot
from inspect_app.inspection import (
    EvidenceRecord,
    EvidenceTarget,
    Inspection,
    InspectionStatus,
    ItemRating,
    ItemResult,
    Signature,
    Stage,
    TeamMember,
    TeamRole,
    center_type_name,
    utc_now,
)
from inspect_app.rounds import round_id, round_year, self_assessment_id
from inspect_app.scoring import level_name
from inspect_app.standard.loader import list_standards
from inspect_app.standard.model import Standard, StandardKind
from inspect_app.widgets.signature_pad import SignaturePad
from inspect_app.store import new_id
from inspect_app.sync.protocol import SHARED_INSPECTION_FIELDS, Op, Rejection

PREFIX = self_assessment_id("")
RESULT_ZH = {ItemResult.MET: "符合", ItemResult.NOT_MET: "不符合", ItemResult.NA: "不适用"}


# ---------------------------------------------------------------- the door's rule


def door_rule(account: Account | None, op: Op, facts, *, from_hub: bool) -> Rejection | None | bool:
    """policy.rule_problem asks this first. True: not a self-assessment op, the usual rules
    apply. None: allowed. A Rejection: refused. Only the hub's pages, for a clinic account of
    the center, write a self-assessment; nobody writes a self-assessment once submitted, and
    no tablet marks its own inspection as one."""
    if op.key in ("inspection.sample", "inspection.sample_rule"):
        known = facts.live(op.key)
        if known and known[0].value not in (None, "", []) and known[0].value != op.value:
            return _refused(op, "复核抽样在该阶段开始时已确定并记录，不能重新抽取。",
                            "a re-check's sample was drawn and recorded when the stage started; it cannot be re-drawn.")
    staged = facts.live("inspection.stage")
    stage = staged[0].value if staged else None
    is_self = stage == Stage.SELF.value or (op.key == "inspection.stage" and op.value == Stage.SELF.value)
    if not is_self:
        return True
    clinic = from_hub and account is not None and account.role is Role.CLINIC and bool(account.center_id)
    if not clinic or not op.inspection_id.startswith(PREFIX):
        return _refused(op, "只有被评机构本身能在中心网页上填写机构自评，已拒收。",
                        "only the center itself writes its self-assessment, on the hub's pages; refused.")
    center = op.value if op.key == "inspection.center_id" else facts.center_id
    if not center and op.key == "inspection.stage":
        return None  # the first op of a new self-assessment; its center comes next
    if center != account.center_id:
        return _refused(op, "不是本机构的自评，已拒收。", "is not this center's self-assessment; refused.")
    head = op.key.partition("/")[0]
    if head == "report":  # the hub's signed PDF of the submitted revision, once
        known = facts.live(op.key)
        if op.revision not in facts.sealed or (known and known[0].value != op.value):
            return _refused(op, "机构自评的签章报告只在提交后由中心生成一次，已拒收。",
                            "the self-assessment's signed report is made once, by the hub, after submission; refused.")
        return None
    if op.revision in facts.sealed or any(s > op.revision for s in facts.sealed):
        return _refused(op, "机构自评已提交，内容已冻结，不能再修改。", "the self-assessment was submitted and is frozen.")
    if op.key == "inspection.status" and op.value not in ("draft", "signed"):
        return _refused(op, "机构自评只能保存或提交。", "a self-assessment is either a draft or submitted.")
    if op.key == "inspection.status" and op.value == "signed" and "director" not in facts.signed_roles(op.revision):
        return _refused(op, "提交机构自评须有机构负责人签字。", "a self-assessment is submitted with the director's signature.")
    if head == "signature" and op.key.split("/")[2:3] != ["director"]:
        return _refused(op, "机构自评只由机构负责人签字。", "a self-assessment is signed by the center's director only.")
    if not (op.key.startswith("inspection.") or head in ("item", "note", "evidence", "center", "signature")):
        return _refused(op, "不是机构自评可写的内容，已拒收。", "is not part of a self-assessment; refused.")
    return None


def _refused(op: Op, zh: str, en: str) -> Rejection:
    return Rejection(id=op.id, code="not_yours", zh=f"变更 {op.id}（{op.key}）{zh}", en=f"Change {op.id} ({op.key}) {en}")


# ---------------------------------------------------------------- use cases


def hub_standards(data_dir: Path) -> list[tuple[str, str]]:
    """(id, title) of the graded standards this hub holds (shipped, and <data>/standards)."""
    seen: dict[str, str] = {}
    for folder in (paths.STANDARDS_DIR, Path(data_dir) / "standards"):
        if folder.is_dir():
            for info in list_standards(folder):
                std = find_standard(info.id, data_dir)
                if std is not None and std.kind is StandardKind.GRADED:
                    seen.setdefault(info.id, f"{std.title} {std.edition}".strip())
    return sorted(seen.items())


def _mine(hub, account: Account, inspection_id: str) -> None:
    entry = hub.ledger.entry(inspection_id)
    if (account.role is not Role.CLINIC or entry is None or entry.stage != Stage.SELF.value
            or entry.center_id != account.center_id):
        from inspect_app.hub.ledger import Forbidden

        raise Forbidden()


def _write(hub, account: Account, inspection_id: str, key: str, value) -> None:
    state = hub.ledger.state(inspection_id)
    supersedes = state[key].head_ids if key in state else []
    hub.ledger.append_hub_op(inspection_id, 1, key, value, account.username, supersedes, account=account)


def current(hub, account: Account) -> str | None:
    """The clinic's latest self-assessment on this hub (by round year), or None."""
    mine = [e for e in hub.ledger.entries() if e.stage == Stage.SELF.value and e.center_id == account.center_id]
    return max(mine, key=lambda e: (e.round_id, e.max_seq)).id if mine else None


def start(hub, account: Account, standard_id: str, year: int | None = None) -> str:
    """Open the center's self-assessment of the round (center, standard, year); the same
    round gives the same one back."""
    if account.role is not Role.CLINIC or not account.center_id:
        raise UserError("只有机构账号可以填写机构自评。", "Only a clinic account fills in a self-assessment.")
    standard = find_standard(standard_id, hub.data_dir)
    if standard is None:
        raise UserError(f"中心没有评价标准 {standard_id}。", f"The hub has no standard {standard_id}.")
    year = year or local(utc_now()).year
    rid = round_id(account.center_id, standard.id, year)
    iid = self_assessment_id(rid)
    if hub.ledger.entry(iid) is not None:
        return iid
    inspection = Inspection(id=iid, center_id=account.center_id, standard_id=standard.id,
                            standard_version=services.standard_version(standard),
                            team=[TeamMember(name=account.name or account.username, role=TeamRole.LEADER)],
                            inspector=account.name, stage=Stage.SELF, round_id=rid)
    header = inspection.model_dump(mode="json")
    # the stage first (the door then knows what this is), then the center, then the rest
    order = ["stage", "center_id"] + [f for f in SHARED_INSPECTION_FIELDS if f not in ("stage", "center_id")]
    for name in order:
        if name in header:
            _write(hub, account, iid, f"inspection.{name}", header[name])
    center = hub.ledger.centers().get(account.center_id)
    if isinstance(center, dict):
        _write(hub, account, iid, "center", center)
    return iid


@dataclass(frozen=True)
class Progress:
    rated: int
    total: int
    verdict: str
    provisional: bool
    submitted: bool
    missing: list[str]
    finished_on: str


def view(hub, inspection_id: str):
    """(snapshot, standard, score) of a self-assessment as the hub holds it."""
    snap = snapshot(inspection_id, hub.ledger.state(inspection_id))
    standard = find_standard(snap.inspection.standard_id, hub.data_dir)
    if standard is None:
        raise UserError("中心缺少本次自评使用的评价标准。", "The hub lacks the standard of this self-assessment.")
    return snap, standard, score_snapshot(standard, snap)


def progress(hub, inspection_id: str) -> Progress:
    snap, standard, score = view(hub, inspection_id)
    missing = services.missing_ratings(standard, snap.findings)
    return Progress(total=len(missing) + sum(1 for f in snap.findings.values() for r in f.items.values()
                                             if r.result is not ItemResult.UNRATED),
                    rated=sum(1 for f in snap.findings.values() for r in f.items.values()
                              if r.result is not ItemResult.UNRATED),
                    verdict=score.verdict.name("zh"), provisional=score.verdict.provisional,
                    submitted=snap.inspection.status.value in ("signed", "locked"), missing=missing,
                    finished_on=local_date_text(snap.inspection.finished_on) if snap.inspection.finished_on else "")


def _item(standard: Standard, clause_number: str, code: str):
    try:
        clause = standard.clause(clause_number)
    except KeyError:
        raise UserError(f"评价标准中没有条款 {clause_number}。", f"The standard has no clause {clause_number}.") from None
    for item in clause.items:
        if item.code == code and item.derived is None and clause.derived is None:
            return item
    raise UserError(f"条款 {clause_number} 中没有可评的要点 {code}。", f"Clause {clause_number} has no item {code} to rate.")


def rate(hub, account: Account, inspection_id: str, clause_number: str, code: str, result: str,
         na_reason: str = "") -> ItemRating:
    """符合 / 不符合 / 不适用 (with a reason) for one item."""
    _mine(hub, account, inspection_id)
    snap, standard, _ = view(hub, inspection_id)
    _item(standard, clause_number, code)
    result = ItemResult(result)
    na_reason = na_reason.strip()
    if result is ItemResult.NA and not na_reason:
        raise UserError("选择“不适用”时必须填写原因。", "Give a reason when marking an item not applicable.")
    old = snap.findings[clause_number].items.get(code, ItemRating()) if clause_number in snap.findings else ItemRating()
    new = old.model_copy(update={"result": result, "na_reason": na_reason if result is ItemResult.NA else "",
                                 "rated_by": account.name or account.username, "rated_at": utc_now()})
    _write(hub, account, inspection_id, keys.item_key(clause_number, code), new.model_dump(mode="json"))
    return new


def set_note(hub, account: Account, inspection_id: str, clause_number: str, code: str, note: str) -> None:
    _mine(hub, account, inspection_id)
    snap, standard, _ = view(hub, inspection_id)
    _item(standard, clause_number, code)
    old = snap.findings[clause_number].items.get(code, ItemRating()) if clause_number in snap.findings else ItemRating()
    if old.note == note.strip():
        return
    _write(hub, account, inspection_id, keys.item_key(clause_number, code),
           old.model_copy(update={"note": note.strip()}).model_dump(mode="json"))


def set_prerequisite(hub, account: Account, inspection_id: str, prerequisite_id: str, met: bool) -> None:
    _mine(hub, account, inspection_id)
    snap, standard, _ = view(hub, inspection_id)
    if prerequisite_id not in {p.id for p in standard.prerequisites}:
        raise UserError(f"评价标准中没有前置条件 {prerequisite_id}。", f"No prerequisite {prerequisite_id}.")
    _write(hub, account, inspection_id, "inspection.prerequisites",
           {**snap.inspection.prerequisites, prerequisite_id: bool(met)})


def add_photo(hub, account: Account, inspection_id: str, clause_number: str, code: str, data: bytes,
              name: str = "") -> EvidenceRecord:
    """佐证照片 of one item: ingested like a tablet's photo, kept as a blob for the tablets."""
    from inspect_app.hub.service import ingest_clinic_photo

    _mine(hub, account, inspection_id)
    _, standard, _ = view(hub, inspection_id)
    _item(standard, clause_number, code)
    info = ingest_clinic_photo(hub, data, name, account.username)  # kept and sent as the GPS-free derivative
    record = EvidenceRecord(id=new_id(), inspection_id=inspection_id,
                            target=EvidenceTarget(clause_number=clause_number, item_code=code),
                            sha256=info["sha256"], original_name=info["name"] or name, width=info["width"],
                            height=info["height"], added_by=account.name or account.username)
    _write(hub, account, inspection_id, f"evidence/{record.id}", record.model_dump(mode="json"))
    return record


SIGNATURE_W, SIGNATURE_H = 320, 140  # the signing pad, fits a 390 px phone with the page's margins


def typed_signature_png(name: str, width: int = SIGNATURE_W, height: int = SIGNATURE_H) -> bytes:
    """A typed signature (键入签名) as a PNG: the name in the report's CJK font, dark ink on a
    transparent ground like a drawn one. Same name, same bytes."""
    from io import BytesIO

    from PIL import Image, ImageDraw, ImageFont

    name = name.strip()
    size = 64
    font = ImageFont.truetype(str(paths.CJK_FONT), size)
    while size > 16 and font.getlength(name) > width - 24:
        size -= 4
        font = ImageFont.truetype(str(paths.CJK_FONT), size)
    image = Image.new("RGBA", (width, height), (255, 255, 255, 0))
    ImageDraw.Draw(image).text((width / 2, height / 2), name, font=font, fill=(20, 30, 90, 255), anchor="mm")
    out = BytesIO()
    image.save(out, "PNG", optimize=False)
    return out.getvalue()


def signature_png(director: str, strokes=(), typed: str = "", size: tuple[int, int] = (SIGNATURE_W, SIGNATURE_H)) -> bytes:
    """The director's signature image: drawn (pad strokes) or typed. Nothing drawn and nothing
    typed is refused: a submission needs a signature."""
    from inspect_app.evidence.signature import render_strokes_png

    strokes = [list(s) for s in strokes or () if len(s)]
    if sum(len(s) for s in strokes) >= 3:  # a tap or two is not a signature
        return render_strokes_png(strokes, *size)
    if typed.strip():
        if typed.strip() != director.strip():
            raise UserError("键入的签名须与机构负责人姓名一致。", "A typed signature must be the director's name.")
        return typed_signature_png(typed)
    raise UserError("请机构负责人在签名框内手写签名，或键入姓名作为签名。",
                    "The director signs in the box, or types their name as the signature.")


def submit(hub, account: Account, inspection_id: str, director: str = "", *, strokes=(), typed: str = "",
           size: tuple[int, int] = (SIGNATURE_W, SIGNATURE_H), make_report: bool = True) -> str | None:
    """提交: every item rated, every prerequisite answered and the center's director (机构负责人)
    signed, drawn or typed; then frozen (signed) and the hub makes the signed report. Returns
    the signed PDF's SHA-256 (None when signing failed, or with make_report=False: the page
    shows the frozen submission at once and calls `ensure_report` next)."""
    from inspect_app.fonts import check_drawable
    from inspect_app.hub.ledger import Forbidden

    _mine(hub, account, inspection_id)
    snap, standard, _ = view(hub, inspection_id)
    if snap.inspection.status.value in ("signed", "locked"):
        raise UserError("机构自评已提交，内容已冻结。", "The self-assessment was already submitted.")
    missing = services.missing_ratings(standard, snap.findings)
    if missing:
        shown = "、".join(missing[:5]) + ("…" if len(missing) > 5 else "")
        raise UserError(f"还有 {len(missing)} 个评价要点未自评（{shown}），不能提交。",
                        f"{len(missing)} items are not rated yet ({shown}); cannot submit.")
    open_ = [p.id for p in standard.prerequisites if snap.inspection.prerequisites.get(p.id) is None]
    if open_:
        raise UserError(f"前置条件未填写：{'、'.join(open_)}。", f"Prerequisites not answered: {', '.join(open_)}.")
    director = director.strip()
    if not director:
        raise UserError("请填写机构负责人姓名（由其签字确认自评结果）。", "Enter the director's name (they sign the self-assessment).")
    check_drawable(director, "signer")
    png = signature_png(director, strokes, typed, size)
    sha = hashlib.sha256(png).hexdigest()
    if not hub.blobs.has(sha) and not hub.blobs.put(sha, png):
        raise UserError("签名保存失败，请重试。", "The signature could not be stored; try again.")
    hub.ledger.possession.record(account.username, [sha], {sha: len(png)})
    if "center" in hub.ledger.state(inspection_id) and not snap.center.director:  # the cover's 机构负责人
        _write(hub, account, inspection_id, "center", {**snap.center.model_dump(mode="json"), "director": director})
    team = [m for m in snap.inspection.team if m.role is not TeamRole.DIRECTOR] + [
        TeamMember(name=director, role=TeamRole.DIRECTOR)]
    _write(hub, account, inspection_id, "inspection.team", [m.model_dump(mode="json") for m in team])
    signature = Signature(inspection_id=inspection_id, signer=director, role=TeamRole.DIRECTOR, image_sha256=sha,
                          revision=snap.inspection.revision)
    _write(hub, account, inspection_id, keys.signature_key(signature.revision, "director", director),
           signature.model_dump(mode="json"))
    _write(hub, account, inspection_id, "inspection.finished_on", utc_now().isoformat())
    _write(hub, account, inspection_id, "inspection.status", "signed")
    if not make_report:
        return None
    try:
        return ensure_report(hub, account, inspection_id)
    except (UserError, Forbidden):
        raise
    except Exception:  # noqa: BLE001 - the submission stands; the page offers to make the report again
        return None


# ---------------------------------------------------------------- the signed report


def report_sha(hub, inspection_id: str) -> str | None:
    """The self-assessment's signed PDF (a blob), once the hub made it."""
    snap = snapshot(inspection_id, hub.ledger.state(inspection_id))
    return hub.report_pdf(inspection_id, snap.inspection.revision)


def report_input(hub, inspection_id: str):
    """What the report builder needs (report/content.ReportInput) from the hub's merged ops:
    ratings, notes, photos and the director's signature, images read from the blob store. The
    submitted self-assessment prints as final (not a draft): it is frozen like a locked revision."""
    from inspect_app.report.content import ReportInput
    from inspect_app.report.source import evidence_gaps_for

    snap, standard, _ = view(hub, inspection_id)
    inspection = snap.inspection.model_copy(update={"status": InspectionStatus.LOCKED})

    def image(sha: str) -> bytes | None:
        return hub.blobs.read(sha) if hub.blobs.has(sha) else None

    return ReportInput(standard=standard, center=snap.center, inspection=inspection, findings=snap.findings,
                       evidence=snap.live_evidence, signatures=snap.signatures, images=image,
                       evidence_gaps=evidence_gaps_for(standard, snap))


def _in_process_tsa(key, cert, chain):
    """The county TSA answering in this process (the hub holds its key), as pyHanko's TimeStamper."""
    from asn1crypto import tsp
    from pyhanko.sign.timestamps.api import TimeStamper

    from inspect_app.trust import tsa

    class Stamper(TimeStamper):
        async def async_request_tsa_response(self, req):
            return tsp.TimeStampResp.load(tsa.respond(req.dump(), key, cert, chain))

    return Stamper()


HUB_SIGNER_UNIT = "基层行县级中心 机构自评"


def hub_signer(hub, account: Account, director: str, inspection_id: str):
    """A signing key for one self-assessment report, issued by the hub's county root: made for
    this report and not kept (nothing secret to store); the certificate, in the PDF, names the
    director who signed, the clinic account and the county."""
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    from inspect_app.hub.trust_routes import trust_of
    from inspect_app.report.signing import ReportSigner, _asn1_signer
    from inspect_app.trust import ca as county_ca

    trust = trust_of(hub)
    authority = trust.authority
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
        x509.NameAttribute(NameOID.LOCALITY_NAME, authority.county or "—"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, county_ca.bureau_name(authority.county)),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, HUB_SIGNER_UNIT),
        x509.NameAttribute(NameOID.USER_ID, account.username[:64]),
        x509.NameAttribute(NameOID.COMMON_NAME, (director or account.name or account.username)[:64]),
    ])
    cert = county_ca._issue(authority, key.public_key(), subject, county_ca.DEVICE_DAYS,
                            [(county_ca._key_usage(sign=True), True)])
    chain = authority.path
    return ReportSigner(signer=_asn1_signer(key, cert, chain), certificate=cert, source="county",
                        chain=tuple(chain)), _in_process_tsa(*trust.tsa_identity())


def ensure_report(hub, account: Account, inspection_id: str) -> str | None:
    """Build and sign the submitted self-assessment's report (the same builder and PAdES
    signature as a tablet's report, with a county-issued key and the county TSA's timestamp),
    keep it as a blob and name it in an op `report/<revision>`, so it syncs and downloads like
    any signed report. Idempotent: returns the PDF's SHA-256, None for a draft."""
    from inspect_app.report.builder import build_report
    from inspect_app.report.signing import sign_report

    _mine(hub, account, inspection_id)
    have = report_sha(hub, inspection_id)
    if have is not None:
        return have
    data = report_input(hub, inspection_id)
    if snapshot(inspection_id, hub.ledger.state(inspection_id)).inspection.status.value != "signed":
        return None
    built = build_report(data)
    director = next((s.signer for s in data.signatures if s.role is TeamRole.DIRECTOR), "")
    signer, stamper = hub_signer(hub, account, director, inspection_id)
    center = built.content.center
    signed = sign_report(built.pdf, signer, location=center.county or center.name,
                         reason=f"优质服务基层行机构自评报告 {built.report_id}", stamp=built.stamp,
                         zone=data.inspection.time_zone, timestamper=stamper)
    sha = hashlib.sha256(signed.pdf).hexdigest()
    if not hub.blobs.has(sha) and not hub.blobs.put(sha, signed.pdf):
        raise UserError("签章报告保存失败，请重试。", "The signed report could not be stored; try again.")
    hub.ledger.possession.record(account.username, [sha], {sha: len(signed.pdf)})
    revision = data.inspection.revision
    value = {"sha256": sha, "report_id": built.report_id, "content_sha256": built.content_sha256,
             "bytes": len(signed.pdf), "file": f"{built.report_id}.pdf"}
    try:
        _write(hub, account, inspection_id, keys.report_key(revision), value)
    except UserError:
        if report_sha(hub, inspection_id) is None:  # another worker made it meanwhile: keep theirs
            raise
    return report_sha(hub, inspection_id)

if TYPE_CHECKING:  # imported at call time: the consistency rules are the bureau's only
    from inspect_app.consistency import Layer


# ---------------------------------------------------------------- the bureau's columns


def layer_of(snap) -> "Layer":
    """A hub snapshot of a stage as a consistency layer (its recorded sample restricts)."""
    from inspect_app.consistency import Layer

    return Layer.of_stage(snap.inspection.stage, {n: dict(f.items) for n, f in snap.findings.items()},
                          snap.inspection.sample, prerequisites=snap.inspection.prerequisites or None,
                          small_institution=snap.center.small_institution,
                          reasons={n: f.disagreement_reason for n, f in snap.findings.items() if f.disagreement_reason})


def latest_submitted(ledger, center_id: str):
    mine = [e for e in ledger.entries() if e.stage == Stage.SELF.value and e.center_id == center_id and e.sealed]
    return max(mine, key=lambda e: (e.round_id, e.max_seq)) if mine else None


def bureau_columns(ledger, center_id: str, review_snap=None, standard: Standard | None = None,
                   data_dir: Path | None = None) -> dict:
    """全县概览 columns of one center: its self-assessed verdict, and against the review the
    clause-level consistency rate (exact), κ, item agreement and whether it rated itself too
    high (虚高, consistency.overrated). Also used for the bureau's manifest."""
    from inspect_app.consistency import compare, overrated

    out = {"self_verdict": "", "consistency": None, "item_agreement": None, "kappa": None, "overrated": False,
           "disagreements": 0, "self_inspection_id": ""}
    entry = latest_submitted(ledger, center_id)
    if entry is None:
        return out
    theirs = snapshot(entry.id, ledger.state(entry.id))
    std = find_standard(theirs.inspection.standard_id, data_dir)
    if std is None:
        return out
    own_score = score_snapshot(std, theirs)
    out["self_verdict"] = own_score.verdict.name("zh") + ("（暂定）" if own_score.verdict.provisional else "")
    out["self_inspection_id"] = entry.id
    if review_snap is None or standard is None or review_snap.inspection.standard_id != std.id:
        return out
    c = compare(standard, layer_of(theirs), layer_of(review_snap))
    out.update(consistency=c.overall.exact, item_agreement=c.overall.item_agreement, kappa=c.overall.kappa,
               overrated=overrated(c, standard), disagreements=len(c.disagreements))
    return out


BUREAU_COLUMNS = [("self_verdict", "机构自评结论"), ("consistency", "等级一致率")]


def bureau_sort_key(row: dict, key: str) -> tuple:
    """Rows sort by any column; a consistency rate sorts lowest first, centers without one last."""
    value = row.get(key)
    if key == "consistency":
        return (value is None, value if value is not None else 0.0, row["name"])
    return (value, row["name"])


def bureau_cell(row: dict, key: str, pages=None) -> ft.Control:
    """One cell of the bureau's table; with `pages` (web.HubPages) the self-assessed verdict
    links to the self-assessment's signed PDF."""
    from inspect_app.consistency import percent

    if key == "self_verdict" and pages is not None and row.get("self_inspection_id") and row.get("self_verdict"):
        iid = row["self_inspection_id"]
        if report_sha(pages.hub, iid) is not None:
            revision = snapshot(iid, pages.hub.ledger.state(iid)).inspection.revision
            url = pages.link("pdf", pages.account, iid, str(revision))
            return ft.Row([ft.Text(row["self_verdict"]),
                           ft.IconButton(icon=ft.Icons.PICTURE_AS_PDF, icon_color=ft.Colors.INDIGO_700,
                                         tooltip=f"下载 {row['name']} 签章版机构自评报告",
                                         on_click=lambda _: pages.page.launch_url(url))],
                          spacing=0, tight=True)

    if key == "consistency":
        if row.get("consistency") is None:
            return ft.Text("—")
        shown = percent(row["consistency"])
        if row.get("overrated"):  # 虚高 stands out
            return ft.Row([ft.Text(shown, color=ft.Colors.RED_800, weight=ft.FontWeight.BOLD),
                           ft.Container(ft.Text("虚高", color=ft.Colors.WHITE, size=12), bgcolor=ft.Colors.RED_700,
                                        border_radius=4, padding=ft.Padding.symmetric(horizontal=6, vertical=1))],
                          spacing=6, tight=True)
        return ft.Text(shown)
    value = row.get(key)
    if key == "type" and value:
        value = center_type_name(value)
    return ft.Text(str(value) if value not in ("", None) else "—")


# ---------------------------------------------------------------- the page


class SelfAssessmentPage:
    """The clinic's self-assessment, one clause at a time (a phone shows one clause well)."""

    def __init__(self, pages) -> None:
        self.pages = pages  # web.HubPages: page, hub, account, header(), show()
        self.hub = pages.hub
        self.clause = ""
        self.making_report = False  # submitted; the signed PDF is being built
        self.message = ""
        self.pickers: dict[tuple[str, str], ft.FilePicker] = {}
        self.thumbs: dict[str, bytes | None] = {}
        # the signing block's state, kept while the clinic moves between clauses
        self.director: str | None = None
        self.typed = ""
        self.sign_mode = "draw"
        self.strokes: list[list[tuple[float, float]]] = []

    @property
    def account(self) -> Account:
        return self.pages.account

    def show(self, clause: str | None = None) -> None:
        iid = current(self.hub, self.account)
        if iid is None:
            self.show_start()
            return
        if clause is not None:
            self.clause = clause
        self.render(iid)

    def show_start(self) -> None:
        choices = hub_standards(self.hub.data_dir)
        pick = ft.Dropdown(label="评价标准", options=[ft.dropdown.Option(key=k, text=t) for k, t in choices],
                           value=choices[0][0] if choices else None, width=340)
        note = ft.Text(self.message, color=ft.Colors.RED)

        async def begin(_):
            try:
                await asyncio.to_thread(start, self.hub, self.account, pick.value or "")
            except UserError as err:
                self.message = err.zh
                self.show_start()
                return
            self.message = ""
            self.show()

        self.pages.show(self.pages.header(), ft.Text("机构自评", size=24, weight=ft.FontWeight.BOLD),
                        ft.Text("按评价标准逐项自评：符合、不符合或不适用（须说明原因），可附说明和照片作为佐证。"
                                "提交后内容冻结，随同步发给县级评审组。"),
                        pick, ft.FilledButton(content=ft.Text("开始机构自评"), on_click=begin), note,
                        ft.TextButton(content=ft.Text("← 返回"), on_click=lambda _: self.pages.show_clinic_home()))

    def render(self, iid: str) -> None:
        snap, standard, score = view(self.hub, iid)
        prog = progress(self.hub, iid)
        frozen = prog.submitted
        clauses = [c for c in standard.clauses()]
        if self.clause not in {c.number for c in clauses}:
            self.clause = next((m.split("/")[0] for m in prog.missing), clauses[0].number)
        clause = standard.clause(self.clause)
        index = [c.number for c in clauses].index(clause.number)
        verdict = f"{prog.verdict}{'（暂定）' if prog.provisional else ''}"
        controls: list[ft.Control] = [
            self.pages.header(),
            ft.Text(f"{snap.center.name} 机构自评", size=22, weight=ft.FontWeight.BOLD),
            ft.Text(f"{standard.title} {standard.edition} · 评价轮次 {round_year(snap.inspection.round_id)} 年", size=13,
                    color=ft.Colors.GREY_700),
            ft.Container(ft.Column([
                ft.Text(f"已自评 {prog.rated} / {prog.total} 项", weight=ft.FontWeight.W_600),
                ft.Text(f"自评结论：{verdict}", size=18, weight=ft.FontWeight.BOLD),
            ], spacing=4), padding=10, bgcolor=ft.Colors.INDIGO_50, border_radius=8),
        ]
        if frozen:
            controls.append(ft.Container(ft.Text(f"已提交（{prog.finished_on}），内容已冻结，不能再修改。",
                                                 color=ft.Colors.GREEN_900, weight=ft.FontWeight.W_600),
                                         padding=10, bgcolor=ft.Colors.GREEN_50, border_radius=8))
            this_year = local(utc_now()).year
            if round_year(snap.inspection.round_id) and int(round_year(snap.inspection.round_id)) < this_year:
                async def next_round(_, std=standard.id, year=this_year):
                    await asyncio.to_thread(start, self.hub, self.account, std, year)
                    self.clause = ""
                    self.show()

                controls.append(ft.OutlinedButton(content=ft.Text(f"开始 {this_year} 年机构自评"), on_click=next_round))
        if standard.prerequisites:
            controls.append(self._prerequisites(iid, standard, snap.inspection.prerequisites, frozen))
        options = [ft.dropdown.Option(key=c.number, text=f"{c.number} {c.title}"[:40]) for c in clauses]
        picker = ft.Dropdown(label="条款", options=options, value=clause.number, expand=True,
                             on_select=lambda e: self.show(e.control.value))
        controls.append(ft.Row([picker], wrap=False))
        level = score.clauses[clause.number].level
        controls.append(ft.Text(f"{clause.number} {clause.title}" + (" ★" if clause.is_recommended else ""),
                                size=18, weight=ft.FontWeight.BOLD))
        controls.append(ft.Text(f"本条款自评等级：{level_name(level)}", color=ft.Colors.TEAL_900))
        finding = snap.findings.get(clause.number)
        photos = [e for e in snap.evidence if not e.deleted and e.target.clause_number == clause.number]
        for item in clause.items:
            if item.derived is not None or clause.derived is not None:
                controls.append(ft.Text(f"【{item.code}】{item.requirement}（由其他条款结果判定）", size=13))
                continue
            rating = finding.items.get(item.code, ItemRating()) if finding else ItemRating()
            controls.append(self._item_card(iid, clause.number, item, rating,
                                            [p for p in photos if p.target.item_code == item.code], frozen))
        controls.append(ft.Row([
            ft.OutlinedButton(content=ft.Text("‹ 上一条"), disabled=index == 0,
                              on_click=lambda _: self.show(clauses[index - 1].number)),
            ft.OutlinedButton(content=ft.Text("下一条 ›"), disabled=index == len(clauses) - 1,
                              on_click=lambda _: self.show(clauses[index + 1].number)),
        ], wrap=True))
        if self.message:
            controls.append(ft.Text(self.message, color=ft.Colors.RED))
        if frozen:
            controls.append(self._signed_report(iid, snap))
        else:
            controls.append(self._signing(iid, snap, prog))
        controls.append(ft.TextButton(content=ft.Text("← 返回评审报告"), on_click=lambda _: self.pages.show_clinic_home()))
        self.pages.show(*controls)

    def _prerequisites(self, iid: str, standard: Standard, answers: dict, frozen: bool) -> ft.Control:
        rows: list[ft.Control] = [ft.Text("前置条件", weight=ft.FontWeight.BOLD)]
        for p in standard.prerequisites:
            got = answers.get(p.id)
            rows.append(ft.Text(p.text))
            rows.append(ft.Row([
                self._choice(f"是 {p.id}", got is True, frozen, lambda _, p=p: self._act(iid, set_prerequisite, p.id, True),
                             ft.Colors.GREEN_700),
                self._choice(f"否 {p.id}", got is False, frozen, lambda _, p=p: self._act(iid, set_prerequisite, p.id, False),
                             ft.Colors.RED_700),
            ], wrap=True))
        return ft.Container(ft.Column(rows, spacing=6), padding=10, border_radius=8,
                            border=ft.Border.all(1, ft.Colors.GREY_300))

    @staticmethod
    def _choice(label: str, selected: bool, frozen: bool, on_click, color) -> ft.Control:
        text = ft.Text(f"✓ {label}" if selected else label, color=ft.Colors.WHITE if selected else color,
                       weight=ft.FontWeight.W_600)
        if selected:
            return ft.FilledButton(content=text, style=ft.ButtonStyle(bgcolor=color), on_click=on_click,
                                   disabled=frozen, height=44)
        return ft.OutlinedButton(content=text, on_click=on_click, disabled=frozen, height=44)

    def _item_card(self, iid: str, number: str, item, rating: ItemRating, photos: list[EvidenceRecord],
                   frozen: bool) -> ft.Control:
        tag = f"{number} {item.code}"
        colors = {ItemResult.MET: ft.Colors.GREEN_700, ItemResult.NOT_MET: ft.Colors.RED_700,
                  ItemResult.NA: ft.Colors.BLUE_GREY_600}
        reason = ft.TextField(label=f"不适用原因 {tag}", value=rating.na_reason, disabled=frozen,
                              visible=rating.result is ItemResult.NA)

        def choose(result: ItemResult):
            async def handler(_):
                if result is ItemResult.NA and not (reason.value or "").strip():
                    reason.visible = True
                    self.message = f"{tag}：选择“不适用”时请先填写原因。"
                    self.pages.page.update()
                    return
                await self._act_async(iid, rate, number, item.code, result.value, reason.value or "")
            return handler

        async def reason_done(_):
            if (reason.value or "").strip() and (rating.result is ItemResult.NA or reason.visible):
                await self._act_async(iid, rate, number, item.code, ItemResult.NA.value, reason.value or "")

        reason.on_blur = reason_done
        note = ft.TextField(label=f"自评说明 {tag}", value=rating.note, multiline=True, min_lines=1, max_lines=4,
                            disabled=frozen)

        async def note_done(_):
            if (note.value or "").strip() != rating.note:
                await self._act_async(iid, set_note, number, item.code, note.value or "", rerender=False)

        note.on_blur = note_done
        parts: list[ft.Control] = [
            ft.Text(f"【{item.code}】{item.requirement}", weight=ft.FontWeight.W_500),
        ]
        if item.method:
            parts.append(ft.Text(f"评价方式：{item.method}", size=12, color=ft.Colors.BLUE_GREY_700))
        parts.append(ft.Row([self._choice(RESULT_ZH[r], rating.result is r, frozen, choose(r), colors[r])
                             for r in RESULT_ZH], wrap=True, spacing=8))
        parts += [reason, note]
        thumbs = [ft.Image(src=thumb, width=96, height=72, fit=ft.BoxFit.COVER, border_radius=6,
                           semantics_label=f"佐证照片 {tag}")
                  for thumb in (self._thumb(p.sha256) for p in photos) if thumb]
        if thumbs:
            parts.append(ft.Row(thumbs, wrap=True, spacing=6))
        if photos:
            parts.append(ft.Text(f"佐证照片 {tag}：{len(photos)} 张", size=12))
        if not frozen:
            key = (number, item.code)
            if key not in self.pickers:
                self.pickers[key] = ft.FilePicker()
            picker = self.pickers[key]

            async def picked(e):
                for f in e.files or []:
                    if f.bytes:
                        await self._act_async(iid, add_photo, number, item.code, f.bytes, f.name, rerender=False)
                self.show()

            picker.on_result = picked
            parts.append(ft.OutlinedButton(content=ft.Text(f"添加佐证照片 {tag}"), icon=ft.Icons.ADD_A_PHOTO,
                                           action=ft.PickFiles(picker, file_type=ft.FilePickerFileType.IMAGE,
                                                               with_data=True, allow_multiple=True)))
        return ft.Container(ft.Column(parts, spacing=8, horizontal_alignment=ft.CrossAxisAlignment.STRETCH),
                            padding=12, border_radius=10, bgcolor=ft.Colors.WHITE,
                            border=ft.Border.all(1, ft.Colors.GREY_300))

    def _thumb(self, sha: str) -> bytes | None:
        """A small JPEG of a stored photo blob, made once per session (Pillow, on the hub)."""
        if sha not in self.thumbs:
            try:
                from io import BytesIO

                from PIL import Image

                with Image.open(BytesIO(self.hub.blobs.read(sha)), formats=["JPEG", "PNG"]) as img:
                    img.thumbnail((192, 144))
                    out = BytesIO()
                    img.convert("RGB").save(out, "JPEG", quality=80)
                self.thumbs[sha] = out.getvalue()
            except Exception:  # noqa: BLE001 - a missing or odd blob shows no thumbnail, not an error
                self.thumbs[sha] = None
        return self.thumbs[sha]

    def _act(self, iid: str, fn, *args) -> None:
        self.pages.page.run_task(self._act_async, iid, fn, *args)

    async def _act_async(self, iid: str, fn, *args, rerender: bool = True) -> None:
        try:
            await asyncio.to_thread(fn, self.hub, self.account, iid, *args)
            self.message = ""
        except UserError as err:
            self.message = err.zh
            rerender = True
        if rerender:
            self.show()

    def _signing(self, iid: str, snap, prog: Progress) -> ft.Control:
        """提交与签字: the director's name and a signature, drawn on the pad or typed, then submit."""
        if self.director is None:
            self.director = snap.center.director or ""
        name = ft.TextField(label="机构负责人姓名", value=self.director, max_length=20)
        typed = ft.TextField(label="键入签名（输入负责人姓名）", value=self.typed, visible=self.sign_mode == "type")
        pad = SignaturePad("机构负责人在此手写签名", width=SIGNATURE_W, height=SIGNATURE_H)
        pad.strokes = self.strokes  # kept across re-renders of the page
        pad.redraw()
        pad.visible = self.sign_mode == "draw"

        def remember(_=None):
            self.director = name.value or ""
            self.typed = typed.value or ""

        name.on_change = remember
        typed.on_change = remember

        def mode(which: str):
            def handler(_):
                remember()
                self.sign_mode = which
                self.show()
            return handler

        def clear(_):
            self.strokes.clear()
            pad.clear()

        def go(_):
            remember()
            self._submit(iid)

        tabs = ft.Row([
            self._choice("手写签名", self.sign_mode == "draw", False, mode("draw"), ft.Colors.INDIGO_700),
            self._choice("键入签名", self.sign_mode == "type", False, mode("type"), ft.Colors.INDIGO_700),
        ], wrap=True)
        ready = prog.rated == prog.total
        rows: list[ft.Control] = [
            ft.Text("提交与签字", size=18, weight=ft.FontWeight.BOLD),
            ft.Text("提交须由机构负责人签字确认。提交后内容冻结，中心生成签章版机构自评报告（PDF），"
                    "随同步发给县级评审组。", size=13),
            name, tabs, pad, typed,
        ]
        if self.sign_mode == "draw":
            rows.append(ft.TextButton(content=ft.Text("清除签名"), on_click=clear, height=48))
        if not ready:
            rows.append(ft.Text(f"还有 {prog.total - prog.rated} 项未自评。", color=ft.Colors.ORANGE_900, size=13))
        rows.append(ft.FilledButton(content=ft.Text("提交机构自评"), on_click=go, height=48))
        return ft.Container(ft.Column(rows, spacing=8), padding=10, border_radius=8,
                            border=ft.Border.all(1, ft.Colors.INDIGO_200))

    def _signed_report(self, iid: str, snap) -> ft.Control:
        """The signed self-assessment report: download it, and what `report verify` says of it."""
        from inspect_app.hub.web import verdict_text

        sha = report_sha(self.hub, iid)
        director = next((s.signer for s in snap.signatures if s.role is TeamRole.DIRECTOR), "")
        rows: list[ft.Control] = [ft.Text(f"机构负责人签字：{director or '—'}", weight=ft.FontWeight.W_600)]
        if sha is None and self.making_report:
            rows += [ft.Row([ft.ProgressRing(width=20, height=20),
                             ft.Text("正在生成签章版自评报告，请稍候…", color=ft.Colors.GREY_800)], spacing=8)]
        elif sha is None:
            async def again(_):
                try:
                    await asyncio.to_thread(ensure_report, self.hub, self.account, iid)
                    self.message = ""
                except UserError as err:
                    self.message = err.zh
                self.show()

            rows += [ft.Text("签章报告尚未生成。", color=ft.Colors.ORANGE_900),
                     ft.OutlinedButton(content=ft.Text("生成签章报告"), on_click=again)]
        else:
            revision = snap.inspection.revision
            url = self.pages.link("pdf", self.account, iid, str(revision))
            rows += [ft.FilledButton(content=ft.Text("下载签章版自评报告 PDF"), icon=ft.Icons.PICTURE_AS_PDF,
                                     on_click=lambda _: self.pages.page.launch_url(url), height=48),
                     verdict_text(self.hub, iid, revision)]
        return ft.Container(ft.Column(rows, spacing=8), padding=10, border_radius=8,
                            border=ft.Border.all(1, ft.Colors.GREEN_200))

    def _submit(self, iid: str) -> None:
        strokes = [list(s) for s in self.strokes] if self.sign_mode == "draw" else []
        typed = self.typed if self.sign_mode == "type" else ""

        async def go():
            try:
                await asyncio.to_thread(submit, self.hub, self.account, iid, self.director or "",
                                        strokes=strokes, typed=typed, make_report=False)
                self.message = ""
            except UserError as err:
                self.message = err.zh
                self.show()
                return
            # frozen now: say so at once; building and signing the PDF takes seconds more
            self.making_report = True
            self.show()
            try:
                await asyncio.to_thread(ensure_report, self.hub, self.account, iid)
            except UserError as err:
                self.message = err.zh
            except Exception:  # noqa: BLE001 - the submission stands; the page offers 生成签章报告
                pass
            self.making_report = False
            self.show()

        self.pages.page.run_task(go)


__all__ = ["SelfAssessmentPage", "add_photo", "current", "door_rule", "ensure_report", "hub_signer", "hub_standards",
           "progress", "rate", "report_input", "report_sha", "self_assessment_id", "set_note", "set_prerequisite",
           "signature_png", "start", "submit", "typed_signature_png", "view"]
