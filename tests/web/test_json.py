"""The JSON twins' encoder gives what FastAPI's ``jsonable_encoder`` gives, faster."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum, StrEnum
from pathlib import Path
from uuid import UUID

import pytest
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel

from phiwatch.web._json import json_body


class Colour(Enum):
    red = "red"


class Kind(StrEnum):
    hacking = "Hacking/IT Incident"


@dataclass
class Row:
    id: int
    on: date
    kinds: list[Kind]


class Model(BaseModel):
    name: str
    at: datetime


SAMPLES = [
    {"ok": True, "n": 3, "x": 1.5, "none": None, "text": "Zoë, Ünited"},
    {"when": datetime(2026, 11, 23, 10, 30, tzinfo=UTC), "day": date(2015, 2, 13)},
    {"at": time(9, 15), "span": timedelta(minutes=90)},
    {"colour": Colour.red, "kind": Kind.hacking, Kind.hacking: 1},
    {"tuple": (1, 2), "nested": [{"a": [date(2020, 1, 1)]}]},
    {"row": Row(1, date(2024, 6, 28), [Kind.hacking])},
    {"model": Model(name="m", at=datetime(2026, 1, 1, tzinfo=UTC))},
    {"money": Decimal("12"), "rate": Decimal("1.25")},
    {"path": Path("/tmp/x"), "uuid": UUID("12345678-1234-5678-1234-567812345678")},
    {"by_day": {date(2024, 1, 1): 3}},  # a non-text key: the fallback path
    {"set": {"only"}},
]


@pytest.mark.parametrize("payload", SAMPLES, ids=[str(i) for i in range(len(SAMPLES))])
def test_same_output_as_jsonable_encoder(payload) -> None:
    assert json.loads(json_body(payload)) == jsonable_encoder(payload)


def test_not_a_number_is_refused_not_sent_as_invalid_json() -> None:
    with pytest.raises(ValueError, match="JSON"):
        json_body({"x": math.nan})


def test_unknown_type_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="object"):
        json_body({"x": object()})
