"""Tables of the breach registry (HHS OCR breach portal data)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from phiwatch.store.models._base import Base, utcnow


class RegistryImport(Base):
    """One portal export that was imported: which list, which file, what changed."""

    __tablename__ = "registry_import"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    list_name: Mapped[str] = mapped_column(String(16))
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    source_format: Mapped[str] = mapped_column(String(8))
    as_of: Mapped[date] = mapped_column(Date)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    records: Mapped[int] = mapped_column(Integer)
    new: Mapped[int] = mapped_column(Integer)
    updated: Mapped[int] = mapped_column(Integer)
    moved: Mapped[int] = mapped_column(Integer)
    delisted: Mapped[int] = mapped_column(Integer)
    unchanged: Mapped[int] = mapped_column(Integer)


class Breach(Base):
    """A breach report as last published, with a stable identity across exports.

    ``match_key`` (normalised entity, state, submission date) plus ``ordinal``
    (for reports that share all three) is how a row in a new export finds its
    breach; ``uid`` is the public id derived from it when first seen.
    """

    __tablename__ = "registry_breach"
    __table_args__ = (UniqueConstraint("match_key", "ordinal"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(12), unique=True)
    entity_name: Mapped[str] = mapped_column(Text)
    entity_key: Mapped[str] = mapped_column(Text, index=True)
    state: Mapped[str | None] = mapped_column(String(2))
    entity_type: Mapped[str | None] = mapped_column(String(40))
    individuals_affected: Mapped[int | None] = mapped_column(BigInteger)
    submitted_on: Mapped[date] = mapped_column(Date)
    breach_types: Mapped[int] = mapped_column(Integer)
    locations: Mapped[int] = mapped_column(Integer)
    business_associate: Mapped[bool] = mapped_column(Boolean)
    list_name: Mapped[str] = mapped_column(String(16))
    listed: Mapped[bool] = mapped_column(Boolean, default=True)
    match_key: Mapped[str] = mapped_column(Text)
    ordinal: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(32))
    first_import_id: Mapped[int] = mapped_column(ForeignKey("registry_import.id"))
    last_changed_import_id: Mapped[int] = mapped_column(ForeignKey("registry_import.id"))


class BreachDescription(Base):
    """OCR's description of a closed case, kept apart from ``registry_breach``.

    Descriptions are most of the registry's bytes and are read one breach at a
    time; outside the main table, every list, count and chart scans a table a
    fraction of the size (about 2.5x faster on the real data).
    """

    __tablename__ = "registry_breach_description"

    breach_id: Mapped[int] = mapped_column(
        ForeignKey("registry_breach.id", ondelete="CASCADE"), primary_key=True
    )
    text: Mapped[str] = mapped_column(Text)


class BreachChange(Base):
    """What an import changed on a breach: ``{field: [old, new]}``; one row per import."""

    __tablename__ = "registry_breach_change"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    breach_id: Mapped[int] = mapped_column(
        ForeignKey("registry_breach.id", ondelete="CASCADE"), index=True
    )
    import_id: Mapped[int] = mapped_column(ForeignKey("registry_import.id"))
    kind: Mapped[str] = mapped_column(String(16))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)


class Watch(Base):
    """A watched organisation name; matches breaches by normalised entity name."""

    __tablename__ = "registry_watch"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    entity_key: Mapped[str] = mapped_column(Text, unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class WatchHit(Base):
    """A new or changed breach matching a watch, waiting for delivery by notify."""

    __tablename__ = "registry_watch_hit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    watch_id: Mapped[int] = mapped_column(
        ForeignKey("registry_watch.id", ondelete="CASCADE"), index=True
    )
    breach_id: Mapped[int] = mapped_column(ForeignKey("registry_breach.id", ondelete="CASCADE"))
    import_id: Mapped[int] = mapped_column(ForeignKey("registry_import.id"))
    kind: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
