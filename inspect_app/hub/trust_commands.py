"""`python main.py hub ca …`: the county root certificate of this hub (县级根证书).

    python main.py --data hubdata hub ca init --county 花溪区     make it now (else the hub makes it at first start)
    python main.py --data hubdata hub ca import FILE.p12 [--passphrase P] [--county 花溪区]
        use a real CA's issuing key and certificate; a root this hub made before stays trusted
    python main.py --data hubdata hub ca show                    county, root subject and SHA-256, issued count
    python main.py --data hubdata hub ca export-root FILE.pem    the root, for `report verify --trust`

With `hub --database postgresql://… ca …` (or JICENG_HUB_DATABASE / the config file) these act on
the CA that every hub process on that database shares.
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path

from inspect_app import paths
from inspect_app.errors import UserError

PASSPHRASE_ENV = "JICENG_CA_PASSPHRASE"


def register(hub_sub) -> None:
    ca = hub_sub.add_parser("ca", help="县级根证书 (the county root CA: init, import PKCS#12, show)")
    ca_sub = ca.add_subparsers(dest="ca_command", metavar="ACTION", required=True)
    init = ca_sub.add_parser("init", help="生成县级根证书 (make the county root now)")
    init.add_argument("--county", required=True, help="县区名称, e.g. 花溪区")
    init.set_defaults(func=_init)
    imp = ca_sub.add_parser("import", help="导入 CA 的 PKCS#12 (import a real CA's PKCS#12)")
    imp.add_argument("file", help="FILE.p12")
    imp.add_argument("--passphrase", default=None, help=f"its passphrase (or {PASSPHRASE_ENV}; else asked)")
    imp.add_argument("--county", default="", help="县区名称 (default: from the certificate)")
    imp.set_defaults(func=_import)
    show = ca_sub.add_parser("show", help="查看县级根证书 (show the root)")
    show.set_defaults(func=_show)
    export = ca_sub.add_parser("export-root", help="导出根证书 PEM (write the root certificate)")
    export.add_argument("file", help="FILE.pem")
    export.set_defaults(func=_export)


def _trust(args):
    """The hub's trust in the store its settings name (`hub --database … ca show` reads the
    shared one every hub process signs with; without --database, the data folder's)."""
    from inspect_app.hub.commands import _config
    from inspect_app.hub.store import open_store
    from inspect_app.hub.trust_routes import HubTrust

    cfg = _config(args)
    return HubTrust(open_store(paths.data_dir(args.data), cfg.database, cfg.blobs).settings)


def _print_info(info: dict) -> None:
    source = {"generated": "本中心生成 generated", "imported": "导入 imported"}.get(info["source"], info["source"])
    print(f"县区 county: {info['county']}\n来源 source: {source}\n根证书 root: {info['root_subject']}\n"
          f"根证书 SHA-256: {info['root_sha256']}\n签发证书 issuer: {info['issuer_subject']}\n"
          f"有效期至 valid until: {info['not_after']}\n已签发平板证书 tablet certificates issued: {info['issued']}")


def _init(args) -> int:
    trust = _trust(args)
    if trust.exists():
        print("本中心已有县级根证书，未重新生成。 This hub already has a county root; nothing made.")
    else:
        trust.ensure(args.county)
        print("已生成县级根证书。 County root made.")
    _print_info(trust.info())
    return 0


def _import(args) -> int:
    passphrase = args.passphrase if args.passphrase is not None else os.environ.get(PASSPHRASE_ENV)
    if passphrase is None:
        passphrase = getpass.getpass("PKCS#12 密码 passphrase: ")
    try:
        data = Path(args.file).read_bytes()
        trust = _trust(args)
        trust.import_pkcs12(data, passphrase, args.county)
    except OSError as exc:
        print(f"无法读取 {args.file}：{exc.strerror or exc}。 Cannot read {args.file}.")
        return 2
    except UserError as err:
        print(f"{err.zh} {err.en}")
        return 2
    print("已导入 CA：此后平板注册时由该 CA 签发证书；已有平板请重新登录以更新证书。 "
          "CA imported: tablets enrolling from now on get certificates from it; signed-in tablets re-enroll "
          "at their next sign-in.")
    _print_info(trust.info())
    return 0


def _show(args) -> int:
    trust = _trust(args)
    if not trust.exists():
        print("本中心尚无县级根证书（首次启动时生成，或用 hub ca init / hub ca import）。 "
              "No county root yet (made at first start, or by hub ca init / import).")
        return 1
    _print_info(trust.info())
    return 0


def _export(args) -> int:
    from inspect_app.trust.ca import cert_pem

    Path(args.file).write_text(cert_pem(_trust(args).authority.root), encoding="ascii")
    print(f"已写出根证书 {args.file}。 Root certificate written.")
    return 0
