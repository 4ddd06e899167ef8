"""Cutover waves, emergency locations and sign-offs; port orders get their own states
(an order stored as ported or verified is activated) and what a carrier asks for.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
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


def _text(name: str) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.String(), nullable=False, server_default="")


def upgrade() -> None:
    _record(
        "cutover",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("starts_at", _TZ, nullable=True),
        sa.Column("ends_at", _TZ, nullable=True),
        sa.Column("site_ids", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=40), nullable=False),
        sa.Column("notes", sa.String(), nullable=False),
    )
    _record(
        "emergency_location",
        sa.Column("site_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("address_changed_at", _TZ, nullable=True),
        sa.Column("validated_at", _TZ, nullable=True),
        sa.Column("network", sa.String(), nullable=False),
    )
    op.create_index(
        "ix_emergency_location_site_id", "emergency_location", ["site_id"], unique=False
    )
    _record(
        "signoff",
        sa.Column("signoff_kind", sa.String(length=40), nullable=False),
        sa.Column("cutover_id", sa.String(length=36), nullable=True),
        sa.Column("by", sa.String(), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("at", _TZ, nullable=True),
        sa.Column("note", sa.String(), nullable=False),
        sa.Column("exceptions", sa.JSON(), nullable=False),
    )
    with op.batch_alter_table("project") as batch:
        batch.add_column(
            sa.Column("network_thresholds", sa.JSON(), nullable=False, server_default="{}")
        )
        batch.add_column(
            sa.Column("country", sa.String(length=2), nullable=False, server_default="US")
        )
    with op.batch_alter_table("checklist_item") as batch:
        batch.add_column(sa.Column("cutover_id", sa.String(length=36), nullable=True))
        batch.add_column(_text("evidence"))
    with op.batch_alter_table("decision") as batch:
        batch.add_column(sa.Column("cutover_id", sa.String(length=36), nullable=True))
    with op.batch_alter_table("verification") as batch:
        batch.add_column(sa.Column("emergency_location_id", sa.String(length=36), nullable=True))
        batch.add_column(sa.Column("jitter_ms", sa.Float(), nullable=True))
    with op.batch_alter_table("port_order") as batch:
        batch.add_column(sa.Column("cutover_id", sa.String(length=36), nullable=True))
        for name in ("account_number", "pin", "service_address", "authorised_name", "spid"):
            batch.add_column(_text(name))
        batch.add_column(sa.Column("csr_received_at", _TZ, nullable=True))
        batch.add_column(_text("loa_signed_by"))
        batch.add_column(_text("resp_org"))
        batch.add_column(sa.Column("activated_at", _TZ, nullable=True))
        batch.add_column(
            sa.Column("foc_history", sa.JSON(), nullable=False, server_default="[]")
        )
        batch.add_column(_text("change_reason"))
    op.execute(
        "UPDATE port_order SET status = 'activated' WHERE status IN ('ported', 'verified')"
    )
    # the change feed holds each record as it became; a client that pulls an old change
    # of an order reads the order's state as it is named now
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """UPDATE change SET data = jsonb_set(data::jsonb, '{status}', '"activated"')::json
            WHERE entity = 'port_order' AND data IS NOT NULL
            AND data->>'status' IN ('ported', 'verified')"""
        )
    else:
        op.execute(
            """UPDATE change SET data = json_set(data, '$.status', 'activated')
            WHERE entity = 'port_order' AND data IS NOT NULL
            AND json_extract(data, '$.status') IN ('ported', 'verified')"""
        )


def downgrade() -> None:
    op.execute("UPDATE port_order SET status = 'ported' WHERE status = 'activated'")
    op.execute(
        "UPDATE port_order SET status = 'foc_confirmed' "
        "WHERE status IN ('foc_missed', 'activation_failed')"
    )
    op.execute("UPDATE port_order SET status = 'cancelled' WHERE status = 'snapped_back'")
    with op.batch_alter_table("port_order") as batch:
        for name in (
            "change_reason", "foc_history", "activated_at", "resp_org", "loa_signed_by",
            "csr_received_at", "spid", "authorised_name", "service_address", "pin",
            "account_number", "cutover_id",
        ):
            batch.drop_column(name)
    with op.batch_alter_table("verification") as batch:
        batch.drop_column("jitter_ms")
        batch.drop_column("emergency_location_id")
    with op.batch_alter_table("decision") as batch:
        batch.drop_column("cutover_id")
    with op.batch_alter_table("checklist_item") as batch:
        batch.drop_column("evidence")
        batch.drop_column("cutover_id")
    with op.batch_alter_table("project") as batch:
        batch.drop_column("country")
        batch.drop_column("network_thresholds")
    op.drop_index("ix_signoff_project_id", table_name="signoff")
    op.drop_table("signoff")
    op.drop_index("ix_emergency_location_site_id", table_name="emergency_location")
    op.drop_index("ix_emergency_location_project_id", table_name="emergency_location")
    op.drop_table("emergency_location")
    op.drop_index("ix_cutover_project_id", table_name="cutover")
    op.drop_table("cutover")
