"""Who is making a request: a signed-in person or a script with an API token."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from phiwatch.security._roles import Role


@dataclass(frozen=True)
class Principal:
    """The authenticated caller. ``read_only`` is set by read-only API tokens."""

    user_id: int
    username: str
    role: Role
    via: Literal["session", "token"]
    display_name: str | None = None
    read_only: bool = False
    session_id: str | None = None
    token_id: int | None = None
