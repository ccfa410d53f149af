"""Hub fixtures: a small world on the real hub process (tests/support/hub.py)."""

from __future__ import annotations

import hashlib

import httpx
import pytest

from inspect_app.hub.accounts import Role
from inspect_app.hub.service import Hub
from tests.support.backends import parametrize_backends
from tests.sync.hubproc import PASSWORD
from tests.hub.ops import inspection_ops, op, upload_signature_images
from tests.store.helpers import write_standard
from tests.sync.photos import random_jpeg


def pytest_generate_tests(metafunc):
    parametrize_backends(metafunc)  # every hub test on the data folder and on PostgreSQL + S3


@pytest.fixture
def local_hub(tmp_path, hub_backend):
    """The hub's service in this process (no HTTP) on the test's backend, with the test standard."""
    data = tmp_path / "hub"
    write_standard(data / "standards")
    store = hub_backend.open(data)
    yield Hub(data, store)
    store.close()


@pytest.fixture
def world(hub):
    accounts = hub.accounts()
    accounts.add_user("clinic1", PASSWORD, Role.CLINIC, "青山镇卫生院", "c1")
    accounts.add_user("clinic2", PASSWORD, Role.CLINIC, "绿水社区", "c2")
    tokens = {u: hub.token(u) for u in ("wangfang", "zhaoqiang", "bureau", "clinic1", "clinic2", "liming")}
    photos = {}
    for user, iid, center, team in (("wangfang", "insp1", "c1", ["王芳", "李明"]), ("zhaoqiang", "insp2", "c2", ["赵强"])):
        data = random_jpeg(20)
        sha = hashlib.sha256(data).hexdigest()
        photos[iid] = sha
        h = {"Authorization": f"Bearer {tokens[user]}"}
        assert httpx.put(f"{hub.url}/api/blobs/{sha}", params={"offset": 0, "total": len(data)}, content=data,
                         headers=h).json()["verified"]
        ops = inspection_ops(f"dev-{user}", iid, center, team, sha)
        upload_signature_images(hub.url, h, ops)
        r = httpx.post(f"{hub.url}/api/sync/push", headers=h, json={"device": f"dev-{user}", "ops": ops})
        assert r.status_code == 200 and not r.json()["rejected"], r.text
    # insp1 gets a draft revision 2 that the clinic must not see yet
    h = {"Authorization": f"Bearer {tokens['wangfang']}"}
    r = httpx.post(f"{hub.url}/api/sync/push", headers=h, json={"device": "dev-wangfang", "ops": [
        op("dev-wangfang", 9, "insp1", "inspection.revision", 2, revision=2),
        op("dev-wangfang", 10, "insp1", "inspection.revision_reason", "复核", revision=2),
        op("dev-wangfang", 11, "insp1", "inspection.status", "draft", revision=2)]})
    assert not r.json()["rejected"], r.text
    return hub, tokens, photos
