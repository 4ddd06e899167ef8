"""Runbook steps and adoption gaps are withdrawn, never deleted: when, by whom and why.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("runbook_step", "adoption_gap")


def upgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("withdrawn_at", sa.DateTime(timezone=True),
                                       nullable=True))
            batch.add_column(sa.Column("withdrawn_by", sa.String(), nullable=False,
                                       server_default=""))
            batch.add_column(sa.Column("withdraw_reason", sa.String(length=5000),
                                       nullable=False, server_default=""))


def downgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("withdraw_reason")
            batch.drop_column("withdrawn_by")
            batch.drop_column("withdrawn_at")
