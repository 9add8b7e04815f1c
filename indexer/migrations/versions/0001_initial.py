"""Initial catalog schema: batches, documents, sections, chunks, generations, users, audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# SQLite's INTEGER PRIMARY KEY is 64-bit and autoincrements; PostgreSQL needs BIGINT.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "batches",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("finished_at", TS, nullable=True),
        sa.Column("by", sa.String(200), nullable=False),
        sa.Column("manifest_path", sa.Text, nullable=True),
        sa.Column("n_ok", sa.Integer, nullable=False),
        sa.Column("n_duplicate", sa.Integer, nullable=False),
        sa.Column("n_error", sa.Integer, nullable=False),
    )
    op.create_table(
        "batch_files",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("batch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), sa.ForeignKey("batches.id"), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("size", sa.BigInteger, nullable=True),
        sa.Column("result", sa.String(20), nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("document_id", sa.BigInteger, nullable=True),
    )
    op.create_index("ix_batch_files_batch_id", "batch_files", ["batch_id"])
    op.create_table(
        "documents",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("encoding", sa.String(40), nullable=True),
        sa.Column("pages", sa.Integer, nullable=True),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("label", sa.Integer, nullable=False),
        sa.Column("departments", sa.JSON, nullable=False),
        sa.Column("license", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("meta", sa.JSON, nullable=False),
        sa.Column("batch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), sa.ForeignKey("batches.id"), nullable=True),
        sa.Column("batch_file_id", sa.BigInteger, nullable=True),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_documents_sha256", "documents", ["sha256"])
    op.create_index("ix_documents_status", "documents", ["status"])
    op.create_table(
        "sections",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("document_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), sa.ForeignKey("documents.id"), nullable=False),
        sa.Column("ordinal", sa.Integer, nullable=False),
        sa.Column("page", sa.Integer, nullable=True),
        sa.Column("article", sa.String(200), nullable=True),
        sa.Column("heading", sa.Text, nullable=True),
        sa.Column("text_original", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("offset_map", sa.JSON, nullable=False),
    )
    op.create_index("ix_sections_document_id", "sections", ["document_id"])
    op.create_table(
        "chunks",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("document_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), sa.ForeignKey("documents.id"), nullable=False),
        sa.Column("section_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), sa.ForeignKey("sections.id"), nullable=False),
        sa.Column("ordinal", sa.Integer, nullable=False),
        sa.Column("start", sa.Integer, nullable=False),
        sa.Column("end", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("terms", sa.Text, nullable=False),
        sa.Column("n_tokens", sa.Integer, nullable=False),
    )
    op.create_index("ix_chunks_document_id", "chunks", ["document_id"])
    op.create_index("ix_chunks_section_id", "chunks", ["section_id"])
    op.create_table(
        "generations",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("n_chunks", sa.Integer, nullable=False),
        sa.Column("embedder", sa.Text, nullable=False),
        sa.Column("dim", sa.Integer, nullable=False),
        sa.Column("full", sa.Integer, nullable=False),
    )
    op.create_table(
        "users",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("clearance", sa.Integer, nullable=False),
        sa.Column("departments", sa.JSON, nullable=False),
        sa.Column("disabled", sa.Integer, nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "audit_events",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("at", TS, nullable=False),
        sa.Column("user", sa.String(200), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("detail", sa.JSON, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_audit_events_at", "audit_events", ["at"])
    op.create_index("ix_audit_events_action", "audit_events", ["action"])


def downgrade() -> None:
    for table in ("audit_events", "users", "generations", "chunks", "sections", "documents", "batch_files", "batches"):
        op.drop_table(table)
