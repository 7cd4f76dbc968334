"""Access monitoring: the context's PHI encrypted, with keyed-hash companions for comparisons.

``monitor_person``'s identifier, names, birth date and address become
``EncryptedText`` (the same ``TEXT`` columns, holding ciphertext) and gain
``KeyedHash`` companions (``*_hash``, ``VARCHAR(64)``).

A migration cannot encrypt: the key comes from the master secret, which
only the running application holds (a migration sees just the database).
So the clear rows written before this revision are deleted, and the context
must be loaded again (``phiwatch monitor context load``). The rest of the
context (versions, patient flags, workforce, care relationships: pseudonyms,
codes and dates) stays, so detection keeps explaining accesses meanwhile;
only what needs names and addresses (family and neighbour access, an
employee's own chart, names shown to the privacy officer) waits for the
reload. On SQLite the deleted pages are overwritten (``secure_delete``); on
PostgreSQL run ``VACUUM FULL monitor_person`` to drop the dead rows from disk.

Revision ID: monitor_0003
Revises: monitor_0002
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "monitor_0003"
down_revision: str | Sequence[str] | None = "monitor_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_HASHES = (
    "identifier_hash",
    "family_hash",
    "given_hash",
    "birth_date_hash",
    "address_hash",
    "street_hash",
    "city_hash",
    "postal_code_hash",
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("PRAGMA secure_delete = ON")
    op.execute("DELETE FROM monitor_person")
    with op.batch_alter_table("monitor_person") as batch:
        for name in _HASHES:
            batch.add_column(sa.Column(name, sa.String(64), nullable=True))


def downgrade() -> None:
    # Ciphertext cannot be turned back into clear text here (no key): drop the rows too.
    op.execute("DELETE FROM monitor_person")
    with op.batch_alter_table("monitor_person") as batch:
        for name in reversed(_HASHES):
            batch.drop_column(name)
