"""The console's endpoints: every page behind the token, every POST behind the CSRF token.

Store calls run in the thread pool (the store is synchronous); the pages are rendered by
Jinja2 with autoescaping, so nothing read from billing, a target or the store is markup.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.templating import Jinja2Templates

from connector.console import charts, csrf, queries, search
from connector.console.actions import Actions
from connector.console.auth import SESSION_COOKIE, Guard
from connector.dead_letters import UnknownDeadLetterError
from connector.logs import get_logger
from connector.store import StateStore, utcnow

TEMPLATES = Path(__file__).parent / "templates"
FAILED_LOGIN_DELAY = 0.5  # seconds: makes guessing the token by hand slow
MAX_NOTE = 500
LETTER_STATUSES = ("open", "resolved", "all")
NOTICES = {
    "replayed": "queued for replay",
    "worked": "replayed: its subscription was queued and reconciled",
    "queued_only": "queued for replay; working the queue here failed (see the connector's "
    "log), so a daemon or the next run will take it",
    "resolved": "resolved by hand",
    "already": "was already resolved",
}

Endpoint = Callable[[Request], Awaitable[Response]]


def templates() -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    return Jinja2Templates(env=env)


def base_path(request: Request) -> str:
    """Where the console is mounted ("" at the root, "/console" in the daemon)."""
    return str(request.scope.get("root_path", "")).rstrip("/")


class Console:
    def __init__(self, store: StateStore, guard: Guard, actions: Actions) -> None:
        self.store = store
        self.guard = guard
        self.actions = actions
        self.templates = templates()
        self.log = get_logger("connector.console")

    # -- plumbing -----------------------------------------------------------------------

    def render(
        self, request: Request, name: str, status_code: int = 200, **context: Any
    ) -> Response:
        identity = getattr(request.state, "identity", None)
        context.setdefault("nav", "")
        context.update(
            base=base_path(request),
            csrf_token=self.guard.csrf_token(identity) if identity else "",
            logged_in=identity is not None,
        )
        return self.templates.TemplateResponse(request, name, context, status_code=status_code)

    def protected(self, handler: Endpoint) -> Endpoint:
        async def endpoint(request: Request) -> Response:
            identity = self.guard.identity(request)
            if identity is None:
                return self.refuse(request)
            request.state.identity = identity
            return await handler(request)

        return endpoint

    def refuse(self, request: Request) -> Response:
        """A browser asking for a page goes to the login form; anything else gets 401."""
        if request.method == "GET" and "text/html" in request.headers.get("accept", ""):
            return RedirectResponse(f"{base_path(request)}/login", status_code=303)
        return PlainTextResponse(
            "authentication required", status_code=401, headers={"WWW-Authenticate": "Bearer"}
        )

    async def checked_form(self, request: Request) -> FormData | None:
        """The POSTed form when it carries this session's CSRF token, else None."""
        form = await request.form()
        expected = self.guard.csrf_token(request.state.identity)
        return form if csrf.matches(expected, csrf.form_token(form)) else None

    def forbidden(self, request: Request) -> Response:
        self.log.warning("console.csrf_refused", path=request.url.path)
        return self.render(
            request,
            "error.html",
            status_code=403,
            message="This form has expired or did not come from the console: reload the page "
            "and try again.",
        )

    # -- login --------------------------------------------------------------------------

    async def login_form(self, request: Request) -> Response:
        nonce = csrf.login_nonce()
        response = self.render(request, "login.html", login_nonce=nonce, failed=False)
        response.set_cookie(
            csrf.LOGIN_COOKIE, nonce, httponly=True, samesite="strict", path=_path(request)
        )
        return response

    async def login(self, request: Request) -> Response:
        form = await request.form()
        nonce = request.cookies.get(csrf.LOGIN_COOKIE, "")
        token = form.get("token")
        if not csrf.matches(nonce, csrf.form_token(form)):
            return self.render(request, "error.html", status_code=403, message=_EXPIRED_LOGIN)
        if not isinstance(token, str) or not self.guard.token_matches(token):
            self.log.warning("console.login_refused", client=_client(request))
            await asyncio.sleep(FAILED_LOGIN_DELAY)
            return self.render(
                request, "login.html", status_code=401, login_nonce=nonce, failed=True
            )
        response = RedirectResponse(f"{base_path(request)}/", status_code=303)
        response.set_cookie(
            SESSION_COOKIE,
            self.guard.new_session(),
            max_age=int(self.guard.session_seconds),
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path=_path(request),
        )
        response.delete_cookie(csrf.LOGIN_COOKIE, path=_path(request))
        return response

    async def logout(self, request: Request) -> Response:
        if await self.checked_form(request) is None:
            return self.forbidden(request)
        response = RedirectResponse(f"{base_path(request)}/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path=_path(request))
        return response

    # -- pages --------------------------------------------------------------------------

    async def runs(self, request: Request) -> Response:
        number = queries.clamp_page(request.query_params.get("page"))
        page = await run_in_threadpool(queries.runs, self.store, number)
        return self.render(request, "runs.html", page=page, nav="runs")

    async def run(self, request: Request) -> Response:
        run_id = str(request.path_params["run_id"])[: search.MAX_TEXT]
        number = queries.clamp_page(request.query_params.get("page"))
        found = await run_in_threadpool(self.store.get_run, run_id)
        if found is None:
            return self.render(request, "error.html", status_code=404, message="No such run.")
        page = await run_in_threadpool(queries.run_entries, self.store, run_id, number)
        return self.render(request, "run.html", run=queries.run_row(found), page=page, nav="runs")

    async def audit(self, request: Request) -> Response:
        form = search.parse(request.query_params)
        number = queries.clamp_page(request.query_params.get("page"))
        page = None
        if not form.problems:
            page = await run_in_threadpool(queries.audit_search, self.store, form.query, number)
        return self.render(
            request,
            "audit.html",
            form=form,
            page=page,
            changes=search.CHANGES,
            paging=_paging_query(request),
            nav="audit",
        )

    async def dead_letters(self, request: Request) -> Response:
        status = request.query_params.get("status", "open")
        status = status if status in LETTER_STATUSES else "open"
        number = queries.clamp_page(request.query_params.get("page"))
        page = await run_in_threadpool(
            queries.dead_letters, self.store, None if status == "all" else status, number
        )
        notice = _notice(request)
        return self.render(
            request,
            "dead_letters.html",
            page=page,
            status=status,
            statuses=LETTER_STATUSES,
            notice=notice,
            nav="dead_letters",
        )

    async def health(self, request: Request) -> Response:
        found = await run_in_threadpool(queries.health, self.store, utcnow())
        return self.render(request, "health.html", health=found, nav="health")

    async def revenue(self, request: Request) -> Response:
        found = await run_in_threadpool(charts.revenue, self.store, utcnow())
        return self.render(
            request, "revenue.html", revenue=found, kinds=charts.TABLE_KINDS, nav="revenue"
        )

    # -- actions ------------------------------------------------------------------------

    async def replay(self, request: Request) -> Response:
        if await self.checked_form(request) is None:
            return self.forbidden(request)
        letter_id = int(request.path_params["letter_id"])
        done = await run_in_threadpool(self.actions.replay, [letter_id])
        if done is None:
            return self.render(
                request, "error.html", status_code=404, message="No such dead letter."
            )
        self.log.info("console.replayed", letter=letter_id, queued=done.queued, worked=done.worked)
        notice = "queued_only" if done.work_failed else "worked" if done.worked else "replayed"
        return self.back_to_letters(request, notice, letter_id)

    async def resolve(self, request: Request) -> Response:
        form = await self.checked_form(request)
        if form is None:
            return self.forbidden(request)
        letter_id = int(request.path_params["letter_id"])
        note = form.get("note")
        note = note.strip()[:MAX_NOTE] if isinstance(note, str) else ""
        if not note:
            message = "Say why the letter needs no run: the note is kept in the audit trail."
            return self.render(request, "error.html", status_code=400, message=message)
        try:
            done = await run_in_threadpool(self.actions.resolve, [letter_id], note)
        except UnknownDeadLetterError:
            return self.render(
                request, "error.html", status_code=404, message="No such dead letter."
            )
        notice = "resolved" if done.resolved else "already"
        return self.back_to_letters(request, notice, letter_id)

    def back_to_letters(self, request: Request, notice: str, letter_id: int) -> Response:
        where = f"{base_path(request)}/dead-letters?notice={notice}&letter={letter_id}"
        return RedirectResponse(where, status_code=303)


_EXPIRED_LOGIN = "The login form expired: open the login page again."


def _path(request: Request) -> str:
    return base_path(request) or "/"


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _notice(request: Request) -> str | None:
    """The outcome of the last action, from a fixed list (never text from the URL)."""
    what = NOTICES.get(request.query_params.get("notice", ""))
    letter = request.query_params.get("letter", "")
    if what is None or not letter.isdigit():
        return None
    return f"Dead letter {int(letter)} {what}."


def _paging_query(request: Request) -> str:
    """The search's query string without its page, for the paging links."""
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != "page"]
    return urlencode(kept)
