"""The cutover runbook: timed steps per cutover, its runs (rehearsal or live) and each
step's timing in a run.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
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
        "runbook_step",
        sa.Column("cutover_id", sa.String(length=36), nullable=False),
        sa.Column("offset_minutes", sa.Integer(), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("owner", sa.String(length=36), nullable=False),
        sa.Column("precondition", sa.String(length=5000), nullable=False),
        sa.Column("depends_on", sa.JSON(), nullable=False),
        sa.Column("expected", sa.String(length=5000), nullable=False),
        sa.Column("step_kind", sa.String(length=40), nullable=False),
        sa.Column("snapback", sa.Boolean(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
    )
    op.create_index("ix_runbook_step_cutover_id", "runbook_step", ["cutover_id"], unique=False)
    _record(
        "runbook_run",
        sa.Column("cutover_id", sa.String(length=36), nullable=False),
        sa.Column("run_kind", sa.String(length=40), nullable=False),
        sa.Column("started_at", _TZ, nullable=True),
        sa.Column("finished_at", _TZ, nullable=True),
        sa.Column("by", sa.String(), nullable=False),
    )
    op.create_index("ix_runbook_run_cutover_id", "runbook_run", ["cutover_id"], unique=False)
    _record(
        "runbook_step_run",
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("step_id", sa.String(length=36), nullable=False),
        sa.Column("state", sa.String(length=40), nullable=False),
        sa.Column("started_at", _TZ, nullable=True),
        sa.Column("finished_at", _TZ, nullable=True),
        sa.Column("note", sa.String(length=5000), nullable=False),
        sa.Column("by", sa.String(), nullable=False),
    )
    op.create_index(
        "ix_runbook_step_run_run_id", "runbook_step_run", ["run_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_runbook_step_run_run_id", table_name="runbook_step_run")
    op.drop_index("ix_runbook_step_run_project_id", table_name="runbook_step_run")
    op.drop_table("runbook_step_run")
    op.drop_index("ix_runbook_run_cutover_id", table_name="runbook_run")
    op.drop_index("ix_runbook_run_project_id", table_name="runbook_run")
    op.drop_table("runbook_run")
    op.drop_index("ix_runbook_step_cutover_id", table_name="runbook_step")
    op.drop_index("ix_runbook_step_project_id", table_name="runbook_step")
    op.drop_table("runbook_step")
