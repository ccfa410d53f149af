"""Sync operations as a tablet would push them, for building hub test fixtures by hand."""


def op(device, seq, iid, key, value, revision=1):
    return {"device": device, "seq": seq, "inspection_id": iid, "revision": revision, "key": key, "value": value}


def inspection_ops(device, iid, center, team, photo_sha):
    return [
        op(device, 1, iid, "inspection.center_id", center),
        op(device, 2, iid, "inspection.standard_id", "test-std"),
        op(device, 3, iid, "inspection.team", [{"name": n, "role": "expert"} for n in team]),
        op(device, 4, iid, "center", {"id": center, "name": f"机构 {center}", "county": "青山县"}),
        op(device, 5, iid, "item/1.1.1/C-1", {"result": "not_met"}),
        op(device, 6, iid, "advice/1.1.1/C-1", "补齐台账"),
        op(device, 7, iid, "evidence/e1" + device, {"id": "e1" + device, "inspection_id": iid, "sha256": photo_sha}),
        op(device, 8, iid, "inspection.status", "signed"),
    ]
