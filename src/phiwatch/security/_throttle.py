"""Sign-in rate limiting that slows guessing without letting anyone lock others out.

Two limits, both counted from failed attempts in the store (so they hold
across server processes):

* per account *and* address: after ``per_account_address`` failures within
  ``window`` the pair is refused until the window passes. Someone guessing
  Alice's password from one machine is stopped; Alice at her own desk is not.
* per address: after ``per_address`` failures within ``window`` (any names,
  real or not) the address is refused. An attacker who guesses names to lock
  accounts only ever locks out their own address.

Account names are stored as keyed hashes, so the attempt table is no list of
user names (nor of mistyped passwords typed into the name field).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select

from phiwatch.config import Settings
from phiwatch.errors import PhiwatchError
from phiwatch.security._fields import keyed_hash
from phiwatch.store import Store
from phiwatch.store.models.security import SignInAttempt

# Longer than any sensible window; attempts older than this can no longer count.
_KEEP = timedelta(days=1)


@dataclass(frozen=True)
class ThrottlePolicy:
    window: timedelta = timedelta(minutes=15)
    per_account_address: int = 5
    per_address: int = 20


class SignInThrottled(PhiwatchError):
    """Too many failed sign-ins; ``retry_after`` is in seconds."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(f"too many failed sign-ins; try again in {retry_after} seconds")


def account_key(settings: Settings, username: str) -> str:
    return keyed_hash(settings, username, purpose="sign-in-throttle")


def _as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def check_throttle(
    store: Store, settings: Settings, username: str, address: str, policy: ThrottlePolicy
) -> None:
    """Raise ``SignInThrottled`` when this name/address may not try now."""
    now = datetime.now(UTC)
    since = now - policy.window
    account = account_key(settings, username)
    with store.reader() as session:
        recent = SignInAttempt.at >= since
        pair = session.execute(
            select(func.count(), func.min(SignInAttempt.at)).where(
                recent, SignInAttempt.account == account, SignInAttempt.address == address
            )
        ).one()
        by_address = session.execute(
            select(func.count(), func.min(SignInAttempt.at)).where(
                recent, SignInAttempt.address == address
            )
        ).one()
    for (count, oldest), limit in (
        (pair, policy.per_account_address),
        (by_address, policy.per_address),
    ):
        if count >= limit:
            free_at = _as_utc(oldest) + policy.window
            raise SignInThrottled(max(1, math.ceil((free_at - now).total_seconds())))


def record_failure(
    store: Store, settings: Settings, username: str, address: str, *, keep: timedelta = _KEEP
) -> None:
    """Count a failure; attempts older than ``keep`` (a day) are dropped on the way."""
    now = datetime.now(UTC)
    with store.transaction() as session:
        session.execute(delete(SignInAttempt).where(SignInAttempt.at < now - keep))
        session.add(SignInAttempt(account=account_key(settings, username), address=address, at=now))


def clear_failures(store: Store, settings: Settings, username: str, address: str) -> None:
    """A successful sign-in forgets this pair's failures (not the address's others)."""
    account = account_key(settings, username)
    with store.transaction() as session:
        session.execute(
            delete(SignInAttempt).where(
                SignInAttempt.account == account, SignInAttempt.address == address
            )
        )
