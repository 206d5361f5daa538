"""The console's Starlette application: routes of every page, static files, security headers."""
from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ivr.accounts import passwords
from ivr.i18n import _
from ivr.web import audit_page, campaigns, case_actions, cases, lists, reports, scripts_page, signin, today
from ivr.web.render import render
from ivr.web.services import WebServices
from pathlib import Path

STATIC = Path(__file__).resolve().parent / "static"
# Every asset is the app's own (the console runs inside a provincial network): no CDN, no inline script
# but the page's own, no framing by another site.
HEADERS = {
    b"content-security-policy": b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                b"media-src 'self'; frame-ancestors 'none'; form-action 'self'",
    b"x-content-type-options": b"nosniff",
    b"referrer-policy": b"same-origin",
    b"cache-control": b"no-store",
}


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {k for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    (k, v) for k, v in HEADERS.items() if k not in names]
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def not_found(request: Request, exc: Any) -> Response:
    return render(request, "error.html", {"message": _("No such page.")}, status_code=404)


def create_app(services: WebServices) -> Starlette:
    passwords.dummy_hash()  # before the first sign-in (ivr/accounts/passwords.py)
    routes = [*signin.routes, *today.routes, *lists.routes, *campaigns.routes, *cases.routes, *case_actions.routes,
              *reports.routes, *scripts_page.routes, *audit_page.routes,
              Mount("/static", StaticFiles(directory=STATIC), name="static")]
    app = Starlette(routes=routes, middleware=[Middleware(SecurityHeaders)], exception_handlers={404: not_found})
    app.state.services = services
    app.state.seen = {}  # session -> contacts whose data it was shown (audited once each)
    return app
