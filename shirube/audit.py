"""Append-only audit log with a hash chain.

Every row stores the hash of the row before it; its own hash is SHA-256 over
the canonical JSON of ``(prev_hash, at, user, action, detail)``. Editing a
row changes its hash, deleting or reordering rows breaks the link to the next
one, and the newest hash is also written to an *anchor* file beside the data
(``<home>/audit.head``), so cutting rows off the end is detected too. Ids are
assigned under the append lock (last id + 1), so a missing id is a deleted row.

That chain alone stops no one who can write the database: they can recompute
it. With a key outside the database and the home, hashes become HMACs and
checkpoints go to an external append-only file (:mod:`shirube.audit_seal`);
:mod:`shirube.audit_verify` checks all of it and says which rows stay unproven.

Appends are serialised: SQLite takes the write lock first (``BEGIN
IMMEDIATE``); PostgreSQL an advisory transaction lock. A unique constraint on
``prev_hash`` is the last line of defence: two appends after the same row can
never both commit (the loser retries).

>>> record(catalog, "yamada", "ask", {"question": "…"})      # doctest: +SKIP
>>> verify(catalog)                                            # doctest: +SKIP
[]
"""

from __future__ import annotations

import csv
import datetime as dt
import fcntl
import json
import re
import time
from pathlib import Path
from typing import IO, Any, Iterable

from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from indexer.catalog import WRITER_WAIT_S, AuditEvent, Catalog, Document
from retrieval.access import AccessFilter

from base.atomic import write_text_atomic
from base.errors import AccessDenied, CatalogBusy, ConfigError

from .audit_seal import GENESIS, Anchor, Seal, anchor_mac, append_checkpoint, chain_hash, make_checkpoint, read_anchor
from .audit_seal import ts as _ts, utc as _utc
from .audit_verify import Verification, check, checkpoint, verify
_PG_LOCK = 0x5348_4155  # "SHAU": pg_advisory_xact_lock key for audit appends
_POLL_S = 0.003  # a question's poll of SQLite's write lock
# Every action the engine and the front ends record, with the label the admin view shows.
ACTION_LABELS = {
    "ask": "質問", "search": "検索", "ingest": "登録", "delete": "削除", "relabel": "機密性ラベル変更",
    "reindex": "再索引", "login": "ログイン", "login_failed": "ログイン失敗", "logout": "ログアウト",
    "user_add": "ユーザー作成", "user_update": "ユーザー変更", "user_disable": "ユーザー無効化",
    "user_enable": "ユーザー有効化", "password_change": "パスワード変更", "original_download": "原本の取得",
    "evaluation": "評価の実行", "declassify": "機密性の引き下げ", "ingest_job": "取り込みジョブ",
    "token_create": "APIトークン発行", "token_revoke": "APIトークン取り消し",
    "feedback": "回答の評価", "feedback_export": "評価の書き出し", "conversation_delete": "会話の削除",
}
ACTIONS = tuple(ACTION_LABELS)
# The searches and questions of an evaluation run are recorded as user "eval:<who>/<run id>"
# (names with "/" are not valid user names), so they never pass for staff questions.
EVAL_PREFIX = "eval:"
CSV_FIELDS = (
    "id", "at", "user", "action", "question", "answer", "citations", "answerer", "model_id",
    "latency_s", "generation", "detail", "prev_hash", "hash",
)
HIDDEN = "（閲覧権限のない文書を含むため非表示）"


def _clean(detail: dict[str, Any]) -> dict[str, Any]:
    """The detail exactly as it will read back from a JSON column."""
    return json.loads(json.dumps(detail, ensure_ascii=False, default=str, allow_nan=False))


