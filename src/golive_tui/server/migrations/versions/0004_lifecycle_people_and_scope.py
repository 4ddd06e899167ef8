"""The lifecycle's records: the phase log, stakeholders, the kickoff and its actions, the
RAID log and change requests; a milestone's owner and forecast.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("phase_event", "stakeholder", "kickoff", "action_item", "raid_item", "change_request")


def upgrade() -> None:
    with op.batch_alter_table("milestone") as batch:
        batch.add_column(
            sa.Column("owner", sa.String(length=36), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("forecast_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "phase_event",
        sa.Column("field_versions", sa.JSON(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_by", sa.String(), nullable=False),
        sa.Column("phase", sa.String(length=40), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.String(length=2000), nullable=False),
        sa.Column("by", sa.String(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("unmet", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phase_event")),
    )
    op.create_index("ix_phase_event_project_id", "phase_event", ["project_id"], unique=False)

    op.create_table(
        "stakeholder",
        sa.Column("field_versions", sa.JSON(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_by", sa.String(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("escalation_level", sa.Integer(), nullable=False),
        sa.Column("user", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stakeholder")),
    )
    op.create_index("ix_stakeholder_project_id", "stakeholder", ["project_id"], unique=False)

    op.create_table(
        "kickoff",
        sa.Column("field_versions", sa.JSON(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_by", sa.String(), nullable=False),
        sa.Column("held_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attendees", sa.JSON(), nullable=False),
        sa.Column("agreed_scope", sa.String(length=5000), nullable=False),
        sa.Column("decisions", sa.JSON(), nullable=False),
        sa.Column("notes", sa.String(length=10000), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kickoff")),
    )
    op.create_index("ix_kickoff_project_id", "kickoff", ["project_id"], unique=False)

    op.create_table(
        "action_item",
        sa.Column("field_versions", sa.JSON(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_by", sa.String(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("owner", sa.String(length=36), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("kickoff_id", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action_item")),
    )
    op.create_index("ix_action_item_project_id", "action_item", ["project_id"], unique=False)

    op.create_table(
        "raid_item",
        sa.Column("field_versions", sa.JSON(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_by", sa.String(), nullable=False),
        sa.Column("raid_type", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.String(length=10000), nullable=False),
        sa.Column("owner", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("decision", sa.String(length=5000), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_raid_item")),
    )
    op.create_index("ix_raid_item_project_id", "raid_item", ["project_id"], unique=False)

    op.create_table(
        "change_request",
        sa.Column("field_versions", sa.JSON(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_by", sa.String(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.String(length=10000), nullable=False),
        sa.Column("impact", sa.String(length=5000), nullable=False),
        sa.Column("owner", sa.String(length=36), nullable=False),
        sa.Column("state", sa.String(length=40), nullable=False),
        sa.Column("decision_reason", sa.String(length=5000), nullable=False),
        sa.Column("decided_by", sa.String(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_request")),
    )
    op.create_index("ix_change_request_project_id", "change_request", ["project_id"], unique=False)


def downgrade() -> None:
    for name in reversed(_TABLES):
        op.drop_index(f"ix_{name}_project_id", table_name=name)
        op.drop_table(name)
    with op.batch_alter_table("milestone") as batch:
        batch.drop_column("forecast_at")
        batch.drop_column("owner")
