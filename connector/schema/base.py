"""Shared configuration and field types of the canonical models."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Self

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict

from connector.schema.derived import derived


def _to_utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC)


UtcDatetime = Annotated[AwareDatetime, AfterValidator(_to_utc)]
"""A timezone-aware datetime, converted to UTC; naive datetimes are rejected."""


class CanonicalModel(BaseModel):
    """Strict, immutable, no unknown keys: bad input fails loudly at the boundary."""

    model_config = ConfigDict(strict=True, frozen=True, extra="forbid", ignored_types=(derived,))

    def replace(self, **changes: Any) -> Self:
        """A validated copy with ``changes``.

        Use this rather than ``model_copy(update=...)``, which neither validates nor forgets
        derived values already cached on the instance (such as MRR).
        """
        values = {name: getattr(self, name) for name in type(self).model_fields}
        values.update(changes)
        return type(self).model_validate(values)