def record(
    catalog: Catalog, user: str | None, action: str, detail: dict[str, Any] | None = None,
    anchor: str | Path | None = None, wait_s: float | None = None, seal: Seal | None = None,
) -> AuditEvent:
    """Append one event and return it (committed). ``anchor``: head file to update;
    ``seal``: the key (HMAC rows, MAC'd anchor) and the external checkpoint file.

    ``wait_s``: the longest the append waits, in all, for the catalog's write
    lock (a question's bound; default the writers' 30 s). Past it →
    :class:`~base.errors.CatalogBusy`; a lost race (same ``prev_hash``) is retried.
    """
    user = (user or "?")[:200]
    detail = _clean(detail or {})
    deadline = time.monotonic() + (WRITER_WAIT_S if wait_s is None else wait_s)
    # A question on SQLite polls the write lock every few milliseconds instead of SQLite's own busy
    # handler, which sleeps 1, 2, 5 … 25, 50, 100 ms between tries: a writer's commit of a few
    # milliseconds would otherwise cost the question up to a hundred.
    poll = wait_s is not None and catalog.engine.dialect.name == "sqlite"
    races = 0
    while True:
        left = deadline - time.monotonic()
        try:
            ev = _append(catalog, user, action[:40], detail,
                         None if wait_s is None else (_POLL_S if poll else max(left, 0.05)), seal.key if seal else None)
            break
        except CatalogBusy:  # the lock wait (busy_timeout / lock_timeout) is already spent
            if deadline - time.monotonic() < (_POLL_S if poll else 0.1):
                raise
            time.sleep(_POLL_S if poll else 0.01 * min(races + 1, 20))
        except (IntegrityError, OperationalError, DBAPIError) as exc:  # lost a race: try again
            races += 1
            if time.monotonic() > deadline:
                raise CatalogBusy(str(exc).splitlines()[0]) from exc
            if races >= 20:  # pragma: no cover - 20 lost races in a row
                raise CatalogBusy("audit append: 20 lost races") from exc
            time.sleep(0.01 * races)
    key = seal.key if seal else None
    if anchor is not None:
        _write_anchor(Path(anchor), ev.id, ev.hash, anchor_mac(key, ev.id, ev.hash) if key else None)
    if seal is not None and seal.checkpoint_file is not None:
        try:
            append_checkpoint(seal.checkpoint_file, make_checkpoint(key, ev.id, None, ev.hash))
        except OSError as exc:
            raise ConfigError(f"audit_checkpoint_file {seal.checkpoint_file} に書き込めません（{exc.strerror}）"
                              f"。監査ログの行 {ev.id} は記録済みです") from None
    return ev


def _append(catalog: Catalog, user: str, action: str, detail: dict[str, Any], wait_s: float | None,
            key=None) -> AuditEvent:
    with catalog.session(wait_s=wait_s) as s:
        conn = s.connection()
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        elif conn.dialect.name == "postgresql":
            s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK})
        last = s.execute(select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).first()
        prev = last.hash if last else GENESIS
        # microsecond precision survives both databases
        at = dt.datetime.now(dt.timezone.utc)
        # the id is set here, under the lock: a PostgreSQL sequence skips values after a rollback,
        # so gapless ids make a missing id proof of a deleted row on both databases
        ev = AuditEvent(id=(last.id if last else 0) + 1, at=at, user=user, action=action, detail=detail,
                        prev_hash=prev, hash=chain_hash(prev, at, user, action, detail, key))
        s.add(ev)
        s.flush()
        s.expunge(ev)
    return ev


def _write_anchor(path: Path, event_id: int, digest: str, mac: str | None = None) -> None:
    """Keep the newest (id, hash) in ``path``; concurrent writers never move it back."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(str(path) + ".lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        current = read_anchor(path)
        if current is not None and current.event_id >= event_id:
            return
        write_text_atomic(path, f"{event_id} {digest}" + (f" {mac}" if mac else "") + "\n")


def _since(since: str | dt.date | dt.datetime | None) -> dt.datetime | None:
    if since is None or since == "":
        return None
    if isinstance(since, str):
        try:
            since = dt.datetime.fromisoformat(since.strip())
        except ValueError:
            raise ConfigError(f"--since の日付が正しくありません: {since!r}（例: 2026-04-01 または 2026-04-01T09:00）") from None
    if not isinstance(since, dt.datetime):
        since = dt.datetime(since.year, since.month, since.day)
    return _utc(since) if since.tzinfo else since.replace(tzinfo=dt.timezone.utc)


def evaluation_actor(who: str | None, run_id: str) -> str:
    """The audit user of an evaluation run's searches and questions."""
    return f"{EVAL_PREFIX}{who or '?'}/{run_id}"


def evaluation_run(user: str | None) -> str | None:
    """The run id when ``user`` is an evaluation run's actor, else None."""
    if not (user or "").startswith(EVAL_PREFIX):
        return None
    return user.rsplit("/", 1)[-1] if "/" in user else ""


def _query(s, since, limit, newest_first, include_eval=True):
    q = select(AuditEvent)
    if not include_eval:
        q = q.where(~AuditEvent.user.startswith(EVAL_PREFIX, autoescape=True))
    start = _since(since)
    if start is not None:
        # SQLite compares the stored (naive UTC) text; PostgreSQL aware timestamps.
        bound = start if s.bind.dialect.name != "sqlite" else start.replace(tzinfo=None)
        q = q.where(AuditEvent.at >= bound)
    q = q.order_by(AuditEvent.id.desc() if newest_first else AuditEvent.id)
    if limit:
        q = q.limit(limit)
    return s.execute(q).scalars().all()


