"""監査ログ rows as a Japanese table: Japanese column headers, JST times, details as words, no raw None."""

from __future__ import annotations

from typing import Any

from . import fmt

COLUMNS = {  # the audit row's key → its header; the rest (prev_hash, raw action…) stay in the CSV export
    "id": "番号", "at": "日時", "user": "利用者", "action_label": "操作", "question": "質問", "answer": "回答",
    "citations": "出典", "answerer": "回答方式", "latency_s": "応答時間（秒）", "generation": "索引世代",
    "detail": "詳細", "hash": "ハッシュ",
}
DETAIL_LABELS = {
    "document_id": "文書ID", "documents": "文書", "title": "タイトル", "source": "ファイル", "sha256": "SHA-256",
    "bytes": "バイト数", "page": "ページ", "article": "条項", "from": "取得元", "method": "方式", "name": "名前",
    "reason": "理由", "old": "変更前", "new": "変更後", "label": "機密性", "departments": "部署", "role": "役割",
    "clearance": "閲覧可能な機密性", "generation": "索引世代", "job_id": "ジョブ", "state": "状態", "counts": "件数",
    "batch_id": "バッチ", "run_id": "実行ID", "questions": "質問数", "with_answers": "回答も評価", "front_end": "画面",
    "files": "ファイル", "full": "全件", "hidden": "非表示", "action": "操作", "recovered": "復旧", "license": "ライセンス",
    "kind": "種類", "manifest": "マニフェスト", "chunks": "チャンク数", "k": "件数", "mode": "検索方式",
    "searched": "検索した質問", "by": "実行者", "attempts": "試行回数", "embedder": "埋め込みモデル", "when": "日時",
    "model_id": "モデル", "answerer": "回答方式", "recovered_by": "復旧した実行者", "max_label": "機密性の上限",
    "paths": "パス", "deleted": "削除", "size": "サイズ", "user": "利用者", "ok": "取り込み", "duplicate": "重複",
    "error": "エラー", "skipped": "スキップ", "started_at": "開始", "conversation_id": "会話", "rating": "評価",
    "comment": "コメント", "history": "会話の質問", "evaluation": "評価の実行",
}
VALUE_LABELS = {
    "password": "パスワード", "oidc": "OIDC", "wrong_password": "パスワード誤り", "unknown_user": "未登録のユーザー",
    "disabled": "無効なアカウント", "viewer": "閲覧者", "clerk": "登録担当", "admin": "管理者", "done": "完了",
    "failed": "失敗", "queued": "待機中", "running": "実行中", "app": "アプリ", "cli": "コマンドライン",
    "sources": "原本フォルダ", "extractive": "抽出型", "active": "有効", "pending": "保留",
}
# Already a column of their own (or too long for a cell): not repeated in 詳細.
_SKIP = {"question", "query", "answer", "citations", "hits", "passages", "answerer", "model_id", "latency_s", "generation"}


def value(v: Any) -> str:
    if isinstance(v, dict):
        return "（" + "、".join(f"{DETAIL_LABELS.get(k, k)}: {value(x)}" for k, x in v.items()) + "）"
    if isinstance(v, (list, tuple)):
        return "、".join(value(x) for x in v) or fmt.EMPTY
    if isinstance(v, bool):
        return "はい" if v else "いいえ"
    if isinstance(v, str):
        return VALUE_LABELS.get(v, v)
    return fmt.text(v)


def detail_text(detail: dict[str, Any] | None) -> str:
    items = [(k, v) for k, v in (detail or {}).items() if k not in _SKIP]
    return "　".join(f"{DETAIL_LABELS.get(k, k)}: {value(v)}" for k, v in items) or fmt.EMPTY


def citations_text(citations: Any) -> str:
    """「[1] 家庭ごみの分け方 p.2」…; hidden rows have none."""
    out = []
    for i, c in enumerate(citations or [], 1):
        if isinstance(c, dict):
            where = f" p.{c['page']}" if c.get("page") else ""
            where += f" {c['article']}" if c.get("article") else ""
            out.append(f"[{i}] {c.get('title') or c.get('source') or c.get('document_id') or ''}{where}")
        else:
            out.append(f"[{i}] {c}")
    return "　".join(out) or fmt.EMPTY


def rows(events: list[dict[str, Any]]) -> list[dict[str, str]]:
    """One table row per event, newest first as given."""
    out = []
    for e in events:
        r: dict[str, str] = {}
        for key, header in COLUMNS.items():
            v = e.get(key)
            if key == "at":
                r[header] = fmt.jst(v)
            elif key == "action_label":
                r[header] = str(v) + ("（評価）" if e.get("evaluation") is not None else "")
            elif key == "citations":
                r[header] = citations_text(v)
            elif key == "detail":
                r[header] = detail_text(v)
            elif key == "hash":
                r[header] = (v or "")[:12] or fmt.EMPTY
            elif key == "answerer":
                r[header] = VALUE_LABELS.get(v, fmt.text(v)) if isinstance(v, str) or v is None else fmt.text(v)
            elif key == "latency_s":
                r[header] = f"{v:.2f}" if isinstance(v, (int, float)) else fmt.EMPTY
            else:
                r[header] = fmt.text(v)
        out.append(r)
    return out
