"""Access monitoring: detection runs, watermarks, baselines, alerts and cases.

Revision ID: monitor_0002
Revises: monitor_0001
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "monitor_0002"
down_revision: str | Sequence[str] | None = "monitor_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "monitor_detection_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", _TZ, nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=True),
        sa.Column("last_day", sa.Date(), nullable=True),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("alerts", sa.Integer(), nullable=False),
        sa.Column("context_version", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitor_detection_run")),
    )
    op.create_table(
        "monitor_watermark",
        sa.Column("detector_id", sa.String(64), nullable=False),
        sa.Column("manifest", sa.String(200), nullable=False),
        sa.Column("updated_at", _TZ, nullable=False),
        sa.PrimaryKeyConstraint("detector_id", name=op.f("pk_monitor_watermark")),
    )
    op.create_table(
        "monitor_baseline_day",
        sa.Column("user_pseudonym", sa.String(32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("patients", sa.Integer(), nullable=False),
        sa.Column("unexplained", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("user_pseudonym", "day", name=op.f("pk_monitor_baseline_day")),
    )
    op.create_table(
        "monitor_baseline_seen",
        sa.Column("user_pseudonym", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("value", sa.String(200), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint(
            "user_pseudonym", "kind", "value", name=op.f("pk_monitor_baseline_seen")
        ),
    )
    op.create_table(
        "monitor_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_pseudonym", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("opened_at", _TZ, nullable=False),
        sa.Column("updated_at", _TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitor_case")),
    )
    op.create_index(op.f("ix_monitor_case_user_pseudonym"), "monitor_case", ["user_pseudonym"])
    op.create_table(
        "monitor_case_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("written_at", _TZ, nullable=False),
        sa.Column("status", sa.String(16), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["monitor_case.id"],
            name=op.f("fk_monitor_case_note_case_id_monitor_case"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitor_case_note")),
    )
    op.create_index(op.f("ix_monitor_case_note_case_id"), "monitor_case_note", ["case_id"])
    op.create_table(
        "monitor_alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("detector_id", sa.String(64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("user_pseudonym", sa.String(32), nullable=False),
        sa.Column("start", sa.DateTime(), nullable=False),
        sa.Column("end", sa.DateTime(), nullable=False),
        sa.Column("sentence", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("created_at", _TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["monitor_case.id"],
            name=op.f("fk_monitor_alert_case_id_monitor_case"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["monitor_detection_run.id"],
            name=op.f("fk_monitor_alert_run_id_monitor_detection_run"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitor_alert")),
        sa.UniqueConstraint("key", name=op.f("uq_monitor_alert_key")),
    )
    op.create_index(op.f("ix_monitor_alert_detector_id"), "monitor_alert", ["detector_id"])
    op.create_index(op.f("ix_monitor_alert_user_pseudonym"), "monitor_alert", ["user_pseudonym"])
    op.create_index(op.f("ix_monitor_alert_case_id"), "monitor_alert", ["case_id"])
    op.create_index(op.f("ix_monitor_alert_run_id"), "monitor_alert", ["run_id"])


def downgrade() -> None:
    for table in (
        "monitor_alert",
        "monitor_case_note",
        "monitor_case",
        "monitor_baseline_seen",
        "monitor_baseline_day",
        "monitor_watermark",
        "monitor_detection_run",
    ):
        op.drop_table(table)
