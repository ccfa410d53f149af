"""Sync operations as a tablet would push them, for building hub test fixtures by hand."""

import hashlib

import httpx


def op(device, seq, iid, key, value, revision=1):
    return {"device": device, "seq": seq, "inspection_id": iid, "revision": revision, "key": key, "value": value}


def signature_image(iid, signer, role) -> bytes:
    """The bytes that stand for a signature's handwriting PNG in hand-built pushes (the hub holds
    files by hash and refuses a signature op whose image it does not hold)."""
    return f"{iid}/{signer}/{role}".encode()


def upload_signature_images(url: str, headers: dict, ops: list[dict]) -> None:
    """Upload the image of every signature op in `ops`, as the tablet does before it pushes."""
    for o in ops:
        if o["key"].startswith("signature/"):
            v = o["value"]
            data = signature_image(v["inspection_id"], v["signer"], v["role"])
            sha = hashlib.sha256(data).hexdigest()
            r = httpx.put(f"{url}/api/blobs/{sha}", params={"offset": 0, "total": len(data)}, content=data,
                          headers=headers, timeout=30)
            assert r.status_code == 200 and r.json()["verified"], r.text


def signature(iid, signer, role, revision=1, image=None):
    """A signature value as the tablet captures it (the PNG is named by its hash)."""
    sha = image or hashlib.sha256(signature_image(iid, signer, role)).hexdigest()
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
