"""管理 page (管理者): index status and re-index, manifests, documents, users, evaluation, audit log."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import streamlit as st

from shirube.api import REFUSAL_LABELS
from shirube.api import AccessFilter, Shirube, evaluate, load_qa, manifest_visible, reindex_in_process

from . import audit_view, fmt, state
from .jobs import Job
from .session import Context, context
from .ui import guard, japanese_uploader
from .upload_page import elapsed_text


# -- pure helpers (tested directly) ---------------------------------------------
def start_reindex(ctx_home: str, sh: Shirube, full: bool, by: str) -> Job:
    """Re-index in a child process at ``writer_nice``, watched by a background thread: questions
    keep using the live generation until the switch, and do not queue behind the re-index's
    embedding in this process (shirube/writer_process.py)."""
    name = "全件再索引" if full else "差分再索引"

    def run(progress) -> str | None:
        return reindex_in_process(sh, full=full, by=by, progress=progress,
                                  on_start=lambda ev: state.jobs(ctx_home).note_worker(ev))

    return state.jobs(ctx_home).start(name, run)


def run_eval(sh: Shirube, items: list, access: AccessFilter, answerer: str | None, user: str,
             with_answers: bool = True, progress=None) -> dict[str, Any]:
    """``evaluate`` over the library calls, plus per-question latencies and a recall@k curve.

    The run is audited as an ``evaluation`` by ``user``; its searches and questions under
    ``eval:<user>/<run>``, so they never pass for staff questions in the audit log."""
    latencies: list[float] = []
    actor = sh.audit_trail.start_evaluation(user, questions=len(items), answerer=answerer,
                                            with_answers=with_answers, front_end="app")

    def timed(fn):
        def run(q: str):
            t0 = time.perf_counter()
            try:
                return fn(q)
            finally:
                latencies.append(time.perf_counter() - t0)
        return run

    res = evaluate(
        items,
        lambda q: sh.search(q, k=10, access=access, user=actor),
        timed(lambda q: sh.ask(q, access=access, answerer=answerer, user=actor)) if with_answers else None,
        progress=progress,
    )
    if not with_answers:
        latencies = []
    ranks = [r.get("rank") for r in res["items"] if "rank" in r]
    n = max(len(ranks), 1)
    res["recall_curve"] = {k: sum(1 for r in ranks if r is not None and r <= k) / n for k in range(1, 11)}
    res["latencies_s"] = latencies
    return res


def _fmt_bytes(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e5 else f"{n / 1e3:.1f} KB"


# -- tabs ---------------------------------------------------------------------------
def tab_index(ctx: Context) -> None:
    st_ = ctx.sh.status(ctx.access)
    docs = st_["documents"]
    c = st.columns(4)
    c[0].metric("文書数（有効）", f"{docs.get('active', 0):,}", help=f"保留 {docs.get('pending', 0):,}・削除 {docs.get('deleted', 0):,}")
    c[1].metric("チャンク数", f"{st_['chunks']:,}", help=f"索引内 {st_['indexed_chunks']:,}")
    c[2].metric("索引世代", st_["generation"] or "なし")
    c[3].metric("索引のディスク使用量", _fmt_bytes(st_["index_disk_bytes"]))
    st.markdown(
        f"埋め込みモデル: `{st_['embedder']}`（{st_['dim']}次元）　索引の種類: `{st_['index_type']}`　"
        f"カタログ: `{st_['database']}`"
    )
    st.caption("種類別: " + ("、".join(f"{fmt.kind_label(k)} {v:,}" for k, v in st_["documents_by_kind"].items()) or "なし"))
    show_pending(ctx)
    if st_["index_problems"]:
        st.error("索引の検査で問題が見つかりました: " + "; ".join(st_["index_problems"]))
    else:
        st.success("索引の検査: 問題なし")
    st.subheader("再索引")
    st.caption("再索引中も質問には現在の世代で回答し、完了すると新しい世代に自動で切り替わります。")
    b1, b2 = st.columns(2)
    if b1.button("差分再索引", key="reindex_incremental", help="未索引・削除済みの文書だけを反映します"):
        with guard("再索引を開始できません"):
            start_reindex(ctx.cfg.home, ctx.sh, full=False, by=ctx.user.name)
    sure = b2.checkbox("全件再索引を実行します（全文書の分割と埋め込みをやり直すため時間がかかります）", key="reindex_full_confirm")
    if b2.button("全件再索引", key="reindex_full", disabled=not sure, help="全文書を現在の設定で分割し直し、新しい世代を作ります"):
        with guard("再索引を開始できません"):
            start_reindex(ctx.cfg.home, ctx.sh, full=True, by=ctx.user.name)
    job_status(ctx.cfg.home)


def show_pending(ctx: Context) -> None:
    """Pending documents said plainly: recorded but not searchable until their batch is closed
    (indexed, manifest and audit row written); unfinished ingest jobs with them."""
    pending = [d for d in ctx.sh.documents(ctx.access) if d["status"] == "pending"]
    active_jobs = [j for j in ctx.sh.jobs.jobs(limit=200) if j["state"] in ("queued", "running")]
    if active_jobs:
        st.info(f"実行中・待機中の取り込みジョブ: {len(active_jobs)} 件（ジョブ "
                + "、".join(str(j["id"]) for j in active_jobs) + "）")
    if pending:
        st.warning(f"保留中の文書が {len(pending)} 件あります。索引・マニフェスト・監査記録がそろうまで検索には出ません"
                   "（取り込みジョブの再開か「差分再索引」で完了します）。")
        st.dataframe([{"文書ID": d["id"], "タイトル": d["title"], "ファイル": d["source"], "バッチ": fmt.text(d["batch_id"]),
                       "登録日時": fmt.jst(d["created_at"])} for d in pending], hide_index=True, width="stretch")


@st.fragment(run_every=1.0)
def _job_poll(home: str) -> None:
    job = state.jobs(home).current
    if job is None:
        return
    _show_job(job)
    if not job.running:
        st.rerun()  # leave polling mode: a full rerun shows the final state


_REINDEX_SPANS = {"load": (0.0, 0.3), "rechunk": (0.0, 0.3), "embed": (0.3, 0.95), "bm25": (0.95, 1.0)}


def _show_job(job: Job) -> None:
    if job.running:
        lo, hi = _REINDEX_SPANS.get(job.stage, (0.0, 1.0))  # the stages' shares of the whole, for the estimate
        whole = lo + (hi - lo) * job.fraction
        st.progress(job.fraction, text=f"{job.name}: {job.stage_label} {job.done:,}/{job.total:,}　"
                                       + elapsed_text(time.time() - job.started, whole))
    elif job.error:
        st.error(f"{job.name}に失敗しました: {job.error}")
    else:
        st.success(f"{job.name}が完了しました（索引世代 {job.result}、{job.finished - job.started:.1f}秒）")


def job_status(home: str) -> None:
    job = state.jobs(home).current
    if job is None:
        return
    if job.running:
        _job_poll(home)
    else:
        _show_job(job)


def tab_manifests(ctx: Context) -> None:
    manifests = list(reversed(ctx.sh.status()["manifests"]))
    shown = [m for m in manifests if manifest_visible(ctx.sh, ctx.access, m["path"])]
    if len(shown) < len(manifests):
        st.caption(f"閲覧権限のない文書を含むマニフェスト {len(manifests) - len(shown)} 件は表示していません。")
    manifests = shown
    if not manifests:
        st.info("マニフェストはまだありません")
        return
    rows = [{"日時": fmt.jst(m["when"]), "種類": fmt.MANIFEST_KINDS.get(m["kind"], fmt.text(m["kind"])),
             "件数": fmt.counts_text(m["counts"]), "ファイル": Path(m["path"]).name} for m in manifests]
    st.dataframe(rows, hide_index=True, width="stretch")
    pick = st.selectbox("詳細を表示", [m["path"] for m in manifests], format_func=lambda p: Path(p).name,
                        key="manifest_pick")
    if pick and Path(pick).exists():
        text = Path(pick).read_text(encoding="utf-8")
        with st.expander("マニフェストの内容（JSON 形式）", expanded=False):
            st.json(json.loads(text), expanded=1)
        st.download_button("ダウンロード（JSON）", text.encode("utf-8"), file_name=Path(pick).name,
                           mime="application/json", key="dl_manifest_admin")


def tab_documents(ctx: Context) -> None:
    docs = ctx.sh.documents(ctx.access)
    if not docs:
        st.info("文書はありません")
        return
    st.dataframe(
        [{"ID": d["id"], "タイトル": d["title"], "ファイル": d["source"], "種類": fmt.kind_label(d["kind"]),
          "ページ": fmt.text(d["pages"]), "機密性": d["label"], "部署": fmt.text(d["departments"]),
          "状態": fmt.status_label(d["status"]), "ライセンス・出典": fmt.text(d["license"]),
          "バッチ": fmt.text(d["batch_id"]), "登録日時": fmt.jst(d["created_at"])} for d in docs],
        hide_index=True, width="stretch",
    )
    st.subheader("文書の削除")
    by_id = {d["id"]: d for d in docs}
    pick = st.selectbox("削除する文書", list(by_id), format_func=lambda i: f"{i}: {by_id[i]['title']}（{by_id[i]['source']}）",
                        key="delete_pick")
    confirm = st.checkbox("この文書を削除し、索引から外すことを確認しました", key="delete_confirm")
    if st.button("削除", key="delete_doc", disabled=not confirm, type="primary"):
        with guard("削除できません"):
            gen = ctx.sh.delete_document(int(pick), by=ctx.user.name)
            st.success(f"文書 {pick} を削除しました（索引世代 {gen}）")
            st.session_state["delete_confirm"] = False


def tab_users(ctx: Context) -> None:
    accounts = ctx.sh.accounts
    rows = [accounts.user_dict(u) for u in accounts.list()]
    st.dataframe(
        [{"ユーザー名": r["name"], "役割": r["role_label"], "閲覧可能な機密性": r["clearance"],
          "部署": "、".join(r["departments"]), "状態": "無効" if r["disabled"] else "有効"} for r in rows],
        hide_index=True, width="stretch",
    )
    st.subheader("ユーザーの作成")
    with st.form("user_add", clear_on_submit=True):
        c1, c2 = st.columns(2)
        name = c1.text_input("ユーザー名", key="new_user_name")
        password = c2.text_input("初期パスワード（8文字以上）", type="password", key="new_user_password")
        role = c1.selectbox("役割", list(accounts.ROLES), format_func=accounts.ROLE_LABELS.get, key="new_user_role")
        clearance = c2.selectbox("閲覧可能な機密性", [1, 2, 3], key="new_user_clearance")
        depts = st.text_input("部署（複数は「、」区切り）", key="new_user_departments")
        ok = st.form_submit_button("作成")
    if ok:
        from .upload_page import split_departments

        with guard("ユーザーを作成できません"):
            accounts.add(name, password, role, int(clearance), split_departments(depts), by=ctx.user.name)
            st.success(f"ユーザー「{name}」を作成しました")
    others = [r["name"] for r in rows if r["name"] != ctx.user.name]
    if others:
        st.subheader("無効化・有効化")
        who = st.selectbox("ユーザー", others, key="disable_pick")
        c1, c2 = st.columns(2)
        if c1.button("無効化", key="user_disable"):
            with guard():
                accounts.disable(who, True, by=ctx.user.name)
                st.success(f"「{who}」を無効化しました")
        if c2.button("有効化", key="user_enable"):
            with guard():
                accounts.disable(who, False, by=ctx.user.name)
                st.success(f"「{who}」を有効化しました")
        _user_update_form(ctx, {r["name"]: r for r in rows if r["name"] != ctx.user.name})
        _password_reset_form(ctx, others)


def _password_reset_form(ctx: Context, others: list[str]) -> None:
    """パスワードの再設定 (audited as ``password_change``; only accounts within the admin's clearance)."""
    st.subheader("パスワードの再設定")
    with st.form("user_passwd", clear_on_submit=True):
        who = st.selectbox("ユーザー", others, key="passwd_pick")
        c1, c2 = st.columns(2)
        pw = c1.text_input("新しいパスワード（8文字以上）", type="password", key="passwd_new")
        pw2 = c2.text_input("新しいパスワード（確認）", type="password", key="passwd_again")
        ok = st.form_submit_button("再設定")
    if ok:
        if pw != pw2:
            st.error("確認用のパスワードが一致しません")
            return
        with guard("パスワードを再設定できません"):
            ctx.sh.accounts.set_password(who, pw, by=ctx.user.name)
            st.success(f"「{who}」のパスワードを再設定しました")


def _user_update_form(ctx: Context, others: dict[str, dict[str, Any]]) -> None:
    """役割・機密性・部署の変更 (audited as ``user_update`` with old → new)."""
    from .upload_page import split_departments

    accounts = ctx.sh.accounts
    st.subheader("役割・機密性・部署の変更")
    who = st.selectbox("ユーザー", list(others), key="update_pick")
    cur = others[who]
    with st.form("user_update"):
        c1, c2 = st.columns(2)
        role = c1.selectbox("役割", list(accounts.ROLES), index=list(accounts.ROLES).index(cur["role"]),
                            format_func=accounts.ROLE_LABELS.get, key=f"update_role_{who}")
        clearance = c2.selectbox("閲覧可能な機密性", [1, 2, 3], index=int(cur["clearance"]) - 1, key=f"update_clearance_{who}")
        depts = st.text_input("部署（複数は「、」区切り）", value="、".join(cur["departments"]), key=f"update_departments_{who}")
        ok = st.form_submit_button("変更")
    if ok:
        with guard("ユーザーを変更できません"):
            accounts.update(who, role=role, clearance=int(clearance), departments=split_departments(depts),
                            by=ctx.user.name)
            st.success(f"「{who}」を変更しました")


def tab_eval(ctx: Context) -> None:
    st.caption("質問と正解のファイル（JSONL 形式。1行に1問: `question`・`relevant`・`answers`・`page`・`article`）で"
               "検索・回答の精度を測ります。")
    default = "samples/qa.jsonl" if Path("samples/qa.jsonl").exists() else ""
    path = st.text_input("質問と正解のファイルのパス（サーバー上）", value=default, key="eval_path")
    japanese_uploader("ここに質問と正解のファイル（JSONL）をドラッグ＆ドロップ（最大 20MB）")
    uploaded = st.file_uploader("または質問と正解のファイルをアップロード（JSONL）", type=["jsonl", "json"], key="eval_upload",
                                max_upload_size=20)
    with_answers = st.checkbox("回答も評価する（時間がかかります）", value=True, key="eval_answers")
    if st.button("評価を実行", key="eval_run", type="primary"):
        with guard("評価できません"):
            if uploaded is not None:
                tmp = Path(ctx.cfg.home) / "cache" / "uploaded-qa.jsonl"
                tmp.parent.mkdir(parents=True, exist_ok=True)
                tmp.write_bytes(uploaded.getvalue())
                qa_path = tmp
            else:
                qa_path = Path(path)
            items = load_qa(qa_path)
            bar = st.progress(0.0, text="評価中…")
            res = run_eval(
                ctx.sh, items, ctx.access, st.session_state.get("answerer"), ctx.user.name, with_answers,
                progress=lambda d, t: bar.progress(d / t, text=f"評価中 {d}/{t}"),
            )
            st.session_state["eval_result"] = res
    res = st.session_state.get("eval_result")
    if res:
        show_eval(res)


EVAL_LABELS = {"recall@1": "再現率@1", "recall@5": "再現率@5", "recall@10": "再現率@10", "mrr@10": "MRR@10",
               "ndcg@10": "nDCG@10"}
LATENCY_LABELS = {"search_p50_s": "検索の中央値", "search_p95_s": "検索の95%点", "ask_p50_s": "回答の中央値",
                  "ask_p95_s": "回答の95%点"}


def show_eval(res: dict[str, Any]) -> None:
    import numpy as np
    import pandas as pd

    r = res["retrieval"]
    st.markdown(f"質問数: **{res['questions']}**")
    c = st.columns(5)
    for col, key in zip(c, ("recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10")):
        col.metric(EVAL_LABELS[key], f"{r[key]:.3f}")
    if "answer" in res:
        a = res["answer"]
        c = st.columns(4)
        c[0].metric("回答の正解率", f"{a['answer_hit']:.3f}")
        c[1].metric("出典の正解率", f"{a['citation_hit']:.3f}")
        c[2].metric("出典位置の正解率", f"{a['location_hit']:.3f}")
        c[3].metric("誤った「資料にない」", f"{a['false_refusal_rate']:.3f}")
        if a.get("refusals_by_check"):
            st.markdown("**「資料にない」と判断した理由**（回答できる質問が多い理由は、しきい値の見直し候補です）")
            st.dataframe(pd.DataFrame([
                {"理由": REFUSAL_LABELS.get(k, k), "判定": k, "回答できる質問": v["answerable"],
                 "回答できない質問": v["unanswerable"]} for k, v in a["refusals_by_check"].items()]), hide_index=True)
    left, right = st.columns(2)
    with left:
        st.markdown("**上位k件の再現率**")
        curve = pd.DataFrame({"上位k件": list(res["recall_curve"]), "再現率": list(res["recall_curve"].values())})
        st.line_chart(curve, x="上位k件", y="再現率")
    with right:
        lat = res.get("latencies_s") or []
        if lat:
            st.markdown("**回答の応答時間（ミリ秒）の分布**")
            import altair as alt

            df = pd.DataFrame({"ms": np.asarray(lat) * 1000})
            chart = alt.Chart(df).mark_bar().encode(
                x=alt.X("ms:Q", bin=alt.Bin(maxbins=20), title="応答時間（ミリ秒）"),
                y=alt.Y("count():Q", title="件数"),
            )
            st.altair_chart(chart, width="stretch")
    st.caption("　".join(f"{LATENCY_LABELS.get(k, k)}: {v * 1000:.1f}ミリ秒" for k, v in res["latency"].items()))


def tab_audit(ctx: Context) -> None:
    with guard("監査ログを読み込めません"):
        trail = ctx.sh.audit_trail
        check = trail.check()
        if check.problems:
            st.error("監査ログの改ざん検査で問題が見つかりました: " + "; ".join(check.problems))
        else:
            st.success("監査ログの改ざん検査: 問題なし（ハッシュチェーン一致）")
        for line in check.unproven:  # what this configuration cannot prove (no key, after the last checkpoint)
            st.warning("未証明: " + _code_names(line))
        with_eval = st.checkbox("評価の実行による検索・質問も表示する", value=False, key="audit_include_eval",
                                help="評価の実行による検索・質問は利用者「eval:実行者/実行ID」で記録され、通常は表示しません")
        events = trail.events(limit=200, access=ctx.access, include_eval=with_eval)
        if events:
            rows = audit_view.rows(events)
            st.caption(f"新しい順に最大200件（{len(rows)}件表示）。日時は日本時間、ハッシュは先頭12桁です"
                       "（全項目は監査ログの CSV 出力にあります）。")
            st.dataframe(rows, hide_index=True, width="stretch",
                         column_config={"詳細": st.column_config.TextColumn("詳細", width="large")})
        else:
            st.info("記録された操作はまだありません")


def _code_names(line: str) -> str:
    """Setting names and commands inside an engine message (audit_key_file, shirube audit checkpoint)
    shown as code, so they read as names to type, not as prose."""
    import re

    return re.sub(r"[A-Za-z_][\w.\-]*(?: [A-Za-z_][\w.\-]*)*", lambda m: f"`{m[0]}`", line)


def render() -> None:
    ctx = context()
    st.title("管理")
    tabs = st.tabs(["索引", "マニフェスト", "文書", "ユーザー", "評価", "監査ログ"])
    for tab, fn in zip(tabs, (tab_index, tab_manifests, tab_documents, tab_users, tab_eval, tab_audit)):
        with tab:
            with guard():
                fn(ctx)
