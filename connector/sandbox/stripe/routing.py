"""The API request seen by handlers, and the route table type."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from connector.sandbox.stripe.events import RequestInfo
from connector.sandbox.stripe.forms import Params
from connector.sandbox.stripe.state import StripeState

Obj = dict[str, Any]


@dataclass
class ApiRequest:
    method: str
    path: str
    path_params: dict[str, str]
    params: Params
    info: RequestInfo
    api_version: str

    @property
    def id(self) -> str:
        return self.path_params["id"]


Handler = Callable[[StripeState, ApiRequest], Obj]


@dataclass(frozen=True)
class ApiRoute:
    method: str
    pattern: str
    handler: Handler

    @property
    def label(self) -> str:
        """``"POST /v1/subscriptions/:id"`` (the CallStats label)."""
        return f"{self.method} " + re.sub(r"\{(\w+)\}", r":\1", self.pattern)

    def compile(self) -> re.Pattern[str]:
        return re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.pattern) + "$")
