"""security: the audit chain's hash covers ``recorded_at`` from now on (hash version 2).

Revision ID: security_0004
Revises: security_0003
Create Date: 2026-12-08

Records already written keep version 1 (their hash covers the sequence
number, the previous hash and the event, whose own ``recorded`` time is
inside it, but not the ``recorded_at`` column); re-hashing them would need
the chain rewritten, which is exactly what the chain exists to show. New
records are version 2. ``audit verify`` checks a version-1 record's
``recorded_at`` against the ``recorded`` time its hash does cover.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "security_0004"
down_revision: str | Sequence[str] | None = "security_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("security_audit_record") as batch:
        batch.add_column(
            sa.Column("hash_version", sa.Integer(), nullable=False, server_default="1")
        )


def downgrade() -> None:
    # Version-2 records will not verify under version 1 after this: say so before running it.
    with op.batch_alter_table("security_audit_record") as batch:
        batch.drop_column("hash_version")
