"""アップロード page (登録担当・管理者): a batch of files with label, departments and licence.

取り込む hands the files to a durable ingest job (``sh.jobs``, shirube/jobs.py): they are
stored in the home and recorded in the catalog before anything else, and the engine's
worker thread — not this browser session — runs the job. The page follows the job for up
to :data:`WAIT_S` seconds; leaving it, refreshing or logging out loses nothing, and the
取り込みジョブ list shows the user's running and past jobs with each file's status.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from typing import Callable, Iterable

import streamlit as st

from base.errors import ShirubeError
from shirube.api import EVERYTHING, AccessFilter, BatchReport, Shirube

from . import fmt
from .jobs import STAGES
from .session import context
from .ui import guard, japanese_uploader

# What the engine reads (shown to the user). The widget itself accepts every file: the engine
# sniffs the content and reports an unsupported one (.docx, images…) in the batch report with a
# Japanese reason, instead of the browser dropping it with an English tooltip.
ACCEPT = ["pdf", "txt", "text", "md", "markdown", "html", "htm", "xml"]
RESULT_LABELS = {"ok": "取り込み済み", "duplicate": "重複", "error": "エラー", "skipped": "スキップ"}
JOB_LABELS = {"queued": "待機中", "running": "実行中", "done": "完了", "failed": "失敗"}
WAIT_S = 600.0  # how long the page follows a job it started (tests shorten it); the job goes on regardless
LABELS = {1: "機密性1（公開相当）", 2: "機密性2", 3: "機密性3"}


def split_departments(text: str) -> list[str]:
    """「総務課、市民課」「総務課, 市民課」→ ['総務課', '市民課']."""
    import re

    return [d for d in (p.strip() for p in re.split(r"[,、，\n]", text or "")) if d]


def upload_batch(
    sh: Shirube, files: Iterable[tuple[str, bytes]], *, label: int, departments: list[str], license: str,
    by: str, progress: Callable[[str, int, int], None] | None = None,
    access: AccessFilter = EVERYTHING,
) -> BatchReport:
    """Ingest uploaded files as one durable job, run here and now (the engine keeps the originals)."""
    job_id = sh.jobs.submit(files, label=label, departments=departments, license=license, by=by, access=access,
                            start=False)
    job = sh.jobs.run(job_id, progress or (lambda *_: None))
    if job is not None and job["state"] == "failed":
        raise ShirubeError(job["reason"] or "取り込みに失敗しました")
    return sh.jobs.report(job_id)


def submit_job(
    sh: Shirube, files: Iterable[tuple[str, bytes]], *, label: int, departments: list[str], license: str,
    by: str, access: AccessFilter = EVERYTHING,
) -> int:
    """Store the files and queue the job for the engine's background worker; returns the job id."""
    return sh.jobs.submit(files, label=label, departments=departments, license=license, by=by, access=access)


def follow(sh: Shirube, job_id: int, progress: Callable[[str, int, int], None], wait_s: float) -> dict:
    """Show the job's progress until it ends or ``wait_s`` passes; the job itself never depends on this."""
    end = time.monotonic() + wait_s
    while True:
        job = sh.jobs.job(job_id)
        if job["progress"]:
            progress(*job["progress"])
        if job["state"] not in ("queued", "running") or time.monotonic() >= end:
            return job
        time.sleep(0.2)


def job_rows(jobs: list[dict]) -> list[dict[str, object]]:
    """One row per file of each job: the job's state and the file's."""
    rows = []
    for j in jobs:
        for f in j["files"]:
            state = RESULT_LABELS.get(f["state"]) or ("処理中" if j["state"] == "running" else "待機中")
            rows.append({"ジョブ": j["id"], "受付": fmt.jst(j["created_at"]), "ジョブの状態": JOB_LABELS.get(j["state"], j["state"]),
                         "ファイル": f["name"], "結果": state, "理由": f["reason"] or j["reason"] or "",
                         "文書ID": fmt.text(f["document_id"])})
    return rows


