"""Breach response: Spanish versions of the free-text facts a notice states.

Letters go out in the recipient's preferred language; what happened, what
the organisation is doing and its extra step for individuals are typed by
people, so each gets a Spanish column beside the English one.

Revision ID: respond_0004
Revises: respond_0003
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "respond_0004"
down_revision: str | Sequence[str] | None = "respond_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = ("what_happened_es", "org_actions_es", "individual_steps_es")


def upgrade() -> None:
    with op.batch_alter_table("respond_incident") as batch:
        for name in _COLUMNS:
            batch.add_column(sa.Column(name, sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("respond_incident") as batch:
        for name in reversed(_COLUMNS):
            batch.drop_column(name)
