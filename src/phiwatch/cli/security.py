"""``phiwatch users|tokens|audit|keys``: phiwatch's own security; see docs/security.md."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer

from phiwatch import security
from phiwatch.cli import _context
from phiwatch.cli._output import FormatOption, OutputFormat, emit, emit_record, say
from phiwatch.errors import InputError
from phiwatch.security import Role, parse_role, read_secret_file

users_app = typer.Typer(help="Accounts and roles.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens for scripts (Bearer).", no_args_is_help=True)
audit_app = typer.Typer(help="phiwatch's own tamper-evident audit trail.", no_args_is_help=True)
keys_app = typer.Typer(help="Field-encryption keys.", no_args_is_help=True)

_ROLE_HELP = "Role: " + ", ".join(r.value for r in Role) + "."
_USER_COLUMNS = ["username", "role", "display_name", "disabled", "totp", "oidc", "last_sign_in_at"]


def _read_password(password_stdin: bool) -> str:
    """A new password: from stdin for scripts, else prompted twice without echo."""
    if password_stdin:
        line = sys.stdin.readline().rstrip("\n")
        if not line:
            raise InputError("--password-stdin was given but standard input is empty")
        return line
    value: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return value


def _user_row(info: security.UserInfo) -> dict[str, object]:
    return {
        "username": info.username,
        "role": info.role.value,
        "display_name": info.display_name,
        "disabled": info.disabled,
        "totp": info.totp,
        "oidc": info.oidc_subject is not None,
        "last_sign_in_at": info.last_sign_in_at,
    }


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="Sign-in name, e.g. jdoe.")],
    role: Annotated[str, typer.Option("--role", "-r", help=_ROLE_HELP)],
    name: Annotated[str | None, typer.Option("--name", help="Display name.")] = None,
    email: Annotated[str | None, typer.Option("--email", help="E-mail address.")] = None,
    oidc_subject: Annotated[
        str | None,
        typer.Option("--oidc-subject", help="Single sign-on identity 'ISSUER|SUB' to link."),
    ] = None,
    no_password: Annotated[
        bool, typer.Option("--no-password", help="Single sign-on only: set no local password.")
    ] = False,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Create an account. There are no default accounts: make the first administrator here.

    Example: phiwatch users add alice --role admin --name "Alice Ng"
    """
    parsed = parse_role(role)
    password = None if no_password else _read_password(password_stdin)
    info = security.add_user(
        _context.store(),
        _context.settings(),
        username,
        parsed,
        password=password,
        display_name=name,
        email=email,
        oidc_subject=oidc_subject,
    )
    say(f"Created {info.username} ({info.role.value}).")


@users_app.command("list")
def users_list(fmt: FormatOption = OutputFormat.table) -> None:
    """List accounts with their roles.

    Example: phiwatch users list --format json
    """
    rows = [_user_row(u) for u in security.list_users(_context.store(), _context.settings())]
    emit(rows, fmt, columns=_USER_COLUMNS, title="Accounts")


@users_app.command("set-role")
def users_set_role(
    username: Annotated[str, typer.Argument(help="The account.")],
    role: Annotated[str, typer.Argument(help=_ROLE_HELP)],
) -> None:
    """Change an account's role; its open sessions end.

    Example: phiwatch users set-role bob reviewer
    """
    info = security.set_role(_context.store(), _context.settings(), username, parse_role(role))
    say(f"{info.username} is now {info.role.value}; open sessions were ended.")


@users_app.command("disable")
def users_disable(username: Annotated[str, typer.Argument(help="The account.")]) -> None:
    """Disable an account: sessions end, sign-in and its API tokens stop working.

    Example: phiwatch users disable bob
    """
    info = security.set_disabled(_context.store(), _context.settings(), username, True)
    say(f"Disabled {info.username}.")


@users_app.command("enable")
def users_enable(username: Annotated[str, typer.Argument(help="The account.")]) -> None:
    """Re-enable a disabled account.

    Example: phiwatch users enable bob
    """
    info = security.set_disabled(_context.store(), _context.settings(), username, False)
    say(f"Enabled {info.username}.")


