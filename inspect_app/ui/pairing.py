"""Pairing: when the tablet app listens beyond loopback, every browser pairs before it sees anything.

The decision is made on the address the server is bound to, never on a client's address: bound
to 127.0.0.1 (the default) nothing changes; bound to 0.0.0.0 or a LAN address every request,
the laptop's own browser included, goes through PairingGate.

How a device pairs:
- The host's terminal prints a short code (6 digits) and a QR code holding
  `<address>/pair?t=<one-time token>`, and a host link (`/pair?host=…`, accepted only from
  this machine) that pairs the laptop's own browser as the host.
- A browser that enters the code, or opens the QR's address, names itself and gets its own
  long-lived device token in an HttpOnly, SameSite=Strict cookie (Secure under TLS). The code
  and the QR token are one offer: it expires after OFFER_SECONDS, serves one device, and is
  burned after MAX_FAILED_PER_OFFER wrong codes; each client address may try
  MAX_FAILED_PER_CLIENT wrong codes per FAILURE_WINDOW seconds.
- Unpaired: every HTML navigation is sent to /pair, every other request gets 401, and the
  websocket upgrade (the Flet session) is refused.
- The host's browser sees /pairing: the current code and QR, the TLS fingerprint, the paired
  devices (name, last use) and a revoke button each. `python main.py app devices list|revoke`
  and `python main.py app pair` (a fresh code) do the same from the terminal, on the same file.
- Revoking closes that device's open app sessions within a second and refuses it from then on.

State lives in <data>/pairing.json (device tokens only as SHA-256), replaced durably under a file
lock, so the CLI and the running server share it; the server re-reads it when it changes.
Each request of a paired device runs with `audit_client` set, so the audit entries of its
changes name the device (AuditEntry.client).
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import html
import ipaddress
import json
import re
import secrets
import socket
import time
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from datetime import datetime, timezone
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import parse_qs, quote, urlencode

from inspect_app.store.durable import SECRET_MODE, atomic_write_bytes
from inspect_app.store.store import audit_client

STATE_FILE = "pairing.json"
COOKIE = "jiceng_device"
OFFER_SECONDS = 10 * 60
MAX_FAILED_PER_OFFER = 10
MAX_FAILED_PER_CLIENT = 5
FAILURE_WINDOW = 10 * 60
DEVICE_COOKIE_SECONDS = 400 * 24 * 3600  # browsers cap cookie lifetime at 400 days
LAST_USED_WRITE_SECONDS = 60
NAME_MAX = 40
PUBLIC_PATHS = ("/pair",)
HOST_PATHS = ("/pairing",)

LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def is_loopback_bind(host: str) -> bool:
    """True when the server bound to `host` is reachable only from this machine."""
    host = (host or "").strip().strip("[]").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _now() -> float:
    return time.time()


def _iso(ts: float | None) -> str:
    if not ts:
        return ""
    return datetime.fromtimestamp(ts, timezone.utc).astimezone().strftime("%Y-%m-%d %H:%M")


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def clean_name(name: str) -> str:
    """A device name as shown to the host: printable, one line, at most NAME_MAX characters."""
    name = "".join(ch for ch in (name or "") if ch.isprintable()).strip()
    name = re.sub(r"\s+", " ", name)[:NAME_MAX]
    return name


def guess_device_name(user_agent: str) -> str:
    ua = user_agent or ""
    for needle, name in (("iPad", "iPad"), ("iPhone", "iPhone"), ("Android", "Android 平板"),
                         ("Windows", "Windows 电脑"), ("Macintosh", "Mac 电脑"), ("Linux", "Linux 电脑")):
        if needle in ua:
            return name
    return "平板"


@dataclass(frozen=True)
class Device:
    id: str
    name: str
    role: str  # "host" | "device"
    created_at: float
    last_used: float
    revoked_at: float | None = None

    @property
    def label(self) -> str:
        """How the device appears in the audit log: name and id."""
        return f"{self.name} ({self.id})"


@dataclass(frozen=True)
class Offer:
    code: str
    token: str
    expires: float
    host_token: str = ""


class PairingError(Exception):
    """A refused pairing attempt: HTTP status and the sentence shown on the pairing page."""

    def __init__(self, status: int, zh: str, en: str) -> None:
        super().__init__(zh)
        self.status, self.zh, self.en = status, zh, en


class PairingStore:
    """<data>/pairing.json: paired devices and the current offer (code + QR token)."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.path = self.data_dir / STATE_FILE
        self.lock_path = self.data_dir / ".pairing.lock"
        self._doc: dict = {}
        self._mtime: float | None = None
        self._failures_by_client: dict[str, list[float]] = {}
        self._pending_last_used: dict[str, float] = {}
        self._last_used_written: dict[str, float] = {}

    # ---------------------------------------------------------------- file
    @contextmanager
    def _locked(self):
        self.data_dir.mkdir(parents=True, exist_ok=True)
        fd = os_open(self.lock_path)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            self._doc = self._read()
            yield self._doc
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            _os_close(fd)

    def _read(self) -> dict:
        try:
            doc = json.loads(self.path.read_text(encoding="utf-8"))
            self._mtime = self.path.stat().st_mtime_ns
        except FileNotFoundError:
            doc = {}
            self._mtime = None
        if not isinstance(doc, dict):
            doc = {}
        doc.setdefault("devices", {})
        doc.setdefault("offer", None)
        return doc

    def _write(self, doc: dict) -> None:
        atomic_write_bytes(self.path, json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8"), mode=SECRET_MODE)
        self._mtime = self.path.stat().st_mtime_ns

    def refresh(self) -> dict:
        """The state, re-read only when the file changed (the CLI may have revoked a device)."""
        try:
            mtime = self.path.stat().st_mtime_ns
        except FileNotFoundError:
            mtime = None
        if mtime != self._mtime or not self._doc:
            self._doc = self._read()
        return self._doc

    # ---------------------------------------------------------------- offers
    def current_offer(self, *, renew: bool = True) -> Offer | None:
        """The offer in force; a fresh one when none is (renew) — for the host's screen."""
        doc = self.refresh()
        offer = doc.get("offer")
        if offer and offer.get("expires", 0) > _now() and not offer.get("burned"):
            return Offer(offer["code"], offer["token"], offer["expires"], doc.get("host_token") or "")
        return self.new_offer() if renew else None

    def new_offer(self, *, host_link: bool = False) -> Offer:
        with self._locked() as doc:
            if host_link:
                doc["host_token"] = secrets.token_urlsafe(24)
            offer = Offer(code=f"{secrets.randbelow(10**6):06d}", token=secrets.token_urlsafe(18),
                          expires=_now() + OFFER_SECONDS, host_token=doc.get("host_token") or "")
            doc["offer"] = {"code": offer.code, "token": offer.token, "expires": offer.expires, "failed": 0}
            self._write(doc)
        return offer

    def _client_blocked(self, client: str) -> bool:
        recent = [t for t in self._failures_by_client.get(client, []) if t > _now() - FAILURE_WINDOW]
        self._failures_by_client[client] = recent
        return len(recent) >= MAX_FAILED_PER_CLIENT

    def redeem(self, *, code: str = "", token: str = "", host_token: str = "", name: str,
               client: str = "", client_is_local: bool = False) -> tuple[Device, str]:
        """Pair one device: (device, its secret token). Raises PairingError."""
        code = re.sub(r"\D", "", code or "")
        if self._client_blocked(client):
            raise PairingError(429, "尝试次数过多，请 10 分钟后再试，或请主机生成新的配对码。",
                               "Too many attempts. Wait 10 minutes or ask the host for a new code.")
        with self._locked() as doc:
            offer = doc.get("offer") or {}
            role = "device"
            if host_token:
                ok = bool(doc.get("host_token")) and secrets.compare_digest(host_token, doc["host_token"])
                if ok and not client_is_local:
                    raise PairingError(403, "主机链接只能在运行本应用的电脑上打开。",
                                       "The host link works only on the computer running the app.")
                role = "host"
            elif token:
                ok = bool(offer.get("token")) and secrets.compare_digest(token, offer["token"])
            else:
                ok = bool(offer.get("code")) and len(code) == 6 and secrets.compare_digest(code, offer["code"])
            if not ok:
                self._failures_by_client.setdefault(client, []).append(_now())
                if offer:
                    offer["failed"] = int(offer.get("failed", 0)) + 1
                    if offer["failed"] >= MAX_FAILED_PER_OFFER:
                        offer["burned"] = True
                    self._write(doc)
                raise PairingError(401, "配对码不正确。请核对主机上显示的 6 位数字。",
                                   "Wrong pairing code. Check the 6 digits shown on the host.")
            if role == "device" and (offer.get("burned") or offer.get("expires", 0) <= _now()):
                raise PairingError(410, "配对码已过期或已作废，请在主机上生成新的配对码。",
                                   "This pairing code has expired or was withdrawn; ask the host for a new one.")
            secret = secrets.token_urlsafe(32)
            now = _now()
            device = Device(id=f"pd-{secrets.token_hex(4)}", name=clean_name(name) or "平板", role=role,
                            created_at=now, last_used=now)
            doc["devices"][device.id] = {"name": device.name, "role": role, "token_sha256": _sha(secret),
                                         "created_at": now, "last_used": now, "revoked_at": None}
            if role == "host":
                doc["host_token"] = None  # the host link is one-time too
            else:
                doc["offer"] = None  # one device per offer: a fresh one is made for the next
            self._write(doc)
        return device, secret

    # ---------------------------------------------------------------- devices
    def device_for(self, secret: str | None) -> Device | None:
        """The paired, unrevoked device holding `secret`, or None."""
        if not secret:
            return None
        digest = _sha(secret)
        for dev_id, d in self.refresh()["devices"].items():
            if secrets.compare_digest(d.get("token_sha256", ""), digest) and not d.get("revoked_at"):
                return self._device(dev_id, d)
        return None

    def is_active(self, device_id: str) -> bool:
        d = self.refresh()["devices"].get(device_id)
        return bool(d) and not d.get("revoked_at")

    def note_use(self, device: Device) -> bool:
        """Note a use in memory; True when it is time to write it (at most once a minute)."""
        now = _now()
        self._pending_last_used[device.id] = now
        if now - self._last_used_written.get(device.id, 0) < LAST_USED_WRITE_SECONDS:
            return False
        self._last_used_written[device.id] = now
        return True

    def touch(self, device: Device) -> None:
        """Note a use; written to the file at most once a minute per device."""
        if self.note_use(device):
            self.write_last_used(device)

    def write_last_used(self, device: Device) -> None:
        with self._locked() as doc:
            d = doc["devices"].get(device.id)
            if d:
                d["last_used"] = self._pending_last_used.get(device.id, _now())
                self._write(doc)

    def devices(self, *, include_revoked: bool = False) -> list[Device]:
        out = [self._device(i, d) for i, d in self.refresh()["devices"].items()]
        out = [d for d in out if include_revoked or d.revoked_at is None]
        return sorted(out, key=lambda d: d.created_at)

    def revoke(self, device_id: str) -> Device:
        with self._locked() as doc:
            d = doc["devices"].get(device_id)
            if d is None:
                raise KeyError(device_id)
            if not d.get("revoked_at"):
                d["revoked_at"] = _now()
                self._write(doc)
            return self._device(device_id, d)

    def _device(self, dev_id: str, d: dict) -> Device:
        last = max(float(d.get("last_used") or 0), self._pending_last_used.get(dev_id, 0))
        return Device(id=dev_id, name=d.get("name", ""), role=d.get("role", "device"),
                      created_at=float(d.get("created_at") or 0), last_used=last, revoked_at=d.get("revoked_at"))


def os_open(path: Path) -> int:
    import os

    return os.open(path, os.O_RDWR | os.O_CREAT, 0o600)


def _os_close(fd: int) -> None:
    import os

    os.close(fd)


# -------------------------------------------------------------------- addresses, QR


def lan_addresses() -> list[str]:
    """This machine's addresses a tablet on the same network can use (no packet is sent)."""
    found: list[str] = []
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("10.255.255.255", 1))
            found.append(s.getsockname()[0])
    except OSError:
        pass
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            addr = info[4][0]
            if addr not in found and not addr.startswith("127."):
                found.append(addr)
    except OSError:
        pass
    return [a for a in found if not a.startswith("127.")]


