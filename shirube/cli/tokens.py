"""``shirube token create|list|revoke``: per-user HTTP API tokens (admins; shirube/tokens.py).

Registered by :func:`shirube.cli.build_parser` through ``register(add)``.
"""

from __future__ import annotations

import argparse

from base.safe_text import printable

STATES = {"active": "有効", "expired": "期限切れ", "revoked": "取り消し済み"}


def _line(t: dict) -> str:
    expires = (t["expires_at"] or "")[:16].replace("T", " ") or "無期限"
    note = f"  {printable(t['note'])}" if t["note"] else ""
    return (f"{t['id']:>4}  {t['prefix']}…  {printable(t['user'])}  {STATES.get(t['state'], t['state'])}"
            f"  発行 {t['created_at'][:16].replace('T', ' ')}  期限 {expires}{note}")


def cmd_token(args: argparse.Namespace) -> int:
    from . import _engine, _print, _who

    sh = _engine(args)
    ident, _ = _who(args, sh, "admin")
    if args.token_command == "create":
        info, token = sh.tokens.create(args.user, expires_days=args.expires_days, note=args.note or "", by=ident.name)
        text = (f"APIトークンを発行しました（ID {info['id']}、ユーザー {printable(info['user'])}、"
                f"有効期限 {(info['expires_at'] or '無期限')[:16].replace('T', ' ')}）\n{token}\n"
                "このトークンは二度と表示されません。安全な場所に保管してください。")
        _print({**info, "token": token}, args.json, text)
    elif args.token_command == "list":
        tokens = sh.tokens.list(user=args.user)
        _print(tokens, args.json, "\n".join(_line(t) for t in tokens) or "トークンはありません")
    else:
        info = sh.tokens.revoke(args.token_id, by=ident.name)
        _print(info, args.json, f"APIトークン {info['id']}（{printable(info['user'])}、{info['prefix']}…）を取り消しました")
    return 0


def register(add) -> None:
    from . import DOC_ID, add_identity, int_in  # the package registering this module: loaded by now

    sp = add("token", cmd_token, "HTTP API tokens (admins): create --user NAME | list | revoke ID")
    sub = sp.add_subparsers(dest="token_command", required=True)
    c = sub.add_parser("create", help="a new token for a user, printed once (stored only as its SHA-256)")
    c.add_argument("--user", required=True, help="the account the token acts as")
    c.add_argument("--expires-days", type=int_in(1, 3650), default=None, help="valid for this many days (1–3650)")
    c.add_argument("--note", default="", help="what the token is for (e.g. 庁内ポータル)")
    ls = sub.add_parser("list", help="every token: id, prefix, user, state, expiry (never the token)")
    ls.add_argument("--user", help="only this user's tokens")
    r = sub.add_parser("revoke", help="revoke a token for good")
    r.add_argument("token_id", type=DOC_ID)
    for p in (c, ls, r):  # `token create --as U` as well as `token --as U create`
        p.add_argument("--json", action="store_true", default=argparse.SUPPRESS)
        add_identity(p, default=argparse.SUPPRESS)
