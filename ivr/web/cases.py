"""Cases: the urgent list first (symptomatic people), then every other open or referred case with its
reason, filtered by commune/ward and reason; a person's page with their answers (every view audited with
the user's name) and what staff may do about them (case_actions.py).

The cases are the CLI's (`robocall cases list`, ivr.cases.service.CaseService): the same rules open them,
in the same order (ivr.cases.rules.PRIORITY). Staff limited to communes/wards see only their people's.
"""
from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ivr.accounts.roles import Permission, in_areas
from ivr.cases.rules import PRIORITY, Reason, reason_label, status_label
from ivr.contacts.stops import STOP_REASONS, stop_reason_label
from ivr.formats import national_phone
from ivr.i18n import _
from ivr.reports import labels
from ivr.storage.cases import CaseRow
from ivr.storage.records import Contact
from ivr.storage.stops import Person
from ivr.web.guard import audit, page, services, user
from ivr.web.render import render


def _order(c: CaseRow) -> tuple[int, Any, int]:
    return PRIORITY.index(Reason(c.reason)), c.opened_at, c.id


def cases_context(request: Request) -> dict[str, Any]:
    """The open and referred cases the user may see, most urgent reason first, filtered as asked."""
    svc = services(request)
    me = user(request)
    rows = [c for c in svc.cases.list_cases() if in_areas(me.areas, c.ward, c.district)]
    place = request.query_params.get("place", "").strip()
    reason = request.query_params.get("reason", "")
    places = sorted({p for c in rows for p in (c.ward, c.district) if p})
    if place:
        rows = [c for c in rows if place.casefold() in f"{c.ward or ''} {c.district or ''}".casefold()]
    if reason in set(Reason):
        rows = [c for c in rows if c.reason == reason]
    return {"rows": sorted(rows, key=_order), "place": place, "reason": reason, "places": places,
            "reasons": {r.value: reason_label(r.value) for r in PRIORITY}, "status_label": status_label,
            "phone": national_phone}


def shown_cases(request: Request, context: dict[str, Any], status_code: int = 200) -> Response:
    """The Cases page of ``context`` (cases_context and a message), its view of people audited."""
    ids = sorted({c.contact_id for c in context["rows"] if c.contact_id is not None})
    callers = sorted(c.id for c in context["rows"] if c.contact_id is None)  # a hotline caller's phone, no name
    shown = ";".join(f"{kind}:{','.join(map(str, found))}" for kind, found in (("contacts", ids), ("cases", callers))
                     if found)
    if shown:
        audit(request, "web.view.cases", shown, len(ids) + len(callers))
    return render(request, "cases.html", context, status_code=status_code)


@page(Permission.ACT_ON_CASES)
async def cases_page(request: Request) -> Response:
    context = await run_in_threadpool(cases_context, request)
    done = request.query_params
    if done.get("closed", "").isdigit():
        context["message"] = _("Case #{id} closed.").format(id=done["closed"])
    elif done.get("referred", "").isdigit():
        context["message"] = _("Case #{id} referred.").format(id=done["referred"])
    return shown_cases(request, context)


def person_of(request: Request) -> tuple[Contact, Person] | None:
    """The page's person (UserError if there is none), or None when they are outside the user's areas."""
    svc = services(request)
    contact_id = int(request.path_params["contact_id"])
    picked = svc.stops.find(str(contact_id))  # the staff's message for an unknown id
    person = svc.repo.get_contact(contact_id)
    if not in_areas(user(request).areas, person.ward, person.district):
        return None
    return person, picked


def not_yours(request: Request) -> Response:
    return render(request, "error.html", {"message": _("This person is not in your communes/wards.")},
                  status_code=403)


def shown_person(request: Request, person: Contact, picked: Person, message: str = "", error: str = "",
                 status_code: int = 200) -> Response:
    """A person's page (their answers, whether they are called), the view audited."""
    answers = services(request).repo.contact_answers(person.id)
    audit(request, "web.view.answers", f"contact:{person.id}", len(answers))
    return render(request, "person.html", {
        "person": person, "answers": answers, "question": labels.question, "value": labels.answer_value,
        "phone": national_phone(person.phone_e164), "opted_out": picked.opted_out,
        "stop_reason": stop_reason_label(picked.stop_reason) if picked.stop_reason else "",
        "stop_reasons": {k: stop_reason_label(k) for k in STOP_REASONS}, "message": message, "error": error},
        status_code=status_code)


@page(Permission.ACT_ON_CASES)
async def person_page(request: Request) -> Response:
    found = person_of(request)
    if found is None:
        return not_yours(request)
    return shown_person(request, *found, message=_done_message(request))


def _done_message(request: Request) -> str:
    done = request.query_params.get("done", "")
    closed = request.query_params.get("closed", "0")
    messages = {
        "stop": _("Not called any more; {n} pending calls cancelled.").format(n=closed if closed.isdigit() else 0),
        "resume": _("Called again by the next campaigns."),
        "optout": _("This number is not called any more (everyone on it)."),
        "optin": _("This number may be called again."),
    }
    return messages.get(done, "")


routes = [Route("/cases", cases_page, methods=["GET"]),
          Route("/cases/person/{contact_id:int}", person_page, methods=["GET"])]
