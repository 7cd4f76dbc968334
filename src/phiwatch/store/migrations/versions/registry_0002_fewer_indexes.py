"""Breach registry: drop the indexes on state, submission date and list.

The whole portal is under ten thousand breaches, so a filter on any of these
columns scans the table in about a millisecond with or without an index,
while each index cost every import a B-tree insert per breach (about a third
of the time SQLite spends writing a first import).

Revision ID: registry_0002
Revises: registry_0001
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "registry_0002"
down_revision: str | Sequence[str] | None = "registry_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DROPPED = ("state", "submitted_on", "list_name")


def upgrade() -> None:
    for column in _DROPPED:
        op.drop_index(f"ix_registry_breach_{column}", table_name="registry_breach")


def downgrade() -> None:
    for column in _DROPPED:
        op.create_index(f"ix_registry_breach_{column}", "registry_breach", [column])
