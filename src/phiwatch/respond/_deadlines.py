"""The notices a breach owes under 45 CFR 164.404-164.412, and the day each is due.

Pure date arithmetic, kept apart from the store so that the rules can be
tested as a table (month ends, leap years, the under-500 annual log):

* 164.404 individuals: without unreasonable delay, no later than 60 calendar
  days after discovery. Substitute notice (164.404(d)(2)) is owed with it when
  10 or more individuals cannot be reached at a postal address.
* 164.406 media: when more than 500 residents of one state or jurisdiction are
  affected, within the same 60 days.
* 164.408 HHS: within 60 days of discovery when 500 or more individuals are
  affected; otherwise in the annual log, due no later than 60 days after the
  end of the calendar year of discovery (1 March, or 29 February in a leap
  year).
* 164.410 a business associate tells the covered entity within 60 days.
* 164.412 a law-enforcement delay: the notices are held back for the period
  the official specified; phiwatch adds the days of that period (from the
  statement, or discovery if later, to its end) to every due date.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

NOTICE_DAYS = 60
MEDIA_THRESHOLD = 500  # more than this many residents of one state
HHS_IMMEDIATE_THRESHOLD = 500  # this many or more
SUBSTITUTE_THRESHOLD = 10  # this many or more unreachable

NOTICES = ("individuals", "substitute", "media", "hhs", "hhs-annual-log", "covered-entity")


@dataclass(frozen=True)
class Obligation:
    """One notice owed: to whom, by when, under which section, and why it is owed."""

    notice: str
    section: str
    due: date
    reason: str


@dataclass(frozen=True)
class LawEnforcementDelay:
    """A law-enforcement official's statement that notice would impede an investigation."""

    starts: date
    until: date

    def extra_days(self, discovered: date) -> int:
        start = max(self.starts, discovered)
        return max(0, (self.until - start).days)


def notice_deadline(discovered: date) -> date:
    """The 60th calendar day after discovery (164.404(b)); discovery day itself is day 0."""
    return discovered + timedelta(days=NOTICE_DAYS)


def annual_log_deadline(discovered: date) -> date:
    """60 days after the end of the calendar year of discovery (164.408(c))."""
    return date(discovered.year, 12, 31) + timedelta(days=NOTICE_DAYS)


def obligations(
    *,
    discovered: date,
    individuals: int,
    by_state: Mapping[str, int],
    unreachable: int,
    business_associate: bool = False,
    delay: LawEnforcementDelay | None = None,
) -> list[Obligation]:
    """Every notice owed for a breach of this size, with its due date (delay applied)."""
    shift = timedelta(days=delay.extra_days(discovered) if delay else 0)
    within = notice_deadline(discovered) + shift
    owed: list[Obligation] = []
    if business_associate:
        owed.append(
            Obligation(
                "covered-entity",
                "164.410",
                within,
                "a business associate notifies the covered entity within 60 days of discovery",
            )
        )
        return owed
    if individuals <= 0:
        return owed
    owed.append(
        Obligation(
            "individuals",
            "164.404",
            within,
            f"{individuals:,} individuals: written notice no later than 60 days after discovery",
        )
    )
    if unreachable >= SUBSTITUTE_THRESHOLD:
        owed.append(
            Obligation(
                "substitute",
                "164.404(d)(2)",
                within,
                f"{unreachable:,} individuals cannot be reached (10 or more): web posting "
                "for 90 days or major print or broadcast media, with a toll-free number",
            )
        )
    media_states = sorted(s for s, n in by_state.items() if n > MEDIA_THRESHOLD)
    if media_states:
        owed.append(
            Obligation(
                "media",
                "164.406",
                within,
                f"more than 500 residents of {', '.join(media_states)}: "
                "prominent media outlets serving each",
            )
        )
    if individuals >= HHS_IMMEDIATE_THRESHOLD:
        owed.append(
            Obligation(
                "hhs",
                "164.408(b)",
                within,
                "500 or more individuals: report to HHS within 60 days of discovery",
            )
        )
    else:
        owed.append(
            Obligation(
                "hhs-annual-log",
                "164.408(c)",
                annual_log_deadline(discovered) + shift,
                "fewer than 500 individuals: the annual log to HHS, 60 days after year end",
            )
        )
    return owed
