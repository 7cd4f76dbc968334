"""security: which token made which, and whether a token may make tokens at all.

Revision ID: security_0003
Revises: security_0002
Create Date: 2026-12-08

Existing tokens get ``may_create_tokens`` false (a script that made tokens with
its own token must be given a new one that may) and no parent.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "security_0003"
down_revision: str | Sequence[str] | None = "security_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("security_api_token") as batch:
        batch.add_column(
            sa.Column("may_create_tokens", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("parent_id", sa.Integer(), nullable=True))
        batch.create_index("ix_security_api_token_parent_id", ["parent_id"])


def downgrade() -> None:
    with op.batch_alter_table("security_api_token") as batch:
        batch.drop_index("ix_security_api_token_parent_id")
        batch.drop_column("parent_id")
        batch.drop_column("may_create_tokens")
