"""Durable ingest jobs: an accepted upload is a catalog row (and its bytes a file in the
home) before any work starts, so leaving the page or restarting the app never loses it.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sa.DateTime(timezone=True)


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table("ingest_jobs"):
        return  # made by create_all before migrations existed (stamped 0001/0002, then upgraded)
    op.create_table(
        "ingest_jobs",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("by", sa.String(200), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.Column("started_at", When, nullable=True),
        sa.Column("finished_at", When, nullable=True),
        sa.Column("label", sa.Integer, nullable=False),
        sa.Column("departments", sa.JSON, nullable=False),
        sa.Column("license", sa.Text, nullable=False),
        sa.Column("access", sa.JSON, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("batch_id", sa.BigInteger, nullable=True),
        sa.Column("reason", sa.Text, nullable=True),
    )
    op.create_index("ix_ingest_jobs_state", "ingest_jobs", ["state"])
    op.create_table(
        "ingest_job_files",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("job_id", BigId, sa.ForeignKey("ingest_jobs.id"), nullable=False),
        sa.Column("ordinal", sa.Integer, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("stored_path", sa.Text, nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("document_id", sa.BigInteger, nullable=True),
        sa.Column("batch_id", sa.BigInteger, nullable=True),
    )
    op.create_index("ix_ingest_job_files_job_id", "ingest_job_files", ["job_id"])


def downgrade() -> None:
    op.drop_index("ix_ingest_job_files_job_id", table_name="ingest_job_files")
    op.drop_table("ingest_job_files")
    op.drop_index("ix_ingest_jobs_state", table_name="ingest_jobs")
    op.drop_table("ingest_jobs")
