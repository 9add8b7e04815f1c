"""Embedding cache: passage vectors keyed by (embedder model id, sha256 of the indexed text),
so a full re-index, a re-chunking or an ingest embeds only texts never embedded before.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table("embedding_cache"):
        return  # made by create_all before migrations existed
    op.create_table(
        "embedding_cache",
        sa.Column("model_id", sa.String(300), primary_key=True),
        sa.Column("text_sha256", sa.String(64), primary_key=True),
        sa.Column("dim", sa.Integer, nullable=False),
        sa.Column("vector", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("embedding_cache")
