"""How the web app runs: session timeouts, sign-in limits, TLS, proxy, single sign-on."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from phiwatch.config import Settings
from phiwatch.security import SessionPolicy, ThrottlePolicy


@dataclass(frozen=True)
class OidcConfig:
    """An OpenID Connect provider to sign in with (authorization code flow with PKCE)."""

    issuer: str
    client_id: str
    client_secret: str | None = None
    label: str = "single sign-on"


@dataclass(frozen=True)
class WebConfig:
    """Everything ``create_app`` needs beyond ``Settings``; tests override single fields.

    ``secure_cookies`` is true when phiwatch serves TLS itself or sits behind a
    proxy that does (``--behind-proxy`` promises that the proxy speaks HTTPS).
    """

    session: SessionPolicy = field(default_factory=SessionPolicy)
    throttle: ThrottlePolicy = field(default_factory=ThrottlePolicy)
    tls: bool = False
    behind_proxy: bool = False
    oidc: OidcConfig | None = None
    # Seconds a proved API token is trusted without a database lookup (0: never).
    remember_credentials: float = 1.0

    @property
    def secure_cookies(self) -> bool:
        return self.tls or self.behind_proxy

    @classmethod
    def from_settings(
        cls, settings: Settings, *, tls: bool = False, behind_proxy: bool = False
    ) -> WebConfig:
        oidc = None
        if settings.oidc_issuer and settings.oidc_client_id:
            secret = settings.oidc_client_secret
            oidc = OidcConfig(
                issuer=settings.oidc_issuer,
                client_id=settings.oidc_client_id,
                client_secret=secret.get_secret_value() if secret else None,
            )
        return cls(
            session=SessionPolicy(
                idle=timedelta(minutes=settings.session_idle_minutes),
                absolute=timedelta(hours=settings.session_absolute_hours),
            ),
            tls=tls,
            behind_proxy=behind_proxy,
            oidc=oidc,
        )
