"""The privacy officer's work on single alerts: status, dismissal reason, assignee, history.

Kept apart from ``monitor_alert`` on purpose: a detection run rewrites an
alert's evidence and sentence when it sees the same thing again, and must
never wipe what a person decided about it. An alert with no row here is
``open``. Accounts are named by username (``security_user.username``), the
name every review screen shows.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from phiwatch.store.models._base import Base, utcnow


class AlertReview(Base):
    """Where one alert stands in the review queue, and who works on it."""

    __tablename__ = "monitor_alert_review"

    alert_id: Mapped[int] = mapped_column(
        ForeignKey("monitor_alert.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[str] = mapped_column(String(16))  # open | acknowledged | dismissed | escalated
    reason: Mapped[str | None] = mapped_column(String(32))  # false_positive | benign
    assignee: Mapped[str | None] = mapped_column(String(64), index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(64))


class AlertAction(Base):
    """One thing a person did to an alert (assign, acknowledge, dismiss, escalate, move)."""

    __tablename__ = "monitor_alert_action"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(
        ForeignKey("monitor_alert.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    by: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(Text)
