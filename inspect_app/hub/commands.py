"""`python main.py hub …`: start the county hub, manage its accounts, import sync bundles.

    python main.py --data hubdata hub [--host 127.0.0.1 --port 8600]
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
    hub.add_argument("--host", default=DEFAULT_HOST, help="address to listen on (default 127.0.0.1)")
    hub.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (default 8600)")
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


def _hub(args):
    from inspect_app.hub.app import Hub

    return Hub(paths.data_dir(args.data))


def _serve(args) -> int:
    import uvicorn

    from inspect_app.hub.app import create_app

    data = paths.data_dir(args.data)
    app = create_app(data)
    print(f"基层行县级中心 Jiceng hub: http://{args.host}:{args.port}/  (data: {data})", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level=os.environ.get("JICENG_HUB_LOG", "warning"),
                ws="websockets-sansio")
    return 0


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
