"""Values as a Japanese reader expects them: JST timestamps, status words, counts, no raw None.

    jst("2026-11-30T03:34:56.123456Z")  → "2026-11-30 12:34:56 JST"
    status_label("active")              → "有効"
    counts_text({"ok": 3, "error": 1})  → "取り込み 3・エラー 1"
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

JST = dt.timezone(dt.timedelta(hours=9), "JST")
EMPTY = "—"

STATUS_LABELS = {"active": "有効", "pending": "保留", "deleted": "削除済み"}
KIND_LABELS = {"pdf": "PDF", "text": "テキスト", "markdown": "Markdown", "html": "HTML", "egov_xml": "法令XML",
               "xml": "XML", "law": "法令"}
COUNT_LABELS = {"ok": "取り込み", "files": "ファイル", "documents": "文書", "duplicate": "重複", "duplicates": "重複",
                "error": "エラー", "errors": "エラー", "skipped": "スキップ", "chunks": "チャンク", "sections": "セクション",
                "deleted": "削除", "pending": "保留", "active": "有効", "bytes": "バイト", "recovered": "復旧",
                "examples": "例", "train": "学習", "heldout": "検証", "refusals": "回答なし", "by_source": "出典別"}
MANIFEST_KINDS = {"ingest-batch": "取り込み", "sft-data": "学習データ"}


def when(value: Any) -> dt.datetime | None:
    """A datetime (naive = UTC, as SQLite returns it) or an ISO string → an aware datetime, else None."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    if not isinstance(value, dt.datetime):
        return None
    return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value


def jst(value: Any) -> str:
    """「2026-11-30 12:34:56 JST」 (seconds, no microseconds); 「—」 when there is no time."""
    at = when(value)
    if at is None:
        return EMPTY if value in (None, "") else str(value)
    return at.astimezone(JST).strftime("%Y-%m-%d %H:%M:%S JST")


def jst_date(value: Any) -> dt.date | None:
    at = when(value)
    return at.astimezone(JST).date() if at is not None else None


def status_label(status: Any) -> str:
    return STATUS_LABELS.get(str(status), EMPTY if status is None else str(status))


def kind_label(kind: Any) -> str:
    return KIND_LABELS.get(str(kind), EMPTY if kind is None else str(kind))


def text(value: Any) -> str:
    """A table cell: None → 「—」, lists joined with 「、」, dicts as 「key: value」 pairs, never raw JSON."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if isinstance(value, (list, tuple, set)):
        return "、".join(text(v) for v in value) or EMPTY
    if isinstance(value, dict):
        return "、".join(f"{k}: {text(v)}" for k, v in value.items()) or EMPTY
    return str(value)


def counts_text(counts: Any) -> str:
    """A manifest's counts dict as 「取り込み 3・重複 1・エラー 0」."""
    if isinstance(counts, str):
        try:
            counts = json.loads(counts)
        except ValueError:
            return counts
    if not isinstance(counts, dict) or not counts:
        return EMPTY
    return "・".join(f"{COUNT_LABELS.get(str(k), str(k))} {v:,}" if isinstance(v, int) else f"{COUNT_LABELS.get(str(k), str(k))} {text(v)}"
                     for k, v in counts.items())


def number(n: Any) -> str:
    return f"{n:,}" if isinstance(n, int) and not isinstance(n, bool) else text(n)
