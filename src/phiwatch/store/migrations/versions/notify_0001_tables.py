"""Patient alerts: subscriptions, ingests seen, digest runs, the outbox, reports, watch contacts.

Revision ID: notify_0001
Revises: 0000_base
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "notify_0001"
down_revision: str | Sequence[str] | None = "0000_base"
branch_labels: str | Sequence[str] | None = ("notify",)
depends_on: str | Sequence[str] | None = None

_WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "notify_subscription",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_pseudonym", sa.String(32), nullable=False),
        sa.Column("patient_ref", sa.Text(), nullable=False),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("email_hash", sa.String(64), nullable=True),
        sa.Column("email_domain", sa.String(255), nullable=True),
        sa.Column("webhook_url", sa.Text(), nullable=True),
        sa.Column("webhook_host", sa.String(255), nullable=True),
        sa.Column("immediate", sa.Boolean(), nullable=False),
        sa.Column("digest", sa.String(8), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("link_generation", sa.Integer(), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.Column("unsubscribed_at", _WHEN, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notify_subscription")),
        sa.UniqueConstraint(
            "patient_pseudonym", name=op.f("uq_notify_subscription_patient_pseudonym")
        ),
    )
    op.create_index(
        op.f("ix_notify_subscription_email_hash"), "notify_subscription", ["email_hash"]
    )
    op.create_table(
        "notify_ingest",
        sa.Column("ingest_id", sa.String(64), nullable=False),
        sa.Column("committed_at", sa.String(32), nullable=False),
        sa.Column("processed_at", _WHEN, nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("alerts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("ingest_id", name=op.f("pk_notify_ingest")),
    )
    op.create_table(
        "notify_digest_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(32), nullable=False),
        sa.Column("ingest_ids", sa.Text(), nullable=False),
        sa.Column("composed_at", _WHEN, nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notify_digest_run")),
    )
    op.create_index(op.f("ix_notify_digest_run_period"), "notify_digest_run", ["period"])
    op.create_table(
        "notify_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=True),
        sa.Column("recipient", sa.Text(), nullable=False),
        sa.Column("domain", sa.String(255), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=True),
        sa.Column("items", sa.Text(), nullable=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", _WHEN, nullable=False),
        sa.Column("claimed_at", _WHEN, nullable=True),
        sa.Column("claim_token", sa.String(32), nullable=True),
        sa.Column("sent_at", _WHEN, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["notify_subscription.id"],
            name=op.f("fk_notify_outbox_subscription_id_notify_subscription"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notify_outbox")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_notify_outbox_idempotency_key")),
    )
    op.create_index(op.f("ix_notify_outbox_subscription_id"), "notify_outbox", ["subscription_id"])
    op.create_index(op.f("ix_notify_outbox_status"), "notify_outbox", ["status"])
    op.create_table(
        "notify_patient_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("patient_pseudonym", sa.String(32), nullable=False),
        sa.Column("verdict", sa.String(12), nullable=False),
        sa.Column("event_ids", sa.Text(), nullable=False),
        sa.Column("user_pseudonyms", sa.Text(), nullable=False),
        sa.Column("words", sa.Text(), nullable=True),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["notify_outbox.id"],
            name=op.f("fk_notify_patient_report_message_id_notify_outbox"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notify_patient_report")),
    )
    op.create_index(
        op.f("ix_notify_patient_report_message_id"), "notify_patient_report", ["message_id"]
    )
    op.create_index(
        op.f("ix_notify_patient_report_patient_pseudonym"),
        "notify_patient_report",
        ["patient_pseudonym"],
    )
    op.create_table(
        "notify_watch_contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("watch_name", sa.String(200), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("email_hash", sa.String(64), nullable=False),
        sa.Column("email_domain", sa.String(255), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notify_watch_contact")),
    )
    op.create_index(
        op.f("ix_notify_watch_contact_watch_name"), "notify_watch_contact", ["watch_name"]
    )


def downgrade() -> None:
    op.drop_table("notify_watch_contact")
    op.drop_table("notify_patient_report")
    op.drop_table("notify_outbox")
    op.drop_table("notify_digest_run")
    op.drop_table("notify_ingest")
    op.drop_table("notify_subscription")
