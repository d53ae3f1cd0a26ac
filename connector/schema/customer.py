"""The canonical customer."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from connector.schema.base import CanonicalModel, UtcDatetime
from connector.schema.currency import CurrencyCode

CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]


class Customer(CanonicalModel):
    """The paying party of a subscription, as the billing system knows it."""

    id: Annotated[str, Field(min_length=1)]
    name: str | None = None
    email: str | None = None
    country: CountryCode | None = None
    tax_id: str | None = None
    currency: CurrencyCode | None = None
    metadata: dict[str, str] = Field(default_factory=dict)
    updated_at: UtcDatetime | None = None
