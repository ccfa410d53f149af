"""A throwaway PostgreSQL cluster for the shared hub backend: initdb in a temporary folder,
run as an unprivileged user (initdb refuses root) on a free loopback port, removed afterwards.

The server binaries are Debian's `postgresql` package (installed the way Chromium is, through
tests/support/system.py, when missing) or any initdb/pg_ctl already on the machine.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tests.support.net import free_port
from tests.support.system import MissingProgram, ensure_program


def postgres_bin() -> Path:
    """The folder holding initdb and pg_ctl, installing Debian's postgresql when missing."""

    def find() -> Path | None:
        on_path = shutil.which("initdb")
        if on_path and shutil.which("pg_ctl"):
            return Path(on_path).parent
        for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True):
            return Path(candidate).parent
        return None

    found = find()
    if found is None:
        ensure_program("pg_ctlcluster", package="postgresql")  # postgresql-common puts this on PATH
        found = find()
    if found is None:
        raise MissingProgram("postgresql installed but initdb is still not found")
    return found


def _runner() -> tuple[dict, int | None]:
    """Popen arguments that run as `nobody` when we are root (initdb refuses root)."""
    if os.geteuid() != 0:
        return {}, None
    user = pwd.getpwnam("nobody")
    return {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}, user.pw_uid


@dataclass
class PgCluster:
    folder: Path
    port: int
    bin: Path

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        kw, _ = _runner()
        return subprocess.run(list(args), check=check, capture_output=True, text=True, cwd=self.folder,
                              env={**os.environ, "LC_ALL": "C.UTF-8"}, timeout=120, **kw)

    @classmethod
    def create(cls) -> "PgCluster":
        folder = Path(tempfile.mkdtemp(prefix="jiceng-pg-"))
        _, uid = _runner()
        if uid is not None:
            os.chown(folder, uid, -1)
        cluster = cls(folder, free_port(), postgres_bin())
        cluster._run(str(cluster.bin / "initdb"), "-D", str(cluster.data), "-U", "postgres", "--auth=trust",
                     "-E", "UTF8", "--no-sync", "--locale=C.UTF-8")
        cluster.start()
        return cluster

    def start(self) -> None:
        # Loopback only, socket in our folder. fsync off is safe for a throwaway cluster because
        # the tests kill the server, never the machine: a commit's WAL still reaches the OS before
        # the client hears "done". synchronous_commit stays on as in production: off, an
        # immediate stop drops the last commits the hub had already acknowledged to a tablet.
        opts = (f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} -c fsync=off "
                "-c full_page_writes=off -c max_connections=300")
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "pg.log"),
                  "-o", opts, "-w", "-t", "60", "start")

    def running(self) -> bool:
        return self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "status", check=False).returncode == 0

    def ensure_running(self) -> None:
        """After a test that stopped the server failed half-way: start it again."""
        if not self.running():
            self.start()

    def stop(self, mode: str = "fast") -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop", check=False)

    def restart(self, down_seconds: float = 0.0) -> None:
        self.stop("immediate")
        time.sleep(down_seconds)
        self.start()

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def remove(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)
