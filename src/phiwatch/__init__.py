"""phiwatch: defend protected health information against breaches.

The capabilities live in their own packages (``phiwatch.registry``,
``phiwatch.monitor``, ...); this top level only carries the version and the
exception hierarchy every capability raises.
"""

from phiwatch.errors import InputError, NotFoundError, PhiwatchError

__version__ = "0.1.0"

__all__ = ["InputError", "NotFoundError", "PhiwatchError", "__version__"]
