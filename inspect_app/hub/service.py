"""The hub as a service (县级中心): its parts on one data folder, and the use cases that
both the API routes (inspect_app/hub/routes/) and the web pages (web.py) call: a clinic's
rectification photo and answer, the bureau's export of every signed report.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
from pathlib import Path

from pydantic import BaseModel, Field
from starlette.background import BackgroundTask
from fastapi.responses import FileResponse, StreamingResponse

from inspect_app.errors import UserError
from inspect_app.hub.accounts import Account, Accounts
from inspect_app.hub.ledger import Ledger
from inspect_app.hub.policy import UPLOADER
from inspect_app.hub.reports import report_view, snapshot, standard_from_bytes
from inspect_app.hub.storage import HubFiles
from inspect_app.hub.store import HubStore, open_store
from inspect_app.inspection import utc_now
from inspect_app.sync import keys
from inspect_app.sync.protocol import SAFE_ID, SHA256_HEX, Op, Rejection


# Uploads nobody references are removed after this long; each account may hold this much
# of them meanwhile.
GRACE_HOURS = float(os.environ.get("JICENG_HUB_GRACE_HOURS", "48"))
UPLOAD_QUOTA = int(float(os.environ.get("JICENG_HUB_UPLOAD_QUOTA_MB", "2048")) * 1024 * 1024)
# Ops whose value names a file (blob) the hub must hold before the op is stored.
HELD_FILE_KEYS = ("evidence/", "signature/", "response/", "report/")


class Hub:
    """The hub's parts over its storage (the data folder, or PostgreSQL + S3 shared by several
    hub processes: see inspect_app/hub/store/), shared by the API and the web pages."""

    def __init__(self, data_dir: Path, store: HubStore | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.store = store or open_store(self.data_dir)
        # Local to this machine: scratch for exports and clinic photo ingest (the trust keys
        # and editions are in the store's settings: trust_routes, standard_editions).
        self.files = self.store.folder or HubFiles(self.data_dir)
        self.blobs = self.store.blobs
        self.accounts = Accounts(self.store.accounts)
        self.ledger = Ledger(self.store.ledger, check=self.check_op, blobs=self.blobs)
        self._photos = None

    @property
    def photos(self):
        """The hub's photo store (<data>/hub/photos): clinics' rectification photos are ingested
        here like a tablet's, then their originals are kept as blobs for the tablets."""
        if self._photos is None:
            from inspect_app.evidence import PhotoStore

            self._photos = PhotoStore(self.files.root / "photos")
        return self._photos

    def check_op(self, op: Op, trusted: bool = False) -> Rejection | None:
        """On arrival, an op's blob must be here and be what the op says: the photo of an
        evidence op or of a clinic's answer, a signature's handwriting image, the signed PDF and
        the standard file are held (else MISSING_BLOB: the
        tablet uploads it again and pushes again, see missing_blob); the signed PDF is a signed
        PDF that verifies (inspect_app.report.verify) and is this inspection's revision; the
        standard file is the named edition with that content hash. (The blob's bytes were
        already re-hashed against its name when it was uploaded.) `trusted`: a bundle the
        operator imports on the hub machine (its files were put just before; one it lacks may
        come later from the tablet): a missing photo or standard is let in, a missing PDF not."""
        value = op.value if isinstance(op.value, dict) else {}
        sha = str(value.get("sha256", ""))
        if not (op.key.startswith(HELD_FILE_KEYS) or op.key == "standard"):
            return None
        missing = self.missing_blob(op)
        if missing is not None and trusted:
            if not op.key.startswith("report/"):
                return None
            return Rejection(id=op.id, code="bad_report", zh=f"变更 {op.id}：签署报告文件尚未上传到中心，已拒收，下次同步会重发。",
                             en=f"Change {op.id}: the signed PDF has not reached the hub; refused, the next sync sends it again.")
        content_checked = op.key.startswith("report/") or op.key == "standard"  # more than being held
        if missing is not None or not content_checked:
            return missing
        if not SHA256_HEX.match(sha):  # names no file (the door's schema refuses most such values)
            if op.key == "standard":
                return None
            return Rejection(id=op.id, code="bad_report", zh=f"变更 {op.id}：签署报告未指明文件，已拒收。",
                             en=f"Change {op.id}: the signed report names no file; refused.")
        data = self.blobs.read(sha)
        if op.key == "standard":
            if standard_from_bytes(data, str(value.get("id", "")), str(value.get("version", ""))):
                return None
            return Rejection(id=op.id, code="bad_standard",
                             zh="随评审上传的评价标准文件与其声明的标准或版本不符，已拒收。",
                             en="The standard file sent with the inspection is not the standard/version it names; refused.")
        from inspect_app.report.export import report_content
        from inspect_app.report.verify import verify_report

        try:
            doc, _ = report_content(data)
            same = doc["inspection"]["id"] == op.inspection_id and int(doc["inspection"]["revision"]) == keys.parse(
                op.key).revision
        except (UserError, KeyError, TypeError, ValueError, AttributeError):
            same = False
        if not same:
            return Rejection(id=op.id, code="bad_report", zh=f"变更 {op.id}：上传的签署报告不是该评审该版本的报告，已拒收。",
                             en=f"Change {op.id}: the signed report sent is not this inspection's revision; refused.")
        check = verify_report(data)
        if check.code == 1:  # changed or broken; intact but untrusted (3) is kept, the pages say so
            why_zh = "；".join(p[0] for p in check.problems) or "签名无效"
            why_en = "; ".join(p[1] for p in check.problems) or "the signature does not verify"
            return Rejection(id=op.id, code="bad_report", zh=f"变更 {op.id}：签署报告未通过验证（{why_zh}），已拒收。",
                             en=f"Change {op.id}: the signed report does not verify ({why_en}); refused.")
        return None

    def missing_blob(self, op: Op) -> Rejection | None:
        """An evidence, standard or signed-report op whose file the hub does not hold is refused
        (nothing of the push is stored), naming the op and the file: the tablet marked the file
        sent when the hub verified it, but the clean-up removes an upload no op names after
        GRACE_HOURS (a push that failed, a tablet back days later). Stored, the op would be a
        record whose photo is gone; refused, the tablet uploads it again and pushes again
        (sync/client.py push)."""
        from inspect_app.sync.protocol import MISSING_BLOB, blob_refs

        # Asked of the store itself, not of this process's memory of what it saw (S3's cache):
        # another hub process on the same bucket may have run the clean-up a moment ago.
        missing = [sha for sha in blob_refs(op) if self.blobs.size(sha) is None]
        if not missing:
            return None
        zh, en = (("签署报告文件", "signed PDF") if op.key.startswith("report/") else
                  ("评价标准文件", "standard file") if op.key == "standard" else
                  ("签名图像", "signature image") if op.key.startswith("signature/") else ("照片", "photo"))
        return Rejection(id=op.id, code=MISSING_BLOB, blobs=missing,
                         zh=f"变更 {op.id}（{op.key}）的{zh} {missing[0]} 尚未上传到中心或已被清理，已拒收；"
                            "平板会重新上传后再同步。",
                         en=f"Change {op.id} ({op.key}) names {en} {missing[0]}, which the hub does not hold "
                            f"(never uploaded, or removed by the clean-up); refused: the tablet uploads the {en} "
                            "again and syncs again.")

    def report_pdf(self, inspection_id: str, revision: int) -> str | None:
        """The blob (SHA-256) of a revision's signed PDF: the one the tablet signed and sent, if
        it did and the bytes are here."""
        snap = snapshot(inspection_id, self.ledger.state(inspection_id))
        ref = snap.report_pdf.get(revision)
        if ref and self.blobs.has(ref["sha256"]):
            return ref["sha256"]
        return None

    def photo_for(self, account: Account, sha: str) -> bytes | None:
        """What a reader who is not on the team gets of a photo (the clinic, the bureau): the
        upright, bounded, GPS-free derivative, unless an inspection it may read that holds the
        photo keeps GPS. None: serve the blob as stored (not a JPEG photo; a team member,
        whose tablet re-verifies the original's hash; or a keep_gps inspection)."""
        from inspect_app.hub.accounts import Role
        from inspect_app.hub.ledger import may_read, on_team

        if account.role is Role.INSPECTOR:
            return None
        head = next(iter(self.blobs.iter(sha, 4096)), b"")[:3]
        if head != b"\xff\xd8\xff":
            return None
        for iid in self.ledger.store.blob_holders(sha):
            entry = self.ledger.entry(iid)
            if entry is None or not (may_read(account, entry) or on_team(account, entry)):
                continue
            keep = self.ledger.state(iid).get("inspection.keep_gps")
            if keep is not None and keep.value is True:
                return None
        if not self.photos.has(sha):
            try:
                self.photos.put_original(sha, self.blobs.read(sha))
            except Exception:  # noqa: BLE001 - not a photo the evidence store takes: nothing to strip
                return None
            self.photos.drop_original(sha)  # the blob store has it; no second copy with GPS here
        return self.photos.stored_bytes(sha)

    def referenced_blobs(self) -> set[str]:
        """Every blob an op of any inspection names (grounded or not, quarantined ones aside),
        and every standard edition the bureau published or keeps as a working copy
        (standard_editions.edition_blobs)."""
        from inspect_app.hub.standard_editions import edition_blobs
        from inspect_app.sync.protocol import blob_refs

        named = {sha for entry in self.ledger.entries() for op in self.ledger.ops(entry.id) for sha in blob_refs(op)}
        return named | edition_blobs(self)

    def clean_up(self, now: float | None = None) -> tuple[int, int]:
        """Disk hygiene (清理): staged uploads abandoned for GRACE_HOURS, and blobs no op names that
        arrived more than GRACE_HOURS ago (a clinic's photo never used in an answer, uploads
        whose push never came), are removed. Returns (blobs, staged uploads) removed."""
        now = time.time() if now is None else now
        named = _StillNamed(self.referenced_blobs(), self.ledger.store.blob_holders)
        return self.blobs.sweep(named, set(), now - GRACE_HOURS * 3600)

    def keep_clean(self, every: float = 3600.0) -> None:
        """Run clean_up now and then every `every` seconds (a daemon thread of the hub process)."""
        while True:
            try:
                self.clean_up()
            except Exception:  # noqa: BLE001 - hygiene must never stop the hub; tried again later
                pass
            time.sleep(every)

    def quota_left(self, username: str) -> int:
        """Bytes `username` may still upload: UPLOAD_QUOTA minus what it uploaded in this process
        that no op names yet (a clinic or a tablet cannot fill the disk between clean-ups)."""
        used = sum(size for sha, size in self.ledger.possession.sizes(username).items()
                   if not any(not h.startswith(UPLOADER) for h in self.ledger.store.blob_holders(sha)))
        return UPLOAD_QUOTA - used

    def blob_response(self, sha: str, media_type: str = "application/octet-stream", filename: str = ""):
        """A blob streamed out of whichever store holds it."""
        headers = {"Content-Disposition": f'attachment; filename="{filename}"'} if filename else {}
        size = self.blobs.size(sha)
        if size is not None:
            headers["Content-Length"] = str(size)
        return StreamingResponse(self.blobs.iter(sha), media_type=media_type, headers=headers)


