"""Breach response: the facts an incident's notices state (organisation, what happened, contacts).

Revision ID: respond_0003
Revises: respond_0002
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "respond_0003"
down_revision: str | Sequence[str] | None = "respond_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = (
    ("organisation", sa.Text()),
    ("org_state", sa.String(2)),
    ("entity_type", sa.String(40)),
    ("what_happened", sa.Text()),
    ("org_actions", sa.Text()),
    ("individual_steps", sa.Text()),
    ("safeguards", sa.Text()),
    ("breach_types", sa.Text()),
    ("locations", sa.Text()),
    ("ba_involved", sa.Boolean()),
    ("contact_phone", sa.String(40)),
    ("contact_email", sa.String(255)),
    ("contact_web", sa.String(255)),
    ("contact_postal", sa.Text()),
)


def upgrade() -> None:
    with op.batch_alter_table("respond_incident") as batch:
        for name, kind in _COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("respond_incident") as batch:
        for name, _ in reversed(_COLUMNS):
            batch.drop_column(name)
