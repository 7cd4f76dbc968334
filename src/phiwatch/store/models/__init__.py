"""Table declarations, one module per capability, all on one ``Base``.

Importing this package imports every model module, so ``Base.metadata`` is
the whole schema (Alembic and the fresh-database path rely on that).
"""

from phiwatch.store.models import (  # noqa: F401  (each registers its tables)
    monitor,
    monitor_review,
    notify,
    registry,
    respond,
    security,
)
from phiwatch.store.models._base import Base

__all__ = ["Base"]
