"""Acceptance and closure: the customer's feedback, the hand-off to support, and a
project's closing and reopening.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
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
        "feedback",
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comments", sa.String(length=10000), nullable=False),
        sa.Column("by", sa.String(), nullable=False),
        sa.Column("at", _TZ, nullable=True),
    )
    _record(
        "handoff",
        sa.Column("open_issues", sa.JSON(), nullable=False),
        sa.Column("exceptions", sa.JSON(), nullable=False),
        sa.Column("contacts", sa.JSON(), nullable=False),
        sa.Column("as_built", sa.String(length=20000), nullable=False),
        sa.Column("by", sa.String(), nullable=False),
        sa.Column("at", _TZ, nullable=True),
    )
    with op.batch_alter_table("project") as batch:
        batch.add_column(sa.Column("closed_at", _TZ, nullable=True))
        batch.add_column(sa.Column("closed_by", sa.String(), nullable=False, server_default=""))
        batch.add_column(sa.Column("close_reason", sa.String(length=5000), nullable=False,
                                   server_default=""))
        batch.add_column(sa.Column("reopened_at", _TZ, nullable=True))
        batch.add_column(sa.Column("reopened_by", sa.String(), nullable=False, server_default=""))
        batch.add_column(sa.Column("reopen_reason", sa.String(length=5000), nullable=False,
                                   server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("project") as batch:
        for name in ("reopen_reason", "reopened_by", "reopened_at", "close_reason",
                     "closed_by", "closed_at"):
            batch.drop_column(name)
    op.drop_index("ix_handoff_project_id", table_name="handoff")
    op.drop_table("handoff")
    op.drop_index("ix_feedback_project_id", table_name="feedback")
    op.drop_table("feedback")
