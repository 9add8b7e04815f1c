"""Conversations on the 質問 page: the sidebar list, saving each turn, reopening, deleting,
answer ratings (thumbs up / down, Material icons, with a comment) and the admins' export of rated questions.

The open conversation's id is also kept in the page address (``?c=12``): a reload (F5)
reopens it, and only its owner can — anyone else is told it does not exist.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import streamlit as st

from base.errors import ShirubeError
from shirube.api import Answer

from .session import Context
from .ui import guard

log = logging.getLogger("shirube.app")
JST = ZoneInfo("Asia/Tokyo")
# Material icons (bundled with Streamlit) rather than emoji: no emoji font is needed to see them
RATING_TEXT = {1: "役に立った", -1: "役に立たなかった"}
RATING_ICON = {1: ":material/thumb_up:", -1: ":material/thumb_down:"}


@dataclass
class Turn:
    question: str
    answer: Answer | None = None
    error: str | None = None
    answerer: str = ""
    # section texts fetched once per turn for the citation excerpts
    sections: dict[int, dict[str, Any]] = field(default_factory=dict)
    turn_id: int | None = None  # the stored turn (None: not saved)
    rating: int | None = None
    comment: str = ""


def jst(when: dt.datetime | None) -> str:
    if when is None:
        return ""
    if when.tzinfo is None:  # SQLite hands back UTC without a zone
        when = when.replace(tzinfo=dt.timezone.utc)
    return when.astimezone(JST).strftime("%Y-%m-%d %H:%M")


def history() -> list[Turn]:
    return st.session_state.setdefault("history", [])


def current_id() -> int | None:
    return st.session_state.get("conv_id")


def _remember(cid: int | None) -> None:
    st.session_state["conv_id"] = cid
    if cid is None:
        st.query_params.pop("c", None)
    else:
        st.query_params["c"] = str(cid)


def save(ctx: Context, turn: Turn) -> None:
    """Store the turn in the open conversation (a new one when none is open, or it was deleted)."""
    conv = ctx.sh.conversations
    try:
        try:
            cid, tid = conv.add_turn(ctx.user.name, current_id(), question=turn.question, answer=turn.answer,
                                     answerer=turn.answerer, error=turn.error)
        except ShirubeError:
            if current_id() is None:
                raise
            cid, tid = conv.add_turn(ctx.user.name, None, question=turn.question, answer=turn.answer,
                                     answerer=turn.answerer, error=turn.error)
    except Exception:  # the answer is shown all the same; only keeping it failed
        log.exception("saving the conversation failed")
        st.caption("この会話を保存できませんでした（回答は表示されています）。")
        return
    turn.turn_id = tid
    _remember(cid)


def open_conversation(ctx: Context, cid: int) -> None:
    data = ctx.sh.conversations.get(cid, ctx.user.name, ctx.access)
    st.session_state["history"] = [
        Turn(t["question"], t["answer"], t["error"], t["answerer"], turn_id=t["id"], rating=t["rating"],
             comment=t["comment"] or "")
        for t in data["turns"]
    ]
    st.session_state["open_src"] = None
    _remember(cid)


def new_conversation() -> None:
    st.session_state["history"] = []
    st.session_state["open_src"] = None
    _remember(None)


def restore(ctx: Context) -> None:
    """Once per browser session: reopen the conversation the address names (after F5)."""
    if st.session_state.get("_conv_restored"):
        if current_id() is not None and st.query_params.get("c") != str(current_id()):
            st.query_params["c"] = str(current_id())  # dropped by a visit to another page
        return
    st.session_state["_conv_restored"] = True
    wanted = st.query_params.get("c")
    if not wanted or history():
        return
    try:
        open_conversation(ctx, int(wanted))
    except (ValueError, ShirubeError):
        _remember(None)
        st.info("指定された会話は見つかりませんでした。新しい会話を始めます。")


def _open(ctx: Context, cid: int) -> None:
    with guard("会話を開けません"):
        open_conversation(ctx, cid)


def _delete(ctx: Context, cid: int) -> None:
    with guard("会話を削除できません"):
        ctx.sh.conversations.delete(cid, ctx.user.name)
        if current_id() == cid:
            new_conversation()
    st.session_state.pop("_conv_del", None)


def _ask_delete(cid: int | None) -> None:
    st.session_state["_conv_del"] = cid


def sidebar(ctx: Context) -> None:
    """新しい会話, then the user's conversations (newest first), each reopenable and deletable."""
    st.button("新しい会話", key="conv_new", on_click=new_conversation, icon=":material/add_comment:",
              width="stretch")
    with guard("会話の一覧を表示できません"):
        convs = ctx.sh.conversations.list(ctx.user.name)
        if convs:
            st.caption("これまでの会話")
        for c in convs:
            cid = c["id"]
            left, right = st.columns([6, 1], vertical_alignment="center")
            left.button(c["title"], key=f"conv-{cid}", on_click=_open, args=(ctx, cid), width="stretch",
                        type="primary" if cid == current_id() else "secondary",
                        help=f"{jst(c['updated_at'])}　質問 {c['turns']} 件")
            right.button("", icon=":material/delete:", key=f"conv-del-{cid}", on_click=_ask_delete, args=(cid,),
                         help="この会話を削除")
            if st.session_state.get("_conv_del") == cid:
                st.caption(f"「{c['title']}」を削除しますか（元に戻せません）")
                yes, no = st.columns(2)
                yes.button("削除する", key=f"conv-del-yes-{cid}", on_click=_delete, args=(ctx, cid), type="primary")
                no.button("やめる", key=f"conv-del-no-{cid}", on_click=_ask_delete, args=(None,))


