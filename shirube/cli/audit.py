"""``shirube audit verify|export|list|checkpoint|keygen`` and ``shirube relabel``.

Registered by :func:`shirube.cli.build_parser` through ``register(add)``.
"""

from __future__ import annotations

import argparse
import sys

from base.errors import ShirubeError
from base.safe_text import printable


def _engine(args: argparse.Namespace):
    from . import _engine as engine

    return engine(args)


def cmd_audit(args: argparse.Namespace) -> int:
    from . import _print

    if args.audit_command == "keygen":  # needs no home: the key must live outside it
        from ..audit_seal import keygen

        key_id = keygen(args.key_out)
        print(f"監査ログの鍵を作成しました: {args.key_out}（鍵ID {key_id}、所有者のみ読み書き可）。"
              f"設定 audit_key_file（または SHIRUBE_AUDIT_KEY_FILE）に指定し、データディレクトリと"
              f"データベースの外で保管してください")
        return 0
    sh = _engine(args)
    trail = sh.audit_trail
    from .identity import resolve

    ident = resolve(args, sh, "admin" if args.audit_command == "checkpoint" else "viewer")
    if args.audit_command == "verify":
        v = trail.check()
        lines = [v.summary(), *(f"  - {p}" for p in v.problems)]
        lines += [f"  未証明: {u}" for u in v.unproven]
        _print({"ok": v.ok, "events": v.events, "last_id": v.last_id, "keyed": v.keyed, "proven_to": v.proven_to,
                "checkpoints": v.checkpoints, "problems": v.problems, "unproven": v.unproven}, args.json,
               "\n".join(lines))
        return 0 if v.ok else 2
    if args.audit_command == "checkpoint":
        from ..audit_seal import checkpoint_line

        print(checkpoint_line(trail.checkpoint()))
        return 0
    if args.audit_command == "export":
        if args.out in (None, "-"):
            n = trail.export_visible_csv(sys.stdout, ident.name, ident.access, since=args.since)
        else:
            try:
                n = trail.export_visible_csv(args.out, ident.name, ident.access, since=args.since)
            except OSError as exc:
                raise ShirubeError(f"書き出し先に書き込めません: {args.out}（{exc.strerror}）") from None
            print(f"{n} 件を書き出しました: {args.out}", file=sys.stderr)
        return 0
    # list: an admin every row, anyone else their own (shirube/accounts.py AuditTrail.visible_events)
    rows = trail.visible_events(ident.name, ident.access, since=args.since, limit=args.limit,
                                include_eval=args.include_eval)
    keys = ("document_id", "batch_id", "generation", "label", "name", "method", "reason", "run_id", "old", "new")
    lines = []
    for r in rows:
        what = r["question"] or ", ".join(f"{k}={v}" for k, v in r["detail"].items() if k in keys)
        mark = "（評価）" if r["evaluation"] is not None else ""
        lines.append(f"{r['id']:>6}  {r['at']}  {printable(r['user']):<12} {r['action']:<8} {r['action_label']}{mark}"
                     f"  {printable(what or '')}")
    _print(rows, args.json, "\n".join(lines) or "監査ログは空です")
    return 0


def cmd_relabel(args: argparse.Namespace) -> int:
    from . import _print

    from .identity import resolve

    sh = _engine(args)
    if args.label is None and args.department is None:
        raise ShirubeError("--label か --department を指定してください")
    ident = resolve(args, sh, "admin")  # the engine also bounds it by the admin's access
    info = sh.relabel_document(args.document_id, label=args.label, departments=args.department,
                               by=ident.name, access=ident.access, reason=args.reason or "")
    word = "機密性を下げました（理由を監査ログに記録）" if info.get("action") == "declassify" else "変更しました"
    _print(info, args.json,
           f"文書 {args.document_id}: 機密性 {info['old']['label']} → {info['new']['label']}、"
           f"部署 {printable(info['old']['departments'])} → {printable(info['new']['departments'])}（{word}）")
    return 0


def register(add) -> None:
    from . import DOC_ID, add_identity, int_in  # the package registering this module: loaded by now

    sp = add("audit", cmd_audit, "audit log: verify, export CSV, list, checkpoint, keygen", json_flag=True)
    sub = sp.add_subparsers(dest="audit_command", required=True)
    v = sub.add_parser("verify", help="check the chain, ids, key MACs, checkpoints and head (exit 2 on tampering); "
                                      "names the rows that cannot be proven")
    v.add_argument("--json", action="store_true", default=argparse.SUPPRESS)
    sub.add_parser("checkpoint", help="print a checkpoint of the newest row for an external record "
                                      "(also appended to audit_checkpoint_file when set)")
    k = sub.add_parser("keygen", help="write a new random audit key (mode 0600, never overwrites)")
    k.add_argument("--out", dest="key_out", required=True, help="key file, outside the home and the database")
    e = sub.add_parser("export", help="write the log as CSV")
    e.add_argument("--since", help="ISO date/time (UTC), e.g. 2026-04-01")
    e.add_argument("--out", help="CSV file (default: stdout)")
    ls = sub.add_parser("list", help="newest events")
    ls.add_argument("--since")
    ls.add_argument("--limit", type=int_in(1, 100_000), default=50, help="at most this many events (1–100000)")
    ls.add_argument("--include-eval", action="store_true",
                    help="also the searches and questions of evaluation runs (user eval:WHO/RUN)")
    ls.add_argument("--json", action="store_true", default=argparse.SUPPRESS)
    for parser in sub.choices.values():  # `audit list --as U` as well as `audit --as U list`
        add_identity(parser, default=argparse.SUPPRESS)
    sp.set_defaults(since=None, limit=None, out=None, include_eval=False)

    sp = add("relabel", cmd_relabel, "change a document's 機密性 label and/or departments (admins)")
    sp.add_argument("document_id", type=DOC_ID)
    sp.add_argument("--label", type=int, choices=(1, 2, 3))
    sp.add_argument("--department", action="append", help="department (repeatable; replaces the list)")
    sp.add_argument("--no-department", dest="department", action="store_const", const=[],
                    help="remove every department")
    sp.add_argument("--reason", help="why; required when the change widens who may see the document "
                                     "(a lower label, departments added or removed): audited as declassify")
