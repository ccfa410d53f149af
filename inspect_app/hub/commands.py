"""`python main.py hub …`: start the county hub, manage its accounts, import sync bundles.

    python main.py --data hubdata hub [--host 127.0.0.1 --port 8600]
    python main.py --data hubdata hub --database postgresql://USER@HOST/DB --blobs "s3://BUCKET?endpoint=http://HOST:PORT" --workers 4
    python main.py --data hubdata hub --config hub.toml          (database, blobs, workers, host, port)
    python main.py hub migrate --from hubdata --to postgresql://… --blobs s3://…
    python main.py --data hubdata hub user add NAME --role admin|inspector|clinic [--center ID] [--display-name 张三]
    python main.py --data hubdata hub user list
    python main.py --data hubdata hub user revoke NAME [--token ID] [--disable]
    python main.py --data hubdata hub import BUNDLE.zip
"""

from __future__ import annotations

import getpass
import os
import sys

from inspect_app import paths
from inspect_app.errors import UserError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8600


def register(sub) -> None:
    """Add this area's sub-commands to the main parser."""
    hub = sub.add_parser("hub", help="县级中心：同步、机构查阅、卫健局总览 (the county hub)")
    hub.add_argument("--host", default=None, help="address to listen on (default 127.0.0.1)")
    hub.add_argument("--port", type=int, default=None, help="port (default 8600)")
    hub.add_argument("--database", default=None,
                     help="postgresql://… : records in PostgreSQL, shared by several hub processes "
                          "(default: the data folder; env JICENG_HUB_DATABASE)")
    hub.add_argument("--blobs", default=None,
                     help="s3://BUCKET?endpoint=http://HOST:PORT : photos and PDFs in an S3-compatible store "
                          "(default: the data folder; env JICENG_HUB_BLOBS)")
    hub.add_argument("--workers", type=int, default=None,
                     help="hub processes on this port (needs --database; env JICENG_HUB_WORKERS)")
    hub.add_argument("--config", default=None, help="TOML file with the same keys (env JICENG_HUB_CONFIG)")
    hub.add_argument("--tls", action="store_true",
                     help="https with a self-signed certificate made on first use in <data>/hub/tls/ (fingerprint printed)")
    hub.add_argument("--cert", default=None, help="https with this certificate (PEM; with --key)")
    hub.add_argument("--key", default=None, help="the private key of --cert (PEM)")
    hub.set_defaults(func=_serve)
    hub_sub = hub.add_subparsers(dest="hub_command", metavar="ACTION")

    user = hub_sub.add_parser("user", help="账号管理 (accounts)")
    user_sub = user.add_subparsers(dest="user_command", metavar="ACTION", required=True)
    add = user_sub.add_parser("add", help="新建账号 (add an account)")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=["admin", "inspector", "clinic"])
    add.add_argument("--center", default="", help="clinic accounts: the health center id it is bound to")
    add.add_argument("--display-name", default="", help="name as on the inspection team list (姓名)")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin (scripts)")
    add.set_defaults(func=_user_add)
    lst = user_sub.add_parser("list", help="列出账号 (list accounts)")
    lst.set_defaults(func=_user_list)
    rev = user_sub.add_parser("revoke", help="撤销令牌 (revoke tokens)")
    rev.add_argument("username")
    rev.add_argument("--token", default=None, help="only this token id")
    rev.add_argument("--disable", action="store_true", help="also refuse new sign-ins")
    rev.set_defaults(func=_user_revoke)

    imp = hub_sub.add_parser("import", help="导入同步包 (import a sync bundle from a tablet)")
    imp.add_argument("bundle")
    imp.set_defaults(func=_import)

    from inspect_app.hub.trust_commands import register as register_ca  # 县级根证书: hub ca init|import|show

    register_ca(hub_sub)

    mig = hub_sub.add_parser("migrate", help="迁移到共享存储 (move a county hub folder into PostgreSQL + S3)")
    mig.add_argument("--from", dest="source", required=True, help="the county hub's data folder")
    mig.add_argument("--to", dest="target", required=True, help="postgresql://…")
    mig.add_argument("--blobs", dest="target_blobs", default="", help="s3://BUCKET?endpoint=… (default: keep "
                     "blobs in the folder)")
    mig.set_defaults(func=_migrate)


def _config(args):
    from inspect_app.hub.store import resolve

    try:
        return resolve(args.database, args.blobs, args.workers, args.config, args.host, args.port)
    except UserError:
        raise
    except (ValueError, OSError) as err:  # an unreadable config file
        raise UserError(f"中心存储配置有误：{err}", f"The hub's storage settings are wrong: {err}") from err


def _hub(args):
    from inspect_app.hub.app import Hub
    from inspect_app.hub.store import open_store

    cfg = _config(args)
    data = paths.data_dir(args.data)
    return Hub(data, open_store(data, cfg.database, cfg.blobs))


def app_from_env():
    """The ASGI app of one hub worker process (uvicorn --workers imports this by name): the
    settings travel in the environment, the state lives in the shared stores."""
    from inspect_app.hub.app import create_app
    from inspect_app.hub.store import open_store

    data = paths.data_dir(os.environ["JICENG_HUB_DATA"])
    store = open_store(data, os.environ.get("JICENG_HUB_DATABASE", ""), os.environ.get("JICENG_HUB_BLOBS", ""))
    return create_app(data, store=store)