def base_urls(host: str, port: int, tls: bool) -> list[str]:
    scheme = "https" if tls else "http"
    if host in ("0.0.0.0", "::", ""):
        addrs = lan_addresses() or ["127.0.0.1"]
    else:
        addrs = [host]
    return [f"{scheme}://{('[' + a + ']') if ':' in a else a}:{port}" for a in addrs]


def pair_url(base: str, offer: Offer) -> str:
    return f"{base}/pair?{urlencode({'t': offer.token})}"


def terminal_qr(url: str) -> str:
    import io

    import segno

    out = io.StringIO()
    segno.make(url, error="m").terminal(out=out, compact=True, border=2)
    return out.getvalue()


def qr_svg(url: str) -> str:
    import io

    import segno

    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=6, border=2, dark="#102a43", xmldecl=False,
                                    svgns=True, title="配对二维码 / pairing QR")
    return out.getvalue().decode()


def announce(store: PairingStore, bases: list[str], *, fingerprint: str = "", local_base: str = "",
             host_link: bool = True, echo=print) -> Offer:
    """Print a fresh code, its QR and (once) the host link on the host's terminal."""
    offer = store.new_offer(host_link=host_link)
    url = pair_url(bases[0], offer)
    lines = ["", "配对 Pairing: 每台平板先配对才能使用本应用 / every device pairs first.",
             f"  配对码 code: {offer.code[:3]} {offer.code[3:]}   (10 分钟内有效，仅限一台设备 / 10 min, one device)",
             f"  扫码或打开 scan or open: {url}"]
    lines += [f"  其他地址 other address: {b}/pair" for b in bases[1:]]
    if fingerprint:
        lines.append(f"  证书指纹 TLS fingerprint (SHA-256): {fingerprint}")
    if host_link and offer.host_token:
        lines.append(f"  本机浏览器（主机）this computer's browser (host): "
                     f"{local_base or bases[0]}/pair?host={offer.host_token}")
    lines.append("  新配对码 new code: python main.py app pair    设备 devices: python main.py app devices list")
    echo("\n".join(lines), flush=True)
    try:
        echo(terminal_qr(url), flush=True)
    except Exception:  # noqa: BLE001 - a terminal that cannot take the QR still has the code
        pass
    return offer


