"""Chunk and section ids are never reused (SQLite AUTOINCREMENT).

SQLite's INTEGER PRIMARY KEY without AUTOINCREMENT hands out max(id) + 1, so
after a delete purged the newest rows the next ingest reused their ids: a
query still ranking on the previous index generation then resolved an id to
another document's row. AUTOINCREMENT (sqlite_sequence) never goes back.
SQLite cannot add it to a table, so both tables are rebuilt (rows and ids
kept). PostgreSQL sequences never reuse values: nothing to do there.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
SECTION_COLS = ("id", "document_id", "ordinal", "page", "article", "heading", "text_original", "text",
                "offset_map", "superseded")
CHUNK_COLS = ("id", "document_id", "section_id", "ordinal", "start", "end", "text", "terms", "n_tokens")


def _rebuild(autoincrement: bool) -> None:
    meta = sa.MetaData()
    sa.Table("documents", meta, sa.Column("id", BigId, primary_key=True))  # FK target only, not created
    sections = sa.Table(
        "sections_new", meta,
        sa.Column("id", BigId, primary_key=True),
        sa.Column("document_id", BigId, sa.ForeignKey("documents.id"), nullable=False),
        sa.Column("ordinal", sa.Integer, nullable=False),
        sa.Column("page", sa.Integer, nullable=True),
        sa.Column("article", sa.String(200), nullable=True),
        sa.Column("heading", sa.Text, nullable=True),
        sa.Column("text_original", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("offset_map", sa.JSON, nullable=False),
        sa.Column("superseded", sa.Integer, nullable=False, server_default="0"),
        sqlite_autoincrement=autoincrement,
    )
    chunks = sa.Table(
        "chunks_new", meta,
        sa.Column("id", BigId, primary_key=True),
        sa.Column("document_id", BigId, sa.ForeignKey("documents.id"), nullable=False),
        sa.Column("section_id", BigId, sa.ForeignKey("sections_new.id"), nullable=False),
        sa.Column("ordinal", sa.Integer, nullable=False),
        sa.Column("start", sa.Integer, nullable=False),
        sa.Column("end", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("terms", sa.Text, nullable=False),
        sa.Column("n_tokens", sa.Integer, nullable=False),
        sqlite_autoincrement=autoincrement,
    )
    bind = op.get_bind()
    sections.create(bind)
    chunks.create(bind)
    sc, cc = ", ".join(f'"{c}"' for c in SECTION_COLS), ", ".join(f'"{c}"' for c in CHUNK_COLS)
    op.execute(f"INSERT INTO sections_new ({sc}) SELECT {sc} FROM sections")
    op.execute(f"INSERT INTO chunks_new ({cc}) SELECT {cc} FROM chunks")
    # old chunks first: nothing references them, and then nothing references old sections
    op.execute("DROP TABLE chunks")
    op.execute("DROP TABLE sections")
    # SQLite >= 3.26 rewrites chunks_new's REFERENCES sections_new on the rename
    op.execute("ALTER TABLE sections_new RENAME TO sections")
    op.execute("ALTER TABLE chunks_new RENAME TO chunks")
    op.create_index("ix_sections_document_id", "sections", ["document_id"])
    op.create_index("ix_chunks_document_id", "chunks", ["document_id"])
    op.create_index("ix_chunks_section_id", "chunks", ["section_id"])


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild(autoincrement=True)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild(autoincrement=False)
