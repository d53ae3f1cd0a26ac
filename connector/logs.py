"""Structured logging: JSON lines for machines, readable lines on a terminal.

Every log line passes through :func:`connector.redaction.redaction_processor`.

The two formats differ in how much they say per record. JSON lines go to a log shipper: one
line per audited subscription is what it indexes. A person at a terminal reads a summary per
run step; the per-record lines are there at DEBUG (``log_level = "DEBUG"``).
"""

from __future__ import annotations

import logging
import sys
from typing import Any, Literal, TextIO

import structlog

from connector.redaction import redaction_processor

LogFormat = Literal["json", "console"]


class _Detail:
    """The level of per-record lines (one per audited subscription) for the current format."""

    level = logging.INFO


def record_level() -> int:
    """INFO for JSON lines, DEBUG on a terminal, where each step is summarised at INFO."""
    return _Detail.level


class _CurrentStderr:
    """Writes to whatever ``sys.stderr`` is at the time, not when logging was configured."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


#: Standard-library loggers whose lines go through structlog too: the HTTP server's
#: (``uvicorn.error`` and ``uvicorn.access`` propagate to it; uvicorn itself still turns
#: its access log off when asked to).
BRIDGED_LOGGERS = ("uvicorn",)


class _ToStructlog(logging.Handler):
    """A standard-library record, rendered like the connector's own lines (JSON or console)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            logger = structlog.get_logger(record.name)
            exc_info = record.exc_info if record.exc_info else False
            logger.log(record.levelno, record.getMessage(), logger=record.name, exc_info=exc_info)
        except Exception:  # a log line must never take the server down
            self.handleError(record)


def _bridge_stdlib(level: str) -> None:
    for name in BRIDGED_LOGGERS:
        logger = logging.getLogger(name)
        logger.handlers = [_ToStructlog()]
        logger.propagate = False
        logger.setLevel(logging.getLevelNamesMapping().get(level.upper(), logging.INFO))


def configure_logging(
    fmt: LogFormat = "json", level: str = "INFO", stream: TextIO | None = None
) -> None:
    renderer: Any = (
        structlog.processors.JSONRenderer(sort_keys=False)
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    _Detail.level = logging.INFO if fmt == "json" else logging.DEBUG
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            redaction_processor,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping().get(level.upper(), logging.INFO)
        ),
        logger_factory=structlog.PrintLoggerFactory(file=stream or _CurrentStderr()),  # type: ignore[arg-type]
        cache_logger_on_first_use=False,
    )
    _bridge_stdlib(level)


def get_logger(name: str = "connector") -> Any:
    return structlog.get_logger(name)