# -------------------------------------------------------------------- the ASGI gate


def _cookie(scope) -> str | None:
    for k, v in scope.get("headers") or []:
        if k == b"cookie":
            jar = SimpleCookie()
            try:
                jar.load(v.decode("latin-1"))
            except Exception:  # noqa: BLE001 - a malformed cookie header pairs nobody
                return None
            if COOKIE in jar:
                return jar[COOKIE].value
    return None


def _header(scope, name: bytes) -> str:
    for k, v in scope.get("headers") or []:
        if k == name:
            return v.decode("latin-1")
    return ""


def _client_host(scope) -> str:
    client = scope.get("client") or ("", 0)
    return client[0] or ""


def _is_local_client(scope) -> bool:
    try:
        return ipaddress.ip_address(_client_host(scope)).is_loopback
    except ValueError:
        return False


class PairingGate:
    """ASGI middleware in front of the whole app (Flet included) when bound beyond loopback."""

    def __init__(self, app, store: PairingStore, *, bases: list[str], tls: bool = False,
                 fingerprint: str = "", echo=print) -> None:
        self.app = app
        self.store = store
        self.bases = bases
        self.tls = tls
        self.fingerprint = fingerprint
        self.echo = echo
        import threading

        threading.Thread(target=pairing_font, name="pairing-font", daemon=True).start()  # cut it before asked

    async def __call__(self, scope, receive, send):
        kind = scope["type"]
        if kind == "lifespan":
            return await self.app(scope, receive, send)
        path = scope.get("path", "/")
        if kind == "http" and path == PAIR_FONT_PATH:
            return await _send(send, 200, await asyncio.to_thread(pairing_font), b"font/ttf",
                               extra=[(b"cache-control", b"public, max-age=86400")])
        if kind == "http" and (path == "/pair" or path.startswith("/pair/")):
            return await self._pair(scope, receive, send)
        device = self.store.device_for(_cookie(scope))
        if device is None:
            if kind == "websocket":
                return await _refuse_websocket(receive, send)
            return await self._unpaired(scope, send)
        if self.store.note_use(device):  # the durable write (fsync) off the event loop
            await asyncio.to_thread(self.store.write_last_used, device)
        token = audit_client.set(device.label)
        try:
            if kind == "http" and (path == "/pairing" or path.startswith("/pairing/")):
                if device.role != "host":
                    return await _text(send, 403, "只有主机可以管理配对设备。\nOnly the host manages paired devices.")
                return await self._host(scope, receive, send, device)
            if kind == "websocket":
                return await self._websocket(scope, receive, send, device)
            return await self.app(scope, receive, send)
        finally:
            audit_client.reset(token)

    # ---------------------------------------------------------------- unpaired
    async def _unpaired(self, scope, send):
        accept = _header(scope, b"accept")
        path = scope.get("path", "/")
        file_route = any(path.startswith(p) for p in ("/media/", "/reports/", "/exports/", "/bundles/",
                                                      "/upload", "/ws", "/fonts/", "/assets/"))
        if scope.get("method") == "GET" and "text/html" in accept and not file_route:
            nxt = path if path.startswith("/") and not path.startswith("//") else "/"
            return await _redirect(send, "/pair?" + urlencode({"next": nxt}))
        return await _text(send, 401, "此设备尚未配对，请先打开 /pair 配对。\nThis device is not paired; open /pair first.",
                           extra=[(b"www-authenticate", b'Cookie realm="jiceng-pairing"')])

    async def _websocket(self, scope, receive, send, device: Device):
        """Run the Flet session; close it within a second once the device is revoked."""
        revoked = asyncio.Event()
        closed = {"sent": False}

        async def watch():
            while not revoked.is_set():
                await asyncio.sleep(1.0)
                if not self.store.is_active(device.id):
                    revoked.set()

        async def guarded_receive():
            if revoked.is_set():
                return {"type": "websocket.disconnect", "code": 4401}
            get = asyncio.ensure_future(receive())
            stop = asyncio.ensure_future(revoked.wait())
            done, _ = await asyncio.wait({get, stop}, return_when=asyncio.FIRST_COMPLETED)
            if get in done:
                stop.cancel()
                return get.result()
            get.cancel()
            if not closed["sent"]:
                closed["sent"] = True
                try:
                    await send({"type": "websocket.close", "code": 4401})
                except Exception:  # noqa: BLE001 - the client may already be gone
                    pass
            return {"type": "websocket.disconnect", "code": 4401}

        async def guarded_send(message):
            if closed["sent"]:
                return None
            return await send(message)

        watcher = asyncio.ensure_future(watch())
        try:
            await self.app(scope, guarded_receive, guarded_send)
        finally:
            watcher.cancel()

    # ---------------------------------------------------------------- /pair
    async def _pair(self, scope, receive, send):
        method = scope.get("method", "GET")
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        q = {k: v[0] for k, v in query.items()}
        nxt = q.get("next", "/")
        if not nxt.startswith("/") or nxt.startswith("//"):
            nxt = "/"
        paired = self.store.device_for(_cookie(scope))
        ua = _header(scope, b"user-agent")
        if method == "GET":
            if paired is not None:
                return await _redirect(send, nxt)
            if q.get("host"):  # the host link: pair this computer's browser at once
                return await self._redeem(send, {"host": q["host"], "name": "主机 host"}, scope, nxt)
            page = pairing_page(token=q.get("t", ""), name=guess_device_name(ua), nxt=nxt,
                                fingerprint=self.fingerprint, local=_is_local_client(scope))
            return await _html(send, 200, page)
        if method == "POST":
            if not _same_origin(scope):
                return await _text(send, 403, "来源不符。\nCross-origin request refused.")
            form = await _read_form(receive)
            return await self._redeem(send, form, scope, form.get("next", "/"))
        return await _text(send, 405, "Method not allowed")

    async def _redeem(self, send, form: dict, scope, nxt: str):
        if not nxt.startswith("/") or nxt.startswith("//") or nxt.startswith("/pair"):
            nxt = "/"
        try:
            device, secret = await asyncio.to_thread(
                self.store.redeem, code=form.get("code", ""), token=form.get("t", ""),
                host_token=form.get("host", ""), name=form.get("name", ""),
                client=_client_host(scope), client_is_local=_is_local_client(scope))
        except PairingError as exc:
            page = pairing_page(token="" if exc.status == 410 else form.get("t", ""),
                                name=form.get("name", "") or guess_device_name(_header(scope, b"user-agent")),
                                nxt=nxt, fingerprint=self.fingerprint, error=(exc.zh, exc.en))
            return await _html(send, exc.status, page)
        if device.role == "device":
            self.echo(f"已配对 paired: {device.label}", flush=True)
            announce(self.store, self.bases, fingerprint=self.fingerprint, host_link=False, echo=self.echo)
        cookie = (f"{COOKIE}={secret}; Path=/; Max-Age={DEVICE_COOKIE_SECONDS}; HttpOnly; SameSite=Strict"
                  + ("; Secure" if self.tls else ""))
        return await _redirect(send, nxt, extra=[(b"set-cookie", cookie.encode())])

    # ---------------------------------------------------------------- /pairing (host)
    async def _host(self, scope, receive, send, device: Device):
        path = scope.get("path")
        method = scope.get("method", "GET")
        if method == "POST":
            if not _same_origin(scope):
                return await _text(send, 403, "来源不符。\nCross-origin request refused.")
            form = await _read_form(receive)
            if path == "/pairing/revoke":
                try:
                    gone = self.store.revoke(form.get("id", ""))
                    self.echo(f"已撤销 revoked: {gone.label}", flush=True)
                except KeyError:
                    return await _text(send, 404, "没有这台设备。\nNo such device.")
            elif path == "/pairing/new":
                announce(self.store, self.bases, fingerprint=self.fingerprint, host_link=False, echo=self.echo)
            return await _redirect(send, "/pairing")
        if path == "/pairing/qr.svg":
            offer = self.store.current_offer()
            return await _send(send, 200, qr_svg(pair_url(self.bases[0], offer)).encode(), b"image/svg+xml",
                               extra=[(b"cache-control", b"no-store")])
        offer = self.store.current_offer()
        page = host_page(offer, self.bases, self.store.devices(), me=device, fingerprint=self.fingerprint)
        return await _html(send, 200, page)


