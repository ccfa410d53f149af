"""`python main.py app` (also the default): the tablet app as a local Flet web app.

    python main.py app [--host 0.0.0.0] [--tls]   serve (beyond loopback every device pairs first)
    python main.py app pair                       a fresh pairing code + QR for the running app
    python main.py app devices list               paired devices: name, last use
    python main.py app devices revoke ID          lock a device out (its open sessions close)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from inspect_app import paths
from inspect_app.ui.server import DEFAULT_HOST, DEFAULT_PORT


def register(sub) -> None:
    """Add this area's sub-commands to the main parser."""
    app = sub.add_parser("app", help="start the tablet app (Flet web, no CDN) — the default")
    app.add_argument("--host", default=DEFAULT_HOST,
                     help=f"address to listen on (default {DEFAULT_HOST}; 0.0.0.0 lets tablets on the site "
                          "Wi-Fi connect, each after pairing)")
    app.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    app.add_argument("--tls", action="store_true",
                     help="serve https with a self-signed certificate made on first use (tablet camera needs it)")
    # Own dest: a sub-parser default would otherwise overwrite the top-level --data.
    app.add_argument("--data", dest="app_data", default=None, help="data folder (default ./data)")
    app.add_argument("--standards", default=None,
                     help="folder of standard files to offer (default: the shipped standards/)")
    app.set_defaults(func=run_app)
    inner = app.add_subparsers(dest="app_command", metavar="ACTION")
    pair = inner.add_parser("pair", help="print a fresh pairing code and QR (the running app accepts it)")
    pair.add_argument("--host", dest="pair_host", default=None, help="address in the QR (default: this machine's)")
    pair.set_defaults(func=run_pair)
    devices = inner.add_parser("devices", help="paired devices")
    dsub = devices.add_subparsers(dest="devices_command", metavar="ACTION", required=True)
    listing = dsub.add_parser("list", help="name, id, last use")
    listing.set_defaults(func=run_devices_list)
    revoke = dsub.add_parser("revoke", help="lock one device out")
    revoke.add_argument("device_id", help="pd-… (see devices list)")
    revoke.set_defaults(func=run_devices_revoke)
    for parser in (pair, listing, revoke):  # also after the action; SUPPRESS keeps an earlier --data
        parser.add_argument("--data", dest="app_data", default=argparse.SUPPRESS, help="data folder")


def _data_dir(args) -> Path:
    return paths.data_dir(getattr(args, "app_data", None) or getattr(args, "data", None))


def run_app(args) -> int:
    from inspect_app.errors import UserError
    from inspect_app.ui.server import serve

    standards = Path(args.standards) if args.standards else None
    try:
        serve(_data_dir(args), host=args.host, port=args.port, standards_dir=standards, tls=args.tls)
    except UserError as err:  # e.g. the port is taken: said in words, nothing started
        print(f"{err.zh} {err.en}", file=sys.stderr)
        return 2
    return 0


def run_pair(args) -> int:
    from inspect_app.ui import pairing

    data_dir = _data_dir(args)
    fingerprint = ""
    if args.tls and (data_dir / "tls" / "cert.pem").is_file():
        from inspect_app.tls import fingerprint_of

        fingerprint = fingerprint_of((data_dir / "tls" / "cert.pem").read_bytes())
    host = args.pair_host or (args.host if args.host != DEFAULT_HOST else "0.0.0.0")
    bases = pairing.base_urls(host, args.port, args.tls)
    local = f"{'https' if args.tls else 'http'}://127.0.0.1:{args.port}"
    pairing.announce(pairing.PairingStore(data_dir), bases, fingerprint=fingerprint, local_base=local)
    return 0


def run_devices_list(args) -> int:
    from inspect_app.ui import pairing

    devices = pairing.PairingStore(_data_dir(args)).devices(include_revoked=True)
    if not devices:
        print("尚无配对设备。No paired devices.")
        return 0
    print(f"{'ID':<12} {'名称 name':<24} {'角色 role':<8} {'最近使用 last use':<17} 状态 state")
    for d in devices:
        state = f"已撤销 revoked {pairing._iso(d.revoked_at)}" if d.revoked_at else "有效 active"
        print(f"{d.id:<12} {d.name:<24} {d.role:<8} {pairing._iso(d.last_used):<17} {state}")
    return 0


def run_devices_revoke(args) -> int:
    from inspect_app.ui import pairing

    try:
        d = pairing.PairingStore(_data_dir(args)).revoke(args.device_id)
    except KeyError:
        print(f"没有这台设备 no such device: {args.device_id}")
        return 2
    print(f"已撤销 revoked: {d.label}")
    return 0
