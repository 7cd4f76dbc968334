"""The app as each of ``phiwatch serve --workers N``'s processes builds it.

Uvicorn starts several workers by importing an app factory in each new
process, so what the serving command decided (the data directory and
database from its global options, TLS, the proxy) travels to them in the
environment: the phiwatch settings under their usual ``PHIWATCH_*`` names,
and the web flags in one internal variable.
"""

from __future__ import annotations

import json
import os

from fastapi import FastAPI

from phiwatch.config import Settings, load_settings
from phiwatch.web._app import create_app
from phiwatch.web._config import WebConfig

_FLAGS = "_PHIWATCH_SERVE_FLAGS"
FACTORY = "phiwatch.web._workers:worker_app"


def hand_over(settings: Settings, *, tls: bool, behind_proxy: bool) -> None:
    """Put what the workers need into this process's environment, which they inherit."""
    os.environ["PHIWATCH_DATA_DIR"] = str(settings.data_dir)
    os.environ["PHIWATCH_DATABASE_URL"] = settings.resolved_database_url
    os.environ[_FLAGS] = json.dumps({"tls": tls, "behind_proxy": behind_proxy})


def worker_app() -> FastAPI:
    """Build one worker's app from the environment ``hand_over`` prepared."""
    flags = json.loads(os.environ.get(_FLAGS, "{}"))
    settings = load_settings()
    config = WebConfig.from_settings(
        settings, tls=bool(flags.get("tls")), behind_proxy=bool(flags.get("behind_proxy"))
    )
    return create_app(settings, config=config)
