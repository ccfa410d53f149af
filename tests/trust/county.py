"""A county for trust tests without the hub process: a root CA made by trust/ca.py, a real
RFC 3161 TSA (trust/tsa.py) on 127.0.0.1 over HTTP, and tablets enrolled the way the hub
enrolls them (CSR -> certificate naming inspector, device, county). The real-hub path is
tested in tests/trust/test_enrollment.py."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from inspect_app.trust import ca, device, tsa


@dataclass
class County:
    authority: ca.Authority
    tsa_key: object
    tsa_cert: object
    tsa_url: str = ""

    def enroll(self, data_dir: Path, *, inspector: str = "王芳", username: str = "wangfang",
               device_id: str = "dev-tablet-1", tsa_url: str | None = None) -> device.Enrollment:
        key = device.new_key()
        csr = ca.check_csr(device.make_csr(key, device_id))
        cert = ca.issue_device_certificate(self.authority, csr, inspector=inspector, username=username,
                                           device=device_id)
        return device.save(data_dir, key, cert, self.authority.path, [self.authority.root],
                           hub_url="http://127.0.0.1", tsa_url=self.tsa_url if tsa_url is None else tsa_url,
                           county=self.authority.county, username=username)


def make_county(name: str = "花溪区") -> County:
    authority = ca.new_root(name)
    key, cert = ca.new_tsa(authority)
    return County(authority, key, cert)


class TsaServer:
    """The county TSA (trust/tsa.py's responder) over HTTP on loopback, stopped by the fixture."""

    def __init__(self, county: County) -> None:
        self._tsa = tsa.LoopbackTSA(county.tsa_key, county.tsa_cert, county.authority.path)
        self.url = county.tsa_url = self._tsa.url

    def stop(self) -> None:
        self._tsa.stop()
