"""文書ライブラリ page: the documents the user may see, filtered, previewed and downloaded.

Every list, preview and download goes through the engine with the user's access filter
(a document above their clearance or outside their departments is as if absent), and a
download of an original is audited as ``original_download``. Admins also change a
document's 機密性 label and departments here, with the engine's rules (only documents they
may see, never above their own clearance, a reason when the change widens who may see it →
audited ``declassify``; else ``relabel``).
"""

from __future__ import annotations

import datetime as dt
import mimetypes
from pathlib import Path
from typing import Any, Iterable

import streamlit as st

from base.errors import AccessDenied

from . import fmt, source_file
from .session import Context, context
from .ui import guard
from .upload_page import LABELS, split_departments

NO_DEPARTMENT = "（部署指定なし）"


def filter_documents(
    docs: Iterable[dict[str, Any]], *, labels: Iterable[int] = (), departments: Iterable[str] = (),
    kinds: Iterable[str] = (), statuses: Iterable[str] = (), since: dt.date | None = None,
    until: dt.date | None = None, text: str = "",
) -> list[dict[str, Any]]:
    """The documents matching every filter given (an empty filter matches all). ``departments``:
    any of them (:data:`NO_DEPARTMENT` for documents without one); dates: the JST day registered."""
    labels, kinds, statuses, departments = set(labels), set(kinds), set(statuses), set(departments)
    needle = (text or "").strip().casefold()
    out = []
    for d in docs:
        depts = set(d.get("departments") or []) or {NO_DEPARTMENT}
        day = fmt.jst_date(d.get("created_at"))
        if labels and d["label"] not in labels:
            continue
        if departments and not depts & departments:
            continue
        if kinds and d["kind"] not in kinds:
            continue
        if statuses and d["status"] not in statuses:
            continue
        if since and (day is None or day < since) or until and (day is None or day > until):
            continue
        if needle and needle not in f"{d.get('title') or ''}\n{d.get('source') or ''}".casefold():
            continue
        out.append(d)
    return out


def table_rows(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"ID": d["id"], "タイトル": d["title"] or fmt.EMPTY, "ファイル": d["source"], "種類": fmt.kind_label(d["kind"]),
             "機密性": d["label"], "部署": fmt.text(d["departments"]), "状態": fmt.status_label(d["status"]),
             "登録日時": fmt.jst(d["created_at"]), "ライセンス・出典": fmt.text(d.get("license"))} for d in docs]


def fetch_original(ctx: Context, document_id: int) -> tuple[str, bytes] | None:
    """The original file of a document the user may see (audited ``original_download``), or None."""
    doc = ctx.sh.document(document_id, ctx.access)  # raises for a document beyond the user's access
    data = source_file.find(ctx.sh, ctx.access, document_id, ctx.cfg.sources, user=ctx.user.name)
    return None if data is None else (Path(doc["source"]).name, data)


def render() -> None:
    ctx = context()
    st.title("文書ライブラリ")
    docs = ctx.sh.documents(ctx.access)
    st.caption("閲覧できる文書だけを表示しています。原本のダウンロードは監査ログに記録されます。")
    if not docs:
        st.info("閲覧できる文書はありません")
        return
    shown = _filters(docs)
    st.caption(f"{len(shown):,} 件 / 全 {len(docs):,} 件")
    st.dataframe(table_rows(shown), hide_index=True, width="stretch")
    if not shown:
        return
    by_id = {d["id"]: d for d in shown}
    pick = st.selectbox("文書を選ぶ", list(by_id), key="library_pick",
                        format_func=lambda i: f"{i}: {by_id[i]['title'] or by_id[i]['source']}（{by_id[i]['source']}）")
    if pick is None:
        return
    with guard("文書を表示できません"):
        _detail(ctx, by_id[int(pick)])
    if ctx.user.role == "admin":
        with guard("機密性ラベルを変更できません"):
            _relabel_form(ctx, by_id[int(pick)])


