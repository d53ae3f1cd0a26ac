"""Shared configuration and field types of the canonical models."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict


def _to_utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC)


UtcDatetime = Annotated[AwareDatetime, AfterValidator(_to_utc)]
"""A timezone-aware datetime, converted to UTC; naive datetimes are rejected."""


class CanonicalModel(BaseModel):
    """Strict, immutable, no unknown keys: bad input fails loudly at the boundary."""

    model_config = ConfigDict(strict=True, frozen=True, extra="forbid")
