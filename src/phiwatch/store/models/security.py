"""Tables of phiwatch.security: accounts, sessions, API tokens, sign-in attempts,
field-encryption keys and phiwatch's own tamper-evident audit trail.

Secrets are never stored as given: passwords as Argon2id hashes, session and
API tokens as SHA-256 digests (they are long random values, so a fast hash
is enough), TOTP secrets and field-encryption data keys encrypted.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from phiwatch.security._fields import EncryptedText
from phiwatch.store.models._base import Base, utcnow


class User(Base):
    """A person who signs in to phiwatch, with exactly one role."""

    __tablename__ = "security_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(32))
    # Workforce names and e-mail addresses are PHI-adjacent: encrypted at rest.
    display_name: Mapped[str | None] = mapped_column(EncryptedText())
    email: Mapped[str | None] = mapped_column(EncryptedText())
    password_hash: Mapped[str | None] = mapped_column(String(255))
    totp_secret: Mapped[str | None] = mapped_column(EncryptedText())
    # The TOTP time step last accepted: a code is good once (RFC 6238, section 5.2).
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    oidc_subject: Mapped[str | None] = mapped_column(String(255), unique=True)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class UserSession(Base):
    """A signed-in browser session; the cookie holds a token whose SHA-256 is ``id``."""

    __tablename__ = "security_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("security_user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    address: Mapped[str | None] = mapped_column(String(64))


class ApiToken(Base):
    """A bearer token for scripts: scoped to one role, optionally read-only, revocable."""

    __tablename__ = "security_api_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("security_user.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(32))
    read_only: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # May this token make tokens (POST /account/tokens with it as the bearer)? Off unless
    # asked for; a token it makes gets it only if asked again.
    may_create_tokens: Mapped[bool] = mapped_column(Boolean, default=False)
    # The token that made this one (None: made by a person); revoking it revokes this one.
    parent_id: Mapped[int | None] = mapped_column(Integer, index=True)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SignInAttempt(Base):
    """One failed sign-in, for rate limiting; ``account`` is a keyed hash, never the name."""

    __tablename__ = "security_sign_in_attempt"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account: Mapped[str] = mapped_column(String(64), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class FieldKey(Base):
    """A data key for field encryption, stored wrapped (AES-GCM) under the master-derived key."""

    __tablename__ = "security_field_key"

    kid: Mapped[str] = mapped_column(String(16), primary_key=True)
    wrapped: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    active: Mapped[bool] = mapped_column(Boolean, default=False)


class AuditRecord(Base):
    """One FHIR AuditEvent of phiwatch's own use, chained to the previous record by hash."""

    __tablename__ = "security_audit_record"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # 1: the hash covers seq, previous hash and resource (records before security_0004);
    # 2: it covers recorded_at as well.
    hash_version: Mapped[int] = mapped_column(Integer, server_default="1")
    resource: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The single row naming the chain's last record; updating it first serialises writers."""

    __tablename__ = "security_audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
