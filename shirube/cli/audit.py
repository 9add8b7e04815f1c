"""``shirube audit verify|export|list`` and ``shirube relabel``.

Registered by :func:`shirube.cli.build_parser` through ``register(add)``.
"""

from __future__ import annotations

import argparse
import sys

from base.errors import ShirubeError


def _engine(args: argparse.Namespace):
    from . import _engine as engine

    return engine(args)


def cmd_audit(args: argparse.Namespace) -> int:
    from . import _print

    sh = _engine(args)
    trail = sh.audit_trail
    if args.audit_command == "verify":
        problems = trail.verify()
        n = len(trail.events(limit=None))
        _print({"ok": not problems, "events": n, "problems": problems}, args.json,
               f"監査ログ: {n} 件、改ざんなし（ハッシュチェーン検証済み）" if not problems
               else "監査ログに問題があります:\n" + "\n".join(f"  - {p}" for p in problems))
        return 0 if not problems else 2
    if args.audit_command == "export":
        if args.out in (None, "-"):
            n = trail.export_csv(sys.stdout, since=args.since)
        else:
            n = trail.export_csv(args.out, since=args.since)
            print(f"{n} 件を書き出しました: {args.out}", file=sys.stderr)
        return 0
    # list
    rows = trail.events(since=args.since, limit=args.limit, include_eval=args.include_eval)
    keys = ("document_id", "batch_id", "generation", "label", "name", "method", "reason", "run_id", "old", "new")
    lines = []
    for r in rows:
        what = r["question"] or ", ".join(f"{k}={v}" for k, v in r["detail"].items() if k in keys)
        mark = "（評価）" if r["evaluation"] is not None else ""
        lines.append(f"{r['id']:>6}  {r['at']}  {r['user']:<12} {r['action']:<8} {r['action_label']}{mark}  {what or ''}")
    _print(rows, args.json, "\n".join(lines) or "監査ログは空です")
    return 0


def cmd_relabel(args: argparse.Namespace) -> int:
    from . import _print

    sh = _engine(args)
    if args.label is None and args.department is None:
        raise ShirubeError("--label か --department を指定してください")
    access = None
    if args.as_user:
        from . import _access

        access = _access(args, sh)
    info = sh.relabel_document(args.document_id, label=args.label, departments=args.department,
                               by=args.by or args.as_user, access=access)
    _print(info, args.json,
           f"文書 {args.document_id}: 機密性 {info['old']['label']} → {info['new']['label']}、"
           f"部署 {info['old']['departments']} → {info['new']['departments']}")
    return 0


def register(add) -> None:
    from . import DOC_ID, int_in  # the package registering this module: loaded by now

    sp = add("audit", cmd_audit, "audit log: verify the hash chain, export CSV, list", json_flag=True)
    sub = sp.add_subparsers(dest="audit_command", required=True)
    v = sub.add_parser("verify", help="check the hash chain (exit 2 when edited or deleted rows are found)")
    v.add_argument("--json", action="store_true", default=argparse.SUPPRESS)
    e = sub.add_parser("export", help="write the log as CSV")
    e.add_argument("--since", help="ISO date/time (UTC), e.g. 2026-04-01")
    e.add_argument("--out", help="CSV file (default: stdout)")
    ls = sub.add_parser("list", help="newest events")
    ls.add_argument("--since")
    ls.add_argument("--limit", type=int_in(1, 100_000), default=50, help="at most this many events (1–100000)")
    ls.add_argument("--include-eval", action="store_true",
                    help="also the searches and questions of evaluation runs (user eval:WHO/RUN)")
    ls.add_argument("--json", action="store_true", default=argparse.SUPPRESS)
    sp.set_defaults(since=None, limit=None, out=None, include_eval=False)

    sp = add("relabel", cmd_relabel, "change a document's 機密性 label and/or departments (admins)")
    sp.add_argument("document_id", type=DOC_ID)
    sp.add_argument("--label", type=int, choices=(1, 2, 3))
    sp.add_argument("--department", action="append", help="department (repeatable; replaces the list)")
    sp.add_argument("--no-department", dest="department", action="store_const", const=[],
                    help="remove every department")
    sp.add_argument("--by", help="who relabels (default: OS user)")
    sp.add_argument("--as", dest="as_user", metavar="USER", help="act as this user (must be an admin)")