@users_app.command("set-password")
def users_set_password(
    username: Annotated[str, typer.Argument(help="The account.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Set a new password (Argon2id); open sessions end.

    Example: phiwatch users set-password bob
    """
    security.set_password(
        _context.store(), _context.settings(), username, _read_password(password_stdin)
    )
    say(f"Password changed for {username}; open sessions were ended.")


@users_app.command("totp")
def users_totp(
    username: Annotated[str, typer.Argument(help="The account.")],
    off: Annotated[bool, typer.Option("--off", help="Turn the second factor off.")] = False,
) -> None:
    """Turn on a TOTP second factor and print its otpauth:// URI once (or --off).

    Example: phiwatch users totp alice
    """
    if off:
        security.disable_totp(_context.store(), _context.settings(), username)
        say(f"TOTP turned off for {username}.")
        return
    uri = security.enable_totp(_context.store(), _context.settings(), username)
    typer.echo(uri)
    say("Add this URI to an authenticator app now; it is not shown again.")


@tokens_app.command("create")
def tokens_create(
    username: Annotated[str, typer.Argument(help="The account the token acts for.")],
    name: Annotated[str, typer.Option("--name", "-n", help="What the token is for.")],
    read_only: Annotated[
        bool, typer.Option("--read-only", help="Allow GET requests only.")
    ] = False,
    expires_days: Annotated[
        int | None,
        typer.Option(
            "--expires-days",
            min=1,
            help="Expire after this many days (default and most: the token_max_days setting).",
        ),
    ] = None,
    may_create_tokens: Annotated[
        bool,
        typer.Option(
            "--may-create-tokens",
            help="Let this token make tokens (never longer-lived or stronger than itself).",
        ),
    ] = False,
) -> None:
    """Create an API token with the account's role; the token is printed once, on stdout.

    Example: phiwatch tokens create alice --name "nightly export" --read-only --expires-days 90
    """
    info, token = security.create_token(
        _context.store(),
        _context.settings(),
        username,
        name,
        read_only=read_only,
        expires_in=timedelta(days=expires_days) if expires_days else None,
        may_create_tokens=may_create_tokens,
    )
    typer.echo(token)
    extras = [", read-only"] if info.read_only else []
    if info.may_create_tokens:
        extras.append(", may create tokens")
    say(
        f"Token {info.id} ({info.prefix}, role {info.role.value}{''.join(extras)}, "
        f"expires {info.expires_at:%Y-%m-%d}) created; copy it now, it is not shown again."
    )


@tokens_app.command("list")
def tokens_list(
    username: Annotated[str | None, typer.Option("--user", help="Only this account's.")] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """List API tokens (never their secrets), each with when it stops working.

    Example: phiwatch tokens list --user alice
    """
    settings = _context.settings()
    tokens = security.list_tokens(_context.store(), username, settings=settings)
    rows = [
        {
            "id": t.id,
            "user": t.username,
            "name": t.name,
            "prefix": t.prefix,
            "role": t.role.value,
            "read_only": t.read_only,
            "may_create_tokens": t.may_create_tokens,
            "made_by_token": t.parent_id,
            "created_at": t.created_at,
            "expires_at": t.expires_at,
            "limited": t.limited,
            "last_used_at": t.last_used_at,
            "revoked": t.revoked_at is not None,
        }
        for t in tokens
    ]
    emit(rows, fmt, title="API tokens")
    limited = [t for t in tokens if t.limited and t.revoked_at is None]
    if limited:
        say(
            f"{len(limited)} token(s) were made with no expiry or a longer one than "
            f"token_max_days ({settings.token_max_days}) allows: they stop working at "
            f"that limit (ids {', '.join(str(t.id) for t in limited)})."
        )


@tokens_app.command("revoke")
def tokens_revoke(token_id: Annotated[int, typer.Argument(help="The token's id.")]) -> None:
    """Revoke an API token at once, and every token it made.

    Example: phiwatch tokens revoke 3
    """
    info = security.revoke_token(_context.store(), token_id, settings=_context.settings())
    say(f"Revoked token {info.id} ({info.prefix}) of {info.username}, and any it made.")


@audit_app.command("verify")
def audit_verify(fmt: FormatOption = OutputFormat.table) -> None:
    """Check the audit trail's hash chain; names the first altered, removed or moved record.

    Exit code 1 when the trail was tampered with.

    Example: phiwatch audit verify
    """
    verdict = security.verify_trail(_context.store())
    emit_record(
        {
            "ok": verdict.ok,
            "records": verdict.records,
            "head_hash": verdict.head_hash,
            "problem_record": verdict.problem_seq,
            "problem": verdict.problem,
        },
        fmt,
    )
    if not verdict.ok:
        say(f"Tampered: {verdict.problem}")
        raise typer.Exit(1)


@audit_app.command("export")
def audit_export(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
    since: Annotated[int, typer.Option("--since", help="Only records after this number.")] = 0,
) -> None:
    """Write the audit trail as FHIR AuditEvent NDJSON (phiwatch's monitor can ingest it).

    Example: phiwatch audit export -o phiwatch-audit.ndjson
    """
    events = security.iter_events(_context.store(), since=since)
    if output is None:
        count = security.write_ndjson(events, sys.stdout)
    else:
        with output.open("w", encoding="utf-8") as handle:
            count = security.write_ndjson(events, handle)
    say(f"Exported {count} audit events.")


@keys_app.command("status")
def keys_status(fmt: FormatOption = OutputFormat.table) -> None:
    """Field-encryption keys, which is active, and how many stored values each protects.

    Example: phiwatch keys status
    """
    emit(
        security.key_status(_context.store(), _context.settings()),
        fmt,
        title="Field-encryption keys",
    )


@keys_app.command("rotate")
def keys_rotate() -> None:
    """Make a new field-encryption key active and re-encrypt every value; no downtime.

    Example: phiwatch keys rotate
    """
    report = security.rotate_field_keys(_context.store(), _context.settings())
    say(
        f"Key {report.new_kid} is active; {report.values_rewritten} values re-encrypted "
        f"(retired: {', '.join(report.retired_kids) or 'none'})."
    )


@keys_app.command("rewrap")
def keys_rewrap(
    old_secret_file: Annotated[
        Path,
        typer.Option(
            "--old-secret-file", help="File (mode 0600) holding the previous master secret."
        ),
    ],
) -> None:
    """After changing the master secret: re-wrap the stored keys under the new one.

    Set the new secret first (PHIWATCH_SECRET_KEY or the key file), then run this
    with the old secret in a file; then restart running servers.

    Example: phiwatch keys rewrap --old-secret-file /root/old-secret.key
    """
    old = read_secret_file(old_secret_file).encode("utf-8")
    count = security.rewrap_keys(_context.store(encrypted=False), _context.settings(), old)
    say(f"{count} keys re-wrapped under the new master secret; restart running servers.")