class _StillNamed:
    """What the clean-up keeps: the blobs ops named when it began, and any an inspection holds
    by now (a push that committed while it scanned the ops), asked of the store again just
    before each removal."""

    def __init__(self, named: set[str], holders) -> None:
        self.named = named
        self.holders = holders

    def __contains__(self, sha: object) -> bool:
        if sha in self.named:
            return True
        return any(not h.startswith(UPLOADER) for h in self.holders(sha))


class ResponseRequest(BaseModel):
    """整改回复 of a clinic to one deficiency."""

    clause: str
    item: str
    plan: str = Field(min_length=1, max_length=4000)
    due: str = Field("", max_length=20)  # YYYY-MM-DD
    photos: list[str] = Field(default_factory=list, max_length=20)



def ingest_clinic_photo(hub: Hub, data: bytes, name: str = "", username: str = "") -> dict:
    """Ingest through the evidence store (orientation, GPS stripped, thumbnails; PhotoRejected
    for anything else). What the hub keeps and the tablets fetch is the derivative (upright,
    bounded, GPS-free), named by its own SHA-256: the phone's original, with whatever GPS it
    carried, is dropped. `username`: the clinic that sent it (it may then name it in answers)."""
    stored = hub.photos.ingest(data, name)
    derivative = hub.photos.stored_bytes(stored.sha256)
    sha = hashlib.sha256(derivative).hexdigest()
    if not hub.blobs.has(sha):
        if not hub.blobs.put(sha, derivative):
            raise UserError("照片保存失败，请重新上传。", "The photo could not be stored; upload it again.")
    hub.photos.drop_original(stored.sha256)
    if username:
        hub.ledger.possession.record(username, [sha], {sha: len(derivative)})
    return {"sha256": sha, "name": stored.original_name, "width": stored.width, "height": stored.height}


