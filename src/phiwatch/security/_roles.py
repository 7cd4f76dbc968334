"""The five roles, and what each may see. A person has exactly one role."""

from __future__ import annotations

from enum import StrEnum

from phiwatch.errors import InputError


class Role(StrEnum):
    """Who may do what; see docs/security.md for the full table."""

    admin = "admin"
    privacy_officer = "privacy_officer"
    reviewer = "reviewer"
    analyst = "analyst"
    auditor = "auditor"


ROLE_SUMMARIES: dict[Role, str] = {
    Role.admin: "accounts, settings and keys; no patient data",
    Role.privacy_officer: "everything about PHI: alerts, cases, incidents, letters",
    Role.reviewer: "the cases assigned to them and the evidence behind them",
    Role.analyst: "the breach registry and aggregate figures; never patient identities",
    Role.auditor: "read-only, including phiwatch's own audit trail",
}

# Roles that may see patient identities at all (the analyst, admin and auditor never do
# through pages; the auditor sees opaque patient ids in the audit trail only).
PHI_ROLES: frozenset[Role] = frozenset({Role.privacy_officer, Role.reviewer})


def parse_role(value: str) -> Role:
    """A role from user input, accepting ``privacy-officer`` as well as ``privacy_officer``."""
    try:
        return Role(value.strip().lower().replace("-", "_").replace(" ", "_"))
    except ValueError:
        names = ", ".join(r.value for r in Role)
        raise InputError(f"unknown role {value!r}; expected one of: {names}") from None
