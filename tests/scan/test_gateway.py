"""The mail gateway with a real SMTP client (smtplib) and a real relay (aiosmtpd), on loopback."""

from __future__ import annotations

import json
import os
import signal
import smtplib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from phiwatch.errors import ConfigurationError
from phiwatch.scan import GatewayHandler, GatewayPolicy, parse_host_port
from tests.scan._documents import RECORD, message, pdf_bytes


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Inbox:
    """The relay target: an aiosmtpd server that keeps what it receives."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@pytest.fixture
def relay() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture
def gateway(relay, tmp_path: Path) -> Iterator[tuple[GatewayHandler, int]]:
    _, relay_port = relay
    policy = GatewayPolicy(
        allowed_domains=("partner-clinic.org",),
        reject_at="high",
        quarantine_at="low",
        quarantine_dir=tmp_path / "quarantine",
    )
    handler = GatewayHandler(("127.0.0.1", relay_port), policy)
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def _send(port: int, mail: EmailMessage) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        client.send_message(mail)


def test_clean_mail_is_delivered(gateway, relay) -> None:
    handler, port = gateway
    inbox, _ = relay
    _send(port, message("Lunch at noon on Friday?", to="friend@gmail.com"))
    assert len(inbox.messages) == 1
    sender, recipients, content = inbox.messages[0]
    assert sender == "nurse@hospital.example.org"
    assert recipients == ["friend@gmail.com"]
    assert b"Lunch at noon" in content
    assert handler.log == [("deliver", "no PHI found")]


def test_phi_to_an_outside_domain_is_rejected_with_a_reason(gateway, relay) -> None:
    _, port = gateway
    inbox, _ = relay
    with pytest.raises(smtplib.SMTPDataError) as caught:
        _send(port, message("Patient record:\n" + RECORD, to="me@gmail.com"))
    assert caught.value.smtp_code == 550
    error = caught.value.smtp_error
    reason = error.decode() if isinstance(error, bytes) else error
    assert "SSN" in reason and "risk high" in reason
    assert "219-09-9998" not in reason  # the reason names types, never values
    assert inbox.messages == []


def test_phi_in_an_attachment_is_found(gateway, relay) -> None:
    _, port = gateway
    inbox, _ = relay
    mail = message(
        "See attached.",
        to="me@gmail.com",
        attachments=[("summary.pdf", pdf_bytes([RECORD]), "application/pdf")],
    )
    with pytest.raises(smtplib.SMTPDataError) as caught:
        _send(port, mail)
    assert caught.value.smtp_code == 550
    assert inbox.messages == []


def test_phi_to_an_allowed_domain_is_delivered(gateway, relay) -> None:
    handler, port = gateway
    inbox, _ = relay
    _send(port, message("Referral:\n" + RECORD, to="intake@partner-clinic.org"))
    assert len(inbox.messages) == 1
    assert handler.log[0][0] == "deliver"


def test_lower_risk_phi_is_quarantined(gateway, relay, tmp_path: Path) -> None:
    handler, port = gateway
    inbox, _ = relay
    _send(port, message("Call me at (617) 555-0143 about the forms.", to="me@gmail.com"))
    assert inbox.messages == []
    assert handler.log[0][0] == "quarantine"
    held = sorted((tmp_path / "quarantine").iterdir())
    assert [p.suffix for p in held] == [".eml", ".json"]
    note = json.loads(held[1].read_text(encoding="utf-8"))
    assert note["recipients"] == ["me@gmail.com"]
    assert note["findings"][0]["type"] == "PHONE"
    assert "555-0143" not in held[1].read_text(encoding="utf-8")  # masked in the note
    assert b"(617) 555-0143" in held[0].read_bytes()


def test_relay_down_gives_a_temporary_failure(tmp_path: Path) -> None:
    policy = GatewayPolicy(quarantine_dir=tmp_path / "q")
    handler = GatewayHandler(("127.0.0.1", _free_port()), policy)
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with pytest.raises(smtplib.SMTPDataError) as caught:
            _send(port, message("nothing sensitive", to="x@gmail.com"))
        assert caught.value.smtp_code == 451
    finally:
        controller.stop()


@pytest.mark.parametrize("value", ["localhost", "host:port", ":25", "h:70000"])
def test_bad_host_port(value: str) -> None:
    with pytest.raises(ConfigurationError, match="HOST:PORT"):
        parse_host_port(value, "--relay")


def _start_gateway(tmp_path: Path, relay_port: int) -> tuple[subprocess.Popen[str], int]:
    """``phiwatch scan gateway`` as a user starts it: its own process, on a free port."""
    port = _free_port()
    env = {**os.environ, "PHIWATCH_DATA_DIR": str(tmp_path / "data")}
    command = [sys.executable, "-m", "phiwatch", "scan", "gateway"]
    command += ["--listen", f"127.0.0.1:{port}", "--relay", f"127.0.0.1:{relay_port}"]
    process = subprocess.Popen(
        command, env=env, stderr=subprocess.PIPE, text=True, preexec_fn=_interruptible
    )
    return process, port


def _interruptible() -> None:
    """In the child: Ctrl-C's default action, whatever the test run inherited.

    A shell ignores SIGINT in the commands it runs in the background, children
    inherit that, and Python then never raises KeyboardInterrupt: a test run
    started with ``&`` would see a gateway that Ctrl-C cannot stop.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _wait_for_port(process: subprocess.Popen[str], port: int, *, poll: float) -> None:
    """Return once ``port`` accepts a connection (or the process ended, or a minute passed)."""
    deadline = time.monotonic() + 60
    while process.poll() is None and time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=max(poll, 0.05)):
                return
        except OSError:
            time.sleep(poll)


def test_gateway_command_end_to_end(relay, tmp_path: Path) -> None:
    """``phiwatch scan gateway`` as a user runs it: a process, stopped with Ctrl-C."""
    inbox, relay_port = relay
    process, port = _start_gateway(tmp_path, relay_port)
    try:
        _wait_for_port(process, port, poll=0.2)
        _send(port, message("See you at noon.", to="friend@gmail.com"))
        with pytest.raises(smtplib.SMTPDataError):
            _send(port, message(RECORD, to="me@gmail.com"))
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
    assert len(inbox.messages) == 1
    assert "1 deliver, 1 reject" in stderr
    assert "219-09-9998" not in stderr


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_gateway_stops_on_a_signal_as_soon_as_its_port_opens(
    relay, tmp_path: Path, stop_signal: signal.Signals
) -> None:
    """Ctrl-C (or a service manager's SIGTERM) the moment the port accepts must end it.

    The SMTP server runs on its own thread: an interrupt that escaped before the
    command's wait used to leave that thread running and the process hanging.
    """
    _inbox, relay_port = relay
    for _ in range(3):  # the window is narrow: try it a few times
        process, port = _start_gateway(tmp_path, relay_port)
        try:
            _wait_for_port(process, port, poll=0.005)
        finally:
            process.send_signal(stop_signal)
        try:
            _, stderr = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            pytest.fail(f"the gateway did not stop after {stop_signal.name}")
        assert process.returncode == 0
        assert "no messages" in stderr
