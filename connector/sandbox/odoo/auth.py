"""Credentials: the admin user's password or any of its API keys, other users' passwords,
and web sessions.

Other users (an integration user with only the groups it needs, say) are created over RPC
like in Odoo, ``res.users.create({"login": ..., "password": ..., "groups_id": ...})``.

Odoo 17 accepts an API key wherever a password is expected for RPC
(https://www.odoo.com/documentation/17.0/developer/reference/external_api.html#api-keys).
``common.login`` answers ``False`` for bad credentials; ``object`` calls with a bad
uid/password raise ``odoo.exceptions.AccessDenied``.
"""

from __future__ import annotations

import secrets
import threading

from connector.sandbox.odoo.database import ADMIN_UID, OdooDatabase
from connector.sandbox.odoo.errors import AccessDenied, OdooError, PyValueError


class DatabaseNotFound(OdooError):
    """What a call naming another database gets (PostgreSQL refuses the connection)."""

    name = "psycopg2.OperationalError"

    def __init__(self, database: str) -> None:
        super().__init__(
            'connection to server on socket "/var/run/postgresql/.s.PGSQL.5432" failed: '
            f'FATAL:  database "{database}" does not exist\n'
        )


class Authenticator:
    """Checks logins and RPC credentials; keeps ``/web/session`` sessions."""

    def __init__(
        self,
        database: str,
        login: str,
        password: str,
        api_keys: list[str],
        users: OdooDatabase | None = None,
    ) -> None:
        self.database = database
        self.users = users
        self.user_login = login
        self._secrets = {password, *api_keys}
        self._sessions: dict[str, int] = {}
        self._lock = threading.Lock()

    def set_credentials(self, password: str, api_keys: list[str]) -> None:
        """Rotate (or revoke) the admin user's secrets; open web sessions end too."""
        with self._lock:
            self._secrets = {password, *api_keys}
            self._sessions.clear()

    def check_database(self, database: str) -> None:
        if database != self.database:
            raise DatabaseNotFound(database)

    def login(self, database: str, login: str, password: str) -> int | bool:
        self.check_database(database)
        if login == self.user_login and password in self._secrets:
            return ADMIN_UID
        if self.users is not None:
            return self.users.user_with_password(login, password) or False
        return False

    def check(self, database: str, uid: object, password: object) -> int:
        # odoo/service/model.py dispatch(): uid = int(params[1]), then security.check()
        try:
            user_id: int = int(uid)  # type: ignore[call-overload]
        except (TypeError, ValueError):
            raise PyValueError(f"invalid literal for int() with base 10: {uid!r}") from None
        self.check_database(database)
        if not isinstance(password, str):
            raise AccessDenied()
        if user_id == ADMIN_UID and password in self._secrets:
            return ADMIN_UID
        if self.users is not None and self.users.password_matches(user_id, password):
            return user_id
        raise AccessDenied()

    def open_session(self, uid: int) -> str:
        session_id = secrets.token_hex(20)
        with self._lock:
            self._sessions[session_id] = uid
        return session_id

    def session_uid(self, session_id: str | None) -> int | None:
        if not session_id:
            return None
        with self._lock:
            return self._sessions.get(session_id)

    def close_session(self, session_id: str | None) -> None:
        if session_id:
            with self._lock:
                self._sessions.pop(session_id, None)
