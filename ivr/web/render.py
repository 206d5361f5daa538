"""Jinja2 rendering with what every page needs: the user, their permissions, the CSRF token, the menu."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Mapping

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from ivr.accounts.roles import ROLE_VI, Permission, Role, may
from ivr.formats import national_phone

TEMPLATES = Path(__file__).resolve().parent / "templates"
MENU = (("/", "Hôm nay", Permission.VIEW_FIGURES), ("/lists", "Danh sách", Permission.MANAGE_LISTS),
        ("/campaigns", "Chiến dịch", Permission.VIEW_FIGURES), ("/cases", "Ca cần xử lý", Permission.ACT_ON_CASES),
        ("/reports", "Báo cáo", Permission.VIEW_FIGURES), ("/scripts", "Kịch bản", Permission.VIEW_FIGURES),
        ("/audit", "Nhật ký", Permission.VIEW_AUDIT))
_ENV = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))


def _local(value: dt.datetime | None, fmt: str = "%d/%m/%Y %H:%M") -> str:
    if value is None:
        return ""
    zone = _ENV.globals.get("zone")
    return value.astimezone(zone).strftime(fmt) if zone else value.strftime(fmt)  # type: ignore[arg-type]


_ENV.filters["local"] = _local
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
        "can": perms, "role_vi": ROLE_VI[Role(user.role)] if user is not None else "",
        "menu": [(href, label) for href, label, p in MENU if user is not None and may(user.role, p)],
        "path": request.url.path,
    }
    html = _ENV.get_template(template).render({**base, **(context or {})})
    return HTMLResponse(html, status_code=status_code)
