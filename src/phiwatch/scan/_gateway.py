"""An SMTP relay that scans each outgoing message and delivers, rejects or quarantines it.

Mail clients (or the organisation's MTA) send to the gateway; it scans the
subject, every body part and every attachment with the same scanner as
``phiwatch scan``, then applies a policy:

* no PHI, or every recipient in an allowed domain (a business associate's,
  say): the message goes on to the relay unchanged;
* PHI for an outside recipient at or above ``reject_at`` risk: the gateway
  answers ``550 5.7.1`` with a reason that names the types found, never the
  values, so the sender's client shows why;
* PHI at or above ``quarantine_at`` (but below ``reject_at``): the message is
  accepted and held in the quarantine folder, with a JSON note of the masked
  findings, for a privacy officer to release or delete.

A relay that cannot be reached gives ``451`` (try again later), so no mail
is lost on the gateway's account.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import smtplib
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from phiwatch.errors import ConfigurationError
from phiwatch.scan._extract import message_parts
from phiwatch.scan._files import risk_level
from phiwatch.scan._findings import Finding
from phiwatch.scan._scanner import Scanner

Risk = Literal["low", "medium", "high"]
RISK_ORDER = {"none": 0, "low": 1, "medium": 2, "high": 3}


class GatewayPolicy(BaseModel):
    """What the gateway does with a message that holds PHI."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    allowed_domains: tuple[str, ...] = ()
    """Recipient domains that may receive PHI (subdomains included)."""
    reject_at: Risk = "high"
    quarantine_at: Risk = "low"
    quarantine_dir: Path | None = None
    max_message_bytes: Annotated[int, Field(gt=0)] = 50 * 1024 * 1024


@dataclass(frozen=True)
class Verdict:
    """The gateway's decision on one message and the reason given."""

    action: Literal["deliver", "reject", "quarantine"]
    reason: str
    findings: tuple[Finding, ...] = ()


def _domain_allowed(address: str, allowed: tuple[str, ...]) -> bool:
    domain = address.rpartition("@")[2].strip().strip(">").lower()
    return any(domain == a.lower() or domain.endswith("." + a.lower()) for a in allowed)


def scan_message(raw: bytes, scanner: Scanner) -> list[Finding]:
    """Findings in a message's subject, bodies and attachments (addresses are expected
    in the From and To headers and are not counted)."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    findings: list[Finding] = []
    for part in message_parts(message, None):
        found = scanner.scan_bytes(part.data or b"", column_context=part.column_context)
        if part.location == "headers":
            found = [f for f in found if f.entity != "EMAIL"]
        findings.extend(f.with_source(None, part.location) for f in found)
    return findings


def decide(raw: bytes, recipients: list[str], scanner: Scanner, policy: GatewayPolicy) -> Verdict:
    """Apply ``policy`` to one message for ``recipients``."""
    if len(raw) > policy.max_message_bytes:
        return Verdict("reject", "message larger than the gateway scans")
    findings = tuple(scan_message(raw, scanner))
    if not findings:
        return Verdict("deliver", "no PHI found")
    outside = [r for r in recipients if not _domain_allowed(r, policy.allowed_domains)]
    counts = Counter(f.entity for f in findings)
    kinds = ", ".join(f"{n} {entity}" for entity, n in counts.most_common())
    if not outside:
        return Verdict("deliver", f"PHI ({kinds}) for allowed domains only", findings)
    risk = risk_level(counts)
    if RISK_ORDER[risk] >= RISK_ORDER[policy.reject_at]:
        return Verdict("reject", f"message holds PHI ({kinds}, risk {risk})", findings)
    if RISK_ORDER[risk] >= RISK_ORDER[policy.quarantine_at]:
        return Verdict("quarantine", f"held for review: PHI ({kinds}, risk {risk})", findings)
    return Verdict("deliver", f"PHI below the policy thresholds ({kinds})", findings)


def quarantine(
    raw: bytes, sender: str, recipients: list[str], verdict: Verdict, folder: Path
) -> str:
    """Store the message and a note of masked findings; returns the quarantine id."""
    folder.mkdir(parents=True, exist_ok=True)
    ident = f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"
    note = {
        "id": ident,
        "sender": sender,
        "recipients": recipients,
        "reason": verdict.reason,
        "findings": [f.as_dict() for f in verdict.findings],
    }
    partial = folder / f"{ident}.eml.partial"
    partial.write_bytes(raw)
    (folder / f"{ident}.json").write_text(json.dumps(note, indent=2), encoding="utf-8")
    partial.replace(folder / f"{ident}.eml")
    return ident


class GatewayHandler:
    """The aiosmtpd handler: scan on DATA, then deliver, reject or quarantine."""

    def __init__(
        self, relay: tuple[str, int], policy: GatewayPolicy, scanner: Scanner | None = None
    ) -> None:
        if policy.quarantine_dir is None and policy.quarantine_at != policy.reject_at:
            raise ConfigurationError("the gateway needs a quarantine folder (--quarantine-dir)")
        self.relay = relay
        self.policy = policy
        self.scanner = scanner or Scanner()
        self.log: list[tuple[str, str]] = []
        """(action, reason) per message, for the operator's summary (no PHI in it)."""

    def _relay(self, sender: str, recipients: list[str], raw: bytes) -> None:
        host, port = self.relay
        with smtplib.SMTP(host, port, timeout=30) as client:
            client.sendmail(sender, recipients, raw)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        sender = str(envelope.mail_from)
        recipients = [str(r) for r in envelope.rcpt_tos]
        loop = asyncio.get_running_loop()
        verdict = await loop.run_in_executor(
            None, decide, raw, recipients, self.scanner, self.policy
        )
        self.log.append((verdict.action, verdict.reason))
        if verdict.action == "reject":
            return f"550 5.7.1 Rejected by phiwatch: {verdict.reason}"
        if verdict.action == "quarantine":
            assert self.policy.quarantine_dir is not None
            ident = await loop.run_in_executor(
                None, quarantine, raw, sender, recipients, verdict, self.policy.quarantine_dir
            )
            return f"250 2.0.0 Held for review by phiwatch (quarantine {ident})"
        try:
            await loop.run_in_executor(None, self._relay, sender, recipients, raw)
        except (OSError, smtplib.SMTPException):
            return "451 4.3.0 Relay unavailable, try again later"
        return "250 2.0.0 Delivered"


def parse_host_port(value: str, option: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigurationError(f"{option} must be HOST:PORT, e.g. 127.0.0.1:10025")
    return host, int(port)