def _same_origin(scope) -> bool:
    origin = _header(scope, b"origin")
    if not origin or origin == "null":
        return not origin  # a form post without Origin (old browsers) is allowed; "null" is not
    host = _header(scope, b"host")
    return origin.split("://", 1)[-1] == host


async def _read_form(receive) -> dict:
    body = bytearray()
    while True:
        message = await receive()
        body.extend(message.get("body", b""))
        if len(body) > 8192:
            break
        if not message.get("more_body"):
            break
    parsed = parse_qs(bytes(body[:8192]).decode("utf-8", "replace"))
    return {k: v[0] for k, v in parsed.items()}


async def _refuse_websocket(receive, send):
    message = await receive()
    if message.get("type") == "websocket.connect":
        await send({"type": "websocket.close", "code": 4401})  # before accept: the server answers 403


async def _send(send, status: int, body: bytes, ctype: bytes, extra: list | None = None):
    headers = [(b"content-type", ctype), (b"content-length", str(len(body)).encode()),
               (b"x-frame-options", b"DENY"), (b"referrer-policy", b"same-origin")] + list(extra or [])
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _text(send, status: int, text: str, extra: list | None = None):
    await _send(send, status, text.encode(), b"text/plain; charset=utf-8", extra)


async def _html(send, status: int, page: str, extra: list | None = None):
    await _send(send, status, page.encode(), b"text/html; charset=utf-8",
                [(b"cache-control", b"no-store")] + list(extra or []))


