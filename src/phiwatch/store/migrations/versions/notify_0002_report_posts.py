"""notify: a patient report counts the times it was sent, so one link files one open report.

Before, every "that wasn't me" posted from a message link made a new report
and a new alert in the review queue (five posts, five alerts). Now a post
while the link's report for the same accesses is open adds to that report:
``posts`` counts them and ``last_post_at`` says when the latest came.

Revision ID: notify_0002
Revises: notify_0001
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "notify_0002"
down_revision: str | Sequence[str] | None = "notify_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notify_patient_report") as batch:
        batch.add_column(sa.Column("posts", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("last_post_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notify_patient_report") as batch:
        batch.drop_column("last_post_at")
        batch.drop_column("posts")
