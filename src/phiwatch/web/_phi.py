"""Recording PHI access from a page: one call, with who and from where filled in."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import Request

from phiwatch.security import Principal, record_phi_access
from phiwatch.security._audit import Action
from phiwatch.web._state import app_state, client_address


def audit_phi(
    request: Request,
    principal: Principal,
    *,
    action: Action,
    patients: Sequence[str],
    purpose: str | None,
    what: str | None = None,
    description: str | None = None,
) -> int:
    """Record a view/search/export/change of PHI before the response goes out.

    Call it from the view that shows the PHI (sync views run in a worker
    thread, so the write does not block the server). ``patients`` are opaque
    patient ids, ``purpose`` the case or incident (``"Case/12"``), ``what``
    the object shown (``"Alert/7"``). Returns the audit record's number.
    """
    return record_phi_access(
        app_state(request).store,
        action=action,
        who=principal,
        patients=patients,
        purpose=purpose,
        address=client_address(request),
        what=what,
        description=description,
    )
