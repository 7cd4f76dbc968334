"""Breach response's fixed vocabulary, apart from the modules that act on it.

The CLI names these in its ``--help``; kept here, printing that help does not
import the lake, DuckDB and the monitor that the sources need.
"""

from __future__ import annotations

# The kinds of PHI a scope records for each affected individual (164.404(c)(1)(B)).
ELEMENTS = ("demographics", "ssn", "insurance", "clinical", "payment")
