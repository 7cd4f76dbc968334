"""phiwatch's own security: accounts, sessions, API tokens, sign-in attempts, field keys, audit trail.

Revision ID: security_0001
Revises: 0000_base
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "security_0001"
down_revision: str | Sequence[str] | None = "0000_base"
branch_labels: str | Sequence[str] | None = ("security",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "security_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=True),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("password_hash", sa.String(255), nullable=True),
        sa.Column("totp_secret", sa.Text(), nullable=True),
        sa.Column("oidc_subject", sa.String(255), nullable=True),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_sign_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_user")),
        sa.UniqueConstraint("username", name=op.f("uq_security_user_username")),
        sa.UniqueConstraint("oidc_subject", name=op.f("uq_security_user_oidc_subject")),
    )
    op.create_table(
        "security_session",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("address", sa.String(64), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["security_user.id"],
            name=op.f("fk_security_session_user_id_security_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_session")),
    )
    op.create_index(op.f("ix_security_session_user_id"), "security_session", ["user_id"])
    op.create_table(
        "security_api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("read_only", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["security_user.id"],
            name=op.f("fk_security_api_token_user_id_security_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_api_token")),
        sa.UniqueConstraint("prefix", name=op.f("uq_security_api_token_prefix")),
    )
    op.create_index(op.f("ix_security_api_token_user_id"), "security_api_token", ["user_id"])
    op.create_table(
        "security_sign_in_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(64), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_sign_in_attempt")),
    )
    for column in ("account", "address", "at"):
        op.create_index(
            op.f(f"ix_security_sign_in_attempt_{column}"), "security_sign_in_attempt", [column]
        )
    op.create_table(
        "security_field_key",
        sa.Column("kid", sa.String(16), nullable=False),
        sa.Column("wrapped", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("kid", name=op.f("pk_security_field_key")),
    )
    op.create_table(
        "security_audit_record",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resource", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_security_audit_record")),
    )
    op.create_table(
        "security_audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_audit_head")),
    )


def downgrade() -> None:
    for table in (
        "security_audit_head",
        "security_audit_record",
        "security_field_key",
        "security_sign_in_attempt",
        "security_api_token",
        "security_session",
        "security_user",
    ):
        op.drop_table(table)
