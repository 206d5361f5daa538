"""Campaigns: create one from a list (showing the rules that will apply before confirming), start, pause,
resume, cancel. The same service as `robocall campaign`: the same checks, the same audit entries.

Starting a campaign marks it running (CampaignService.start, as `robocall campaign start`); `robocall serve`
(the dialer) dials every running campaign.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ivr.accounts.roles import Permission
from ivr.errors import UserError
from ivr.i18n import N_, _
from ivr.labels import status_label
from ivr.storage.records import CampaignStatus
from ivr.web.guard import form, page, services, user
from ivr.web.live import live_figures
from ivr.web.render import render

# Button -> label; which buttons a campaign in a given status shows (the service decides what is allowed).
ACTIONS = {"start": N_("Start calling"), "pause": N_("Pause"), "resume": N_("Resume"), "cancel": N_("Cancel")}
OFFERED = {CampaignStatus.DRAFT: ("start", "cancel"), CampaignStatus.RUNNING: ("pause", "cancel"),
           CampaignStatus.PAUSED: ("resume", "cancel")}


def script_names(request: Request) -> list[str]:
    folder = services(request).scripts_dir
    return sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []


def _context(request: Request) -> dict[str, Any]:
    svc = services(request)
    rows = [(c, live_figures(svc.repo.campaign_progress(c.id))) for c in reversed(svc.repo.list_campaigns())]
    return {"campaigns": rows, "status_label": status_label, "offered": OFFERED,
            "actions": {k: _(v) for k, v in ACTIONS.items()},
            "scripts": script_names(request), "imports": svc.repo.recent_imports(20), "today": svc.today()}


@page()
async def campaigns_page(request: Request) -> Response:
    return render(request, "campaigns.html", _context(request))


def _selection(data: FormData) -> dict[str, Any]:
    """The form's choice as the service's arguments: one import, or a day's list of a category."""
    chosen: dict[str, Any] = {"script_name": str(data.get("script") or "")}
    source = str(data.get("source") or "")
    if source.startswith("import:"):
        chosen["import_id"] = int(source.split(":", 1)[1])
    else:
        try:
            chosen["list_date"] = dt.date.fromisoformat(str(data.get("list_date") or ""))
        except ValueError:
            raise UserError(_("Choose an import, or give the day of the list (year-month-day).")) from None
        chosen["category"] = str(data.get("category") or "F1").upper()
    if not chosen["script_name"]:
        raise UserError(_("Choose a script."))
    overrides = {k: str(data.get(k)) for k in ("window_start", "window_end") if data.get(k)}
    chosen["overrides"] = overrides
    return chosen


@page(Permission.MANAGE_CAMPAIGNS)
async def plan(request: Request) -> Response:
    data = form(request)
    chosen = _selection(data)
    planned = await run_in_threadpool(lambda: services(request).campaigns.plan(**chosen))
    return render(request, "campaign_plan.html", {"plan": planned, "form": dict(data)})


@page(Permission.MANAGE_CAMPAIGNS)
async def create(request: Request) -> Response:
    chosen = _selection(form(request))
    svc = services(request)
    created = await run_in_threadpool(lambda: svc.campaigns.create(operator=user(request).name, **chosen))
    return RedirectResponse(f"/campaigns?created={created.campaign.id}", status_code=303)


@page(Permission.MANAGE_CAMPAIGNS)
async def act(request: Request) -> Response:
    """A campaign's button: the lifecycle service's start, pause, resume or cancel (as `robocall campaign`);
    a refusal (a draft's start outside the allowed hours, a resume of a draft...) is shown on the page."""
    action = request.path_params["action"]
    if action not in ACTIONS:
        raise UserError(_("No such action: {action!r}.").format(action=action))
    svc = services(request)
    move = {"start": svc.campaigns.start, "pause": svc.campaigns.pause, "resume": svc.campaigns.resume,
            "cancel": svc.campaigns.cancel}[action]
    try:
        await run_in_threadpool(move, int(request.path_params["campaign_id"]), user(request).name)
    except UserError as exc:
        return render(request, "campaigns.html", {**_context(request), "error": str(exc)}, status_code=400)
    return RedirectResponse("/campaigns", status_code=303)


routes = [Route("/campaigns", campaigns_page, methods=["GET"]),
          Route("/campaigns/plan", plan, methods=["POST"]),
          Route("/campaigns", create, methods=["POST"]),
          Route("/campaigns/{campaign_id:int}/{action:str}", act, methods=["POST"])]
