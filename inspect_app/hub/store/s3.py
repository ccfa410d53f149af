"""Blobs in an S3-compatible object store (boto3): photos, signature images, signed PDFs and
standard copies, by SHA-256, for hub processes that share one store.

    s3://BUCKET[/PREFIX]?endpoint=http://host:port&region=us-east-1

Credentials come from boto3's usual places (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, a
profile) or from the URL (`s3://KEY:SECRET@BUCKET…`).

    <prefix>blobs/<sha256>      a verified blob: written only after its bytes hashed to its name
    <prefix>staging/<sha256>    the bytes of an interrupted upload (a staged part), for a resume

An upload is hashed as it streams in and spooled locally (memory, then a temporary file);
only a matching blob is sent to the store, and the answer "verified" is given after the
store confirmed it holds the object. A cut upload stages what arrived as one object; a
resume reads it back (hashing it again) and continues from its size.

Clean-up (`sweep`, issue 11): staged objects and unfinished multipart uploads older than the
grace period are deleted / aborted, and so are blobs no op names whose object is that old (the
object's LastModified is when it arrived: blobs are written once).
"""

from __future__ import annotations

import hashlib
import tempfile
import threading
import time
from datetime import datetime, timezone
from collections.abc import Iterator
from urllib.parse import parse_qs, unquote, urlsplit

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from inspect_app.hub.store.base import BlobStore, BlobWriter, StoreUnavailable
from inspect_app.sync.protocol import SHA256_HEX

SPOOL_BYTES = 8 * 1024 * 1024
PRESENT_SECONDS = 3600.0  # how long this process trusts that a blob it saw is still there
TRANSFER = TransferConfig(multipart_threshold=16 * 1024 * 1024, multipart_chunksize=8 * 1024 * 1024,
                          max_concurrency=4)


def _missing(err: ClientError) -> bool:
    return err.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound")


class _Guard:
    """Object-store failures become StoreUnavailable (a clear 503), except a plain 'not found'."""

    def __enter__(self):
        return self

    def __exit__(self, kind, err, tb):
        if err is None:
            return False
        if isinstance(err, ClientError) and _missing(err):
            return False
        if isinstance(err, (BotoCoreError, ClientError, OSError)):
            raise StoreUnavailable("blobs", str(err)[:200]) from err
        return False


def parse_url(url: str) -> dict:
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.hostname:
        raise ValueError(f"not an s3:// URL: {url}")
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    prefix = parts.path.strip("/")
    return {"bucket": parts.hostname, "prefix": f"{prefix}/" if prefix else "",
            "endpoint": query.get("endpoint"), "region": query.get("region", "us-east-1"),
            "key": unquote(parts.username) if parts.username else None,
            "secret": unquote(parts.password) if parts.password else None}


class _S3Writer(BlobWriter):
    def __init__(self, blobs: "S3Blobs", sha: str, offset: int) -> None:
        self.blobs = blobs
        self.sha = sha
        self.spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
        self._digest = hashlib.sha256()
        self.received = 0
        if offset:
            with _Guard():
                body = blobs.client.get_object(Bucket=blobs.bucket, Key=blobs.staging_key(sha))["Body"]
                for chunk in body.iter_chunks(1 << 20):
                    if self.received + len(chunk) > offset:
                        chunk = chunk[: offset - self.received]
                    self.write(chunk)
                    if self.received >= offset:
                        break
        elif blobs.staged(sha):
            blobs._delete(blobs.staging_key(sha))  # starting over drops what was staged

    def write(self, chunk):
        self.spool.write(chunk)
        self._digest.update(chunk)
        self.received += len(chunk)

    def digest(self):
        return self._digest.hexdigest()

    def finish(self):
        try:
            if self.digest() != self.sha:
                self.blobs._delete(self.blobs.staging_key(self.sha))
                return False
            self.spool.seek(0)
            with _Guard():
                self.blobs.client.upload_fileobj(self.spool, self.blobs.bucket, self.blobs.key(self.sha),
                                                 Config=TRANSFER)
                held = self.blobs.client.head_object(Bucket=self.blobs.bucket, Key=self.blobs.key(self.sha))
            if int(held["ContentLength"]) != self.received:
                raise StoreUnavailable("blobs", "the object store holds a different size")
            self.blobs._known(self.sha)
            self.blobs._delete(self.blobs.staging_key(self.sha))
            return True
        finally:
            self.spool.close()

    def stage(self):
        try:
            if self.received:
                self.spool.seek(0)
                with _Guard():
                    self.blobs.client.upload_fileobj(self.spool, self.blobs.bucket, self.blobs.staging_key(self.sha),
                                                     Config=TRANSFER)
        finally:
            self.spool.close()

    def discard(self):
        self.spool.close()
        self.blobs._delete(self.blobs.staging_key(self.sha))


