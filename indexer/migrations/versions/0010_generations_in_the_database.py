"""Generations in the database: each generation's chunk ids and manifest, and an access-list
counter, so a server with only the database URL can rebuild the live index (shirube/index_sync.py).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    insp = sa.inspect(op.get_bind())
    have = {c["name"] for c in insp.get_columns("generations")}
    with op.batch_alter_table("generations") as batch:
        if "chunk_ids" not in have:
            batch.add_column(sa.Column("chunk_ids", sa.LargeBinary, nullable=True))
        if "manifest" not in have:
            batch.add_column(sa.Column("manifest", sa.JSON, nullable=True))
    if not insp.has_table("acl_state"):
        op.create_table(
            "acl_state",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("version", sa.BigInteger, nullable=False, server_default="0"),
        )


def downgrade() -> None:
    op.drop_table("acl_state")
    with op.batch_alter_table("generations") as batch:
        batch.drop_column("manifest")
        batch.drop_column("chunk_ids")