def result_rows(report: BatchReport) -> list[dict[str, object]]:
    return [
        {
            "ファイル": f.source,
            "結果": RESULT_LABELS.get(f.result, f.result),
            "理由": f.reason or "",
            "文書ID": fmt.text(f.document_id),
            "タイトル": f.title or "",
            "チャンク数": f.chunks,
            "サイズ(バイト)": f.size,
        }
        for f in report.files
    ]


def elapsed_text(elapsed_s: float, fraction: float) -> str:
    """「経過 12秒・残り約 30秒」: the remaining time estimated from the share done so far."""
    def dur(s: float) -> str:
        s = int(round(s))
        return f"{s // 60}分{s % 60:02d}秒" if s >= 60 else f"{s}秒"

    out = f"経過 {dur(elapsed_s)}"
    if 0.02 <= fraction < 1.0 and elapsed_s >= 1.0:
        out += f"・残り約 {dur(elapsed_s * (1 - fraction) / fraction)}"
    elif fraction < 1.0:
        out += "・残り時間を計算中"
    return out


def _bar_progress(bar, started: float | None = None) -> Callable[[str, int, int], None]:
    # Loading files is most of the wall time with the fast embedders; embedding follows.
    spans = {"load": (0.0, 0.6), "embed": (0.6, 0.95), "bm25": (0.95, 1.0)}
    t0 = time.monotonic() if started is None else started

    def cb(stage: str, done: int, total: int) -> None:
        lo, hi = spans.get(stage, (0.0, 1.0))
        frac = min(1.0, lo + (hi - lo) * (done / total if total else 1.0))
        bar.progress(frac, text=f"{STAGES.get(stage, stage)}: {done}/{total}　{elapsed_text(time.monotonic() - t0, frac)}")

    return cb


def uploader_key() -> str:
    """The file uploader's key: a new one after each 取り込む, so the selection clears."""
    n = int(st.session_state.get("upload_nonce", 0))
    return "upload_files" if n == 0 else f"upload_files_{n}"


def render() -> None:
    ctx = context()
    st.title("資料のアップロード")
    max_mb = int(ctx.sh.settings.max_file_mb)
    st.caption(f"PDF・テキスト・Markdown・HTML・e-Gov 法令XML を複数まとめて登録できます（1ファイル最大 {max_mb}MB）。"
               "同じファイルを再度アップロードした場合は「重複」として報告され、再登録されません。"
               "対応していない形式のファイルは、理由とともに結果一覧に表示されます。")
    # no type filter on this uploader: the only files it refuses are too large (unsupported types
    # are accepted and listed with their reason in the batch report)
    japanese_uploader(f"ここにファイルをドラッグ＆ドロップ（1ファイル最大 {max_mb}MB）",
                      rejected=f"ファイルが大きすぎます（上限 {max_mb}MB）")
    files = st.file_uploader(
        f"ファイルを選択（最大 {max_mb}MB／ファイル）", accept_multiple_files=True,
        max_upload_size=max_mb, key=uploader_key(),
    )
    levels = [lv for lv in (1, 2, 3) if lv <= ctx.user.clearance]
    c1, c2 = st.columns(2)
    label = c1.selectbox("機密性ラベル", levels, format_func=LABELS.get, key="upload_label",
                         help="ご自身の閲覧可能レベルを超えるラベルは付けられません")
    depts = c2.text_input("担当部署（複数は「、」区切り）", value="、".join(ctx.user.departments), key="upload_departments")
    license = st.text_input("ライセンス・出典の注記", key="upload_license", placeholder="例: 標市例規集（2025年4月1日現在）")
    if st.button("取り込む", type="primary", key="upload_submit", disabled=not files):
        bar = st.progress(0.0, text="受け付けています…")
        handed = False  # the job took the files and the page followed it without an error
        st.session_state.pop("upload_notice", None)
        with guard("取り込みに失敗しました"):
            t0 = time.monotonic()
            job_id = submit_job(
                ctx.sh, [(f.name, f.getvalue()) for f in files], label=int(label),
                departments=split_departments(depts), license=license.strip(), by=ctx.user.name, access=ctx.access,
            )
            st.session_state.pop("last_batch", None)
            job = follow(ctx.sh, job_id, _bar_progress(bar, t0), WAIT_S)
            took = elapsed_text(time.monotonic() - t0, 1.0)
            if job["state"] == "failed":
                st.session_state["upload_notice"] = ("error", f"ジョブ {job_id} は失敗しました: {job['reason']}")
            elif job["state"] in ("queued", "running"):
                st.session_state["upload_notice"] = (
                    "info", f"ジョブ {job_id} を受け付けました。取り込みはサーバーで続いています（このページを離れても失われません）。")
            else:
                st.session_state["upload_notice"] = ("time", f"ジョブ {job_id} が完了しました（{took}）")
                st.session_state["last_batch"] = ctx.sh.jobs.report(job_id)
            handed = True
        if handed:  # the files are the job's now: a new uploader key clears the selection
            st.session_state["upload_nonce"] = int(st.session_state.get("upload_nonce", 0)) + 1
            st.rerun()
        bar.empty()
    notice = st.session_state.get("upload_notice")
    if notice is not None:
        kind, msg = notice
        {"error": st.error, "info": st.info}.get(kind, st.caption)(msg)
    report = st.session_state.get("last_batch")
    if report is not None:
        show_report(report)
    show_jobs(ctx.sh, ctx.user.name)