def _filters(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    depts = sorted({x for d in docs for x in (d["departments"] or [])}) + [NO_DEPARTMENT]
    kinds = sorted({d["kind"] for d in docs}, key=fmt.kind_label)
    statuses = sorted({d["status"] for d in docs})
    days = [x for x in (fmt.jst_date(d["created_at"]) for d in docs) if x is not None]
    with st.expander("絞り込み", expanded=True):
        c1, c2, c3, c4 = st.columns(4)
        labels = c1.multiselect("機密性", sorted({d["label"] for d in docs}), format_func=LABELS.get,
                                key="lib_labels", placeholder="すべて")
        departments = c2.multiselect("部署", depts, key="lib_departments", placeholder="すべて")
        kind = c3.multiselect("種類", kinds, format_func=fmt.kind_label, key="lib_kinds", placeholder="すべて")
        status = c4.multiselect("状態", statuses, format_func=fmt.status_label, key="lib_statuses", placeholder="すべて")
        c1, c2, c3 = st.columns([1, 1, 2])
        today = fmt.jst_date(dt.datetime.now(dt.timezone.utc))
        lo = min(days + [today])
        since = c1.date_input("登録日（から）", value=lo, min_value=lo, key="lib_since", format="YYYY/MM/DD")
        until = c2.date_input("登録日（まで）", value=today, min_value=lo, key="lib_until", format="YYYY/MM/DD")
        text = c3.text_input("タイトル・ファイル名", key="lib_text", placeholder="例: 育児休業")
    return filter_documents(docs, labels=labels, departments=departments, kinds=kind, statuses=status,
                            since=since, until=until, text=text)


def _detail(ctx: Context, doc: dict[str, Any]) -> None:
    st.subheader(doc["title"] or doc["source"])
    st.caption(f"文書ID {doc['id']}　{fmt.kind_label(doc['kind'])}　{LABELS.get(doc['label'], doc['label'])}　"
               f"部署: {fmt.text(doc['departments'])}　状態: {fmt.status_label(doc['status'])}　"
               f"登録: {fmt.jst(doc['created_at'])}　ページ数: {fmt.text(doc['pages'])}")
    pv = ctx.sh.preview(int(doc["id"]), ctx.access)
    with st.container(border=True):
        st.markdown("**冒頭の内容**")
        st.text(pv["text"] + ("\n…" if pv["truncated"] else "") if pv["text"] else "（本文がありません）")
    held = st.session_state.get("library_original")
    if held is not None and held[0] == doc["id"]:
        name, data = held[1], held[2]
        st.download_button(f"「{name}」をダウンロード", data, file_name=name, key="library_download",
                           mime=mimetypes.guess_type(name)[0] or "application/octet-stream", type="primary")
    elif st.button("原本を取得", key="library_fetch", help="原本ファイルを取得してダウンロードできるようにします（監査ログに記録）"):
        got = fetch_original(ctx, int(doc["id"]))
        if got is None:
            st.warning("この文書の原本ファイルは保管されていません")
        else:
            st.session_state["library_original"] = (doc["id"], got[0], got[1])
            st.rerun()


def _relabel_form(ctx: Context, doc: dict[str, Any]) -> None:
    """機密性ラベル・部署の変更 (admins): the engine checks the rules and audits the change."""
    st.subheader("機密性ラベル・部署の変更")
    levels = [lv for lv in (1, 2, 3) if lv <= ctx.user.clearance]
    with st.form(f"relabel_{doc['id']}"):
        c1, c2 = st.columns(2)
        label = c1.selectbox("機密性ラベル", levels, index=levels.index(doc["label"]) if doc["label"] in levels else 0,
                             format_func=LABELS.get, key=f"relabel_label_{doc['id']}")
        depts = c2.text_input("部署（複数は「、」区切り。空欄: 指定なし）", value="、".join(doc["departments"] or []),
                              key=f"relabel_departments_{doc['id']}")
        reason = st.text_input("理由（閲覧できる範囲を広げる変更では必須）", key=f"relabel_reason_{doc['id']}")
        ok = st.form_submit_button("変更")
    if ok:
        try:
            res = ctx.sh.relabel_document(int(doc["id"]), label=int(label), departments=split_departments(depts),
                                          by=ctx.user.name, access=ctx.access, reason=reason)
        except AccessDenied as exc:
            if "理由" not in str(exc):
                raise
            st.error("この変更は閲覧できる範囲を広げるため、理由が必要です。「理由」欄に入力してから変更してください。")
            return
        what = "機密性を引き下げました（理由を記録）" if res["action"] == "declassify" else "機密性ラベル・部署を変更しました"
        st.success(f"文書 {doc['id']}: {what}")