async def _redirect(send, location: str, extra: list | None = None):
    headers = [(b"location", quote(location, safe="/?=&%:").encode()), (b"content-length", b"0"),
               (b"cache-control", b"no-store")] + list(extra or [])
    await send({"type": "http.response.start", "status": 303, "headers": headers})
    await send({"type": "http.response.body", "body": b""})


# -------------------------------------------------------------------- pages (plain HTML: no app before pairing)

PAIR_FONT_PATH = "/pair/font.ttf"

# The pairing page draws with a shipped face too (a tablet may lack a CJK system font): the
# unpaired get only the characters of this page (~50 kB, cut on first request); the host page
# is seen by a paired browser and uses the app's first-paint face.
_STYLE = """
@font-face{font-family:"JicengPair";src:url(/pair/font.ttf) format("truetype")}
@font-face{font-family:"JicengHost";src:url(/fonts/NotoSansSC-GB2312.ttf) format("truetype")}
*{box-sizing:border-box}body{margin:0;font-family:"JicengPair","JicengHost",sans-serif;background:#f0f4f4;color:#102a43}main{max-width:560px;margin:0 auto;padding:24px 20px}
h1{font-size:24px;margin:8px 0 4px}p{line-height:1.6;margin:8px 0}.en{color:#52606d;font-size:14px}
.card{background:#fff;border-radius:12px;padding:20px;margin:16px 0;box-shadow:0 1px 3px rgba(0,0,0,.12)}
label{display:block;font-weight:600;margin:14px 0 6px}input[type=text]{width:100%;font-size:20px;padding:10px 12px;
min-height:48px;border:1px solid #9aa5b1;border-radius:8px}input.code{font-size:32px;letter-spacing:8px;
text-align:center;font-variant-numeric:tabular-nums}button{min-height:48px;min-width:48px;font-size:18px;
padding:10px 20px;border:0;border-radius:24px;background:#00796b;color:#fff;margin-top:16px;width:100%}
button.small{width:auto;margin:0;font-size:16px;background:#b71c1c}.err{background:#fde8e8;color:#9b1c1c;
border-radius:8px;padding:10px 12px}.fp{font-family:monospace;font-size:12px;word-break:break-all}
.big{font-size:44px;letter-spacing:6px;font-weight:700;font-variant-numeric:tabular-nums;margin:4px 0}
table{width:100%;border-collapse:collapse}td,th{text-align:left;padding:8px 4px;border-bottom:1px solid #e4e7eb;
font-size:15px}.qr svg{width:220px;height:220px}.row{display:flex;gap:20px;flex-wrap:wrap;align-items:center}
"""


