"""A tiny hospital, a real SMTP server and a real HTTP receiver on loopback, for notify tests."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from pydantic import SecretStr

from phiwatch.config import Settings, load_settings
from phiwatch.monitor import ingest, load_context
from phiwatch.store import Store

EPIC_HEADER = "ACCESS_TIME,USER_ID,PAT_ID,METRIC_NAME,WORKSTATION_ID"

PATIENTS = (
    "patient_id,family,given,birth_date,line,city,state,postal_code,vip,deceased\n"
    "p-1,Rivera,Ana,1980-02-03,12 Elm St,Springfield,IL,62701,false,false\n"
    "p-2,Star,Kim,1975-01-01,1 Hill Rd,Springfield,IL,62702,false,false\n"
    "p-3,Okafor,Ben,1990-07-07,9 Oak Ave,Springfield,IL,62703,false,false\n"
)
WORKFORCE = (
    "user_id,family,given,role,department,hire_date,end_date,patient_id\n"
    "dr-1,Ng,Lee,physician,Cardiology,2015-01-01,,\n"
    "rn-2,Smith,Jane,nurse,Cardiology,2019-05-01,,\n"
    "reg-1,Park,Dana,registration,Registration,2018-01-01,,\n"
    "rn-9,Quill,Max,nurse,Oncology,2017-01-01,,\n"
)
ENCOUNTERS = (
    "encounter_id,patient_id,department,start,end,attending\n"
    "e1,p-1,Cardiology,2024-05-03,2024-05-03,dr-1\n"
    "e2,p-2,Cardiology,2024-05-03,2024-05-04,dr-1\n"
)


def load_hospital(settings: Settings, store: Store, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "patients.csv").write_text(PATIENTS, "utf-8")
    (folder / "workforce.csv").write_text(WORKFORCE, "utf-8")
    (folder / "encounters.csv").write_text(ENCOUNTERS, "utf-8")
    load_context(settings, store, [folder])


def ingest_rows(settings: Settings, folder: Path, name: str, rows: list[str]) -> None:
    """Ingest Epic-style CSV rows: ``time,user,patient,metric,workstation``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.csv"
    path.write_text(EPIC_HEADER + "\n" + "".join(r + "\n" for r in rows), "utf-8")
    ingest(settings, [path])


@dataclass
class Hospital:
    settings: Settings
    store: Store
    folder: Path

    def ingest(self, name: str, rows: list[str]) -> None:
        ingest_rows(self.settings, self.folder / "events", name, rows)

    def with_settings(self, **changes: Any) -> Settings:
        return self.settings.model_copy(update=changes)


@pytest.fixture
def hospital(store: Store, tmp_path: Path) -> Hospital:
    """The tiny hospital's context loaded into ``store`` (SQLite and PostgreSQL)."""
    url = store.engine.url.render_as_string(hide_password=False)
    settings = load_settings(
        environ={}, data_dir=str(tmp_path / "data"), database_url=url, secret_key="k" * 40
    )
    load_hospital(settings, store, tmp_path / "context")
    return Hospital(settings, store, tmp_path)


# -- a real SMTP server on loopback ------------------------------------------------


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: Message

    @property
    def text(self) -> str:
        for part in self.message.walk():
            if part.get_content_type() == "text/plain":
                payload = part.get_payload(decode=True)
                assert isinstance(payload, bytes)
                return payload.decode("utf-8")
        return ""

    @property
    def html(self) -> str:
        for part in self.message.walk():
            if part.get_content_type() == "text/html":
                payload = part.get_payload(decode=True)
                assert isinstance(payload, bytes)
                return payload.decode("utf-8")
        return ""


@dataclass
class SmtpRecorder:
    """Records what it accepts; refuses recipients listed in ``refuse`` (code, text)."""

    received: list[Received] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.append(
            Received(
                envelope.mail_from, list(envelope.rcpt_tos), message_from_bytes(envelope.content)
            )
        )
        return "250 Message accepted"


@dataclass
class SmtpServer:
    recorder: SmtpRecorder
    port: int

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    recorder = SmtpRecorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpServer(recorder, port)
    finally:
        controller.stop()


# -- a real HTTP receiver on loopback ------------------------------------------------


@dataclass
class HttpReceiver:
    url: str
    requests: list[dict[str, Any]] = field(default_factory=list)
    status: list[int] = field(default_factory=list)  # answers to give, in order; then 200


@pytest.fixture
def http_receiver() -> Iterator[HttpReceiver]:
    receiver = HttpReceiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            receiver.requests.append(
                {"path": self.path, "headers": dict(self.headers), "body": body}
            )
            code = receiver.status.pop(0) if receiver.status else 200
            self.send_response(code)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


def smtp_settings(settings: Settings, server: SmtpServer, **changes: Any) -> Settings:
    return settings.model_copy(update={"smtp_url": SecretStr(server.url), **changes})


def json_body(request: dict[str, Any]) -> dict[str, Any]:
    return json.loads(request["body"])  # type: ignore[no-any-return]
