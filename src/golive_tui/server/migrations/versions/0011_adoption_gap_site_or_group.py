"""An adoption gap's site or group in a column whose name is no SQL keyword.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("adoption_gap") as batch:
        batch.alter_column("where", new_column_name="site_or_group")


def downgrade() -> None:
    with op.batch_alter_table("adoption_gap") as batch:
        batch.alter_column("site_or_group", new_column_name="where")
