"""OpenID Connect sign-in (authorization code flow with PKCE and nonce).

Built from authlib's OAuth 2 pieces (state/nonce/verifier generation, the
S256 PKCE challenge, URI building) and joserfc, authlib's JOSE library, for
the ID token's signature and claims; HTTP goes through httpx. (authlib
1.9's ready-made httpx client warns that it is deprecated, and the test
suite treats warnings as errors.) The flow's state lives in a short-lived,
HMAC-signed, HttpOnly cookie, so no server-side storage is needed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any

import httpx
from authlib.common.security import generate_token  # type: ignore[import-untyped]
from authlib.common.urls import add_params_to_uri  # type: ignore[import-untyped]
from authlib.oauth2.rfc7636 import create_s256_code_challenge  # type: ignore[import-untyped]
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from phiwatch.errors import ConfigurationError, InputError
from phiwatch.web._config import OidcConfig

FLOW_MAX_AGE = 600


@dataclass(frozen=True)
class OidcFlow:
    state: str
    nonce: str
    verifier: str
    next_url: str
    started: float


class OidcClient:
    """One provider: discovery and keys fetched on first use and cached."""

    def __init__(self, config: OidcConfig) -> None:
        self.config = config
        self._metadata: dict[str, Any] | None = None
        self._keys: KeySet | None = None

    def _get_json(self, url: str) -> dict[str, Any]:
        try:
            response = httpx.get(url, timeout=10.0)
            response.raise_for_status()
            data = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise ConfigurationError(f"the OIDC provider did not answer at {url}: {exc}") from exc
        if not isinstance(data, dict):
            raise ConfigurationError(f"the OIDC provider sent no JSON object from {url}")
        return data

    def metadata(self) -> dict[str, Any]:
        if self._metadata is None:
            issuer = self.config.issuer.rstrip("/")
            data = self._get_json(f"{issuer}/.well-known/openid-configuration")
            if str(data.get("issuer", "")).rstrip("/") != issuer:
                raise ConfigurationError("the OIDC discovery document names another issuer")
            self._metadata = data
        return self._metadata

    def keys(self, *, refresh: bool = False) -> KeySet:
        if self._keys is None or refresh:
            self._keys = KeySet.import_key_set(self._get_json(self.metadata()["jwks_uri"]))  # type: ignore[arg-type]
        return self._keys

    def start(self, redirect_uri: str, next_url: str) -> tuple[str, OidcFlow]:
        flow = OidcFlow(
            state=generate_token(32),
            nonce=generate_token(32),
            verifier=generate_token(64),
            next_url=next_url,
            started=time.time(),
        )
        url = add_params_to_uri(
            self.metadata()["authorization_endpoint"],
            [
                ("response_type", "code"),
                ("client_id", self.config.client_id),
                ("redirect_uri", redirect_uri),
                ("scope", "openid email profile"),
                ("state", flow.state),
                ("nonce", flow.nonce),
                ("code_challenge", create_s256_code_challenge(flow.verifier)),
                ("code_challenge_method", "S256"),
            ],
        )
        return url, flow

    def finish(self, flow: OidcFlow, code: str, redirect_uri: str) -> str:
        """Exchange the code, check the ID token, and return the subject ``issuer|sub``."""
        data = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": flow.verifier,
            "client_id": self.config.client_id,
        }
        auth = (
            (self.config.client_id, self.config.client_secret)
            if self.config.client_secret
            else None
        )
        try:
            response = httpx.post(
                self.metadata()["token_endpoint"], data=data, auth=auth, timeout=10.0
            )
            response.raise_for_status()
            id_token = response.json()["id_token"]
        except (httpx.HTTPError, ValueError, KeyError) as exc:
            raise InputError("the single sign-on provider refused the sign-in") from exc
        claims = self._verified_claims(str(id_token), flow.nonce)
        return f"{self.config.issuer.rstrip('/')}|{claims['sub']}"

    def _verified_claims(self, id_token: str, nonce: str) -> dict[str, Any]:
        try:
            try:
                token = jwt.decode(id_token, self.keys())
            except (JoseError, ValueError):
                token = jwt.decode(id_token, self.keys(refresh=True))  # the provider rotated keys
            registry = jwt.JWTClaimsRegistry(
                iss={
                    "essential": True,
                    "values": [self.config.issuer, self.config.issuer.rstrip("/")],
                },
                aud={"essential": True, "value": self.config.client_id},
                nonce={"essential": True, "value": nonce},
                sub={"essential": True},
                exp={"essential": True},
            )
            registry.validate(token.claims)
        except (JoseError, ValueError) as exc:
            raise InputError("the single sign-on ID token is not valid") from exc
        return dict(token.claims)


def _sign(key: bytes, payload: bytes) -> str:
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


def pack_flow(key: bytes, flow: OidcFlow) -> str:
    payload = base64.urlsafe_b64encode(json.dumps(flow.__dict__).encode()).decode()
    return f"{payload}.{_sign(key, payload.encode())}"


def unpack_flow(key: bytes, cookie: str | None) -> OidcFlow | None:
    """The flow from the cookie, or None when missing, forged or older than ten minutes."""
    if not cookie or "." not in cookie:
        return None
    payload, _, signature = cookie.rpartition(".")
    if not hmac.compare_digest(signature, _sign(key, payload.encode())):
        return None
    try:
        flow = OidcFlow(**json.loads(base64.urlsafe_b64decode(payload.encode())))
    except (ValueError, TypeError):
        return None
    return flow if time.time() - flow.started <= FLOW_MAX_AGE else None
