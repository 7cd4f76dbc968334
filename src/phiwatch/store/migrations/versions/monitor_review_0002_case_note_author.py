"""Case notes name their author.

Revision ID: monitor_review_0002
Revises: monitor_review_0001
Create Date: 2026-11-23

A case is evidence in a possible sanction; who wrote each note belongs in a
column of its own, not in the note's text. Notes written before this
revision keep their author in the text ("... (by alice)") and leave the
column empty.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "monitor_review_0002"
down_revision: str | Sequence[str] | None = "monitor_review_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("monitor_case_note") as batch:
        batch.add_column(sa.Column("author", sa.String(120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("monitor_case_note") as batch:
        batch.drop_column("author")