def answer_deficiency(hub: Hub, acct: Account, inspection_id: str, revision: int, body: ResponseRequest) -> dict:
    """Record a clinic's rectification plan as an op, so it travels to the inspectors' tablets."""
    from inspect_app.fonts import check_all

    check_all("answer", body.plan, body.due)  # drawn in the next revision's report, or refused here
    view = report_view(hub.ledger, inspection_id, revision, hub.data_dir)
    if not any(d["clause"] == body.clause and d["item"] == body.item for d in view["deficiencies"]):
        raise UserError("报告中没有这一问题项。", "This deficiency is not in the report.")
    for sha in body.photos:
        if not SHA256_HEX.match(sha) or not hub.blobs.has(sha):
            raise UserError("整改照片尚未上传完成，请重新上传。", "A rectification photo has not finished uploading; upload it again.")
    key = f"response/{body.clause}/{body.item}"
    state = hub.ledger.state(inspection_id)
    supersedes = state[key].head_ids if key in state else []
    value = {"plan": body.plan, "due": body.due, "photos": body.photos, "by": acct.username,
             "at": utc_now().isoformat(), "revision": revision}
    op = hub.ledger.append_hub_op(inspection_id, revision, key, value, acct.username, supersedes, acct)
    return {"ok": True, "id": op.id}


