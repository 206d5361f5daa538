"""The audit log (admin): who did what to which data, including every view of a person's answers."""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ivr.accounts.roles import Permission
from ivr.web.guard import page, services
from ivr.web.render import render


@page(Permission.VIEW_AUDIT)
async def audit_log(request: Request) -> Response:
    who = request.query_params.get("operator", "").strip()
    entries = services(request).repo.audit_entries(500)
    if who:
        entries = [e for e in entries if e["operator"] == who]
    return render(request, "audit.html", {"entries": entries[:200], "who": who})


routes = [Route("/audit", audit_log, methods=["GET"])]
