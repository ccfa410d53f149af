"""The inspection as a domain model: what the store keeps and sync, report and UI share.

Plain pydantic records with no storage or UI code. Times are timezone-aware UTC;
ordering across devices never relies on them (sync uses per-device counters).
"""

from __future__ import annotations

from datetime import datetime, timezone
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CenterType(StrEnum):
    TOWNSHIP = "township"  # 乡镇卫生院
    COMMUNITY = "community"  # 社区卫生服务中心
    OTHER = "other"


# How each kind of center is named on screen, in the report and on the hub's pages (Chinese, English).
CENTER_TYPE_NAMES: dict[CenterType, tuple[str, str]] = {
    CenterType.TOWNSHIP: ("乡镇卫生院", "Township health center"),
    CenterType.COMMUNITY: ("社区卫生服务中心", "Community health service center"),
    CenterType.OTHER: ("其他医疗卫生机构", "Other health institution"),
}


def center_type_name(value: str, lang: str = "zh") -> str:
    """The name of a center type value; an unknown value is shown as it is."""
    try:
        zh, en = CENTER_TYPE_NAMES[CenterType(value)]
    except ValueError:
        return value
    return en if lang == "en" else zh


class HealthCenter(_Record):
    """被评机构: a township health center or community health service center."""

    id: str
    name: str
    code: str = ""  # 机构代码
    county: str = ""
    type: CenterType = CenterType.TOWNSHIP
    director: str = ""  # 机构负责人
    small_institution: bool = False  # <10 medical staff and <10,000 residents: 合格标准 applies
    # Facts a bureau's report cover prints (all optional; None = not given)
    address: str = ""  # 机构地址
    registration_code: str = ""  # 登记号（医疗机构执业许可证登记号 / 统一社会信用代码）
    population_served: int | None = None  # 服务人口
    beds: int | None = None  # 编制床位
    medical_staff: int | None = None  # 卫生技术人员数
    contact: str = ""  # 联系人及电话


class ItemResult(StrEnum):
    MET = "met"  # 符合
    NOT_MET = "not_met"  # 不符合
    NA = "na"  # 不适用 (needs a reason)
    UNRATED = "unrated"


class ItemRating(_Record):
    result: ItemResult = ItemResult.UNRATED
    na_reason: str = ""
    note: str = ""
    rated_by: str = ""
    rated_at: datetime | None = None


class Finding(_Record):
    """评审结果 of one clause in one inspection: item ratings, notes, rectification advice."""

    inspection_id: str
    clause_number: str
    items: dict[str, ItemRating] = Field(default_factory=dict)
    note: str = ""
    rectification: dict[str, str] = Field(default_factory=dict)  # 整改建议 per item code
    rectification_due: dict[str, str] = Field(default_factory=dict)  # 整改时限 per item code
    rectification_dept: dict[str, str] = Field(default_factory=dict)  # 责任科室 per item code
    disagreement_reason: str = ""  # why this level differs from the self-assessment's (差异说明)
    updated_by: str = ""
    updated_at: datetime | None = None


class InspectionStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    SIGNED = "signed"
    LOCKED = "locked"


class TeamRole(StrEnum):
    LEADER = "leader"  # 评审组长
    EXPERT = "expert"  # 评审专家
    DIRECTOR = "director"  # 被评机构负责人


class TeamMember(_Record):
    name: str
    role: TeamRole = TeamRole.EXPERT
    unit: str = ""  # 工作单位
    title: str = ""  # 职称 / 职务


class EvaluationStage(StrEnum):
    """评价阶段 of a 基层行 evaluation (the review chain: self → county → city → province)."""

    SELF = "self"  # 自评
    COUNTY = "county"  # 县级审核
    CITY = "city"  # 市级复核
    PROVINCE = "province"  # 省级评价

    @property
    def zh(self) -> str:
        return STAGE_ZH[self]

    @property
    def en(self) -> str:
        return STAGE_EN[self]


STAGE_ZH = {EvaluationStage.SELF: "机构自评", EvaluationStage.COUNTY: "县级审核",
            EvaluationStage.CITY: "市级复核", EvaluationStage.PROVINCE: "省级评价"}
STAGE_EN = {EvaluationStage.SELF: "self-assessment", EvaluationStage.COUNTY: "county review",
            EvaluationStage.CITY: "city re-check", EvaluationStage.PROVINCE: "provincial evaluation"}
Stage = EvaluationStage  # the review chain's short name for it (docs/review-chain.md)
STAGE_ORDER = (Stage.SELF, Stage.COUNTY, Stage.CITY, Stage.PROVINCE)  # a round's stages in order


