"""Where the hub keeps everything (中心存储): chosen once at start-up, then spoken to only
through the interfaces in base.py.

    open_store(data_dir)                                   the data folder (default, as always)
    open_store(data_dir, "postgresql://…", "s3://B?endpoint=…")   shared by several processes

`resolve` reads the same two keys from the command line, the environment
(JICENG_HUB_DATABASE, JICENG_HUB_BLOBS, JICENG_HUB_WORKERS) or a TOML config file
(`--config hub.toml` or JICENG_HUB_CONFIG: database = "…", blobs = "…", workers = 4,
host = "…", port = 8600); the command line wins over the environment, which wins over the file.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from inspect_app.hub.store.base import (
    AccountStore,
    BlobStore,
    BlobWriter,
    HubStore,
    LedgerStore,
    LedgerTx,
    SettingsStore,
    StoreUnavailable,
    UploadLeases,
)

ENV = {"database": "JICENG_HUB_DATABASE", "blobs": "JICENG_HUB_BLOBS", "workers": "JICENG_HUB_WORKERS",
       "host": "JICENG_HUB_HOST", "port": "JICENG_HUB_PORT"}
CONFIG_ENV = "JICENG_HUB_CONFIG"


@dataclass(frozen=True)
class StoreConfig:
    database: str = ""  # "" = the data folder; else postgresql://…
    blobs: str = ""  # "" = the data folder; else s3://BUCKET?endpoint=…
    workers: int = 1
    host: str = ""
    port: int = 0

    @property
    def shared(self) -> bool:
        return self.database.startswith(("postgresql://", "postgres://"))


def resolve(database: str | None = None, blobs: str | None = None, workers: int | None = None,
            config: str | None = None, host: str | None = None, port: int | None = None) -> StoreConfig:
    """Command line over environment over config file over the defaults."""
    from_file: dict = {}
    path = config or os.environ.get(CONFIG_ENV)
    if path:
        with open(path, "rb") as fh:
            from_file = tomllib.load(fh)
        from_file = from_file.get("hub", from_file)
    given = {"database": database, "blobs": blobs, "workers": workers, "host": host, "port": port}
    values = {}
    for key, cli in given.items():
        value = cli if cli not in (None, "") else os.environ.get(ENV[key]) or from_file.get(key)
        values[key] = value
    cfg = StoreConfig(database=str(values["database"] or ""), blobs=str(values["blobs"] or ""),
                      workers=int(values["workers"] or 1), host=str(values["host"] or ""),
                      port=int(values["port"] or 0))
    from inspect_app.errors import UserError

    if cfg.database and not cfg.shared:
        raise UserError(f"--database 应为 postgresql:// 地址，而不是 {cfg.database!r}。",
                        f"--database takes a postgresql:// URL, not {cfg.database!r}.")
    if cfg.blobs and not cfg.blobs.startswith("s3://"):
        raise UserError(f"--blobs 应为 s3:// 地址，而不是 {cfg.blobs!r}。", f"--blobs takes an s3:// URL, not {cfg.blobs!r}.")
    if cfg.workers > 1 and not cfg.shared:
        raise UserError("多个进程（--workers 大于 1）需要 --database postgresql://…：数据目录只供一个进程使用。",
                        "--workers above 1 needs --database postgresql://… (the data folder serves one process).")
    return cfg


def open_store(data_dir: Path, database: str = "", blobs: str = "", pool_size: int = 8) -> HubStore:
    """The hub's storage: the data folder unless a database and/or an object store is named."""
    from inspect_app.hub.store.files import open_folder, open_folder_blobs

    if not database:
        store = open_folder(data_dir)
        if blobs:
            store.blobs = _s3(blobs)
            store.describe += f", blobs in {store.blobs.describe}"
        return store
    from inspect_app.hub.store.postgres import PgAccounts, PgLeases, PgLedger, PgSettings, Pool, migrate

    pool = Pool(database, size=pool_size)
    migrate(pool)
    blob_store = _s3(blobs) if blobs else open_folder_blobs(data_dir)
    where = f"PostgreSQL {_redact(database)}, blobs in {getattr(blob_store, 'describe', 'the data folder')}"
    return HubStore(PgLedger(pool), PgAccounts(pool), blob_store, PgLeases(pool), where, closers=[pool.close],
                    settings=PgSettings(pool))


def _s3(url: str):
    from inspect_app.hub.store.s3 import S3Blobs

    blobs = S3Blobs(url)
    blobs.ensure_bucket()
    return blobs


def _redact(dsn: str) -> str:
    """A database URL without its password, for the start-up line."""
    head, sep, tail = dsn.partition("@")
    if not sep or ":" not in head.split("//", 1)[-1]:
        return dsn
    scheme, _, userinfo = head.partition("//")
    return f"{scheme}//{userinfo.split(':', 1)[0]}:***@{tail}"


__all__ = ["AccountStore", "BlobStore", "BlobWriter", "HubStore", "LedgerStore", "LedgerTx", "SettingsStore",
           "StoreConfig", "StoreUnavailable", "UploadLeases", "open_store", "resolve"]
