"""Crash-safe full re-index (sections.superseded) and a serialised audit chain
(unique audit_events.prev_hash).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sections") as batch:
        batch.add_column(sa.Column("superseded", sa.Integer, nullable=False, server_default="0"))
    with op.batch_alter_table("audit_events") as batch:
        batch.create_unique_constraint("uq_audit_events_prev_hash", ["prev_hash"])


def downgrade() -> None:
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_constraint("uq_audit_events_prev_hash", type_="unique")
    with op.batch_alter_table("sections") as batch:
        batch.drop_column("superseded")
