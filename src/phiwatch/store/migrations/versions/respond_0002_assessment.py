"""Breach response: risk assessments (164.402), one row per version.

Revision ID: respond_0002
Revises: respond_0001
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "respond_0002"
down_revision: str | Sequence[str] | None = "respond_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "respond_assessment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("decided_by", sa.String(200), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answers", sa.Text(), nullable=False),
        sa.Column("result", sa.String(12), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["respond_incident.id"],
            name=op.f("fk_respond_assessment_incident_id_respond_incident"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_respond_assessment")),
        sa.UniqueConstraint(
            "incident_id", "version", name=op.f("uq_respond_assessment_incident_id")
        ),
    )
    op.create_index(
        op.f("ix_respond_assessment_incident_id"), "respond_assessment", ["incident_id"]
    )


def downgrade() -> None:
    op.drop_table("respond_assessment")
