"""Dates given on the command line: ``YYYY-MM-DD``, or a one-line error naming the option."""

from __future__ import annotations

from datetime import date

from phiwatch.errors import InputError


def day_option(value: str | None, option: str) -> date | None:
    """``value`` as a date; None when the option was not given."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{option} expects a date YYYY-MM-DD, not {value!r}") from None
