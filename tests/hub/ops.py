"""Sync operations as a tablet would push them, for building hub test fixtures by hand."""

import hashlib


def op(device, seq, iid, key, value, revision=1):
    return {"device": device, "seq": seq, "inspection_id": iid, "revision": revision, "key": key, "value": value}


def signature(iid, signer, role, revision=1, image=None):
    """A signature value as the tablet captures it (the PNG is named by its hash)."""
    sha = image or hashlib.sha256(f"{iid}/{signer}/{role}".encode()).hexdigest()
    return {"inspection_id": iid, "signer": signer, "role": role, "image_sha256": sha,
            "signed_at": "2026-03-01T10:00:00+00:00", "revision": revision}


def signing_ops(device, seq, iid, leader, director="院长", revision=1):
    """The team leader's and the director's signatures, then status signed (what signing needs)."""
    return [
        op(device, seq, iid, f"signature/{revision}/leader/{leader}", signature(iid, leader, "leader", revision),
           revision),
        op(device, seq + 1, iid, f"signature/{revision}/director/{director}",
           signature(iid, director, "director", revision), revision),
        op(device, seq + 2, iid, "inspection.status", "signed", revision),
    ]


def inspection_ops(device, iid, center, team, photo_sha):
    return [
        op(device, 1, iid, "inspection.center_id", center),
        op(device, 2, iid, "inspection.standard_id", "test-std"),
        op(device, 3, iid, "inspection.team", [{"name": n, "role": "expert"} for n in team]),
        op(device, 4, iid, "center", {"id": center, "name": f"机构 {center}", "county": "青山县"}),
        op(device, 5, iid, "item/1.1.1/C-1", {"result": "not_met"}),
        op(device, 6, iid, "advice/1.1.1/C-1", "补齐台账"),
        op(device, 7, iid, "evidence/e1" + device, {"id": "e1" + device, "inspection_id": iid, "sha256": photo_sha}),
        *signing_ops(device, 100, iid, team[0]),
    ]