def _md(text: str) -> str:
    """User text inside markdown: markup characters escaped, so a file name shows as typed."""
    import re

    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~])", r"\\\1", text or "")


def show_jobs(sh: Shirube, user: str) -> None:
    """The user's running and past jobs, each file's status (polled while one is running)."""
    jobs = sh.jobs.jobs(by=user, limit=10)
    if not jobs:
        return
    st.subheader("取り込みジョブ")
    st.caption("受け付けたファイルはサーバーに保存され、ページを離れても取り込みは続きます。")
    if any(j["state"] in ("queued", "running") for j in jobs):
        _jobs_poll(user)
    else:
        st.dataframe(job_rows(jobs), hide_index=True, width="stretch")


@st.fragment(run_every=2.0)
def _jobs_poll(user: str) -> None:
    sh = context().sh
    jobs = sh.jobs.jobs(by=user, limit=10)
    for j in jobs:
        if j["state"] == "running" and j["progress"]:
            stage, done, total = j["progress"]
            frac = min(1.0, done / total) if total else 0.0
            began = fmt.when(j.get("started_at") or j["created_at"])
            took = elapsed_text((dt.datetime.now(dt.timezone.utc) - began).total_seconds(), frac) if began else ""
            st.progress(frac, text=f"ジョブ {j['id']}: {STAGES.get(stage, stage)} {done}/{total}　{took}")
    st.dataframe(job_rows(jobs), hide_index=True, width="stretch")


def show_report(report: BatchReport) -> None:
    n_ok, n_dup, n_err = len(report.ok), len(report.duplicates), len(report.errors)
    msg = f"バッチ {report.batch_id}: 取り込み済み {n_ok} 件・重複 {n_dup} 件・エラー {n_err} 件"
    (st.success if not n_err else st.warning)(msg)
    st.dataframe(result_rows(report), hide_index=True, width="stretch",
                 column_config={"理由": st.column_config.TextColumn("理由", width="large")})
    problems = [f for f in report.files if f.result in ("error", "skipped") and f.reason]
    if problems:  # a table cell cuts long reasons off: each one in full, wrapped
        st.markdown("**取り込めなかったファイルと理由**")
        st.markdown("\n".join(f"- {_md(f.source)}: {_md(f.reason)}" for f in problems))
    if report.manifest_path and Path(report.manifest_path).exists():
        text = Path(report.manifest_path).read_text(encoding="utf-8")
        with st.expander("このバッチのマニフェスト", expanded=False):
            st.json(json.loads(text))
        st.download_button("マニフェストをダウンロード（JSON）", text.encode("utf-8"),
                           file_name=Path(report.manifest_path).name, mime="application/json", key="dl_manifest")
