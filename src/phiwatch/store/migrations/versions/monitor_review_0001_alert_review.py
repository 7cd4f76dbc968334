"""The review queue's own state: alert status, dismissal reason, assignee, and its history.

Revision ID: monitor_review_0001
Revises: monitor_0002
Create Date: 2026-11-23

A branch of its own (``monitor_review``) growing from ``monitor_0002`` (it
refers to ``monitor_alert``), so monitor's own chain stays free to grow.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "monitor_review_0001"
down_revision: str | Sequence[str] | None = "monitor_0002"
branch_labels: str | Sequence[str] | None = ("monitor_review",)
depends_on: str | Sequence[str] | None = None

_TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "monitor_alert_review",
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(32), nullable=True),
        sa.Column("assignee", sa.String(64), nullable=True),
        sa.Column("updated_at", _TZ, nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["monitor_alert.id"],
            name=op.f("fk_monitor_alert_review_alert_id_monitor_alert"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("alert_id", name=op.f("pk_monitor_alert_review")),
    )
    op.create_index(op.f("ix_monitor_alert_review_assignee"), "monitor_alert_review", ["assignee"])
    op.create_table(
        "monitor_alert_action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("at", _TZ, nullable=False),
        sa.Column("by", sa.String(64), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["monitor_alert.id"],
            name=op.f("fk_monitor_alert_action_alert_id_monitor_alert"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitor_alert_action")),
    )
    op.create_index(op.f("ix_monitor_alert_action_alert_id"), "monitor_alert_action", ["alert_id"])


def downgrade() -> None:
    op.drop_table("monitor_alert_action")
    op.drop_table("monitor_alert_review")
