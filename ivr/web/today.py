"""Today: the day's campaigns with live progress, the calls in progress, the hotline's queue and staff.

The page loads once; /today/live is the fragment the page's script fetches every few seconds.
A viewer sees counts only; staff see who is being called (an audited view of personal data).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ivr.accounts.roles import Permission, in_areas, may
from ivr.labels import status_label
from ivr.storage.records import CampaignStatus, Contact
from ivr.web.guard import audit, page, services, user
from ivr.web.live import live_figures
from ivr.web.render import render

@dataclass(frozen=True)
class CallShown:
    """A call in progress as the page shows it; ``person`` only for those who may see personal data."""

    campaign: int
    started: dt.datetime | None
    person: Contact | None


LIVE = (CampaignStatus.RUNNING, CampaignStatus.PAUSED, CampaignStatus.DRAFT)


def _live_context(request: Request) -> dict[str, Any]:
    svc = services(request)
    today = svc.today()
    campaigns = [c for c in svc.repo.list_campaigns()
                 if c.status in LIVE or c.created_at.astimezone(svc.zone).date() == today]
    rows = [(c, live_figures(svc.repo.campaign_progress(c.id))) for c in reversed(campaigns)]
    me = user(request)
    personal = may(me.role, Permission.VIEW_PERSONAL)
    calls = []
    for attempt in svc.repo.attempts_in_flight():
        person = svc.repo.get_contact(attempt.contact_id) if personal else None
        if person is not None and not in_areas(me.areas, person.ward, person.district):
            continue
        calls.append(CallShown(attempt.campaign_id, attempt.started_at, person))
    if personal:
        # Each person shown is audited once per session (the fragment is fetched every few seconds).
        seen = request.app.state.seen.setdefault(request.state.session.token_hash, set())
        new = sorted({c.person.id for c in calls if c.person is not None} - seen)
        if new:
            audit(request, "web.view.calls_in_progress", "contacts:" + ",".join(map(str, new)), len(new))
            seen.update(new)
    inbound = svc.hotline.inbound_calls(200)
    waiting = [c for c in inbound if c.queue_entered_at is not None and c.ended_at is None
               and c.queue_wait_seconds is None]
    agents = svc.hotline.agents()
    return {"campaigns": rows, "calls": calls, "personal": personal, "waiting": len(waiting),
            "agents_in": [a for a in agents if a.logged_in], "agents": len(agents), "now": svc.clock(),
            "status_label": status_label}


@page()
async def today_page(request: Request) -> Response:
    return render(request, "today.html", _live_context(request))


@page()
async def today_live(request: Request) -> Response:
    return render(request, "today_live.html", _live_context(request))


routes = [Route("/", today_page), Route("/today/live", today_live)]
