"""Conversations kept per user (question, answer, citations, rating) and the app's login
sessions (a signed cookie names one; logout revokes it).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sa.DateTime(timezone=True)


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table("conversations"):
        return  # made by create_all before migrations existed (stamped, then upgraded)
    op.create_table(
        "conversations",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("user", sa.String(200), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.Column("updated_at", When, nullable=False),
    )
    op.create_index("ix_conversations_user", "conversations", ["user"])
    op.create_table(
        "conversation_turns",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("conversation_id", BigId, sa.ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False),
        sa.Column("ordinal", sa.Integer, nullable=False),
        sa.Column("at", When, nullable=False),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("searched", sa.Text, nullable=True),
        sa.Column("answerer", sa.String(40), nullable=False),
        sa.Column("answer", sa.JSON, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("rating", sa.Integer, nullable=True),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("rated_at", When, nullable=True),
    )
    op.create_index("ix_conversation_turns_conversation_id", "conversation_turns", ["conversation_id"])
    op.create_table(
        "login_sessions",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("user", sa.String(200), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.Column("expires_at", When, nullable=False),
        sa.Column("revoked_at", When, nullable=True),
    )
    op.create_index("ix_login_sessions_user", "login_sessions", ["user"])


def downgrade() -> None:
    op.drop_index("ix_login_sessions_user", table_name="login_sessions")
    op.drop_table("login_sessions")
    op.drop_index("ix_conversation_turns_conversation_id", table_name="conversation_turns")
    op.drop_table("conversation_turns")
    op.drop_index("ix_conversations_user", table_name="conversations")
    op.drop_table("conversations")