def cited_documents(detail: dict[str, Any]) -> set[int]:
    ids: set[int] = set()
    for key in ("citations", "hits"):
        for c in detail.get(key) or []:
            if isinstance(c, dict) and c.get("document_id") is not None:
                ids.add(int(c["document_id"]))
    if detail.get("document_id") is not None:
        ids.add(int(detail["document_id"]))
    for f in detail.get("documents") or []:
        if isinstance(f, int):
            ids.add(f)
    return ids


def _row(ev: AuditEvent) -> dict[str, Any]:
    d = ev.detail or {}
    return {
        "id": ev.id, "at": _ts(ev.at), "user": ev.user, "action": ev.action,
        "question": d.get("question") or d.get("query"), "answer": d.get("answer"),
        "citations": d.get("citations") or d.get("hits") or [], "answerer": d.get("answerer"),
        "model_id": d.get("model_id"), "latency_s": d.get("latency_s"), "generation": d.get("generation"),
        "detail": d, "prev_hash": ev.prev_hash, "hash": ev.hash,
        "action_label": ACTION_LABELS.get(ev.action, ev.action), "evaluation": evaluation_run(ev.user),
    }


def events(
    catalog: Catalog, since: str | dt.date | dt.datetime | None = None, limit: int | None = 200,
    access: AccessFilter | None = None, include_eval: bool = True,
) -> list[dict[str, Any]]:
    """Newest events first, for the admin view (``include_eval=False``: without evaluation runs' rows).

    ``access``: the viewer. Only admins may read the log (it holds answer
    text); an admin still does not see the question, answer or citations of
    an event that cites a document outside their own access.
    """
    if access is not None and not access.admin:
        raise AccessDenied("監査ログは管理者のみ閲覧できます")
    with catalog.session() as s:
        rows = [_row(ev) for ev in _query(s, since, limit, newest_first=True, include_eval=include_eval)]
        if access is not None and not access.unrestricted:
            wanted = set().union(*(cited_documents(r["detail"]) for r in rows)) if rows else set()
            docs = {
                d.id: d for d in s.scalars(select(Document).where(Document.id.in_(wanted)))
            } if wanted else {}
            for r in rows:
                cited = cited_documents(r["detail"])
                if any(i not in docs or not access.allows_document(docs[i]) for i in cited):
                    r.update(question=HIDDEN, answer=HIDDEN if r["answer"] else None, citations=[],
                             detail={"hidden": True, "action": r["action"]})
    return rows


# A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")


def csv_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet shows as text: a formula prefix gets a leading ``'`` and
    control characters (escape sequences included) become ``\\xNN`` / ``\\uNNNN``. Numbers
    and None pass unchanged; tab, CR and LF inside a cell stay (the CSV quotes them)."""
    if not isinstance(value, str):
        return value
    value = _CONTROL.sub(lambda m: f"\\x{ord(m[0]):02x}" if ord(m[0]) < 0x100 else f"\\u{ord(m[0]):04x}", value)
    return "'" + value if value.startswith(_FORMULA_START) else value


def export_csv(
    catalog: Catalog, path_or_file: str | Path | IO[str], since: str | dt.date | dt.datetime | None = None,
) -> int:
    """Write the log (oldest first) as UTF-8 CSV with a BOM (opens in Excel). Returns the row count.

    Every text cell goes through :func:`csv_cell` (no formulas, no control characters)."""
    since = _since(since)  # a bad date is refused before the file is created
    own = isinstance(path_or_file, (str, Path))
    fh: IO[str] = open(path_or_file, "w", encoding="utf-8-sig", newline="") if own else path_or_file  # type: ignore[arg-type]
    try:
        w = csv.DictWriter(fh, fieldnames=CSV_FIELDS, extrasaction="ignore")
        w.writeheader()
        n = 0
        with catalog.session() as s:
            for ev in _query(s, since, None, newest_first=False):
                r = _row(ev)
                r["citations"] = json.dumps(r["citations"], ensure_ascii=False)
                r["detail"] = json.dumps(r["detail"], ensure_ascii=False, sort_keys=True)
                w.writerow({k: csv_cell(r[k]) for k in CSV_FIELDS})
                n += 1
        return n
    finally:
        if own:
            fh.close()


def citations_detail(citations: Iterable[Any], generation: str | None) -> list[dict[str, Any]]:
    """Citations (model.records.Citation or Hit) as audit detail entries."""
    out = []
    for c in citations:
        out.append({
            "document_id": c.document_id, "title": c.title, "section_id": c.section_id,
            "chunk_id": c.chunk_id, "page": c.page, "article": c.article, "generation": generation,
        })
    return out


__all__ = [
    "record", "verify", "check", "checkpoint", "Verification", "Seal", "events", "export_csv", "csv_cell", "Anchor",
    "read_anchor", "chain_hash", "GENESIS", "citations_detail",
    "ACTION_LABELS", "EVAL_PREFIX", "evaluation_actor", "evaluation_run",
]