class OverallAssessment(_Record):
    """总体评价 written by the team leader: 主要成效 / 主要问题 / 总体意见."""

    achievements: str = ""  # 主要成效
    problems: str = ""  # 主要问题
    opinion: str = ""  # 总体意见
    by: str = ""
    at: datetime | None = None

    @property
    def empty(self) -> bool:
        return not (self.achievements.strip() or self.problems.strip() or self.opinion.strip())


class FrozenReportFacts(_Record):
    """What a signed revision's report prints, copied at signing (封存): the center's facts, the
    team, the standard copy and the report number. A locked revision's report is built from
    this copy, so editing the center afterwards cannot change it."""

    center: HealthCenter
    team: list[TeamMember] = Field(default_factory=list)
    standard_id: str
    standard_version: str
    standard_sha256: str = ""  # of the exact standard copy file the inspection used
    report_id: str = ""
    photo_numbers: dict[str, str] = Field(default_factory=dict)  # evidence id -> P-001
    frozen_at: datetime = Field(default_factory=utc_now)


class Inspection(_Record):
    """One visit (现场评审) of a team to a center against one standard edition."""

    id: str
    center_id: str
    standard_id: str
    standard_version: str  # edition plus content hash, so a report names exactly what was used
    team: list[TeamMember] = Field(default_factory=list)
    inspector: str = ""  # the person using this device
    started_on: datetime = Field(default_factory=utc_now)
    finished_on: datetime | None = None
    status: InspectionStatus = InspectionStatus.DRAFT
    revision: int = 1
    revision_reason: str = ""
    assignments: dict[str, str] = Field(default_factory=dict)  # chapter number -> member name
    prerequisites: dict[str, bool | None] = Field(default_factory=dict)  # 前置条件 id -> met
    keep_gps: bool = False
    current_clause: str = ""  # where the inspector left off
    archived: bool = False  # 已归档: off this device's home list (a device's choice, not synced)
    time_zone: str = "Asia/Shanghai"  # every date a person reads is shown in this zone (clock.py)
    stage: EvaluationStage = EvaluationStage.COUNTY  # 评价阶段 (the layer of the review chain)
    reviewing_body: str = ""  # 评审单位, e.g. 某某县卫生健康局 (empty: from the center's county)
    assessment: OverallAssessment = Field(default_factory=OverallAssessment)  # 总体评价
    frozen: FrozenReportFacts | None = None  # set at signing; cleared by a new revision
    # The review chain (inspect_app/review_chain.py): which layer this is, of which round
    # (评价轮次), the clauses a sampled re-check rates (recorded when it starts; empty = all),
    # and whether the inspector may see the self-ratings before rating (round option).
    round_id: str = ""
    sample: list[str] = Field(default_factory=list)
    sample_rule: str = ""  # how the sample was drawn, e.g. "seed=42;share=0.3;recommended"
    show_self_ratings: bool = False


class EvidenceTarget(_Record):
    """What a photo proves: the inspection, a clause, or one item of a clause."""

    clause_number: str = ""
    item_code: str = ""


class EvidenceRecord(_Record):
    """佐证材料: a photo stored content-addressed by the SHA-256 of the original bytes."""

    id: str
    inspection_id: str
    target: EvidenceTarget = Field(default_factory=EvidenceTarget)
    sha256: str  # of the original bytes as received
    original_name: str = ""
    width: int = 0
    height: int = 0
    captured_at: datetime | None = None  # EXIF DateTimeOriginal when present
    added_at: datetime = Field(default_factory=utc_now)
    added_by: str = ""
    caption: str = ""
    deleted: bool = False
    deleted_reason: str = ""
    number: str = ""  # 照片编号 P-001 …: given at attach, per inspection, never reused or changed


class Signature(_Record):
    """A handwritten signature captured on the tablet (签名)."""

    inspection_id: str
    signer: str
    role: TeamRole
    image_sha256: str  # PNG rendered from the strokes, stored like evidence
    signed_at: datetime = Field(default_factory=utc_now)
    revision: int = 1


class AuditEntry(_Record):
    """Append-only 操作日志: who changed what, when, old → new."""

    id: str
    at: datetime = Field(default_factory=utc_now)
    actor: str
    device: str = ""
    # The paired browser the change came through when the app serves other devices (pairing):
    # "平板A (pd-1a2b3c4d)"; "" on loopback, where the device is this machine.
    client: str = ""
    inspection_id: str = ""
    action: str  # e.g. "rate_item", "remove_evidence", "new_revision"
    key: str = ""  # e.g. "2.2.3.1/C-2"
    old: object = None
    new: object = None
    reason: str = ""
