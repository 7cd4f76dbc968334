"""E-mail through SMTP, configured by one URL (``smtp_url``).

``smtp://user:pass@host:587?starttls=true`` (STARTTLS), ``smtps://host:465``
(TLS from the start) or ``smtp://127.0.0.1:1025`` (loopback, no TLS). One
connection serves a batch. A refusal with a 5xx code is permanent (the
message is marked bounced); anything else is retried later.
"""

from __future__ import annotations

import contextlib
import email.policy
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from urllib.parse import parse_qs, unquote, urlsplit

from phiwatch.errors import ConfigurationError

_TRUE = {"1", "true", "yes", "on"}
# Long header lines (a signed link in List-Unsubscribe) stay unencoded up to the RFC 5322 limit.
_POLICY = email.policy.SMTP.clone(max_line_length=998)


@dataclass(frozen=True)
class SmtpTarget:
    host: str
    port: int
    implicit_tls: bool
    starttls: bool
    username: str | None
    password: str | None
    timeout: float = 30.0


def parse_smtp_url(url: str) -> SmtpTarget:
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ConfigurationError(
            "smtp_url must look like smtp://user:pass@host:587?starttls=true or smtps://host:465"
        )
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    implicit = parts.scheme == "smtps"
    try:
        port = parts.port or (465 if implicit else 25)
    except ValueError as exc:
        raise ConfigurationError("smtp_url has a port that is not a number") from exc
    return SmtpTarget(
        host=parts.hostname,
        port=port,
        implicit_tls=implicit,
        starttls=query.get("starttls", "false").lower() in _TRUE,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        timeout=float(query.get("timeout", "30")),
    )


class SendRefused(Exception):
    """The server refused the message; ``permanent`` when retrying cannot help."""

    def __init__(self, reason: str, *, permanent: bool, connection: bool = False) -> None:
        super().__init__(reason)
        self.permanent = permanent
        self.connection = connection  # the server could not be reached at all


def build_email(
    *,
    sender: str,
    recipient: str,
    subject: str,
    text: str,
    html: str | None,
    message_id: str,
    unsubscribe_url: str | None,
) -> EmailMessage:
    message = EmailMessage(policy=_POLICY)
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"
    if unsubscribe_url:
        message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    return message


class SmtpConnection:
    """One SMTP session, opened on first use and closed by :meth:`close`."""

    def __init__(self, target: SmtpTarget) -> None:
        self.target = target
        self._client: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        t = self.target
        context = ssl.create_default_context()
        client: smtplib.SMTP
        if t.implicit_tls:
            client = smtplib.SMTP_SSL(t.host, t.port, timeout=t.timeout, context=context)
        else:
            client = smtplib.SMTP(t.host, t.port, timeout=t.timeout)
            if t.starttls:
                client.starttls(context=context)
        if t.username:
            client.login(t.username, t.password or "")
        return client

    def send(self, message: EmailMessage) -> None:
        try:
            if self._client is None:
                self._client = self._connect()
            refused = self._client.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise SendRefused(
                f"recipient refused ({codes[0] if codes else '?'})",
                permanent=bool(codes) and all(c >= 500 for c in codes),
            ) from None
        except smtplib.SMTPResponseException as exc:
            self.close()
            raise SendRefused(
                f"server replied {exc.smtp_code}", permanent=exc.smtp_code >= 500
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            raise SendRefused(
                f"connection failed ({type(exc).__name__})", permanent=False, connection=True
            ) from None
        if refused:
            raise SendRefused("recipient refused", permanent=True)

    def close(self) -> None:
        if self._client is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._client.quit()
            self._client = None