class S3Blobs(BlobStore):
    def __init__(self, url: str) -> None:
        cfg = parse_url(url)
        self.bucket = cfg["bucket"]
        self.prefix = cfg["prefix"]
        self.client = boto3.session.Session().client(
            "s3", endpoint_url=cfg["endpoint"], region_name=cfg["region"],
            aws_access_key_id=cfg["key"], aws_secret_access_key=cfg["secret"],
            config=Config(s3={"addressing_style": "path"}, connect_timeout=3, read_timeout=30,
                          retries={"max_attempts": 2, "mode": "standard"}, max_pool_connections=32))
        # Blobs never change; they go only by the clean-up after the grace period (another
        # process may run it): a cache of what was there, trusted for PRESENT_SECONDS.
        self._present: dict[str, float] = {}
        self._mutex = threading.Lock()
        self.describe = f"s3://{self.bucket}/{self.prefix} at {cfg['endpoint'] or 'AWS'}"

    def ensure_bucket(self) -> None:
        with _Guard():
            try:
                self.client.head_bucket(Bucket=self.bucket)
            except ClientError as err:
                if not _missing(err) and err.response.get("Error", {}).get("Code") != "NoSuchBucket":
                    raise
                self.client.create_bucket(Bucket=self.bucket)

    def key(self, sha: str) -> str:
        return f"{self.prefix}blobs/{sha}"

    def staging_key(self, sha: str) -> str:
        return f"{self.prefix}staging/{sha}"

    def _known(self, sha: str) -> None:
        with self._mutex:
            if len(self._present) > 200_000:
                self._present.clear()
            self._present[sha] = time.monotonic()

    def _delete(self, key: str) -> None:
        with _Guard():
            self.client.delete_object(Bucket=self.bucket, Key=key)

    def _head(self, key: str) -> int | None:
        with _Guard():
            try:
                return int(self.client.head_object(Bucket=self.bucket, Key=key)["ContentLength"])
            except ClientError as err:
                if _missing(err):
                    return None
                raise

    def has(self, sha):
        if not SHA256_HEX.match(sha):
            return False
        seen = self._present.get(sha)
        if seen is not None and time.monotonic() - seen < PRESENT_SECONDS:
            return True
        if self._head(self.key(sha)) is None:
            return False
        self._known(sha)
        return True

    def size(self, sha):
        return self._head(self.key(sha))

    def read(self, sha):
        with _Guard():
            return self.client.get_object(Bucket=self.bucket, Key=self.key(sha))["Body"].read()

    def iter(self, sha, block=1 << 20):
        with _Guard():
            body = self.client.get_object(Bucket=self.bucket, Key=self.key(sha))["Body"]
        with _Guard():
            yield from body.iter_chunks(block)

    def copy_to(self, sha, target):
        with _Guard():
            self.client.download_file(self.bucket, self.key(sha), str(target), Config=TRANSFER)

    def staged(self, sha):
        return self._head(self.staging_key(sha)) or 0

    def writer(self, sha, offset=0):
        return _S3Writer(self, sha, offset)

    # -- clean-up (issue 11) ------------------------------------------------------------------
    def _objects(self, folder: str) -> Iterator[tuple[str, str, datetime]]:
        """(key, name, LastModified) of every object under <prefix><folder>/."""
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket,
                                                                      Prefix=f"{self.prefix}{folder}/")
        for page in pages:
            for obj in page.get("Contents", []):
                yield obj["Key"], obj["Key"].rsplit("/", 1)[-1], obj["LastModified"]

    def _delete_keys(self, keys: list[str]) -> int:
        """Delete objects, up to 1,000 per request; returns how many the store deleted."""
        done = 0
        for start in range(0, len(keys), 1000):
            answer = self.client.delete_objects(
                Bucket=self.bucket, Delete={"Objects": [{"Key": k} for k in keys[start:start + 1000]], "Quiet": False})
            done += len(answer.get("Deleted", []))
        return done

    def abort_stale_multipart(self, cutoff: datetime, busy: set[str] = frozenset()) -> int:
        """Abort multipart uploads under this prefix started before `cutoff` (a hub process
        killed mid-upload leaves its parts in the store, invisible to listings and counted in
        its disk). Returns how many were aborted."""
        aborted = 0
        pages = self.client.get_paginator("list_multipart_uploads").paginate(Bucket=self.bucket, Prefix=self.prefix)
        for page in pages:
            for upload in page.get("Uploads", []) or []:
                if upload["Key"].rsplit("/", 1)[-1] in busy or upload["Initiated"] >= cutoff:
                    continue
                try:
                    self.client.abort_multipart_upload(Bucket=self.bucket, Key=upload["Key"],
                                                       UploadId=upload["UploadId"])
                    aborted += 1
                except ClientError as err:
                    if err.response.get("Error", {}).get("Code") != "NoSuchUpload":
                        raise
        return aborted

    def sweep(self, referenced, busy, older_than):
        cutoff = datetime.fromtimestamp(older_than, timezone.utc)
        with _Guard():
            stale = [key for key, name, at in self._objects("staging") if name not in busy and at < cutoff]
            partials = self._delete_keys(stale) + self.abort_stale_multipart(cutoff, set(busy))
            orphans = [(key, name) for key, name, at in self._objects("blobs")
                       if SHA256_HEX.match(name) and name not in referenced and name not in busy and at < cutoff]
            with self._mutex:
                for _, name in orphans:
                    self._present.pop(name, None)
            blobs = self._delete_keys([key for key, _ in orphans])
        return blobs, partials

    def shas(self) -> Iterator[str]:
        with _Guard():
            pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket,
                                                                          Prefix=f"{self.prefix}blobs/")
            for page in pages:
                for obj in page.get("Contents", []):
                    name = obj["Key"].rsplit("/", 1)[-1]
                    if SHA256_HEX.match(name):
                        yield name
