"""Access monitoring: a patient's preferred language, for notices in that language.

``monitor_patient`` gains ``language`` (a primary language subtag such as
``es``; ``NULL`` when the source states none). Context versions loaded
before this revision have no language: their patients get English notices
until the context is loaded again (``phiwatch monitor context load``).

Revision ID: monitor_0004
Revises: monitor_0003
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "monitor_0004"
down_revision: str | Sequence[str] | None = "monitor_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("monitor_patient") as batch:
        batch.add_column(sa.Column("language", sa.String(8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("monitor_patient") as batch:
        batch.drop_column("language")
