"""The operational store: one relational database, SQLite by default, PostgreSQL by URL.

Capabilities keep their state here (breach records, alerts, cases, the
outbox, accounts). Tables are declared in ``phiwatch.store.models`` (one
module per capability) and changed only through Alembic migrations in
``phiwatch.store.migrations``.

Use::

    from phiwatch.store import open_store
    store = open_store(settings)          # creates or upgrades the schema
    with store.transaction() as session:  # one unit of work: all or nothing
        ...
"""

from phiwatch.store._engine import Store, open_store
from phiwatch.store.models import Base

__all__ = ["Base", "Store", "open_store"]
