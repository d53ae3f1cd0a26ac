"""The operator's console: run history, a run's records, audit search, dead letters with
Replay and Resolve, health, and MRR charts, as server-rendered pages behind a token.

Off unless ``[console] enabled = true`` with a token (see
:class:`connector.config.ConsoleSettings`).
"""

from connector.console.app import MOUNT_PATH, console_app, console_mount

__all__ = ["MOUNT_PATH", "console_app", "console_mount"]