def _page(title: str, body: str) -> str:
    return ("<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body><main>{body}</main></body></html>")


def pairing_page(*, token: str = "", name: str = "", nxt: str = "/", fingerprint: str = "",
                 error: tuple[str, str] | None = None, local: bool = False) -> str:
    e = html.escape
    err = (f'<p class="err" role="alert">{e(error[0])}<br><span class="en">{e(error[1])}</span></p>'
           if error else "")
    if token:
        code_field = (f'<input type="hidden" name="t" value="{e(token)}">'
                      '<p>已通过二维码识别主机，请为本设备取个名字后点“配对”。</p>'
                      '<p class="en">Host recognised from the QR code: name this device and tap Pair.</p>')
    else:
        code_field = ('<label for="code">配对码 Pairing code</label>'
                      '<input id="code" class="code" type="text" name="code" inputmode="numeric" '
                      'autocomplete="one-time-code" maxlength="7" pattern="[0-9 ]*" required autofocus '
                      'aria-describedby="code-help">'
                      '<p id="code-help" class="en">主机屏幕或终端上显示的 6 位数字 · the 6 digits shown on the host</p>')
    fp = (f'<p>主机证书指纹（SHA-256），应与主机上显示的一致：<br><span class="fp">{e(fingerprint)}</span></p>'
          '<p class="en">Host certificate fingerprint: it must match the one shown on the host.</p>'
          if fingerprint else "")
    body = (
        '<h1>设备配对</h1><p class="en">Pair this device</p>'
        '<div class="card"><p>为保护评审数据，每台设备须先与运行本应用的主机配对。</p>'
        '<p class="en">To protect inspection data, every device pairs with the host running the app first.</p>'
        f'{err}<form method="post" action="/pair">{code_field}'
        '<label for="name">设备名称 Device name</label>'
        f'<input id="name" type="text" name="name" maxlength="{NAME_MAX}" value="{e(name)}" required>'
        f'<input type="hidden" name="next" value="{e(nxt)}">'
        '<button type="submit">配对 Pair</button></form></div>'
        f'<div class="card">{fp}<p>配对后本设备会记住配对；主机可随时撤销。</p>'
        '<p class="en">This device stays paired until the host revokes it.</p>'
        + ('<p>这是运行本应用的电脑？打开终端里显示的“主机链接”即可管理配对设备；'
           '终端运行 python main.py app pair 可得到新的链接和配对码。</p>'
           '<p class="en">Is this the computer running the app? Open the host link shown in its terminal to '
           'manage paired devices; python main.py app pair prints a new link and code.</p>' if local else "")
        + '</div>')
    return _page("设备配对 · Pair this device", body)


