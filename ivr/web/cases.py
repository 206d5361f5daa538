"""Cases: the urgent list first (people who reported a symptom), then the others who need a person's
attention (unreachable after every attempt), filtered by commune/ward and reason; a person's page with
their answers (every view audited with the user's name).

The lists are the daily report's (ivr.reports.daily.ReportBuilder): the same rules decide who is urgent.
"""
from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ivr.accounts.roles import Permission, in_areas
from ivr.i18n import _
from ivr.reports import labels
from ivr.reports.daily import ReportBuilder
from ivr.web.guard import audit, page, services, user
from ivr.web.render import render

REASONS = {"symptom": "Có triệu chứng", "unreached": "Không liên lạc được"}


def _cases(request: Request) -> dict[str, Any]:
    svc = services(request)
    day = svc.today()
    data = ReportBuilder(svc.reports).days([day], lists=True)[0]
    me = user(request)
    urgent = [c for c in data.urgent if c.person is not None]
    rows: list[dict[str, Any]] = [
        {"reason": "symptom", "person": c.person, "detail": ", ".join(labels.question(q) for q in c.symptoms)
         or c.result, "campaign": c.campaign, "at": c.called_at} for c in urgent]
    rows += [{"reason": "unreached", "person": f.person, "detail": f"{f.attempts} lần gọi, lần cuối: {f.last_result}",
              "campaign": f.campaign, "at": f.last_call} for f in data.follow_up]
    rows = [r for r in rows if in_areas(me.areas, r["person"].ward, r["person"].district)]
    place = request.query_params.get("place", "").strip()
    reason = request.query_params.get("reason", "")
    places = sorted({p for r in rows for p in (r["person"].ward, r["person"].district) if p})
    if place:
        rows = [r for r in rows if place.casefold() in ((r["person"].ward or "") + " "
                                                         + (r["person"].district or "")).casefold()]
    if reason in REASONS:
        rows = [r for r in rows if r["reason"] == reason]
    return {"rows": rows, "day": day, "place": place, "reason": reason, "reasons": REASONS, "places": places}


@page(Permission.ACT_ON_CASES)
async def cases_page(request: Request) -> Response:
    context = await run_in_threadpool(_cases, request)
    ids = sorted({r["person"].contact_id for r in context["rows"]})
    if ids:
        audit(request, "web.view.cases", "contacts:" + ",".join(map(str, ids)), len(ids))
    return render(request, "cases.html", context)


@page(Permission.ACT_ON_CASES)
async def person_page(request: Request) -> Response:
    svc = services(request)
    contact_id = int(request.path_params["contact_id"])
    person = svc.repo.get_contact(contact_id)
    if not in_areas(user(request).areas, person.ward, person.district):
        return render(request, "error.html", {"message": _("This person is not in your communes/wards.")},
                      status_code=403)
    answers = svc.repo.contact_answers(contact_id)
    audit(request, "web.view.answers", f"contact:{contact_id}", len(answers))
    return render(request, "person.html", {"person": person, "answers": answers, "question": labels.question,
                                           "value": labels.answer_value})


routes = [Route("/cases", cases_page, methods=["GET"]),
          Route("/cases/person/{contact_id:int}", person_page, methods=["GET"])]
