"""Shared UI helpers: Japanese error messages, the error guard, HTML escaping.

The logged-in user and the per-run context are in app/session.py.
"""

from __future__ import annotations

import html
import logging
from contextlib import contextmanager
from typing import Iterator

import streamlit as st

from base.errors import (
    AccessDenied, AnswerError, CatalogBusy, ConfigError, SearchIndexError, IngestError, MissingExtra, RetrievalError, ShirubeError,
)

log = logging.getLogger("shirube.app")


def message(exc: BaseException) -> str:
    """One clear Japanese line for a user; details stay in the server log."""
    if isinstance(exc, CatalogBusy):  # a lock held by ingest / re-index: refused after db_busy_timeout_s
        return CatalogBusy.MESSAGE
    if isinstance(exc, AccessDenied):
        return f"権限がありません: {exc}"
    if isinstance(exc, MissingExtra):
        return f"必要なパッケージがインストールされていません: {exc}"
    if isinstance(exc, AnswerError):
        return f"回答を作成できませんでした: {exc}"
    if isinstance(exc, RetrievalError):
        return f"検索できませんでした: {exc}"
    if isinstance(exc, SearchIndexError):
        return f"索引に問題があります: {exc}"
    if isinstance(exc, IngestError):
        return f"取り込めませんでした: {exc.reason}"
    if isinstance(exc, ConfigError):
        return f"設定または入力に誤りがあります: {exc}"
    if isinstance(exc, ShirubeError):
        return str(exc)
    return "予期しないエラーが発生しました。時間をおいて再度お試しいただき、続く場合は管理者に連絡してください。"


@contextmanager
def guard(what: str = "") -> Iterator[None]:
    """Show errors as a Japanese message, never a traceback (st.rerun/st.stop pass through)."""
    try:
        yield
    except Exception as exc:  # ScriptControlException is a BaseException: not caught
        if not isinstance(exc, ShirubeError):
            log.exception("unexpected error%s", f" while {what}" if what else "")
        st.error(("" if not what else f"{what}: ") + message(exc), icon=":material/error:")


def esc(text: str) -> str:
    return html.escape(text or "")


# Streamlit has no option for the file uploader's own words ("Upload", "200MB per file • …",
# "Drag and drop files here" while a file is dragged over it, and "File must be 50.0MB or smaller."
# on a file it rejects: the chip's screen-reader alert and its hover tooltip). CSS hides them and
# shows Japanese in their place: display:none for child elements; for bare text, font-size:0 and
# visibility:hidden (so it is neither seen nor in the page's text) with a visible ::after.
# The data-testid selectors and the markup are Streamlit's (1.67), checked by tests/test_browser.py.
_UPLOADER_CSS = """<style>
[data-testid="stFileUploaderDropzone"] [data-testid="stBaseButton-secondary"] > * {{ display: none; }}
[data-testid="stFileUploaderDropzone"] [data-testid="stBaseButton-secondary"]::after {{ content: "{button}"; }}
[data-testid="stFileUploaderDropzoneInstructions"] > * {{ display: none; }}
[data-testid="stFileUploaderDropzoneInstructions"]::after {{ content: "{hint}"; font-size: 0.875rem; opacity: 0.7; }}
[data-testid="stFileUploaderDropzone"] > input + div:not([data-testid]) > span,
[data-testid="stFileChip"][aria-invalid="true"] [role="alert"] {{ font-size: 0; visibility: hidden; }}
[data-testid="stFileUploaderDropzone"] > input + div:not([data-testid]) > span::after {{
  content: "{drop}"; font-size: 0.875rem; visibility: visible; }}
[data-testid="stFileChip"][aria-invalid="true"] [role="alert"]::after {{
  content: "エラー: {rejected}"; font-size: 0.875rem; visibility: visible; }}
[data-testid="stFileChip"][aria-invalid="true"] [data-testid="stFileChipName"] + div::after {{
  content: "{rejected}"; display: block; white-space: normal; color: #c0392b; font-size: 0.8rem; }}
body:has([data-testid="stFileChip"][aria-invalid="true"]) [data-testid="stTooltipErrorContent"] {{
  font-size: 0; visibility: hidden; padding: 0; }}
body:has([data-testid="stFileChip"][aria-invalid="true"]) [data-testid="stTooltipErrorContent"]::after {{
  content: "{rejected}"; display: block; font-size: 0.875rem; visibility: visible; padding: 0.25rem 0.75rem;
  background-color: inherit; border-radius: inherit; box-shadow: inherit; }}
</style>"""


# Streamlit's keyboard "Skip to main content" link (shown on focus): the same in Japanese.
_CHROME_CSS = """<style>
[data-testid="stSkipToContent"] { font-size: 0 !important; }
[data-testid="stSkipToContent"]::after { content: "本文へ移動"; font-size: 1rem; }
</style>"""


def japanese_chrome() -> None:
    """Streamlit's own words on every page (the skip link) in Japanese; call once per run."""
    st.markdown(_CHROME_CSS, unsafe_allow_html=True)


def japanese_uploader(hint: str, button: str = "ファイルを選択", drop: str = "ここにファイルをドロップ",
                      rejected: str = "このファイルは受け付けられません（形式と大きさの上限を確認してください）") -> None:
    """Replace the file uploader's English with Japanese: ``button``, the size ``hint``, ``drop``
    while a file is dragged over it, and ``rejected`` on a file it refuses (too large, wrong type)."""
    def css_text(t: str) -> str:
        return t.replace("\\", "\\\\").replace('"', '\\"').replace("<", "＜").replace("\n", " ")

    st.markdown(_UPLOADER_CSS.format(button=css_text(button), hint=css_text(hint), drop=css_text(drop),
                                     rejected=css_text(rejected)), unsafe_allow_html=True)
