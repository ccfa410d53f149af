"""A county for trust tests without the hub process: a root CA made by trust/ca.py, a real
RFC 3161 TSA (trust/tsa.py) on 127.0.0.1 over HTTP, and tablets enrolled the way the hub
enrolls them (CSR -> certificate naming inspector, device, county). The real-hub path is
tested in tests/trust/test_enrollment.py."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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
    """The county TSA's responder behind a plain HTTP server on loopback (bounded: daemon thread,
    stopped by the fixture)."""

    def __init__(self, county: County) -> None:
        outer = county

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                size = int(self.headers.get("Content-Length") or 0)
                if self.headers.get("Content-Type") != tsa.QUERY_TYPE or size > tsa.MAX_QUERY_BYTES:
                    self.send_response(415)
                    self.end_headers()
                    return
                answer = tsa.respond(self.rfile.read(size), outer.tsa_key, outer.tsa_cert, outer.authority.path)
                self.send_response(200)
                self.send_header("Content-Type", tsa.REPLY_TYPE)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/tsa"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        county.tsa_url = self.url

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)
