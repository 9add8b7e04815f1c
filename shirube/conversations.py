"""Each user's conversations, kept in the catalog: questions, answers, citations, ratings.

    conv = sh.conversations
    cid, tid = conv.add_turn("tanaka", None, answer=ans)        # a new conversation
    conv.add_turn("tanaka", cid, answer=follow_up)               # the next question in it
    conv.list("tanaka")                                          # newest first
    conv.get(cid, "tanaka", access)                              # turns, answers rebuilt
    conv.rate(tid, "tanaka", 1, "分かりやすい")                   # 👍 (audited ``feedback``)
    conv.delete(cid, "tanaka")                                   # audited ``conversation_delete``
    conv.export_qa(access)                                       # rated questions, samples/qa.jsonl items

Only the owner lists, reopens, rates or deletes a conversation: anyone else — an admin
included — is told it does not exist (admins see the questions through the audit log,
under its clearance rules). A reopened answer that cites a document the owner may no
longer see (relabelled, deleted, clearance lowered) is withheld, not shown.
"""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path
from typing import IO, Any, Callable, Iterable

from sqlalchemy import func, select

from base.errors import ConfigError, RetrievalError
from indexer.catalog import Catalog, Document
from indexer.tables import Conversation, ConversationTurn, utcnow
from model.records import Answer, Citation, Hit
from retrieval.access import EVERYTHING, AccessFilter

from .rows import visible

HIDDEN = "（閲覧権限のない文書を含むため、この回答は表示できません）"
RATINGS = {1: "good", -1: "bad"}
MAX_COMMENT = 1000
TITLE_CHARS = 40

Record = Callable[[str | None, str, dict[str, Any]], None]


def answer_from_dict(d: dict[str, Any]) -> Answer:
    """The :class:`Answer` an ``Answer.to_dict()`` was made from (as stored with a turn)."""
    def build(cls: type, row: dict[str, Any]) -> Any:
        names = {f.name for f in fields(cls)}
        # JSON gives a list where the record holds a tuple (Hit.aliases)
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in row.items() if k in names})

    return Answer(
        question=d.get("question", ""), text=d.get("answer", ""),
        citations=tuple(build(Citation, c) for c in d.get("citations") or []),
        answered=bool(d.get("answered")), passages=tuple(build(Hit, h) for h in d.get("passages") or []),
        answerer=d.get("answerer", ""), model_id=d.get("model_id", ""), grounding=float(d.get("grounding") or 0.0),
        latency_s=float(d.get("latency_s") or 0.0), meta=d.get("meta") or {}, searched=d.get("searched"),
        closest=tuple(build(Citation, c) for c in d.get("closest") or []),
    )


def _documents(d: dict[str, Any] | None) -> set[int]:
    """The documents an answer shows: its citations, or (「資料にない」) its closest passages."""
    if not d:
        return set()
    key = "citations" if d.get("answered") else "passages"
    return {int(x["document_id"]) for x in d.get(key) or [] if isinstance(x, dict) and x.get("document_id") is not None}


def _title(question: str) -> str:
    q = " ".join(question.split())
    return q if len(q) <= TITLE_CHARS else q[: TITLE_CHARS - 1] + "…"


