"""Sign-in and sign-out. The sign-in form has its own CSRF token (a cookie the form must repeat), since
there is no session yet; a wrong name and a wrong password get the same message."""
from __future__ import annotations

import secrets

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ivr.accounts.service import SignInRefused
from ivr.i18n import _
from ivr.web.guard import COOKIE, page, services
from ivr.web.render import render

LOGIN_COOKIE = "robocall_login"


def _safe_next(value: str | None) -> str:
    """Only a path of this site (no scheme, no other host): an open redirect would help phishing."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


def _form(request: Request, message: str = "", status_code: int = 200, name: str = "") -> Response:
    token = secrets.token_urlsafe(24)
    response = render(request, "login.html", {"login_csrf": token, "message": message, "name": name,
                                              "next": _safe_next(request.query_params.get("next"))},
                      status_code=status_code)
    response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict",
                        secure=services(request).settings.web.secure_cookie)
    return response


async def login_page(request: Request) -> Response:
    return _form(request)


async def login(request: Request) -> Response:
    data = await request.form()
    expected = request.cookies.get(LOGIN_COOKIE)
    given = data.get("csrf")
    if not expected or not isinstance(given, str) or not secrets.compare_digest(given.encode(), expected.encode()):
        return _form(request, _("The form has expired or is not valid (its CSRF token is missing). Try again."), 403)
    name, password = str(data.get("name", "")), str(data.get("password", ""))
    address = request.client.host if request.client else "unknown"
    svc = services(request)
    try:
        opened = svc.accounts.sign_in(name, password, address)
    except SignInRefused as exc:
        return _form(request, str(exc), 429 if exc.locked_until else 401, name=name)
    response = RedirectResponse(_safe_next(str(data.get("next", "/"))), status_code=303)
    response.set_cookie(COOKIE, opened.token, max_age=int(svc.accounts.lifetime.total_seconds()), httponly=True,
                        samesite="lax", secure=svc.settings.web.secure_cookie)
    response.delete_cookie(LOGIN_COOKIE)
    return response


@page()
async def logout(request: Request) -> Response:
    token = request.cookies.get(COOKIE)
    if token:
        services(request).accounts.sign_out(token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE)
    return response


routes = [Route("/login", login_page, methods=["GET"]), Route("/login", login, methods=["POST"]),
          Route("/logout", logout, methods=["POST"])]
