"""What every hub process on one PostgreSQL + S3 must agree on besides the ledger and accounts
(issue 14: "keep no per-process state"): the county CA and TSA, and the bureau's editions.

- Two hub processes with different data folders on the same database and bucket serve the
  same root and TSA; a tablet enrolled and timestamped by one verifies against the other
  (its pages' verdict, and `report verify --data` on the other's folder).
- An edition placed through one hub is the working copy of the other; publishing lists it
  for both; an edit made from a stale copy is refused instead of silently lost.
- `hub migrate` carries the folder's CA and editions into the shared stores, re-runnable,
  and stops rather than replace a target's different CA.
- A pull's readable set from PostgreSQL's index equals the ledger's rules applied to all rows.
"""

from __future__ import annotations

import hashlib

import httpx
import pytest
from asn1crypto import tsp

from inspect_app.errors import UserError
from inspect_app.hub.accounts import Account, Role
from inspect_app.hub.ledger import Ledger
from inspect_app.hub.service import Hub
from inspect_app.hub.standard_editions import catalogue, editions, move_item, publish, working_copy
from inspect_app.hub.store.migrate import migrate_folder
from inspect_app.hub.trust_routes import HubTrust
from inspect_app.hub.web import signature_verdict
from inspect_app.report.verify import Outcome, verify_report
from inspect_app.trust import ca as county_ca
from inspect_app.trust import device as county_device
from tests.hub.test_shared_store import _backend
from tests.sync.hubproc import Tablet, add_users, start_hub
from tests.sync.scenario import start
from tests.sync.test_travel import sign_off


def _tsa_signer(url: str) -> bytes:
    """The certificate the hub's TSA signs an RFC 3161 token with (DER)."""
    digest = hashlib.sha256(b"report bytes").digest()
    query = tsp.TimeStampReq({"version": "v1", "message_imprint": tsp.MessageImprint(
        {"hash_algorithm": {"algorithm": "sha256"}, "hashed_message": digest}), "cert_req": True})
    r = httpx.post(f"{url}/api/tsa", content=query.dump(), headers={"Content-Type": "application/timestamp-query"})
    answer = tsp.TimeStampResp.load(r.content)
    assert answer["status"]["status"].native == "granted"
    signed = answer["time_stamp_token"]["content"]
    serial = signed["signer_infos"][0]["sid"].chosen["serial_number"].native
    [cert] = [c.chosen for c in signed["certificates"] if c.chosen.serial_number == serial]
    return cert.dump()


def test_two_hubs_on_two_folders_share_the_county_ca_and_tsa(tmp_path, shared_engines, standards, monkeypatch):
    monkeypatch.setenv("JICENG_COUNTY", "花溪区")
    backend = _backend(shared_engines)
    one_dir, two_dir = tmp_path / "one", tmp_path / "two"
    add_users(one_dir, backend=backend)
    two_dir.mkdir()
    one = start_hub(one_dir, backend)
    two = start_hub(two_dir, backend)  # another machine: its own data folder, the same stores
    tablet = None
    try:
        root_one = httpx.get(f"{one.url}/api/trust/root").text
        assert root_one == httpx.get(f"{two.url}/api/trust/root").text
        assert "花溪区" in county_ca.load_cert(root_one).subject.rfc4514_string()
        assert not (one_dir / "hub" / "trust.json").exists() and not (two_dir / "hub" / "trust.json").exists()
        assert _tsa_signer(one.url) == _tsa_signer(two.url)

        # a tablet enrolls on one, its report is signed and timestamped through one ...
        tablet = Tablet(tmp_path / "tablet", standards)
        tablet.sign_in(one, "wangfang")
        iid = start(tablet)
        sign_off(tablet, iid)
        report = tablet.sync()
        assert report.reports_signed == 1 and not report.messages, report
        enrolled = county_device.load(tablet.ws.data_dir)
        assert enrolled.hub_url == one.url and enrolled.tsa_url.startswith(one.url)
        assert county_ca.cert_pem(enrolled.chain[-1]) == root_one
        # ... and verifies against two: its pages' verdict and `report verify --data` on its folder
        store = backend.open(two_dir)
        try:
            code, zh, en = signature_verdict(Hub(two_dir, store), iid, 1)
        finally:
            store.close()
        assert code == 0 and en.startswith("VALID"), (zh, en)
        [pdf] = list((tablet.ws.data_dir / "reports").glob("*.pdf"))
        on_two = verify_report(pdf.read_bytes(), data_dir=two_dir)
        assert on_two.code is Outcome.VALID and on_two.signer_info.trust == "county", on_two.lines()
        assert on_two.timestamp

        # a second tablet enrolling on two gets a certificate from the same issuer
        h = {"Authorization": f"Bearer {two.token('liming')}"}
        csr = county_device.make_csr(county_device.new_key(), "dev-two")
        body = httpx.post(f"{two.url}/api/trust/enroll", json={"csr": csr, "device": "dev-two"}, headers=h).json()
        assert body["roots"][0] == root_one and body["chain"] == [county_ca.cert_pem(c) for c in enrolled.chain]
        county_ca.load_cert(body["certificate"]).verify_directly_issued_by(enrolled.chain[0])
    finally:
        if tablet is not None:
            tablet.close()
        two.stop()
        one.stop()


