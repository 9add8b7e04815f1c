"""``shirube feedback export --out F``: rated answers (👍 / 👎 in the app) as a QA file.

The file has the samples/qa.jsonl format, so real questions feed ``shirube eval --qa F``
and ``shirube sft-data``. Admins only; the questions of every user are exported, except
those citing a document above the admin's clearance. Registered by
:func:`shirube.cli.build_parser` through ``register(add)``.
"""

from __future__ import annotations

import argparse

RATING_CHOICES = {"all": (1, -1), "good": (1,), "bad": (-1,)}


def cmd_feedback(args: argparse.Namespace) -> int:
    from . import _engine, _print, _who

    sh = _engine(args)
    _, access = _who(args, sh, "admin")
    ratings = RATING_CHOICES[args.rating]
    if args.out:
        n = sh.conversations.write_qa(args.out, access, ratings)
        _print({"out": args.out, "items": n}, args.json, f"{n} 件の評価済みの質問を {args.out} に書き出しました")
    else:
        import sys

        sh.conversations.write_qa(sys.stdout, access, ratings)
    return 0


def register(add) -> None:
    sp = add("feedback", cmd_feedback, "answer ratings from the app: `feedback export --out F` writes a QA file (admins)")
    sub = sp.add_subparsers(dest="feedback_command", required=True)
    e = sub.add_parser("export", help="rated questions as JSON Lines in the samples/qa.jsonl format")
    e.add_argument("--out", help="QA file to write (default: stdout)")
    e.add_argument("--rating", choices=tuple(RATING_CHOICES), default="all",
                   help="good: 👍 only (ready for eval); bad: 👎 only (relevant to fill in); all (default)")
    from . import add_identity  # the package registering this module: loaded by now

    add_identity(e, default=argparse.SUPPRESS)
    e.add_argument("--json", action="store_true", default=argparse.SUPPRESS)
