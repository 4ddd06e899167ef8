"""Idempotency keys per project: op_log is keyed by (project_id, op_id) and
(project_id, client_id, client_seq), so one project's ops never answer another's.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # the primary key leads with project_id, so it serves lookups by project as well
    op.drop_index("ix_op_log_project_id", table_name="op_log")
    with op.batch_alter_table("op_log") as batch:
        batch.drop_constraint("uq_op_log_client_id_client_seq", type_="unique")
        batch.drop_constraint("pk_op_log", type_="primary")
        batch.create_primary_key("pk_op_log", ["project_id", "op_id"])
        batch.create_unique_constraint(
            "uq_op_log_project_id_client_id_client_seq", ["project_id", "client_id", "client_seq"]
        )


def downgrade() -> None:
    with op.batch_alter_table("op_log") as batch:
        batch.drop_constraint("uq_op_log_project_id_client_id_client_seq", type_="unique")
        batch.drop_constraint("pk_op_log", type_="primary")
        batch.create_primary_key("pk_op_log", ["op_id"])
        batch.create_unique_constraint(
            "uq_op_log_client_id_client_seq", ["client_id", "client_seq"]
        )
    op.create_index("ix_op_log_project_id", "op_log", ["project_id"], unique=False)