def _serve(args) -> int:
    import uvicorn

    from inspect_app.hub.app import create_app
    from inspect_app.hub.store import open_store
    from inspect_app.listen import ensure_port_free

    try:
        cfg = _config(args)
        host, port = cfg.host or DEFAULT_HOST, cfg.port or DEFAULT_PORT
        ensure_port_free(host, port)  # before the store opens (and migrates) and the address is printed
    except UserError as err:
        print(f"{err.zh} {err.en}", file=sys.stderr)
        return 2
    data = paths.data_dir(args.data)
    log_level = os.environ.get("JICENG_HUB_LOG", "warning")
    tls = _tls_options(args, data, host)
    if tls is None:
        return 2
    store = open_store(data, cfg.database, cfg.blobs)  # also applies the database's migrations, once
    print(f"基层行县级中心 Jiceng hub: {'https' if tls else 'http'}://{host}:{port}/  (data: {data}; {store.describe}"
          f"{f'; {cfg.workers} workers' if cfg.workers > 1 else ''})", flush=True)
    if tls.get("fingerprint"):
        print(f"TLS 证书指纹 certificate SHA-256: {tls['fingerprint']}", flush=True)
    tls = {k: v for k, v in tls.items() if k != "fingerprint"}
    if cfg.workers > 1:
        store.close()
        os.environ.update({"JICENG_HUB_DATA": str(data), "JICENG_HUB_DATABASE": cfg.database,
                           "JICENG_HUB_BLOBS": cfg.blobs})
        # A busy worker (a 2,000-op push, scrypt sign-ins) may answer the supervisor's health
        # ping late; uvicorn's 5 s default kills healthy workers under load.
        uvicorn.run("inspect_app.hub.commands:app_from_env", factory=True, workers=cfg.workers, host=host,
                    port=port, log_level=log_level, ws="websockets-sansio", timeout_worker_healthcheck=60, **tls)
        return 0
    uvicorn.run(create_app(data, store=store), host=host, port=port, log_level=log_level, ws="websockets-sansio",
                **tls)
    return 0


def _tls_options(args, data, host: str) -> dict | None:
    """uvicorn's TLS options: none (plain http), the bureau's own --cert/--key, or with --tls a
    self-signed certificate made once in <data>/hub/tls/ (its fingerprint is printed, to compare
    with what a browser or tablet shows). None: the options do not fit together."""
    if bool(args.cert) != bool(args.key):
        print("--cert 与 --key 须同时给出。 Give --cert and --key together.", file=sys.stderr)
        return None
    if args.cert:
        from inspect_app.tls import fingerprint_of

        try:
            fingerprint = fingerprint_of(open(args.cert, "rb").read())
        except (OSError, ValueError) as err:
            print(f"无法读取证书 {args.cert}（{err}）。 Cannot read the certificate.", file=sys.stderr)
            return None
        return {"ssl_certfile": args.cert, "ssl_keyfile": args.key, "fingerprint": fingerprint}
    if args.tls:
        from inspect_app.tls import ensure_certificate

        made = ensure_certificate(data / "hub", [host] if host not in ("0.0.0.0", "::") else None)
        return {"ssl_certfile": str(made.cert), "ssl_keyfile": str(made.key), "fingerprint": made.fingerprint}
    return {}


def _user_add(args) -> int:
    from inspect_app.hub.accounts import Role

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("密码 Password: ")
        if getpass.getpass("再次输入 Again: ") != password:
            print("两次输入的密码不一致。 The passwords differ.", file=sys.stderr)
            return 2
    try:
        _hub(args).accounts.add_user(args.username, password, Role(args.role), args.display_name, args.center)
    except UserError as err:
        print(f"{err.zh} {err.en}", file=sys.stderr)
        return 2
    print(f"已添加 {args.role} 账号 {args.username}. Added.")
    return 0


def _user_list(args) -> int:
    for row in _hub(args).accounts.users():
        state = "停用 disabled" if row["disabled"] else "启用 active"
        print(f"{row['username']}\t{row['name']}\t{row['role']}\t{row['center_id'] or '-'}\t{state}\t"
              f"{row['tokens']} token(s)")
    return 0


def _user_revoke(args) -> int:
    try:
        count = _hub(args).accounts.revoke(args.username, args.token, args.disable)
    except UserError as err:
        print(f"{err.zh} {err.en}", file=sys.stderr)
        return 2
    print(f"已撤销 {count} 个令牌。 Revoked {count} token(s).")
    return 0


def _migrate(args) -> int:
    from inspect_app.hub.store.migrate import migrate_folder

    try:
        ok = migrate_folder(paths.data_dir(args.source), args.target, args.target_blobs, out=print)
    except UserError as err:
        print(f"{err.zh} {err.en}", file=sys.stderr)
        return 2
    return 0 if ok else 1


def _import(args) -> int:
    from inspect_app.sync.bundle import import_bundle_into_hub

    try:
        result = import_bundle_into_hub(_hub(args), args.bundle)
    except UserError as err:
        print(f"{err.zh} {err.en}", file=sys.stderr)
        return 2
    print(f"导入 {len(result.accepted)} 条变更，重复 {len(result.duplicates)} 条，拒收 {len(result.rejected)} 条。 "
          f"Imported {len(result.accepted)}, duplicates {len(result.duplicates)}, refused {len(result.rejected)}.")
    for r in result.rejected:
        print(f"  {r.id}: {r.zh}")
    return 0
