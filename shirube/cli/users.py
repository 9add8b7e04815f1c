"""``shirube user add|list|update|passwd|disable|enable``: local users (see shirube/accounts.py, shirube/users.py).

    shirube user add tanaka --role clerk --clearance 2 --department 総務課 --password '…'
    shirube user update tanaka --clearance 3 --by yamada
    shirube user list --json

Every change is audited (``user_add``, ``user_update``, ``password_change``, ``user_disable`` /
``user_enable``) under the acting admin (``--as`` / ``--by``, shirube/cli/identity.py); no password
or hash is recorded. A home without accounts gets its first one from the built-in operator, and it
must be an admin; ``user passwd`` is also open to the user themself.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import Any, Callable

from base.errors import AccessDenied, ConfigError
from base.safe_text import printable


def _engine(args: argparse.Namespace):
    """The engine of ``--home`` (settings only from the home and the environment: no overrides)."""
    from ..api import Shirube

    return Shirube.open(home=args.home, create=args.user_command == "add")  # only add may create the home


def _password(args: argparse.Namespace) -> str:
    """--password, else asked twice on the terminal, else the first line of stdin (scripts).

    (No SHIRUBE_* environment variable: Settings rejects unknown SHIRUBE_ names.)
    """
    if args.password:
        return args.password
    if not sys.stdin.isatty():
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise ConfigError("パスワードを --password で指定するか、標準入力の1行目に書いてください")
        return line
    first = getpass.getpass("パスワード: ")
    if first != getpass.getpass("パスワード（確認）: "):
        raise ConfigError("パスワードが一致しません")
    return first


def cmd_user(args: argparse.Namespace) -> int:
    from .identity import resolve

    sh = _engine(args)
    accounts = sh.accounts
    try:
        sub = args.user_command
        ident = resolve(args, sh, "viewer" if sub == "passwd" else "admin")
        if sub == "passwd" and not accounts.has_role(ident.role, "admin") and not _same(accounts, ident.name, args.name):
            raise AccessDenied("他のユーザーのパスワード変更は管理者のみ行えます")
        if sub == "add" and ident.builtin and args.role != "admin":
            raise ConfigError("最初のユーザーは管理者にしてください（--role admin）: 以後の操作はその管理者で行います")
        by = ident.name
        if sub == "add":
            u = accounts.add(args.name, _password(args), args.role, args.clearance, args.department or [], by=by)
            d = accounts.user_dict(u)
            _out(d, args, f"ユーザー「{printable(u.name)}」を作成しました（{d['role_label']}・機密性{u.clearance}まで・"
                          f"所属 {printable('、'.join(d['departments'])) or 'なし'}）")
        elif sub == "list":
            rows = [accounts.user_dict(u) for u in accounts.list()]
            lines = [
                f"{printable(r['name']):<16} {r['role_label']:<5} 機密性{r['clearance']}"
                f"  所属 {printable('、'.join(r['departments'])) or '-'}"
                + ("  （無効）" if r["disabled"] else "")
                for r in rows
            ]
            _out(rows, args, "\n".join(lines) or "ユーザーはいません")
        elif sub == "update":
            if args.role is None and args.clearance is None and args.department is None:
                raise ConfigError("--role / --clearance / --department / --no-department のいずれかを指定してください")
            d = accounts.user_dict(accounts.update(args.name, role=args.role, clearance=args.clearance,
                                                   departments=args.department, by=by))
            _out(d, args, f"ユーザー「{printable(d['name'])}」を変更しました（{d['role_label']}・機密性{d['clearance']}まで・"
                          f"所属 {printable('、'.join(d['departments'])) or 'なし'}）")
        elif sub == "passwd":
            accounts.set_password(args.name, _password(args), by=by)
            _out({"name": args.name, "password": "changed"}, args,
                 f"ユーザー「{printable(args.name)}」のパスワードを変更しました")
        elif sub in ("disable", "enable"):
            accounts.disable(args.name, disabled=sub == "disable", by=by)
            word = "無効化" if sub == "disable" else "有効化"
            _out({"name": args.name, "disabled": sub == "disable"}, args,
                 f"ユーザー「{printable(args.name)}」を{word}しました")
    finally:
        sh.close()
    return 0


def _same(accounts: Any, acting: str | None, name: str) -> bool:
    """True when ``name`` is the acting user (up to case and width)."""
    u = accounts.get(name)
    return u is not None and acting is not None and u.name == acting


def _out(obj: Any, args: argparse.Namespace, text: str) -> None:
    if getattr(args, "json", False):
        print(json.dumps(obj, ensure_ascii=False, indent=2, default=str))
    else:
        print(text)


def register(add: Callable[..., argparse.ArgumentParser]) -> None:
    """Called by :func:`shirube.cli.build_parser` with its subcommand factory."""
    sp = add("user", cmd_user, "local users: add, list, update, passwd, disable, enable", json_flag=False)
    sub = sp.add_subparsers(dest="user_command", required=True)
    a = sub.add_parser("add", help="create a user")
    a.add_argument("name")
    a.add_argument("--role", required=True, choices=("viewer", "clerk", "admin"),
                   help="viewer=閲覧者, clerk=登録担当, admin=管理者")
    a.add_argument("--clearance", type=int, default=1, choices=(1, 2, 3), help="highest 機密性 label the user may see")
    a.add_argument("--department", action="append", help="department (repeatable)")
    a.add_argument("--password", help="password (default: prompted, or the first line of stdin)")
    a.add_argument("--json", action="store_true")
    lst = sub.add_parser("list", help="list users")
    lst.add_argument("--json", action="store_true")
    u = sub.add_parser("update", help="change a user's role, clearance or departments")
    u.add_argument("name")
    u.add_argument("--role", choices=("viewer", "clerk", "admin"))
    u.add_argument("--clearance", type=int, choices=(1, 2, 3))
    u.add_argument("--department", action="append", help="department (repeatable; replaces the list)")
    u.add_argument("--no-department", dest="department", action="store_const", const=[],
                   help="remove every department")
    u.add_argument("--json", action="store_true")
    p = sub.add_parser("passwd", help="change a password")
    p.add_argument("name")
    p.add_argument("--password")
    p.add_argument("--json", action="store_true")
    for name in ("disable", "enable"):
        d = sub.add_parser(name, help=f"{name} an account")
        d.add_argument("name")
        d.add_argument("--json", action="store_true")
    from . import add_identity  # the package registering this module: loaded by now

    for parser in sub.choices.values():  # `user add X --as ADMIN` as well as `user --as ADMIN add X`
        add_identity(parser, default=argparse.SUPPRESS)
