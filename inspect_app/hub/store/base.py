"""The hub's storage interfaces (存储接口): what the ledger, the accounts, the pages and the
routes may ask of storage, and nothing more.

Four small parts, each with a file implementation (the county hub's data folder, the default)
and a shared one (PostgreSQL for records, an S3-compatible object store for blobs):

    LedgerStore    ops, the per-inspection rows (team, status, sealed revisions, stored score),
                   centers, which inspections point to a blob, counters; pushes in transactions
    AccountStore   users, tokens, and the hub's named secrets (the signing key of web links)
    BlobStore      photos, signature images, signed PDFs and standard copies, by SHA-256:
                   streaming writes hashed as they arrive, resumable staged uploads
    UploadLeases   which blob an upload request is writing right now (shared by all processes)
    SettingsStore  the hub's named documents every process must agree on: the county CA and TSA
                   (keys included), the bureau's edition catalogue and working copies' index

Values cross these interfaces as plain dicts/bytes in the sync protocol's JSON shapes; no
caller sees a path, a file descriptor, a table or a connection.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager


class StoreUnavailable(Exception):
    """A store (database or object store) did not answer: the request fails with 503 and a
    clear message, the tablet keeps everything and retries."""

    def __init__(self, what: str, detail: str = "") -> None:
        super().__init__(f"{what}: {detail}")
        self.what = what
        self.zh = f"县级中心的{'数据库' if what == 'database' else '文件存储'}暂时无法访问，数据已保存在本机，稍后会自动重试。"
        self.en = (f"The hub's {'database' if what == 'database' else 'object store'} is unreachable right now; "
                   "everything is kept on the tablet and sync will retry.")


# ---------------------------------------------------------------- ledger


class LedgerTx(ABC):
    """One push: everything written here is committed together or not at all. Inspections
    named when the transaction began are locked against other pushes until it ends."""

    @abstractmethod
    def row(self, inspection_id: str) -> dict | None:
        """The inspection's row (id, center_id, team, creator, max_seq, sealed, revision, status,
        standard_id, updated; the folder's also its stored score, see put_score)."""

    @abstractmethod
    def ops(self, inspection_id: str) -> dict[str, dict]:
        """Every stored op of the inspection, by op id (JSON, with hub_seq)."""

    @abstractmethod
    def append(self, inspection_id: str, ops: list[dict]) -> list[int]:
        """Store accepted ops; gives each its hub_seq (in the dicts and returned), so that an op
        with a higher hub_seq is never visible to a pull before one with a lower one."""

    @abstractmethod
    def put_row(self, inspection_id: str, row: dict) -> None: ...

    @abstractmethod
    def put_center(self, center_id: str, value: dict) -> None: ...

    @abstractmethod
    def add_blob_holder(self, sha: str, inspection_id: str) -> None: ...

    @abstractmethod
    def next_counter(self, name: str) -> int:
        """A named counter of the hub (e.g. the hub's own op numbers), incremented."""


# What the bureau's table needs of an inspection's row (LedgerStore.table_read): the fields the
# freshness key of a center's stored columns is made of (reports._stored: the latest review, the
# latest sealed self-assessment, the previous round) and the row's own revision and status.
TABLE_FIELDS = ("id", "center_id", "max_seq", "stage", "round_id", "sealed", "revision", "status")


def _scores_in(rows: list[dict]) -> dict[str, dict]:
    """The stored scores a store keeps in its rows (the folder's put_score), by inspection id."""
    return {r["id"]: r["score"] for r in rows if r.get("score")}


