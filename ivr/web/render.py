"""Jinja2 rendering with what every page needs: the user, their permissions, the CSRF token, the menu."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Mapping

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from ivr.accounts.roles import ROLE_LABELS, Permission, Role, may
from ivr import i18n
from ivr.i18n import N_, _
from ivr.formats import national_phone

TEMPLATES = Path(__file__).resolve().parent / "templates"
MENU = (("/", N_("Today"), Permission.VIEW_FIGURES), ("/lists", N_("Lists"), Permission.MANAGE_LISTS),
        ("/campaigns", N_("Campaigns"), Permission.VIEW_FIGURES), ("/cases", N_("Cases"), Permission.ACT_ON_CASES),
        ("/reports", N_("Reports"), Permission.VIEW_FIGURES), ("/scripts", N_("Scripts"), Permission.VIEW_FIGURES),
        ("/audit", N_("Audit log"), Permission.VIEW_AUDIT))
_ENV = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))


def _local(value: dt.datetime | None, fmt: str = "%d/%m/%Y %H:%M") -> str:
    if value is None:
        return ""
    zone = _ENV.globals.get("zone")  # the console's time zone (a ZoneInfo), set with the services
    return value.astimezone(zone).strftime(fmt) if isinstance(zone, dt.tzinfo) else value.strftime(fmt)


_ENV.filters["local"] = _local
_ENV.globals["_"] = _  # templates' text goes through the staff catalogue too (extracted by `make messages`)
_ENV.filters["vn_date"] = lambda d: d.strftime("%d/%m/%Y") if d else ""
_ENV.filters["phone"] = national_phone  # as staff dial it: 0912345678, never +84


def render(request: Request, template: str, context: Mapping[str, Any] | None = None,
           status_code: int = 200) -> HTMLResponse:
    session = getattr(request.state, "session", None)
    user = session.user if session is not None else None
    services = getattr(request.app.state, "services", None)
    if services is not None:
        _ENV.globals["zone"] = services.zone
    perms = {p.value: (user is not None and may(user.role, p)) for p in Permission}
    base = {
        "request": request, "user": user, "csrf": session.csrf if session is not None else "",
        "can": perms, "role_vi": _(ROLE_LABELS[Role(user.role)]) if user is not None else "",
        "menu": [(href, _(label)) for href, label, p in MENU if user is not None and may(user.role, p)],
        "path": request.url.path, "lang": i18n.language(),
    }
    html = _ENV.get_template(template).render({**base, **(context or {})})
    return HTMLResponse(html, status_code=status_code)
