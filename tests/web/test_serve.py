"""``phiwatch serve``: a real uvicorn on loopback; non-loopback refused without TLS or a proxy."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx
import pytest

from phiwatch.cli.web import check_bind, is_loopback
from phiwatch.errors import ConfigurationError


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.1", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("192.168.1.4", False),
        ("example.org", False),
    ],
)
def test_loopback_detection(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_non_loopback_needs_tls_or_a_proxy() -> None:
    with pytest.raises(ConfigurationError, match="without TLS"):
        check_bind("0.0.0.0", tls=False, behind_proxy=False)
    check_bind("0.0.0.0", tls=True, behind_proxy=False)
    check_bind("0.0.0.0", tls=False, behind_proxy=True)


def test_cli_refuses_a_public_address(cli) -> None:
    result = cli("serve", "--host", "0.0.0.0")
    assert result.exit_code == 1
    assert "refusing to listen on 0.0.0.0 without TLS" in result.output
    half = cli("serve", "--tls-certfile", "cert.pem")
    assert half.exit_code == 1 and "both" in half.output


def test_serve_answers_on_loopback(tmp_path) -> None:
    port = free_port()
    env = {**os.environ, "PHIWATCH_DATA_DIR": str(tmp_path / "data")}
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "phiwatch", "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.TransportError:
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        assert response.json()["ok"] is True
        assert "server" not in response.headers  # no software banner
        login = httpx.get(f"http://127.0.0.1:{port}/login")
        assert login.status_code == 200 and "content-security-policy" in login.headers
    finally:
        process.terminate()
        process.wait(10)


def _self_signed(tmp_path):
    """A throwaway certificate for 127.0.0.1, made with cryptography."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    return cert_path, key_path


def test_serve_with_tls_sends_hsts_and_secure_cookies(tmp_path) -> None:
    import ssl

    cert, key = _self_signed(tmp_path)
    port = free_port()
    env = {**os.environ, "PHIWATCH_DATA_DIR": str(tmp_path / "data")}
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "phiwatch",
                "serve",
                "--port",
                str(port),
                "--tls-certfile",
                str(cert),
                "--tls-keyfile",
                str(key),
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    trust = ssl.create_default_context(cafile=str(cert))
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.get(f"https://127.0.0.1:{port}/login", verify=trust, timeout=1)
                break
            except httpx.TransportError:
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        assert response.headers["strict-transport-security"].startswith("max-age=")
        cookie = response.headers["set-cookie"]
        assert cookie.startswith("__Host-phiwatch_pre=") and "Secure" in cookie
    finally:
        process.terminate()
        process.wait(10)


def test_a_world_readable_tls_key_is_refused(cli, tmp_path) -> None:
    cert, key = _self_signed(tmp_path)
    key.chmod(0o644)
    result = cli("serve", "--tls-certfile", str(cert), "--tls-keyfile", str(key))
    assert result.exit_code == 1 and "chmod 600" in result.output
    missing = cli("serve", "--tls-certfile", str(cert), "--tls-keyfile", str(tmp_path / "nope.pem"))
    assert missing.exit_code == 1 and "does not exist" in missing.output


def test_serve_with_two_workers_shares_the_store_named_on_the_command_line(tmp_path) -> None:
    """Workers are new processes: the --data-dir given to serve must reach each of them."""
    import psutil

    from phiwatch.config import load_settings
    from phiwatch.security import Role, add_user, create_token
    from phiwatch.store import open_store

    data_dir = tmp_path / "chosen"
    settings = load_settings(environ={}, data_dir=str(data_dir))
    store = open_store(settings)
    add_user(store, settings, "ana", Role.analyst, password="a long enough password 1")
    token = create_token(store, settings, "ana", "serve test", read_only=True)[1]
    store.close()
    port = free_port()
    env = {**os.environ, "PHIWATCH_DATA_DIR": str(tmp_path / "elsewhere")}
    log = tmp_path / "serve.log"
    command = [sys.executable, "-m", "phiwatch", "--data-dir", str(data_dir), "serve"]
    with log.open("w") as out:
        process = subprocess.Popen(
            [*command, "--port", str(port), "--workers", "2"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                response = httpx.get(
                    f"http://127.0.0.1:{port}/registry.json",
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=2,
                )
                break
            except httpx.TransportError:
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.3)
        assert response.status_code == 200, response.text
        assert response.json()["ok"] is True
        children = psutil.Process(process.pid).children(recursive=True)
        workers = [c for c in children if "spawn_main" in " ".join(c.cmdline())]
        assert len(workers) == 2, [c.cmdline() for c in children]
    finally:
        process.terminate()
        process.wait(15)