class LedgerStore(ABC):
    @abstractmethod
    def transaction(self, inspection_ids: Iterable[str]) -> AbstractContextManager[LedgerTx]: ...

    @abstractmethod
    def row(self, inspection_id: str) -> dict | None: ...

    @abstractmethod
    def rows(self) -> list[dict]: ...

    @abstractmethod
    def centers(self) -> dict[str, dict]: ...

    @abstractmethod
    def ops(self, inspection_id: str) -> list[dict]: ...

    @abstractmethod
    def top(self) -> int:
        """The highest hub_seq every op at or below which is committed and visible."""

    @abstractmethod
    def ops_since(self, inspection_ids: list[str], since: int, exclude_device: str, limit: int,
                  upto: int | None = None) -> list[dict]:
        """Ops of these inspections with since < hub_seq (<= upto), oldest first, at most `limit`."""

    @abstractmethod
    def blob_holders(self, sha: str) -> list[str]: ...

    @abstractmethod
    def put_score(self, inspection_id: str, at_seq: int, score: dict) -> None:
        """Keep the bureau table's scored columns of the inspection's center, computed with the
        inspection as of `at_seq` (ignored when the inspection moved on meanwhile): the dict
        reports.py makes, {"key": [...], "columns": {...}}. A store keeps at least the one of
        each center's latest inspection; `table_read` and `scores_of_center` give it back by
        inspection id."""

    @abstractmethod
    def counts(self) -> dict[str, int]:
        """inspections, ops, centers, blob references (for `hub migrate`)."""

    def inspector_reads(self, username: str, names: Iterable[str]) -> list[tuple[str, int]] | None:
        """(id, max_seq) of every inspection an inspector may pull, found by the store's own
        index instead of reading every row: those they created or whose team lists one of
        `names`, and the sealed self-assessments of the centers they review (the rules of
        ledger.may_read / may_read_self_assessment). None: this store has no such index and
        the ledger applies the rules to `rows()` itself."""
        return None

    def rows_of_center(self, center_id: str) -> list[dict]:
        """The rows of one center's inspections (a push re-scores only the centers it touched)."""
        return [r for r in self.rows() if r.get("center_id", "") == center_id]

    def scores_of_center(self, center_id: str) -> dict[str, dict]:
        """The stored scores (put_score) of one center's inspections, by inspection id."""
        return _scores_in(self.rows_of_center(center_id))

    def table_read(self) -> tuple[list[dict], dict[str, dict], dict[str, dict]]:
        """What the bureau's table reads, at once: every inspection's row (at least its
        TABLE_FIELDS; a store may leave the rest out), the centers, and the stored scores by
        inspection id (put_score). The folder's rows carry their score; a shared store reads
        narrow columns and one stored row per center instead of every row's document."""
        rows = self.rows()
        return rows, self.centers(), _scores_in(rows)

    # -- `hub migrate` only: copy another hub's records with their own numbers ---------------
    def restore(self, row: dict, ops: list[dict], blob_shas: list[str]) -> int:
        """Add an inspection's row and ops keeping each op's hub_seq; returns how many ops were
        new. An op id or hub_seq already taken by other content is an error (nothing written)."""
        raise NotImplementedError("migrating into this store is not supported")

    def restore_center(self, center_id: str, value: dict) -> None:
        raise NotImplementedError

    def raise_counters(self, at_least: dict[str, int]) -> None:
        raise NotImplementedError


# ---------------------------------------------------------------- accounts


class AccountStore(ABC):
    @abstractmethod
    def user(self, username: str) -> dict | None: ...

    @abstractmethod
    def users(self) -> list[dict]: ...

    @abstractmethod
    def add_user(self, row: dict) -> bool:
        """False if the username exists (nothing written)."""

    @abstractmethod
    def update_user(self, username: str, changes: dict) -> None: ...

    @abstractmethod
    def token(self, token_id: str) -> dict | None: ...

    @abstractmethod
    def tokens(self) -> list[dict]: ...

    @abstractmethod
    def add_token(self, row: dict) -> None: ...

    @abstractmethod
    def revoke_tokens(self, username: str, token_id: str | None, at: str) -> int: ...

    @abstractmethod
    def secret(self, name: str, make: bytes) -> bytes:
        """The hub's named secret; the first caller's `make` is kept, every process then reads
        the same one (the signing key of the pages' download links)."""


# ---------------------------------------------------------------- blobs


