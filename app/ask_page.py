"""質問 page: chat, streamed answers, numbered citations, the source viewer."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Sequence

import streamlit as st

from base.errors import AnswerError, ConfigError, MissingExtra, ShirubeError
from shirube.api import AccessFilter, Answer, Citation, Hit, Shirube

from . import conversation_ui as conv
from . import source_file
from .conversation_ui import Turn
from .render import highlight_html, highlight_window, pdf_page_png
from .session import Context, context
from .ui import esc, guard, message

EXAMPLES = ("粗大ごみの大きさの基準は？", "部分休業は1日何時間まで認められますか")
ANSWERER_LABELS = {
    "extractive": "抽出（資料の文をそのまま引用）", "gguf": "LLM（GGUF モデル）",
    "transformers": "LLM（Transformers モデル）", "openai": "LLM（推論サーバー）",
}
__all__ = ["Turn", "answer_markdown", "answerer_choices", "ask", "render"]


def answer_markdown(text: str, anchor: str | None = None, citations: Sequence[Citation] = ()) -> str:
    """Answer text as Markdown (render with unsafe_allow_html): markup escaped, [n] markers as links
    to their citation card (``#<anchor>-<n>``; hovering shows the quote), plain while streaming."""
    out = re.sub(r"([\\`*_{}\[\]()<>#|~&!])", r"\\\1", text)
    quotes = {c.n: f"{c.title} {c.locator}「{' '.join(c.quote.split())[:120]}」" for c in citations}

    def marker(m: re.Match[str]) -> str:
        n = int(m.group(1))
        if anchor is None:
            return f'<span class="shirube-marker">[{n}]</span>'
        tip = f' title="{esc(quotes[n])}"' if n in quotes else ""
        return f'<a class="shirube-marker" href="#{anchor}-{n}"{tip}>[{n}]</a>'

    out = re.sub(r"\\\[(\d+)\\\]", marker, out)
    return out.replace("\n", "  \n")


def _configured(sh: Shirube, name: str) -> bool:
    """An answerer is offered only when its model is configured (a file or folder that exists, or a server)."""
    s = sh.settings
    if name == "extractive":
        return True
    if name == "openai":
        return bool(s.openai_base_url and s.openai_model)
    path = (s.model_path or "").strip()
    if name == "gguf":
        return path.startswith("bundled") or path == "gemma3-270m" or (path.endswith(".gguf") and Path(path).is_file())
    return bool(path) and Path(path).is_dir()


@st.cache_resource
def _broken() -> set[str]:
    """Answerers that failed to load in this process: no longer offered (until a restart)."""
    return set()


def answerer_choices(sh: Shirube) -> list[str]:
    names = [n for n in ANSWERER_LABELS if _configured(sh, n) and n not in _broken()]
    if sh.settings.answerer not in names and sh.settings.answerer not in _broken():
        names.insert(0, sh.settings.answerer)
    return names or ["extractive"]


def answerer_label(name: str) -> str:
    return ANSWERER_LABELS.get(name, name)


def _section(sh: Shirube, access: AccessFilter, turn: Turn, section_id: int) -> dict[str, Any] | None:
    if section_id not in turn.sections:
        try:
            turn.sections[section_id] = sh.section(section_id, access)
        except ShirubeError:
            return None
    return turn.sections[section_id]


def render_source(ctx: Context, section_id: int, start: int, end: int, quote: str, key: str) -> None:
    """The source viewer: the PDF page rendered with the span marked, and the section text highlighted."""
    sh, access = ctx.sh, ctx.access
    with guard("原文を表示できません"):
        sec = sh.section(section_id, access)
        loc = " ".join(p for p in (f"p.{sec['page']}" if sec["page"] else "", sec["article"] or "") if p)
        st.markdown(f"**{esc(sec['title'])}**　{esc(loc)}　<small>{esc(sec['source'])}</small>", unsafe_allow_html=True)
        if sec["kind"] == "pdf" and sec["page"]:
            # audited once per document page and session, not on every rerun of the page
            seen = st.session_state.setdefault("_originals_viewed", set())
            viewed = (sec["document_id"], int(sec["page"]))
            data = source_file.find(sh, access, sec["document_id"], ctx.cfg.sources,
                                    user=None if viewed in seen else ctx.user.name, page=int(sec["page"]))
            seen.add(viewed)
            if data is None:
                st.caption("元のPDFファイルが保管されていないため、抽出したページの本文を表示します。")
            else:
                try:
                    whole = st.toggle("ページ全体を表示", key=f"whole-{key}")
                    png, marked = pdf_page_png(data, int(sec["page"]), quote, crop=not whole)
                    st.image(png, caption=f"{sec['title']} {sec['page']}ページ（該当箇所を黄色で表示）",
                             width=640 if whole else 900)
                    if not marked:
                        st.caption("ページ画像上では該当箇所を特定できませんでした。下の本文で確認してください。")
                except Exception as exc:  # a PDF PDFium cannot render: fall back to the text
                    st.caption(f"ページ画像を作成できませんでした（{type(exc).__name__}）。本文を表示します。")
        # Around the span only when the page image is shown; otherwise the box opens at the span
        # (a little before it, then to the end) and the whole section is one click away.
        heading = " > ".join(p for p in (sec["heading"], sec["article"]) if p)
        if heading:
            st.markdown(f"**{esc(heading)}**")
        if sec["kind"] == "pdf" and sec["page"]:
            body, cut = highlight_html(sec["text"], start, end, 300), False
        else:
            body, cut = highlight_window(sec["text"], start, end)
        st.markdown(
            f'<div class="shirube-source" style="max-height:420px;overflow:auto;border:1px solid #ddd;'
            f'padding:8px;border-radius:6px;line-height:1.7">{body}</div>',
            unsafe_allow_html=True,
        )
        if cut:
            with st.expander(f"全文を表示（{len(sec['text']):,}文字）"):
                st.markdown(f'<div class="shirube-fulltext" style="line-height:1.7">'
                            f'{highlight_html(sec["text"], start, end)}</div>', unsafe_allow_html=True)


def _toggle(key: str) -> None:
    st.session_state["open_src"] = None if st.session_state.get("open_src") == key else key


def render_citation(ctx: Context, turn: Turn, i: int, c: Citation) -> None:
    sec = _section(ctx.sh, ctx.access, turn, c.section_id)
    loc = c.locator or "本文"
    # the target of the answer's [n] link (answer_markdown)
    st.markdown(f'<span id="cite-{i}-{c.n}" class="shirube-anchor"></span>**[{c.n}] {esc(c.title)}**　{esc(loc)}'
                f'　<small>{esc(c.source)}</small>', unsafe_allow_html=True)
    excerpt = highlight_html(sec["text"], c.start, c.end, context=60) if sec else highlight_html(c.quote, 0, len(c.quote))
    st.markdown(
        f'<blockquote class="shirube-quote" style="margin:0 0 4px 0">{excerpt}</blockquote>', unsafe_allow_html=True
    )
    key = f"{i}:c{c.n}"
    opened = st.session_state.get("open_src") == key
    st.button("原文を閉じる" if opened else f"原文を開く [{c.n}]", key=f"src-{key}", on_click=_toggle, args=(key,))
    if opened:
        render_source(ctx, c.section_id, c.start, c.end, c.quote, key)


def render_passage(ctx: Context, turn: Turn, i: int, j: int, h: Hit, near: Citation | None = None) -> None:
    """A closest passage of a 資料にない answer, highlighted within its section: at its sentence nearest
    the question (``near``, from ``Answer.closest``) when the answerer gave one, else from its opening."""
    passages = ctx.sh.passages([h])
    if not passages:
        return
    st.markdown(f"**{j}. {esc(h.title)}**　{esc(h.locator)}　<small>{esc(h.source)}</small>", unsafe_allow_html=True)
    if near is not None and near.section_id == h.section_id:
        sec = _section(ctx.sh, ctx.access, turn, h.section_id)
        quote, a, b = near.quote, near.start, near.end
        excerpt = highlight_html(sec["text"], a, b, context=60) if sec else highlight_html(quote, 0, len(quote))
        st.markdown(f'<blockquote class="shirube-near" style="margin:0">{excerpt}</blockquote>',
                    unsafe_allow_html=True)
    else:
        quote, a, b = passages[0].quote(0, h.end - h.start)
        st.markdown(f'<blockquote style="margin:0">{esc(quote[:200])}{"…" if len(quote) > 200 else ""}</blockquote>',
                    unsafe_allow_html=True)
    key = f"{i}:p{j}"
    opened = st.session_state.get("open_src") == key
    st.button("原文を閉じる" if opened else "原文を開く", key=f"src-{key}", on_click=_toggle, args=(key,))
    if opened:
        render_source(ctx, h.section_id, a, b, quote, key)


def render_answer(ctx: Context, turn: Turn, i: int) -> None:
    if turn.error:
        st.error(turn.error, icon=":material/error:")
        return
    ans = turn.answer
    assert ans is not None
    if ans.answered:
        st.markdown(answer_markdown(ans.text, f"cite-{i}", ans.citations), unsafe_allow_html=True)
        _searched_caption(ans)
        st.caption(f"回答方式: {answerer_label(ans.answerer)}　根拠の強さ: {ans.grounding:.2f}"
                   f"　応答時間: {ans.latency_s:.2f}秒")
        st.markdown("**出典**")
        for c in ans.citations:
            with st.container(border=True):
                render_citation(ctx, turn, i, c)
    else:
        st.warning(ans.text, icon=":material/search_off:")
        _searched_caption(ans)
        if ans.passages:
            st.markdown("**関連する可能性のある箇所**（回答ではありません。質問に最も近い記述を黄色で示します）")
            near = {c.n: c for c in ans.closest}
            for j, h in enumerate(ans.passages[:3], 1):
                with st.container(border=True):
                    render_passage(ctx, turn, i, j, h, near.get(j))
    with st.expander("回答を出典つきでコピー（メモ用）"):
        memo = _memo_question(ans) + (ans.as_memo() if ans.answered else _memo_not_found(ans))
        st.code(memo, language=None, wrap_lines=True)
        st.download_button("テキストで保存", memo.encode("utf-8"), file_name=f"shirube-answer-{i + 1}.txt",
                           mime="text/plain", key=f"dl-{i}")


def _searched_caption(ans: Answer) -> None:
    """A follow-up was searched with the conversation's topic: say what was searched."""
    if ans.searched:
        st.caption(f"検索した質問: {ans.searched}")


def _memo_question(ans: Answer) -> str:
    searched = f"\n検索した質問: {ans.searched}" if ans.searched else ""
    return f"質問: {ans.question}{searched}\n\n"


def _memo_not_found(ans: Answer) -> str:
    lines = [ans.text, "", "関連する可能性のある箇所（回答ではありません）:"]
    near = {c.n: c for c in ans.closest}
    for j, h in enumerate(ans.passages[:3], 1):
        c = near.get(j)
        lines.append(f"- {h.title} {h.locator}" + (f"「{c.quote.strip()}」" if c is not None else ""))
    return "\n".join(lines)


def previous_questions(turns: list[Turn]) -> list[str]:
    """The conversation so far, oldest first, as searched (a follow-up with its topic filled in)."""
    return [t.answer.searched or t.question if t.answer is not None else t.question for t in turns]


def ask(ctx: Context, question: str, answerer: str, on_token=None, history: list[str] | None = None) -> Turn:
    """Ask through the library with the user's access filter; errors become a Japanese message.

    ``history``: the conversation's previous questions, so a follow-up (「その場合は？」) keeps its topic."""
    turn = Turn(question, answerer=answerer)
    try:
        turn.answer = ctx.sh.ask(question, history=history or None, access=ctx.access, answerer=answerer,
                                 on_token=on_token, user=ctx.user.name)
    except ShirubeError as exc:
        if isinstance(exc, (ConfigError, AnswerError, MissingExtra)) and answerer != "extractive":
            # the model's own message (English, command-line advice) stays in the server log
            import logging

            logging.getLogger("shirube.app").warning("answerer %s failed: %s", answerer, exc)
            if not isinstance(exc, AnswerError):  # cannot be loaded (not a slow or failed answer): withdraw it
                _broken().add(answerer)
            turn.error = (f"回答方式「{answerer_label(answerer)}」は現在使えません。"
                          "「抽出」方式で質問するか、管理者に連絡してください。")
        else:
            turn.error = message(exc)
    except Exception as exc:
        import logging

        logging.getLogger("shirube.app").exception("ask failed")
        turn.error = message(exc)
    return turn


def render() -> None:
    ctx = context()
    st.title("質問")
    conv.restore(ctx)
    with st.sidebar:
        names = answerer_choices(ctx.sh)
        default = names.index(ctx.sh.settings.answerer) if ctx.sh.settings.answerer in names else 0
        if st.session_state.get("answerer") not in (None, *names):
            st.session_state.pop("answerer")  # no longer offered (failed to load)
        answerer = st.selectbox("回答方式", names, index=default, key="answerer", format_func=answerer_label,
                                help="「抽出」は資料の文をそのまま引用します。LLM 方式は管理者が設定したときに選べます。")
        listing = st.container()  # filled last: a question asked in this run is listed at once
    history: list[Turn] = conv.history()
    if not history:
        st.info("登録された資料の範囲で、根拠（出典）つきで回答します。例: " + " / ".join(EXAMPLES))
    for i, turn in enumerate(history):
        with st.chat_message("user"):
            st.markdown(esc(turn.question))
        with st.chat_message("assistant"):
            render_answer(ctx, turn, i)
            conv.feedback(ctx, turn, i)
    question = st.chat_input("質問を入力してください")
    if question and question.strip():
        with st.chat_message("user"):
            st.markdown(esc(question))
        with st.chat_message("assistant"):
            box = st.empty()
            pieces: list[str] = []

            def on_token(piece: str) -> None:
                pieces.append(piece)
                box.markdown(answer_markdown("".join(pieces)) + " ▌", unsafe_allow_html=True)

            with st.spinner("資料を検索しています…"):
                turn = ask(ctx, question.strip(), answerer, on_token, history=previous_questions(history))
            box.empty()
            history.append(turn)
            conv.save(ctx, turn)
            render_answer(ctx, turn, len(history) - 1)
            conv.feedback(ctx, turn, len(history) - 1)
    with listing:
        conv.sidebar(ctx)
        conv.export_button(ctx)
