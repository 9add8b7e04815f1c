"""``shirube jobs`` (ingest jobs with per-file status) and ``shirube jobs resume``.

Registered by :func:`shirube.cli.build_parser` through ``register(add)``.
"""

from __future__ import annotations

import argparse
import sys

from base.safe_text import printable

STATES = {"queued": "待機中", "running": "実行中", "done": "完了", "failed": "失敗"}
FILE_STATES = {"queued": "待機中", "ok": "取込", "duplicate": "重複", "error": "エラー", "skipped": "スキップ"}


def _when(v) -> str:
    return v.strftime("%Y-%m-%d %H:%M:%S") if v is not None else "-"


def job_lines(job: dict) -> list[str]:
    """One job as text: a header line, then one line per file."""
    counts = {k: sum(1 for f in job["files"] if f["state"] == k) for k in FILE_STATES}
    head = (f"ジョブ {job['id']}  {STATES.get(job['state'], job['state'])}  {job['by']}  受付 {_when(job['created_at'])}"
            f"  終了 {_when(job['finished_at'])}  取込 {counts['ok']} / 重複 {counts['duplicate']}"
            f" / エラー {counts['error']} / 待機 {counts['queued']}"
            + (f" / スキップ {counts['skipped']}" if counts["skipped"] else ""))
    if job["reason"]:
        head += f"  理由: {printable(job['reason'])}"
    lines = [head]
    for f in job["files"]:
        extra = f"（文書ID {f['document_id']}）" if f["state"] == "ok" else (f" — {f['reason']}" if f["reason"] else "")
        lines.append(f"  [{FILE_STATES.get(f['state'], f['state'])}] {printable(f['name'])}{printable(extra)}")
    return lines


def cmd_jobs(args: argparse.Namespace) -> int:
    from . import _engine, _print, _progress_bar, _who

    sh = _engine(args)
    if getattr(args, "jobs_command", None) == "resume":
        _who(args, sh, "admin")  # runs other users' jobs (each still recorded as its uploader's)
        done = sh.jobs.resume(progress=_progress_bar(not args.json and sys.stderr.isatty()))
        text = "\n".join(line for j in done for line in job_lines(j)) or "再開するジョブはありません"
        _print(done, args.json, text)
        return 1 if any(j["state"] == "failed" for j in done) else 0
    ident, _ = _who(args, sh, "clerk")
    admin = ident.role == "admin"  # an admin (or the built-in operator) sees every user's jobs
    jobs = sh.jobs.jobs(by=args.user if admin else ident.name, limit=args.limit)
    _print(jobs, args.json, "\n".join(line for j in jobs for line in job_lines(j)) or "ジョブはありません")
    return 0


def register(add) -> None:
    from . import add_identity, int_in  # the package registering this module: loaded by now

    sp = add("jobs", cmd_jobs, "ingest jobs (uploads) with per-file status; `jobs resume`: run interrupted ones")
    sp.add_argument("--user", help="admins: only this user's jobs (others always see only their own)")
    sp.add_argument("--limit", type=int_in(1, 10_000), default=20, help="newest jobs to list (1–10000)")
    sub = sp.add_subparsers(dest="jobs_command")
    r = sub.add_parser("resume", help="run every job left queued or running (after a crash or restart)")
    r.add_argument("--json", action="store_true", default=argparse.SUPPRESS)
    add_identity(r, default=argparse.SUPPRESS)  # `jobs resume --as U` as well as `jobs --as U resume`
