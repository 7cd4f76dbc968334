"""``phiwatch users|tokens|audit|keys`` end to end, in-process, on a private data directory."""

from __future__ import annotations

import json
import sqlite3

from phiwatch.config import load_settings
from phiwatch.security import authenticate_password, authenticate_token, record_phi_access
from phiwatch.store import open_store
from tests.security.conftest import PASSWORD


def _store(cli):
    settings = load_settings(environ={}, data_dir=str(cli.data_dir))
    return settings, open_store(settings)


def test_fresh_install_has_no_accounts(cli) -> None:
    result = cli("users", "list", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == []


def test_users_lifecycle(cli) -> None:
    result = cli(
        "users",
        "add",
        "alice",
        "--role",
        "admin",
        "--name",
        "Alice Ng",
        "--password-stdin",
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    assert (
        cli(
            "users",
            "add",
            "bob",
            "--role",
            "privacy-officer",
            "--password-stdin",
            input=PASSWORD + "\n",
        ).exit_code
        == 0
    )
    rows = json.loads(cli("users", "list", "-f", "json").stdout)
    assert [(r["username"], r["role"]) for r in rows] == [
        ("alice", "admin"),
        ("bob", "privacy_officer"),
    ]
    assert cli("users", "set-role", "bob", "auditor").exit_code == 0
    assert cli("users", "disable", "bob").exit_code == 0
    rows = {r["username"]: r for r in json.loads(cli("users", "list", "-f", "json").stdout)}
    assert rows["bob"]["role"] == "auditor" and rows["bob"]["disabled"] is True
    settings, store = _store(cli)
    try:
        assert authenticate_password(store, settings, "alice", PASSWORD, address="127.0.0.1")
    finally:
        store.close()


def test_prompted_password_must_match_and_be_long(cli) -> None:
    result = cli("users", "add", "carol", "--role", "reviewer", input="short\nshort\n")
    assert result.exit_code == 1
    assert "at least 12 characters" in result.output
    result = cli(
        "users", "add", "carol", "--role", "root", "--password-stdin", input=PASSWORD + "\n"
    )
    assert result.exit_code == 1 and "unknown role" in result.output


def test_tokens_create_list_revoke(cli) -> None:
    cli("users", "add", "alice", "--role", "auditor", "--password-stdin", input=PASSWORD + "\n")
    result = cli("tokens", "create", "alice", "--name", "nightly", "--read-only")
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert token.startswith("phw_")
    listed = json.loads(cli("tokens", "list", "-f", "json").stdout)
    assert listed[0]["name"] == "nightly" and listed[0]["read_only"] is True
    assert token not in json.dumps(listed)
    settings, store = _store(cli)
    try:
        assert authenticate_token(store, settings, token) is not None
        assert cli("tokens", "revoke", str(listed[0]["id"])).exit_code == 0
        assert authenticate_token(store, settings, token) is None
    finally:
        store.close()
    assert cli("tokens", "revoke", "99").exit_code == 1


def test_audit_verify_and_export(cli, tmp_path) -> None:
    _settings, store = _store(cli)
    for i in range(3):
        record_phi_access(
            store,
            action="view",
            who="rita",
            patients=[f"p{i}"],
            purpose="Case/1",
            address="10.0.0.1",
        )
    store.close()
    result = cli("audit", "verify", "-f", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["records"] == 3
    out = tmp_path / "trail.ndjson"
    assert cli("audit", "export", "-o", str(out)).exit_code == 0
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [e["resourceType"] for e in lines] == ["AuditEvent"] * 3
    # Tamper with record 2 directly in the SQLite file, as an insider with file access might.
    db = sqlite3.connect(cli.data_dir / "phiwatch.db")
    db.execute(
        "update security_audit_record set resource = replace(resource, 'rita', 'eve') where seq = 2"
    )
    db.commit()
    db.close()
    result = cli("audit", "verify")
    assert result.exit_code == 1
    assert "record 2 was altered" in result.output


def test_keys_rotate_and_status(cli) -> None:
    cli(
        "users",
        "add",
        "alice",
        "--role",
        "admin",
        "--name",
        "Alice Ng",
        "--password-stdin",
        input=PASSWORD + "\n",
    )
    before = json.loads(cli("keys", "status", "-f", "json").stdout)
    assert len(before) == 1 and before[0]["values"] == 1
    result = cli("keys", "rotate")
    assert result.exit_code == 0, result.output
    after = {k["kid"]: k for k in json.loads(cli("keys", "status", "-f", "json").stdout)}
    assert after[before[0]["kid"]]["values"] == 0
    assert sum(k["values"] for k in after.values() if k["active"]) == 1
    rows = json.loads(cli("users", "list", "-f", "json").stdout)
    assert rows[0]["display_name"] == "Alice Ng"


def test_every_command_has_help_with_an_example(cli) -> None:
    for group, commands in {
        "users": ["add", "list", "set-role", "disable", "enable", "set-password", "totp"],
        "tokens": ["create", "list", "revoke"],
        "audit": ["verify", "export"],
        "keys": ["status", "rotate", "rewrap"],
    }.items():
        for command in commands:
            result = cli(group, command, "--help")
            assert result.exit_code == 0
            assert "Example: phiwatch" in result.stdout, f"{group} {command}"


def test_keys_rewrap_after_a_new_master_secret(cli, tmp_path) -> None:
    cli(
        "users",
        "add",
        "alice",
        "--role",
        "admin",
        "--name",
        "Alice Ng",
        "--password-stdin",
        input=PASSWORD + "\n",
    )
    key_file = cli.data_dir / "secret.key"
    old_file = tmp_path / "old.key"
    old_file.write_text(key_file.read_text())
    old_file.chmod(0o600)
    key_file.write_text("a-brand-new-master-secret-of-plenty-characters\n")
    assert cli("users", "list").exit_code == 1  # the stored keys no longer open
    result = cli("keys", "rewrap", "--old-secret-file", str(old_file))
    assert result.exit_code == 0, result.output
    rows = json.loads(cli("users", "list", "-f", "json").stdout)
    assert rows[0]["display_name"] == "Alice Ng"
    old_file.chmod(0o644)
    refused = cli("keys", "rewrap", "--old-secret-file", str(old_file))
    assert refused.exit_code == 1 and "chmod 600" in refused.output
