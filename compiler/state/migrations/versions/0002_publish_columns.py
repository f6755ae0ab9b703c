"""publish: where a repository lives, and what a pull request says

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("repositories", schema=None) as batch_op:
        batch_op.add_column(sa.Column("provider", sa.String(length=50), nullable=True))
        batch_op.add_column(sa.Column("remote_url", sa.String(length=1000), nullable=True))
        batch_op.add_column(sa.Column("external_id", sa.String(length=200), nullable=True))
    with op.batch_alter_table("pull_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("description", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("source_sha", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("url", sa.String(length=1000), nullable=True))
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("pull_requests", schema=None) as batch_op:
        batch_op.drop_column("updated_at")
        batch_op.drop_column("url")
        batch_op.drop_column("source_sha")
        batch_op.drop_column("description")
    with op.batch_alter_table("repositories", schema=None) as batch_op:
        batch_op.drop_column("external_id")
        batch_op.drop_column("remote_url")
        batch_op.drop_column("provider")
