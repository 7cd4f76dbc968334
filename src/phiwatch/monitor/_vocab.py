"""The monitor's fixed vocabularies: statuses, review reasons, statistics breakdowns.

Kept apart from the modules that act on them so that the CLI can list them in
its ``--help`` (and the web app in its forms) without importing the store,
DuckDB or pyarrow: naming a case status should not cost a second.
"""

from __future__ import annotations

# A case: what the reviewer has concluded about a user's alerts so far.
STATUSES = ("new", "reviewing", "false_positive", "confirmed")
OPEN_STATUSES = ("new", "reviewing")

# An alert in the review queue, and the views of the queue (active: open or acknowledged).
ALERT_STATUSES = ("open", "acknowledged", "dismissed", "escalated")
QUEUE_VIEWS = ("active", "all", *ALERT_STATUSES)
DISMISS_REASONS = ("false_positive", "benign")

# What ``monitor stats --by`` can break events down by.
BREAKDOWNS = ("day", "action", "user", "subtype", "source")