def test_the_ca_is_made_once_when_hubs_start_together(tmp_path, shared_engines):
    backend = _backend(shared_engines)
    stores = [backend.open(tmp_path / f"h{n}") for n in range(3)]
    try:
        trusts = [HubTrust(s.settings) for s in stores]
        import threading

        roots = [None] * 3

        def make(n):
            roots[n] = county_ca.cert_pem(trusts[n].ensure("青山县").root)

        threads = [threading.Thread(target=make, args=(n,)) for n in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(set(roots)) == 1 and roots[0]
        assert HubTrust(stores[0].settings).info()["issued"] == 0
    finally:
        for s in stores:
            s.close()


def _hub(backend, folder):
    store = backend.open(folder)
    return Hub(folder, store), store


def test_editions_are_shared_and_a_stale_edit_is_refused(tmp_path, shared_engines):
    backend = _backend(shared_engines)
    a, sa = _hub(backend, tmp_path / "a")
    b, sb = _hub(backend, tmp_path / "b")
    try:
        assert [s.id for s in editions(a)] == [s.id for s in editions(b)]
        move_item(a, "township-2018", "0.0.1/C-2", "1.1.1", title="功能定位", by="卫健局张")
        assert not (tmp_path / "a" / "standards" / "township-2018.json").exists()  # not a local file
        seen = working_copy(b, "township-2018")
        assert len(seen.placements) == 1 and seen.placements[-1].by == "卫健局张"
        move_item(b, "township-2018", "0.0.1/C-3", "1.1.1", by="卫健局李")  # b edits a's edit
        assert len(working_copy(a, "township-2018").placements) == 2
        entry = publish(a, a.blobs, "township-2018", by="卫健局张")
        assert catalogue(b)["township-2018"] == entry and b.blobs.read(entry["sha256"])
        assert entry["sha256"] in b.referenced_blobs()  # the clean-up keeps published and working copies

        # an edit based on a copy another process has changed since is refused, nothing lost
        from inspect_app.hub import standard_editions as se

        stale, based_on = se._working(a, "township-2018")
        se.set_group_title(b, "township-2018", "2.1", "基本医疗服务", by="卫健局李")
        with pytest.raises(UserError, match="另一位用户"):
            se._save(a, stale, based_on)
        assert [p.by for p in working_copy(a, "township-2018").placements][-1] == "卫健局李"
    finally:
        sa.close()
        sb.close()


def test_migrate_carries_the_ca_and_editions_and_keeps_a_different_target_ca(tmp_path, shared_engines):
    folder = tmp_path / "county"
    county = Hub(folder)
    root = HubTrust(county.files).ensure("青山县").root
    move_item(folder, "township-2018", "0.0.1/C-2", "1.1.1", title="功能定位", by="卫健局张")
    published = publish(folder, county.blobs, "township-2018", by="卫健局张")
    county.store.close()
    backend = _backend(shared_engines)
    lines: list[str] = []
    assert migrate_folder(folder, backend.database, backend.blobs, out=lines.append), "\n".join(lines)
    assert any(line.startswith("settings sha256") and line.endswith("ok") for line in lines), lines
    assert any("2 hub settings" in line for line in lines), lines
    again: list[str] = []
    assert migrate_folder(folder, backend.database, backend.blobs, out=again.append), "\n".join(again)
    assert any("0 hub settings" in line for line in again), again
    shared, store = _hub(backend, tmp_path / "served")
    try:
        assert HubTrust(store.settings).authority.root == root  # tablets enrolled by the county still verify
        assert catalogue(shared)["township-2018"] == published
        assert working_copy(shared, "township-2018").placements[-1].by == "卫健局张"
    finally:
        store.close()

    other = _backend(shared_engines)  # a target whose hub already made its own CA
    store = other.open(tmp_path / "other")
    HubTrust(store.settings).ensure("别的县")
    store.close()
    with pytest.raises(UserError, match="不同的中心设置 trust"):
        migrate_folder(folder, other.database, other.blobs, out=lambda _: None)


def test_the_pull_index_finds_what_the_rules_allow(tmp_path, shared_engines):
    backend = _backend(shared_engines)
    store = backend.open(tmp_path)
    rows = [
        {"id": "own", "center_id": "c1", "team": [], "creator": "wangfang", "max_seq": 3},
        {"id": "team", "center_id": "c2", "team": ["王芳", "李明"], "creator": "liming", "max_seq": 5},
        {"id": "other", "center_id": "c3", "team": ["赵强"], "creator": "zhaoqiang", "max_seq": 7},
        {"id": "self-c2", "center_id": "c2", "stage": "self", "sealed": [1], "team": [], "creator": "", "max_seq": 9},
        {"id": "self-c2-draft", "center_id": "c2", "stage": "self", "sealed": [], "creator": "", "max_seq": 10},
        {"id": "self-c3", "center_id": "c3", "stage": "self", "sealed": [1, 2], "creator": "", "max_seq": 11},
        {"id": "no-center", "center_id": "", "team": ["王芳"], "stage": "", "max_seq": 12},
        {"id": "self-empty", "center_id": "", "stage": "self", "sealed": [1], "max_seq": 13},
        {"id": "odd", "center_id": "c1", "team": "王芳", "sealed": "x", "max_seq": 14},  # not lists: no match
    ]
    try:
        with store.ledger.transaction([r["id"] for r in rows]) as tx:
            for row in rows:
                tx.put_row(row["id"], row)
        ledger = Ledger(store.ledger)
        for account in (Account("wangfang", "王芳", Role.INSPECTOR), Account("liming", "李明", Role.INSPECTOR),
                        Account("zhaoqiang", "", Role.INSPECTOR), Account("nobody", "无名", Role.INSPECTOR)):
            by_rules = {(e.id, e.max_seq) for e in ledger.readable_entries(account)}
            by_index = set(store.ledger.inspector_reads(account.username, account.names))
            assert by_index == by_rules, account.username
        wang = set(store.ledger.inspector_reads("wangfang", {"wangfang", "王芳"}))
        assert wang == {("own", 3), ("team", 5), ("self-c2", 9), ("no-center", 12)}
    finally:
        store.close()
    folder = Hub(tmp_path / "folder").store
    try:
        assert folder.ledger.inspector_reads("wangfang", {"王芳"}) is None  # the folder applies the rules itself
    finally:
        folder.close()


def test_a_ca_kept_in_a_folder_before_is_adopted_or_retired(tmp_path, shared_engines):
    """Hubs that ran shared before the CA moved to the database each made one in their folder:
    the first to start again becomes the shared CA, the others' roots stay trusted (retired)."""
    from inspect_app.hub.storage import HubFiles
    from inspect_app.hub.trust_routes import trust_of
    from inspect_app.trust.roots import hub_roots

    first = HubTrust(HubFiles(tmp_path / "m1")).ensure("青山县").root
    second = HubTrust(HubFiles(tmp_path / "m2")).ensure("青山县").root
    backend = _backend(shared_engines)
    hubs = [_hub(backend, tmp_path / m) for m in ("m1", "m2", "m3")]
    try:
        trusts = [trust_of(hub) for hub, _ in hubs]
        assert all(t.authority.root == first for t in trusts)
        assert all(set(t.roots()) == {first, second} for t in trusts)
        assert set(hub_roots(tmp_path / "m3")) == {first, second}  # the public copy for report verify --data
        again, store = _hub(backend, tmp_path / "m2")  # starting again adds nothing
        try:
            assert trust_of(again).roots() == trusts[0].roots()
        finally:
            store.close()
    finally:
        for _, store in hubs:
            store.close()
