"""Breach response: incidents, their sources and affected individuals, scopes, notices done.

Revision ID: respond_0001
Revises: 0000_base
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "respond_0001"
down_revision: str | Sequence[str] | None = "0000_base"
branch_labels: str | Sequence[str] | None = ("respond",)
depends_on: str | Sequence[str] | None = None


def _incident_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["incident_id"],
        ["respond_incident.id"],
        name=op.f(f"fk_{table}_incident_id_respond_incident"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "respond_incident",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("discovered", sa.Date(), nullable=False),
        sa.Column("occurred_from", sa.Date(), nullable=True),
        sa.Column("occurred_to", sa.Date(), nullable=True),
        sa.Column("business_associate", sa.Boolean(), nullable=False),
        sa.Column("delay_from", sa.Date(), nullable=True),
        sa.Column("delay_until", sa.Date(), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_respond_incident")),
    )
    op.create_table(
        "respond_source",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("elements", sa.Text(), nullable=False),
        sa.Column("individuals", sa.Integer(), nullable=False),
        sa.Column("exported", sa.Boolean(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        _incident_fk("respond_source"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_respond_source")),
    )
    op.create_index(op.f("ix_respond_source_incident_id"), "respond_source", ["incident_id"])
    op.create_table(
        "respond_affected",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("patient_pseudonym", sa.String(32), nullable=False),
        _incident_fk("respond_affected"),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["respond_source.id"],
            name=op.f("fk_respond_affected_source_id_respond_source"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_respond_affected")),
        sa.UniqueConstraint(
            "source_id", "patient_pseudonym", name=op.f("uq_respond_affected_source_id")
        ),
    )
    op.create_index(op.f("ix_respond_affected_incident_id"), "respond_affected", ["incident_id"])
    op.create_index(op.f("ix_respond_affected_source_id"), "respond_affected", ["source_id"])
    op.create_index(
        op.f("ix_respond_affected_patient_pseudonym"), "respond_affected", ["patient_pseudonym"]
    )
    op.create_table(
        "respond_scope",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        _incident_fk("respond_scope"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_respond_scope")),
    )
    op.create_index(op.f("ix_respond_scope_incident_id"), "respond_scope", ["incident_id"])
    op.create_table(
        "respond_notice_done",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("notice", sa.String(24), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        _incident_fk("respond_notice_done"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_respond_notice_done")),
        sa.UniqueConstraint(
            "incident_id", "notice", name=op.f("uq_respond_notice_done_incident_id")
        ),
    )
    op.create_index(
        op.f("ix_respond_notice_done_incident_id"), "respond_notice_done", ["incident_id"]
    )


def downgrade() -> None:
    op.drop_table("respond_notice_done")
    op.drop_table("respond_scope")
    op.drop_table("respond_affected")
    op.drop_table("respond_source")
    op.drop_table("respond_incident")
