"""``phiwatch serve``: the web app and JSON API; see docs/web.md."""

from __future__ import annotations

import ipaddress
import stat
from pathlib import Path
from typing import Annotated, Any

import typer

from phiwatch.cli import _context, app
from phiwatch.cli._output import say
from phiwatch.errors import ConfigurationError


def is_loopback(host: str) -> bool:
    """``localhost`` and addresses in 127.0.0.0/8 or ::1."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_bind(host: str, *, tls: bool, behind_proxy: bool) -> None:
    """Refuse to serve PHI in clear text to the network."""
    if not is_loopback(host) and not tls and not behind_proxy:
        raise ConfigurationError(
            f"refusing to listen on {host} without TLS: give --tls-certfile and --tls-keyfile, "
            "or --behind-proxy when a reverse proxy on this machine terminates HTTPS"
        )


def check_key_file(path: Path) -> None:
    """A TLS private key readable by other users is refused, like the master secret."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        raise ConfigurationError(f"TLS key file {path} does not exist") from None
    if mode & 0o077:
        raise ConfigurationError(
            f"{path} is readable by other users (mode {mode:o}); run: chmod 600 {path}"
        )


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port.")] = 8000,
    tls_certfile: Annotated[
        Path | None, typer.Option("--tls-certfile", help="TLS certificate (PEM).")
    ] = None,
    tls_keyfile: Annotated[
        Path | None, typer.Option("--tls-keyfile", help="TLS private key (PEM, mode 0600).")
    ] = None,
    behind_proxy: Annotated[
        bool,
        typer.Option(
            "--behind-proxy",
            help="A reverse proxy terminates HTTPS: trust its X-Forwarded-* headers.",
        ),
    ] = False,
    forwarded_allow_ips: Annotated[
        str,
        typer.Option("--forwarded-allow-ips", help="Proxy addresses to trust (comma-separated)."),
    ] = "127.0.0.1",
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            max=64,
            help="Worker processes (one per core serves the most requests; each opens the store).",
        ),
    ] = 1,
) -> None:
    """Serve the web app and JSON API (loopback only unless TLS or --behind-proxy).

    Example: phiwatch serve --port 8000 --workers 2
    """
    import uvicorn

    from phiwatch.web import WebConfig, create_app

    if (tls_certfile is None) != (tls_keyfile is None):
        raise ConfigurationError("give both --tls-certfile and --tls-keyfile, or neither")
    tls = tls_certfile is not None
    if tls_keyfile is not None:
        check_key_file(tls_keyfile)
    check_bind(host, tls=tls, behind_proxy=behind_proxy)
    settings = _context.settings()
    config = WebConfig.from_settings(settings, tls=tls, behind_proxy=behind_proxy)
    # Built here even when workers will build their own: a bad setting fails now, in this
    # terminal, and the schema is brought up to date once rather than raced by the workers.
    web_app = create_app(settings, config=config)
    target: Any = web_app
    if workers > 1:
        from phiwatch.web._workers import FACTORY, hand_over

        hand_over(settings, tls=tls, behind_proxy=behind_proxy)
        web_app.state.phiwatch.store.close()
        target = FACTORY
    scheme = "https" if tls else "http"
    say(f"phiwatch is serving on {scheme}://{host}:{port}/ (Ctrl-C to stop)")
    uvicorn.run(
        target,
        factory=workers > 1,
        workers=workers,
        host=host,
        port=port,
        ssl_certfile=str(tls_certfile) if tls_certfile else None,
        ssl_keyfile=str(tls_keyfile) if tls_keyfile else None,
        proxy_headers=behind_proxy,
        forwarded_allow_ips=forwarded_allow_ips if behind_proxy else None,
        server_header=False,
        log_level="info",
        access_log=False,  # access-log lines carry query strings, which may identify patients
    )