def export_signed_reports(hub: Hub) -> tuple[Path, list[str]]:
    """全部签署报告 for the bureau, made by the report engineer's `export_bundle` (PDFs,
    manifest.csv + manifest.json read back from each signed file, one zip). Returns the zip's
    path inside a temporary folder (the caller removes the folder) and the signed revisions
    whose PDF has not reached the hub yet ("<inspection>-r<revision>")."""
    from inspect_app.report.export import export_bundle

    exports = hub.files.root / "exports"
    exports.mkdir(exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="export-", dir=exports))
    pdfs, missing = [], []
    for entry in sorted(hub.ledger.entries(), key=lambda e: e.id):
        snap = snapshot(entry.id, hub.ledger.state(entry.id)) if entry.sealed else None
        for rev in entry.sealed:
            sha = hub.report_pdf(entry.id, rev)
            if sha is None:
                missing.append(f"{entry.id}-r{rev}")
                continue
            rid = str(snap.report_pdf[rev].get("report_id", ""))
            name = f"{rid if SAFE_ID.match(rid) else f'{entry.id}-r{rev}'}.pdf"
            target = folder / name
            hub.blobs.copy_to(sha, target)  # a hard link when the blob is on the same disk
            pdfs.append(target)
    result = export_bundle(pdfs, folder)  # out_dir = where the PDFs are: nothing copied again
    return result.zip_path, missing


def export_response(hub: Hub) -> FileResponse:
    zip_path, missing = export_signed_reports(hub)
    return FileResponse(zip_path, media_type="application/zip", filename=zip_path.name,
                        headers={"X-Reports-Missing": ",".join(missing)},
                        background=BackgroundTask(shutil.rmtree, zip_path.parent, ignore_errors=True))