def host_page(offer: Offer, bases: list[str], devices: list[Device], *, me: Device, fingerprint: str = "") -> str:
    e = html.escape
    rows = []
    for d in devices:
        role = "主机 host" if d.role == "host" else "平板 device"
        action = ("（本机 this browser）" if d.id == me.id else
                  f'<form method="post" action="/pairing/revoke"><input type="hidden" name="id" value="{e(d.id)}">'
                  f'<button class="small" type="submit" aria-label="撤销 {e(d.name)} revoke">撤销 Revoke</button></form>')
        rows.append(f"<tr><td>{e(d.name)}<br><span class='en'>{e(d.id)} · {role}</span></td>"
                    f"<td>{e(_iso(d.last_used))}</td><td>{action}</td></tr>")
    fp = (f'<p>证书指纹 TLS fingerprint (SHA-256)：<br><span class="fp">{e(fingerprint)}</span></p>'
          if fingerprint else "")
    minutes = max(0, int((offer.expires - _now()) // 60))
    body = (
        '<h1>配对设备</h1><p class="en">Paired devices (host only)</p>'
        '<div class="card"><div class="row"><div class="qr" aria-label="配对二维码">'
        '<img src="/pairing/qr.svg" alt="配对二维码 pairing QR code" width="220" height="220"></div><div>'
        f'<p>配对码 code</p><p class="big" aria-label="配对码">{e(offer.code[:3])} {e(offer.code[3:])}</p>'
        f'<p class="en">约 {minutes} 分钟内有效，仅限一台设备 · valid ~{minutes} min, one device</p>'
        f'<p class="en">{e(bases[0])}/pair</p></div></div>{fp}'
        '<form method="post" action="/pairing/new"><button type="submit">新配对码 New code</button></form></div>'
        '<div class="card"><table><thead><tr><th>设备 Device</th><th>最近使用 Last use</th><th></th></tr></thead>'
        f'<tbody>{"".join(rows)}</tbody></table></div>'
        '<p><a href="/">返回应用 Back to the app</a></p>')
    return _page("配对设备 · Paired devices", body)


_ERRORS = [PairingError(429, "尝试次数过多，请 10 分钟后再试，或请主机生成新的配对码。", ""),
           PairingError(403, "主机链接只能在运行本应用的电脑上打开。", ""),
           PairingError(401, "配对码不正确。请核对主机上显示的 6 位数字。", ""),
           PairingError(410, "配对码已过期或已作废，请在主机上生成新的配对码。", "")]


def _pairing_text() -> str:
    pages = [pairing_page(token=t, name=n, fingerprint="0123456789ABCDEF:", error=(e.zh, e.en), local=True)
             for t in ("", "x") for n in ("平板", "主机 host") for e in _ERRORS]
    names = "".join(guess_device_name(ua) for ua in ("iPad", "iPhone", "Android", "Windows", "Macintosh", "Linux", ""))
    text = "".join(pages) + names + "".join(chr(c) for c in range(0x20, 0x7F)) + "来源不符此设备尚未配对请先打开"
    return "".join(sorted(set(text)))


@lru_cache(maxsize=1)
def pairing_font() -> bytes:
    """The first-paint face cut to the pairing page's characters."""
    from inspect_app import fonts

    return fonts.first_paint_face(_pairing_text())
