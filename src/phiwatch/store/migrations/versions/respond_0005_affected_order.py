"""Breach response: affected individuals indexed by (incident, pseudonym).

Notices walk an incident's individuals in pseudonym order. With an index on
the incident alone, SQLite gathered and sorted the whole incident before the
first recipient came out (seven seconds for a million, before a print test's
first letter); the pair gives them in order straight from the index, and
still serves every look-up by incident, so the single-column index goes.

Revision ID: respond_0005
Revises: respond_0004
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "respond_0005"
down_revision: str | Sequence[str] | None = "respond_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_respond_affected_incident_pseudonym",
        "respond_affected",
        ["incident_id", "patient_pseudonym"],
    )
    op.drop_index("ix_respond_affected_incident_id", table_name="respond_affected")


def downgrade() -> None:
    op.create_index("ix_respond_affected_incident_id", "respond_affected", ["incident_id"])
    op.drop_index("ix_respond_affected_incident_pseudonym", table_name="respond_affected")
