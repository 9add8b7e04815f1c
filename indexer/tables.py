"""Every table of the catalog (SQLAlchemy 2 typed mapping), one declarative ``Base``.

:mod:`indexer.catalog` opens the database and migrates it (``migrations/``);
a new table goes here, with its Alembic revision.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


# SQLite's INTEGER PRIMARY KEY is 64-bit and autoincrements; PostgreSQL needs BIGINT.
BigId = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class Base(DeclarativeBase):
    pass


class Batch(Base):
    __tablename__ = "batches"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    by: Mapped[str] = mapped_column(String(200))
    manifest_path: Mapped[str | None] = mapped_column(Text)
    n_ok: Mapped[int] = mapped_column(Integer, default=0)
    n_duplicate: Mapped[int] = mapped_column(Integer, default=0)
    n_error: Mapped[int] = mapped_column(Integer, default=0)
    files: Mapped[list["BatchFile"]] = relationship(back_populates="batch", order_by="BatchFile.id")


class BatchFile(Base):
    __tablename__ = "batch_files"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), index=True)
    source: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int | None] = mapped_column(BigInteger)
    result: Mapped[str] = mapped_column(String(20))  # ok | duplicate | error
    reason: Mapped[str | None] = mapped_column(Text)
    document_id: Mapped[int | None] = mapped_column(BigInteger)
    batch: Mapped[Batch] = relationship(back_populates="files")


class Document(Base):
    __tablename__ = "documents"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    source: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20))
    encoding: Mapped[str | None] = mapped_column(String(40))
    pages: Mapped[int | None] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    label: Mapped[int] = mapped_column(Integer, default=1)  # 機密性 1–3
    departments: Mapped[list[str]] = mapped_column(JSON, default=list)
    license: Mapped[str] = mapped_column(Text, default="")
    # pending (in catalog, not yet in the live index) | active | deleted
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"))
    batch_file_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sections: Mapped[list["SectionRow"]] = relationship(
        back_populates="document", order_by="SectionRow.ordinal", cascade="all, delete-orphan"
    )


class SectionRow(Base):
    """One citable unit (PDF page, law paragraph, heading block)."""

    __tablename__ = "sections"
    # AUTOINCREMENT: an id is never reused after a purge (a reader holding an old
    # generation must never resolve its id to another document's row); revision 0004.
    __table_args__ = ({"sqlite_autoincrement": True},)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    ordinal: Mapped[int] = mapped_column(Integer)
    page: Mapped[int | None] = mapped_column(Integer)
    article: Mapped[str | None] = mapped_column(String(200))
    heading: Mapped[str | None] = mapped_column(Text)
    text_original: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)  # normalised
    # Break points [norm_index, orig_index] of the normalised→original map.
    offset_map: Mapped[list[list[int]]] = mapped_column(JSON, default=list)
    # 1 while a full re-index replaces this section: the live generation still
    # cites it; it is deleted once the new generation is live (crash safety).
    superseded: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    document: Mapped[Document] = relationship(back_populates="sections")
    chunks: Mapped[list["ChunkRow"]] = relationship(
        back_populates="section", order_by="ChunkRow.ordinal", cascade="all, delete-orphan"
    )


class ChunkRow(Base):
    __tablename__ = "chunks"
    # The FAISS/BM25 ids: never reused (see SectionRow), so an id a generation
    # holds resolves to the row it indexed or to nothing.
    __table_args__ = ({"sqlite_autoincrement": True},)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("sections.id"), index=True)
    ordinal: Mapped[int] = mapped_column(Integer)
    start: Mapped[int] = mapped_column(Integer)  # span in the section's normalised text
    end: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    # Space-joined analysed terms, so BM25 rebuilds never re-run fugashi.
    terms: Mapped[str] = mapped_column(Text)
    n_tokens: Mapped[int] = mapped_column(Integer)
    section: Mapped[SectionRow] = relationship(back_populates="chunks")


class Generation(Base):
    __tablename__ = "generations"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    status: Mapped[str] = mapped_column(String(20), default="building")  # building|live|retired
    n_chunks: Mapped[int] = mapped_column(Integer, default=0)
    embedder: Mapped[str] = mapped_column(Text, default="")
    dim: Mapped[int] = mapped_column(Integer, default=0)
    full: Mapped[int] = mapped_column(Integer, default=0)
    # Revision 0010: what any server needs to rebuild this generation from the database alone
    # (shirube/index_sync.py): its chunk ids (sorted int64, delta-coded, zlib) and its manifest.
    chunk_ids: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    manifest: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class AclState(Base):
    """One row: a counter bumped whenever labels or departments change (revision 0010), so every
    server's cached allowed-id sets go stale at once, not only the processes sharing a home."""

    __tablename__ = "acl_state"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)


