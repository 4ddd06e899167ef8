"""Hypercare's adoption and training gaps, and the record of the final call.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TZ = sa.DateTime(timezone=True)


def _record(name: str, *columns: sa.Column) -> None:  # type: ignore[type-arg]
    op.create_table(
        name,
        sa.Column("field_versions", sa.JSON(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", _TZ, nullable=True),
        sa.Column("updated_by", sa.String(), nullable=False),
        *columns,
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
    )
    op.create_index(f"ix_{name}_project_id", name, ["project_id"], unique=False)


def upgrade() -> None:
    _record(
        "adoption_gap",
        sa.Column("where", sa.String(length=200), nullable=False),
        sa.Column("topic", sa.String(length=300), nullable=False),
        sa.Column("owner", sa.String(length=36), nullable=False),
        sa.Column("follow_up", sa.String(length=5000), nullable=False),
        sa.Column("due_at", _TZ, nullable=True),
        sa.Column("status", sa.String(length=40), nullable=False),
    )
    _record(
        "final_call",
        sa.Column("held_at", _TZ, nullable=True),
        sa.Column("attendees", sa.JSON(), nullable=False),
        sa.Column("tuning", sa.String(length=10000), nullable=False),
        sa.Column("open_items", sa.String(length=10000), nullable=False),
        sa.Column("adoption_review", sa.String(length=10000), nullable=False),
    )


def downgrade() -> None:
    for name in ("final_call", "adoption_gap"):
        op.drop_index(f"ix_{name}_project_id", table_name=name)
        op.drop_table(name)
