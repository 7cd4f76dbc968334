"""JSON bodies for the pages' JSON twins, encoded in one pass.

FastAPI's ``jsonable_encoder`` walks every value in Python before ``json``
walks it again; on a page of 50 breaches it was three quarters of a
request's time. Here the standard library's C encoder does the walk and
calls ``_default`` only for the few values JSON has no type for, converted
the way ``jsonable_encoder`` converts them (``tests/web/test_json.py``
holds the two to the same output).
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum
from pathlib import PurePath
from typing import Any
from uuid import UUID

from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, set | frozenset):
        return list(value)
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, PurePath | UUID):
        return str(value)
    if isinstance(value, bytes):
        return value.decode()
    raise TypeError(f"a page returned a {type(value).__name__}, which has no JSON form")


def _dumps(payload: Any) -> bytes:
    return json.dumps(
        payload, default=_default, ensure_ascii=False, allow_nan=False, separators=(",", ":")
    ).encode()


def json_body(payload: Any) -> bytes:
    """``payload`` as compact UTF-8 JSON.

    A mapping keyed by something other than text or numbers (a date, say) is
    beyond the C encoder; such a payload goes through ``jsonable_encoder``
    first, as every payload once did.
    """
    try:
        return _dumps(payload)
    except TypeError:
        return _dumps(jsonable_encoder(payload))
