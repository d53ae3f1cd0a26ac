"""Every error a command meets, as one line that says what to do, and its exit code.

A person at a terminal needs the cause and the next step, not a stack of frames; the
traceback is there for whoever asks for it with the global ``--debug`` flag. Every text is
redacted (a client library's message may carry a credential) and escaped before it reaches
the terminal renderer, so brackets in it (``[targets.<name>]``, a path with ``[/x]``) print as
they are instead of being read as markup.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass

from rich.console import Console
from rich.markup import escape

from connector.errors import AdapterError, ConfigError, ConnectorError, FatalAdapterError
from connector.exit_codes import ExitCode
from connector.mapping import MappingError
from connector.redaction import redact_text


@dataclass(frozen=True, slots=True)
class Explained:
    """An error as a person reads it: a label, the cause, what to do about it."""

    label: str
    message: str
    hint: str
    code: ExitCode

    def detail(self) -> str:
        text = self.message.rstrip(".")
        return text + (f"; {self.hint}" if self.hint else "")

    def sentence(self) -> str:
        """Label and detail in one line, for a caller that puts its own label in front."""
        return f"{self.label}: {self.detail()}"


def _system_hint(exc: AdapterError) -> str:
    if exc.code.startswith("AUTH_FAILED") or "login" in exc.message.lower():
        return (
            f"check {exc.system}'s credentials in the configuration ([targets.{exc.system}], "
            "or [source] for billing) and any CONNECTOR_..._FILE secret they come from"
        )
    if isinstance(exc, FatalAdapterError):
        return f"check the integration user's access to {exc.system} and its API quota"
    return f"{exc.system} did not answer in time; try again later, or check its status page"


def explain(exc: BaseException) -> Explained:
    """What the operator should read for this error, and the exit code it ends with."""
    from connector.store import SchemaTooNewError  # the store loads when an error is explained

    text = redact_text(str(exc)) or type(exc).__name__
    if isinstance(exc, SchemaTooNewError):
        return Explained(
            "state store too new",
            text,
            "run the newer connector, or point store_url at another store",
            ExitCode.USAGE,
        )
    if isinstance(exc, MappingError | ConfigError):
        return Explained("configuration error", text, "", ExitCode.USAGE)
    if isinstance(exc, AdapterError):
        return Explained(
            f"{exc.system} failed", redact_text(exc.message), _system_hint(exc), ExitCode.FAILED
        )
    if isinstance(exc, ConnectorError):
        return Explained("error", text, "", ExitCode.FAILED)
    if isinstance(exc, OSError):
        return Explained(
            "system error", text, "check the path, port or permission it names", ExitCode.FAILED
        )
    return Explained(
        f"unexpected error ({type(exc).__name__})",
        text,
        "run again with --debug for the traceback, and report it if it persists",
        ExitCode.FAILED,
    )


def print_error(console: Console, exc: BaseException, *, debug: bool) -> ExitCode:
    """One line on ``console`` (after the traceback when ``debug``); the exit code to use."""
    if debug:
        console.print(
            escape(redact_text("".join(traceback.format_exception(exc)))), highlight=False
        )
    explained = explain(exc)
    console.print(f"[red]{escape(explained.label)}:[/red] {escape(explained.detail())}")
    return explained.code