class User(Base):
    """A local user of the app / CLI (see shirube/users.py for the logic)."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    # NFKC + casefold of name (shirube/users.py fold_name): yamada, Yamada and Ｙａｍａｄａ are one
    # user (migration 0005; a clash found there keeps "<key>#<id>" and is disabled)
    name_key: Mapped[str] = mapped_column(String(400), unique=True, index=True)
    password_hash: Mapped[str] = mapped_column(Text)  # argon2id, never the password
    role: Mapped[str] = mapped_column(String(20))  # viewer | clerk | admin
    clearance: Mapped[int] = mapped_column(Integer, default=1)  # 1–3
    departments: Mapped[list[str]] = mapped_column(JSON, default=list)
    disabled: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuditEvent(Base):
    """Append-only audit trail; each row carries the hash of the previous one
    (see shirube/audit.py for writing and verifying the chain)."""

    __tablename__ = "audit_events"
    # two concurrent appends after the same row cannot both commit
    __table_args__ = (UniqueConstraint("prev_hash", name="uq_audit_events_prev_hash"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    user: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40), index=True)  # ask|search|ingest|delete|relabel|reindex|login…
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # unique: two concurrent appends after the same row cannot both commit
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class IngestJob(Base):
    """An upload or ingest, durable from the moment it is accepted (shirube/jobs.py); revision 0006."""

    __tablename__ = "ingest_jobs"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # upload (bytes kept under home/uploads/) | paths (CLI)
    by: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(20), default="queued", index=True)  # queued|running|done|failed
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    label: Mapped[int] = mapped_column(Integer, default=1)
    departments: Mapped[list[str]] = mapped_column(JSON, default=list)
    license: Mapped[str] = mapped_column(Text, default="")
    access: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # the uploader's filter (duplicates)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    batch_id: Mapped[int | None] = mapped_column(BigInteger)  # the batch of its latest attempt
    reason: Mapped[str | None] = mapped_column(Text)
    files: Mapped[list["IngestJobFile"]] = relationship(order_by="IngestJobFile.ordinal")


class IngestJobFile(Base):
    __tablename__ = "ingest_job_files"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("ingest_jobs.id"), index=True)
    ordinal: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)  # as uploaded
    stored_path: Mapped[str] = mapped_column(Text)  # relative to the home
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    sha256: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(20), default="queued")  # queued | ok | duplicate | error | skipped
    reason: Mapped[str | None] = mapped_column(Text)
    document_id: Mapped[int | None] = mapped_column(BigInteger)
    batch_id: Mapped[int | None] = mapped_column(BigInteger)


class ApiToken(Base):
    """A per-user HTTP API token (shirube/tokens.py): only its SHA-256 is kept; revision 0008."""

    __tablename__ = "api_tokens"
    __table_args__ = (UniqueConstraint("token_hash", name="uq_api_tokens_token_hash"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user: Mapped[str] = mapped_column(String(200), index=True)  # the account's stored name
    prefix: Mapped[str] = mapped_column(String(16), index=True)  # shown in lists; finds the row
    token_hash: Mapped[str] = mapped_column(String(64))  # sha256 hex of the whole token
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by: Mapped[str | None] = mapped_column(String(200))


class EmbeddingCacheRow(Base):
    """A passage vector, keyed by (embedder model id, sha256 of the exact indexed text); revision 0009.

    A full re-index, a re-chunking or an ingest embeds only texts this table lacks for the
    configured model (:mod:`indexer.embed_cache`). Vectors are float32 rows as bytes, in the
    catalog (SQLite or PostgreSQL) beside the chunks they belong to.
    """

    __tablename__ = "embedding_cache"
    model_id: Mapped[str] = mapped_column(String(300), primary_key=True)
    text_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    dim: Mapped[int] = mapped_column(Integer)
    vector: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Conversation(Base):
    """One user's conversation in the app (shirube/conversations.py); revision 0007.

    Only its owner lists, reopens or deletes it; the questions are also in the audit log."""

    __tablename__ = "conversations"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user: Mapped[str] = mapped_column(String(200), index=True)  # the owner (users.name)
    title: Mapped[str] = mapped_column(Text)  # the first question, shortened
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    turns: Mapped[list["ConversationTurn"]] = relationship(
        order_by="ConversationTurn.ordinal", cascade="all, delete-orphan")


class ConversationTurn(Base):
    """A question and its answer (``Answer.to_dict()``: text, citations, answerer, searched), and its rating."""

    __tablename__ = "conversation_turns"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    ordinal: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    question: Mapped[str] = mapped_column(Text)
    searched: Mapped[str | None] = mapped_column(Text)  # the question as searched (a follow-up)
    answerer: Mapped[str] = mapped_column(String(40), default="")
    answer: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # None: the question failed (``error``)
    error: Mapped[str | None] = mapped_column(Text)
    rating: Mapped[int | None] = mapped_column(Integer)  # 1 👍 | -1 👎 | None
    comment: Mapped[str] = mapped_column(Text, default="")
    rated_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class LoginSession(Base):
    """A login that survives a page reload: the browser keeps a signed cookie naming it
    (shirube/login_sessions.py); logout revokes the row. Revision 0007."""

    __tablename__ = "login_sessions"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of the cookie's random id
    user: Mapped[str] = mapped_column(String(200), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