class BlobWriter(ABC):
    """An upload of one blob from `offset`: bytes are hashed as they arrive (the bytes already
    staged from an interrupted upload were hashed when the writer opened)."""

    sha: str
    received: int

    @abstractmethod
    def write(self, chunk: bytes | memoryview) -> None: ...

    @abstractmethod
    def digest(self) -> str: ...

    @abstractmethod
    def finish(self) -> bool:
        """All bytes are in: keep the blob if they hash to its name (True, and only once the
        store holds it), else drop the staged bytes (False)."""

    @abstractmethod
    def stage(self) -> None:
        """The sender went away: keep what arrived, durably, for a resume from `received`."""

    @abstractmethod
    def discard(self) -> None: ...


class BlobStore(ABC):
    @abstractmethod
    def has(self, sha: str) -> bool: ...

    @abstractmethod
    def size(self, sha: str) -> int | None: ...

    @abstractmethod
    def read(self, sha: str) -> bytes: ...

    @abstractmethod
    def iter(self, sha: str, block: int = 1 << 20) -> Iterator[bytes]: ...

    @abstractmethod
    def copy_to(self, sha: str, target) -> None:
        """Write the blob to a local file (the bureau's export zip is built from such copies)."""

    @abstractmethod
    def staged(self, sha: str) -> int:
        """Bytes of an interrupted upload kept for a resume (0: none)."""

    @abstractmethod
    def writer(self, sha: str, offset: int = 0) -> BlobWriter:
        """`offset` must equal `staged(sha)` (0 starts over and drops what was staged)."""

    def finish_batch(self, done: list[BlobWriter], cut: BlobWriter | None) -> tuple[list[str], list[str]]:
        """Durability for a whole batch at its end: returns (verified, failed). The writer cut
        short is staged for a resume."""
        verified, failed = [], []
        if cut is not None:
            cut.stage()
        for w in done:
            (verified if w.finish() else failed).append(w.sha)
        return verified, failed

    def put(self, sha: str, data: bytes) -> bool:
        """A whole blob at once (bundle import, clinic photos, migration)."""
        w = self.writer(sha, 0)
        w.write(data)
        return w.finish()

    def sweep(self, referenced: set[str], busy: set[str], older_than: float) -> tuple[int, int]:
        """Disk hygiene: remove staged uploads not touched since `older_than` (a Unix time) and
        blobs no op references that arrived before it, except those in `busy` (being
        uploaded). Returns (blobs, staged uploads) removed. A store that cannot tell when a
        blob arrived keeps everything (the default)."""
        return 0, 0

    @abstractmethod
    def shas(self) -> Iterator[str]:
        """Every blob held (for `hub migrate`)."""


class UploadLeases(ABC):
    """Blobs an upload request is writing right now: a second request for one of them is told
    to come back (409) instead of writing the same staged bytes twice."""

    @abstractmethod
    def claim(self, shas: list[str], seconds: int = 300) -> bool: ...

    @abstractmethod
    def release(self, shas: list[str]) -> None: ...


# ---------------------------------------------------------------- settings


class SettingsStore(ABC):
    """The hub's named documents (plain JSON dicts) that every hub process must read alike: the
    county CA and TSA with their keys ("trust"), the bureau's published editions and the index
    of its working copies. Few, small, rarely written; a write is a read-modify-write under a
    lock every process honours."""

    @abstractmethod
    def get(self, name: str) -> dict | None: ...

    @abstractmethod
    def change(self, name: str, edit: Callable[[dict | None], dict | None]) -> dict | None:
        """Call `edit` with the current document (None: none yet) while no other process can
        change it; store what it returns (None: leave it as it was). Returns the document as
        stored afterwards. `edit` may run again if the store retries, so it must not have
        side effects of its own."""

    def names(self) -> list[str]:
        """Every document held (for `hub migrate`)."""
        return []


class HubStore:
    """The parts of one hub's storage, as `open_store` assembled them."""

    def __init__(self, ledger: LedgerStore, accounts: AccountStore, blobs: BlobStore, leases: UploadLeases,
                 describe: str, closers: Iterable = (), settings: SettingsStore | None = None) -> None:
        self.ledger = ledger
        self.accounts = accounts
        self.blobs = blobs
        self.leases = leases
        self.settings = settings
        self.describe = describe
        self.folder = None  # the data folder's files and lock, when the records live there
        self._closers = list(closers)

    def close(self) -> None:
        for close in self._closers:
            close()
