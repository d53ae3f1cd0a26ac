"""Minimal request/response types of the API layer (the app speaks raw ASGI for speed)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import orjson

from connector.sandbox.salesforce.errors import request_error

JSON_TYPE = b"application/json;charset=UTF-8"


@dataclass
class ApiRequest:
    method: str
    path: str
    segments: list[str]
    query_string: str
    headers: dict[str, str]
    body: bytes
    version: str = ""
    base_url: str = ""

    @property
    def query(self) -> dict[str, str]:
        return dict(parse_qsl(self.query_string, keep_blank_values=True))

    @property
    def data_prefix(self) -> str:
        """``/services/data/vXX.X`` of this request."""
        return f"/services/data/v{self.version}"

    def json(self) -> Any:
        """The JSON body, or 400 ``JSON_PARSER_ERROR`` as Salesforce answers bad JSON."""
        if not self.body.strip():
            raise request_error(400, "JSON_PARSER_ERROR", "The request body is empty.")
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise request_error(
                400, "JSON_PARSER_ERROR", f"Unexpected character in JSON body: {exc}"
            ) from None

    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode("utf-8", "replace"), keep_blank_values=True))


@dataclass
class ApiResponse:
    status: int
    body: Any = None
    raw: bytes | None = None
    content_type: bytes = JSON_TYPE
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)

    def payload(self) -> bytes:
        if self.raw is not None:
            return self.raw
        if self.body is None:
            return b""
        return orjson.dumps(self.body, option=orjson.OPT_NON_STR_KEYS)