class Conversations:
    """The conversation store of one catalog (tables ``conversations``, ``conversation_turns``)."""

    def __init__(self, catalog: Catalog, record: Record) -> None:
        self.catalog = catalog
        self._record = record  # the engine's audit append

    # -- writing ------------------------------------------------------------------
    def add_turn(
        self, user: str, conversation_id: int | None, *, question: str | None = None, answer: Answer | None = None,
        answerer: str = "", error: str | None = None,
    ) -> tuple[int, int]:
        """Append a turn (an answer, or the question and the ``error`` it met) to the user's
        conversation ``conversation_id`` — None starts a new one. Returns (conversation id, turn id)."""
        question = question if question is not None else (answer.question if answer is not None else "")
        if not question.strip():
            raise ConfigError("質問が空です")
        with self.catalog.session() as s:
            if conversation_id is None:
                conv = Conversation(user=user, title=_title(question))
                s.add(conv)
                s.flush()
            else:
                conv = self._owned(s, conversation_id, user)
            n = s.scalar(select(func.count()).select_from(ConversationTurn)
                         .where(ConversationTurn.conversation_id == conv.id)) or 0
            turn = ConversationTurn(
                conversation_id=conv.id, ordinal=n, question=question,
                searched=answer.searched if answer is not None else None,
                answerer=(answer.answerer if answer is not None else answerer)[:40],
                answer=answer.to_dict() if answer is not None else None, error=error, comment="",
            )
            s.add(turn)
            conv.updated_at = utcnow()
            s.flush()
            return conv.id, turn.id

    def rate(self, turn_id: int, user: str, rating: int | None, comment: str = "") -> None:
        """👍 (1) / 👎 (-1) / None (withdrawn) with an optional comment on one of the user's answers
        (audited ``feedback`` with the question and the documents it cited)."""
        if rating not in (1, -1, None):
            raise ConfigError(f"評価は 1（良い）か -1（良くない）で指定してください（指定値: {rating}）")
        comment = (comment or "").strip()[:MAX_COMMENT]
        with self.catalog.session() as s:
            turn = s.get(ConversationTurn, turn_id)
            if turn is None:
                raise RetrievalError(f"回答 {turn_id} は存在しません")
            self._owned(s, turn.conversation_id, user)
            turn.rating, turn.comment, turn.rated_at = rating, comment, utcnow()
            detail = {"conversation_id": turn.conversation_id, "turn_id": turn.id, "question": turn.question,
                      "rating": RATINGS.get(rating, "none"), "comment": comment, "answerer": turn.answerer,
                      "citations": [{"document_id": c.get("document_id"), "title": c.get("title")}
                                    for c in (turn.answer or {}).get("citations") or []]}
        self._record(user, "feedback", detail)

    def delete(self, conversation_id: int, user: str) -> None:
        """Delete one of the user's conversations with its turns (audited ``conversation_delete``)."""
        with self.catalog.session() as s:
            conv = self._owned(s, conversation_id, user)
            title, n = conv.title, len(conv.turns)
            s.delete(conv)
        self._record(user, "conversation_delete", {"conversation_id": conversation_id, "title": title, "turns": n})

    # -- reading ------------------------------------------------------------------
    def list(self, user: str, limit: int = 50) -> list[dict[str, Any]]:
        """The user's conversations, most recently continued first."""
        with self.catalog.session() as s:
            n_turns = (select(ConversationTurn.conversation_id, func.count().label("n"))
                       .group_by(ConversationTurn.conversation_id).subquery())
            rows = s.execute(
                select(Conversation, n_turns.c.n).outerjoin(n_turns, n_turns.c.conversation_id == Conversation.id)
                .where(Conversation.user == user)
                .order_by(Conversation.updated_at.desc(), Conversation.id.desc()).limit(limit)
            ).all()
            return [{"id": c.id, "title": c.title, "created_at": c.created_at, "updated_at": c.updated_at,
                     "turns": int(n or 0)} for c, n in rows]

    def get(self, conversation_id: int, user: str, access: AccessFilter = EVERYTHING) -> dict[str, Any]:
        """One of the user's conversations: ``turns`` with ``answer`` rebuilt (None with ``error``
        when it failed, or when it cites a document ``access`` no longer allows)."""
        with self.catalog.session() as s:
            conv = self._owned(s, conversation_id, user)
            turns = list(conv.turns)
            ids = set().union(*(_documents(t.answer) for t in turns)) if turns else set()
            docs = {d.id: d for d in s.scalars(select(Document).where(Document.id.in_(ids)))} if ids else {}
            out = []
            for t in turns:
                hidden = any(not visible(docs.get(i), access) for i in _documents(t.answer))
                out.append({
                    "id": t.id, "ordinal": t.ordinal, "at": t.at, "question": t.question, "searched": t.searched,
                    "answerer": t.answerer, "rating": t.rating, "comment": t.comment,
                    "answer": None if hidden or t.answer is None else answer_from_dict(t.answer),
                    "error": HIDDEN if hidden else t.error,
                })
            return {"id": conv.id, "title": conv.title, "created_at": conv.created_at,
                    "updated_at": conv.updated_at, "turns": out}

    def export_qa(
        self, access: AccessFilter = EVERYTHING, ratings: Iterable[int] = (1, -1),
    ) -> list[dict[str, Any]]:
        """Rated questions of every user as QA items (samples/qa.jsonl; ``shirube eval`` and
        ``sft-data`` read them). A 👍 answer gives its cited files, page and article as the
        expected ones (a 👍 on 「資料にない」: ``answerable`` false); a 👎 one is exported with
        ``relevant`` empty and ``review`` true — fill in the right file before evaluating with
        it. Turns citing a document ``access`` may not see are left out."""
        wanted = set(ratings)
        items = []
        with self.catalog.session() as s:
            turns = s.scalars(select(ConversationTurn).where(ConversationTurn.rating.is_not(None))
                              .order_by(ConversationTurn.id)).all()
            ids = set().union(*(_documents(t.answer) for t in turns)) if turns else set()
            docs = {d.id: d for d in s.scalars(select(Document).where(Document.id.in_(ids)))} if ids else {}
            for t in turns:
                if t.rating not in wanted or any(not visible(docs.get(i), access) for i in _documents(t.answer)):
                    continue
                items.append(_qa_item(t))
        return items

    def write_qa(self, out: str | Path | IO[str], access: AccessFilter = EVERYTHING,
                 ratings: Iterable[int] = (1, -1)) -> int:
        """:meth:`export_qa` as JSON Lines (UTF-8) to a path or an open text file; returns the count."""
        items = self.export_qa(access, ratings)
        text = "".join(json.dumps(it, ensure_ascii=False) + "\n" for it in items)
        if isinstance(out, (str, Path)):
            Path(out).write_text(text, encoding="utf-8")
        else:
            out.write(text)
        return len(items)

    def _owned(self, s: Any, conversation_id: int, user: str) -> Conversation:
        conv = s.get(Conversation, conversation_id)
        if conv is None or conv.user != user:  # another user's: as if absent
            raise RetrievalError(f"会話 {conversation_id} は存在しません")
        return conv


def _qa_item(t: ConversationTurn) -> dict[str, Any]:
    a = t.answer or {}
    cites = a.get("citations") or []
    good = t.rating == 1
    item: dict[str, Any] = {"id": f"fb{t.id}", "question": t.searched or t.question}
    if good and a.get("answered") and cites:
        item.update(relevant=list(dict.fromkeys(Path(c.get("source") or "").name for c in cites)),
                    page=cites[0].get("page"), article=cites[0].get("article"), answers=[], answerable=True)
    elif good:  # 「資料にない」 was right
        item.update(relevant=[], page=None, article=None, answers=[], answerable=False)
    else:
        item.update(relevant=[], page=None, article=None, answers=[], answerable=True, review=True)
    item.update(rating=RATINGS[t.rating], comment=t.comment, answer=a.get("answer", ""),
                answerer=t.answerer, asked=t.question)
    return item
