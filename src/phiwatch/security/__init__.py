"""phiwatch's own security: keys, accounts, roles, sessions, tokens, its audit trail.

See docs/security.md for the threat model and how each control works.

Every name is imported on first use (``phiwatch._lazy``): the store's models
use ``EncryptedText`` from this package, so importing ``phiwatch.store`` first
must not pull in a half-built model module, and the CLI's ``users`` commands
should not import SQLAlchemy to print their help.
"""

from __future__ import annotations

import typing

from phiwatch import _lazy

if typing.TYPE_CHECKING:
    from phiwatch.security._accounts import (
        SignInFailed,
        UserInfo,
        add_user,
        authenticate_password,
        disable_totp,
        enable_totp,
        get_user,
        list_users,
        set_disabled,
        set_password,
        set_role,
        user_for_oidc,
    )
    from phiwatch.security._audit import (
        TrailVerdict,
        build_audit_event,
        build_authentication_event,
        iter_events,
        record_authentication,
        record_phi_access,
        verify_trail,
        write_ndjson,
    )
    from phiwatch.security._fields import (
        EncryptedText,
        FieldCipher,
        KeyedHash,
        enable_field_encryption,
        keyed_hash,
    )
    from phiwatch.security._keys import derive_key, master_secret, read_secret_file
    from phiwatch.security._principal import Principal
    from phiwatch.security._roles import PHI_ROLES, ROLE_SUMMARIES, Role, parse_role
    from phiwatch.security._rotation import (
        RotationReport,
        key_status,
        rewrap_keys,
        rotate_field_keys,
    )
    from phiwatch.security._sessions import (
        SessionPolicy,
        end_session,
        resolve_session,
        start_session,
    )
    from phiwatch.security._throttle import SignInThrottled, ThrottlePolicy
    from phiwatch.security._tokens import (
        TokenInfo,
        TokenRefused,
        authenticate_token,
        create_token,
        list_tokens,
        revoke_token,
    )

__getattr__ = _lazy.module_getattr(__name__, __file__)


__all__ = [
    "PHI_ROLES",
    "ROLE_SUMMARIES",
    "EncryptedText",
    "FieldCipher",
    "KeyedHash",
    "Principal",
    "Role",
    "RotationReport",
    "SessionPolicy",
    "SignInFailed",
    "SignInThrottled",
    "ThrottlePolicy",
    "TokenInfo",
    "TokenRefused",
    "TrailVerdict",
    "UserInfo",
    "add_user",
    "authenticate_password",
    "authenticate_token",
    "build_audit_event",
    "build_authentication_event",
    "create_token",
    "derive_key",
    "disable_totp",
    "enable_field_encryption",
    "enable_totp",
    "end_session",
    "get_user",
    "iter_events",
    "key_status",
    "keyed_hash",
    "list_tokens",
    "list_users",
    "master_secret",
    "parse_role",
    "read_secret_file",
    "record_authentication",
    "record_phi_access",
    "resolve_session",
    "revoke_token",
    "rewrap_keys",
    "rotate_field_keys",
    "set_disabled",
    "set_password",
    "set_role",
    "start_session",
    "user_for_oidc",
    "verify_trail",
    "write_ndjson",
]
