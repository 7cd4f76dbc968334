"""Breach registry: imports, breaches, their descriptions and changes, watchlists.

Revision ID: registry_0001
Revises: 0000_base
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "registry_0001"
down_revision: str | Sequence[str] | None = "0000_base"
branch_labels: str | Sequence[str] | None = ("registry",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "registry_import",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_name", sa.String(16), nullable=False),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("source_format", sa.String(8), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("new", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("moved", sa.Integer(), nullable=False),
        sa.Column("delisted", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_import")),
    )
    op.create_index(op.f("ix_registry_import_sha256"), "registry_import", ["sha256"])
    op.create_table(
        "registry_breach",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(12), nullable=False),
        sa.Column("entity_name", sa.Text(), nullable=False),
        sa.Column("entity_key", sa.Text(), nullable=False),
        sa.Column("state", sa.String(2), nullable=True),
        sa.Column("entity_type", sa.String(40), nullable=True),
        sa.Column("individuals_affected", sa.BigInteger(), nullable=True),
        sa.Column("submitted_on", sa.Date(), nullable=False),
        sa.Column("breach_types", sa.Integer(), nullable=False),
        sa.Column("locations", sa.Integer(), nullable=False),
        sa.Column("business_associate", sa.Boolean(), nullable=False),
        sa.Column("list_name", sa.String(16), nullable=False),
        sa.Column("listed", sa.Boolean(), nullable=False),
        sa.Column("match_key", sa.Text(), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(32), nullable=False),
        sa.Column("first_import_id", sa.Integer(), nullable=False),
        sa.Column("last_changed_import_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["first_import_id"],
            ["registry_import.id"],
            name=op.f("fk_registry_breach_first_import_id_registry_import"),
        ),
        sa.ForeignKeyConstraint(
            ["last_changed_import_id"],
            ["registry_import.id"],
            name=op.f("fk_registry_breach_last_changed_import_id_registry_import"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_breach")),
        sa.UniqueConstraint("match_key", "ordinal", name=op.f("uq_registry_breach_match_key")),
        sa.UniqueConstraint("uid", name=op.f("uq_registry_breach_uid")),
    )
    op.create_index(op.f("ix_registry_breach_entity_key"), "registry_breach", ["entity_key"])
    op.create_index(op.f("ix_registry_breach_state"), "registry_breach", ["state"])
    op.create_index(op.f("ix_registry_breach_submitted_on"), "registry_breach", ["submitted_on"])
    op.create_index(op.f("ix_registry_breach_list_name"), "registry_breach", ["list_name"])
    op.create_table(
        "registry_breach_description",
        sa.Column("breach_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["breach_id"],
            ["registry_breach.id"],
            name=op.f("fk_registry_breach_description_breach_id_registry_breach"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("breach_id", name=op.f("pk_registry_breach_description")),
    )
    op.create_table(
        "registry_breach_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("breach_id", sa.Integer(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["breach_id"],
            ["registry_breach.id"],
            name=op.f("fk_registry_breach_change_breach_id_registry_breach"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["registry_import.id"],
            name=op.f("fk_registry_breach_change_import_id_registry_import"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_breach_change")),
    )
    op.create_index(
        op.f("ix_registry_breach_change_breach_id"), "registry_breach_change", ["breach_id"]
    )
    op.create_table(
        "registry_watch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("entity_key", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_watch")),
        sa.UniqueConstraint("entity_key", name=op.f("uq_registry_watch_entity_key")),
    )
    op.create_table(
        "registry_watch_hit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("watch_id", sa.Integer(), nullable=False),
        sa.Column("breach_id", sa.Integer(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["watch_id"],
            ["registry_watch.id"],
            name=op.f("fk_registry_watch_hit_watch_id_registry_watch"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["breach_id"],
            ["registry_breach.id"],
            name=op.f("fk_registry_watch_hit_breach_id_registry_breach"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["registry_import.id"],
            name=op.f("fk_registry_watch_hit_import_id_registry_import"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_watch_hit")),
    )
    op.create_index(op.f("ix_registry_watch_hit_watch_id"), "registry_watch_hit", ["watch_id"])


def downgrade() -> None:
    op.drop_table("registry_watch_hit")
    op.drop_table("registry_watch")
    op.drop_table("registry_breach_change")
    op.drop_table("registry_breach_description")
    op.drop_table("registry_breach")
    op.drop_table("registry_import")
