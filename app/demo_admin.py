"""Create (or reset) the demo admin account used by ``make demo``.

    printf '%s\\n' "$PASSWORD" | python -m app.demo_admin --home .shirube-demo

The password is the first line of stdin; when empty, a random one is
generated and printed once (it is stored only as an argon2id hash).
"""

from __future__ import annotations

import argparse
import secrets
import sys

from base.errors import ShirubeError
from shirube.api import Shirube


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--home", default=".shirube-demo")
    ap.add_argument("--name", default="demo-admin")
    args = ap.parse_args(argv)
    given = "" if sys.stdin.isatty() else sys.stdin.readline().strip()
    password = given or secrets.token_urlsafe(12)
    sh = Shirube.open(home=args.home)
    accounts = sh.accounts
    try:
        if accounts.get(args.name) is None:
            accounts.add(args.name, password, "admin", 3, ["総務課"])
        else:
            accounts.set_password(args.name, password)
            accounts.update(args.name, role="admin", clearance=3)
            accounts.disable(args.name, False)
    except ShirubeError as exc:
        print(f"エラー: {exc}", file=sys.stderr)
        return 1
    finally:
        sh.close()
    print("=" * 60)
    print(f"デモ管理者アカウント: {args.name}")
    if given:
        print("パスワード: 環境変数 SHIRUBE_DEMO_PASSWORD で指定した値")
    else:
        print(f"パスワード: {password}   （この表示は一度だけです）")
    print("=" * 60)
    return 0


if __name__ == "__main__":
    sys.exit(main())
