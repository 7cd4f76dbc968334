"""Access monitoring: versioned context (people, workforce, care relationships).

Revision ID: monitor_0001
Revises: 0000_base
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "monitor_0001"
down_revision: str | Sequence[str] | None = "0000_base"
branch_labels: str | Sequence[str] | None = ("monitor",)
depends_on: str | Sequence[str] | None = None


def _version_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["version_id"],
        ["monitor_context_version.id"],
        name=op.f(f"fk_{table}_version_id_monitor_context_version"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "monitor_context_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("patients", sa.Integer(), nullable=False),
        sa.Column("workforce", sa.Integer(), nullable=False),
        sa.Column("relationships", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitor_context_version")),
    )
    op.create_table(
        "monitor_person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("pseudonym", sa.String(32), nullable=False),
        sa.Column("identifier", sa.Text(), nullable=False),
        sa.Column("family", sa.Text(), nullable=True),
        sa.Column("given", sa.Text(), nullable=True),
        sa.Column("birth_date", sa.Text(), nullable=True),
        sa.Column("address_line", sa.Text(), nullable=True),
        sa.Column("city", sa.Text(), nullable=True),
        sa.Column("state", sa.Text(), nullable=True),
        sa.Column("postal_code", sa.Text(), nullable=True),
        _version_fk("monitor_person"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitor_person")),
    )
    op.create_index(op.f("ix_monitor_person_version_id"), "monitor_person", ["version_id"])
    op.create_index(op.f("ix_monitor_person_pseudonym"), "monitor_person", ["pseudonym"])
    op.create_table(
        "monitor_patient",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("pseudonym", sa.String(32), nullable=False),
        sa.Column("vip", sa.Boolean(), nullable=False),
        sa.Column("deceased", sa.Boolean(), nullable=False),
        _version_fk("monitor_patient"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitor_patient")),
    )
    op.create_index(op.f("ix_monitor_patient_version_id"), "monitor_patient", ["version_id"])
    op.create_index(op.f("ix_monitor_patient_pseudonym"), "monitor_patient", ["pseudonym"])
    op.create_table(
        "monitor_workforce",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("pseudonym", sa.String(32), nullable=False),
        sa.Column("role", sa.String(64), nullable=True),
        sa.Column("department", sa.String(200), nullable=True),
        sa.Column("hire_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("patient_pseudonym", sa.String(32), nullable=True),
        _version_fk("monitor_workforce"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitor_workforce")),
    )
    op.create_index(op.f("ix_monitor_workforce_version_id"), "monitor_workforce", ["version_id"])
    op.create_index(op.f("ix_monitor_workforce_pseudonym"), "monitor_workforce", ["pseudonym"])
    op.create_table(
        "monitor_care",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("source_id", sa.String(200), nullable=False),
        sa.Column("patient_pseudonym", sa.String(32), nullable=False),
        sa.Column("user_pseudonym", sa.String(32), nullable=True),
        sa.Column("department", sa.String(200), nullable=True),
        sa.Column("start", sa.Date(), nullable=True),
        sa.Column("end", sa.Date(), nullable=True),
        _version_fk("monitor_care"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitor_care")),
    )
    op.create_index(op.f("ix_monitor_care_version_id"), "monitor_care", ["version_id"])
    op.create_index(
        op.f("ix_monitor_care_patient_pseudonym"), "monitor_care", ["patient_pseudonym"]
    )
    op.create_index(op.f("ix_monitor_care_user_pseudonym"), "monitor_care", ["user_pseudonym"])


def downgrade() -> None:
    for table in ("monitor_care", "monitor_workforce", "monitor_patient", "monitor_person"):
        op.drop_table(table)
    op.drop_table("monitor_context_version")
