"""Steps the sync tests share: a center and an inspection on a tablet, photos, and two
signed-in tablets that both hold the same inspection."""

from __future__ import annotations

from inspect_app import services
from inspect_app.inspection import TeamMember, TeamRole
from tests.sync.hubproc import Tablet
from tests.sync.photos import random_jpeg


def start(tablet: Tablet) -> str:
    center = services.add_center(tablet.ws, "青山镇卫生院", actor="王芳", county="青山县")
    team = [TeamMember(name="王芳", role=TeamRole.LEADER), TeamMember(name="李明")]
    return services.start_inspection(tablet.ws, center.id, "test-std", team, inspector="王芳").id


def add_photos(tablet: Tablet, iid: str, count: int, kb: int) -> list[str]:
    shas = []
    for n in range(count):
        photo = tablet.ws.photos.ingest(random_jpeg(kb), f"IMG_{n:04}.jpg")
        services.attach_evidence(tablet.ws, iid, photo, clause_number="1.1.1")
        shas.append(photo.sha256)
    return shas


def shared(tablet: Tablet, shas: list[str]) -> list[str]:
    """The hashes these photos travel under (their GPS-free derivatives, issue 11): what the hub
    and the other tablets hold. The originals stay on `tablet`."""
    return [tablet.ws.photos.share(s) for s in shas]


def auth(hub, user: str) -> dict:
    return {"Authorization": f"Bearer {hub.token(user)}"}


def two_tablets(tmp_path, hub, standards, *, clock_a=None, first_rating: str | None = "met"):
    """王芳's tablet A starts the inspection (optionally rating 1.1.1 C-1), both sync, so 李明's
    tablet B holds it too. Returns (a, b, inspection id)."""
    a = Tablet(tmp_path / "a", standards, clock=clock_a)
    b = Tablet(tmp_path / "b", standards)
    a.sign_in(hub, "wangfang")
    b.sign_in(hub, "liming")
    iid = start(a)
    if first_rating:
        services.rate_item(a.ws, iid, "1.1.1", "C-1", first_rating)
    a.sync()
    b.sync()
    return a, b, iid