# -- ratings ---------------------------------------------------------------------
def _rate(ctx: Context, turn: Turn, rating: int | None, comment: str | None = None) -> None:
    with guard("評価を保存できません"):
        text = turn.comment if comment is None else comment
        ctx.sh.conversations.rate(turn.turn_id, ctx.user.name, rating, text)
        turn.rating, turn.comment = rating, (text or "").strip()


def _comment(ctx: Context, turn: Turn, key: str) -> None:
    _rate(ctx, turn, turn.rating, st.session_state.get(key, ""))


def feedback(ctx: Context, turn: Turn, i: int) -> None:
    """Thumbs up / down under a stored answer (clicking the chosen one again withdraws it), then a comment box."""
    if turn.turn_id is None:
        return
    up, down, note = st.columns([1, 1, 8], vertical_alignment="center")
    for col, value, name in ((up, 1, "up"), (down, -1, "down")):
        col.button("", icon=RATING_ICON[value], key=f"fb-{name}-{i}", help=RATING_TEXT[value],
                   type="primary" if turn.rating == value else "secondary",
                   on_click=_rate, args=(ctx, turn, None if turn.rating == value else value))
    if turn.rating is None:
        note.caption("この回答は役に立ちましたか")
        return
    note.caption(f"評価: {RATING_TEXT[turn.rating]}" + (f"　コメント: {turn.comment}" if turn.comment else ""))
    with st.expander("コメントを添える（任意）"):
        key = f"fb-c-{i}"
        st.text_area("コメント", value=turn.comment, key=key, max_chars=1000,
                     placeholder="例: 引用された条文が違う／最新の規程ではない")
        st.button("コメントを送信", key=f"fb-s-{i}", on_click=_comment, args=(ctx, turn, key))


def export_button(ctx: Context) -> None:
    """Admins: rated questions of every user as a QA file (samples/qa.jsonl format)."""
    if ctx.user.role != "admin":
        return
    with st.expander("評価の書き出し（管理者）"):
        with guard("書き出せません"):
            buf = io.StringIO()
            n = ctx.sh.conversations.write_qa(buf, ctx.access)
            st.caption(f"評価済みの質問 {n} 件。samples/qa.jsonl と同じ形式で、`shirube eval --qa` に使えます"
                       "（「役に立たなかった」と評価された質問は、正解の資料 `relevant` を補ってから使います）。")
            st.download_button("QAファイルをダウンロード", buf.getvalue().encode("utf-8"), key="fb-export",
                               file_name="shirube-feedback-qa.jsonl", mime="application/json", disabled=n == 0,
                               on_click=ctx.sh.audit, args=(ctx.user.name, "feedback_export", {"items": n}))
