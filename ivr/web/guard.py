"""Who may see a page: the session cookie, the role's permission, and the CSRF token of every form.

``page(permission)`` wraps an endpoint: an anonymous visitor is sent to the sign-in page (a fragment
request gets 401), a user without the permission gets 403, and a POST whose ``csrf`` field is not the
session's token gets 403 before the endpoint runs. A UserError raised by a service is shown on the page
with its message (400), never as a traceback.
"""
from __future__ import annotations

import secrets
from typing import Any, Awaitable, Callable
from urllib.parse import quote

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ivr.accounts.roles import Permission, may
from ivr.errors import UserError
from ivr.i18n import _
from ivr.storage.accounts import SessionRecord, UserRecord
from ivr.web.render import render
from ivr.web.services import WebServices

COOKIE = "robocall_session"
Endpoint = Callable[[Request], Awaitable[Response]]


def services(request: Request) -> WebServices:
    found: WebServices = request.app.state.services
    return found


def user(request: Request) -> UserRecord:
    found: UserRecord = request.state.session.user
    return found


def form(request: Request) -> FormData:
    found: FormData = request.state.form
    return found


def audit(request: Request, action: str, obj: str, rows: int = 0) -> None:
    """Record a view or action of the signed-in user in the audit log, under their name."""
    svc = services(request)
    svc.repo.audit(user(request).name, action, obj, rows, svc.clock())


def page(permission: Permission = Permission.VIEW_FIGURES) -> Callable[[Endpoint], Endpoint]:
    def wrap(endpoint: Endpoint) -> Endpoint:
        async def guarded(request: Request) -> Response:
            session = services(request).accounts.session(request.cookies.get(COOKIE))
            if session is None:
                if request.method == "GET" and "hx" not in request.query_params:
                    return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
                return render(request, "error.html", {"message": _("Please sign in.")}, status_code=401)
            request.state.session = session
            if not may(session.user.role, permission):
                return render(request, "error.html",
                              {"message": _("Your account may not do this.")}, status_code=403)
            if request.method == "POST":
                data = await request.form()
                if not _same(data.get("csrf"), session.csrf):
                    return render(request, "error.html", {"message": _(
                        "The form has expired or is not valid (its CSRF token is missing). Reload the page and send "
                        "it again.")}, status_code=403)
                request.state.form = data
            try:
                return await endpoint(request)
            except UserError as exc:
                return render(request, "error.html", {"message": str(exc)}, status_code=400)

        guarded.__name__ = endpoint.__name__
        guarded.__doc__ = endpoint.__doc__
        return guarded

    return wrap


def _same(given: Any, expected: str) -> bool:
    return isinstance(given, str) and secrets.compare_digest(given.encode(), expected.encode())


def session_of(request: Request) -> SessionRecord | None:
    found: SessionRecord | None = getattr(request.state, "session", None)
    return found
