"""What staff do from the Cases pages: close or refer a case, stop calling a person (or call them again),
opt a person's phone, or a phone staff type, out of every campaign (or back in).

The CLI's services do it (`robocall cases close|refer`, `robocall contacts stop|resume|optout|optin`):
the same rules, the same audit entries, under the signed-in user's name. Staff limited to communes/wards
act only on their people. A refusal (an empty note, a case already closed, an unknown id) is shown on the
page it came from, with the service's message.
"""
from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ivr.accounts.roles import Permission, in_areas
from ivr.errors import UserError
from ivr.i18n import _
from ivr.web.cases import cases_context, not_yours, person_of, shown_cases, shown_person
from ivr.web.guard import form, page, services, user


async def _case_action(request: Request, action: str) -> Response:
    svc = services(request)
    case_id = int(request.path_params["case_id"])
    text = str(form(request).get("note" if action == "close" else "to") or "")
    error, status = "", 400
    try:
        case = svc.cases.get(case_id)
        if not in_areas(user(request).areas, case.ward, case.district):
            error, status = _("Case #{id} is not in your communes/wards.").format(id=case_id), 403
        elif action == "close":
            await run_in_threadpool(svc.cases.close, case_id, text, user(request).name)
        else:
            await run_in_threadpool(svc.cases.refer, case_id, text, user(request).name)
    except UserError as exc:
        error = str(exc)
    if error:
        context = await run_in_threadpool(cases_context, request)
        return shown_cases(request, {**context, "error": error}, status_code=status)
    done = "closed" if action == "close" else "referred"
    return RedirectResponse(f"/cases?{done}={case_id}", status_code=303)


@page(Permission.ACT_ON_CASES)
async def close_case(request: Request) -> Response:
    return await _case_action(request, "close")


@page(Permission.ACT_ON_CASES)
async def refer_case(request: Request) -> Response:
    return await _case_action(request, "refer")


async def _person_action(request: Request, action: str) -> Response:
    found = person_of(request)  # an unknown id: UserError, shown by the guard
    if found is None:
        return not_yours(request)
    person, picked = found
    svc, who = services(request), user(request).name
    query = f"done={action}"
    try:
        if action == "stop":
            reason = str(form(request).get("reason") or "").strip().lower()
            stopped = await run_in_threadpool(svc.stops.stop, str(person.id), reason, who)
            query += f"&closed={stopped.attempts_closed}"
        elif action == "resume":
            await run_in_threadpool(svc.stops.resume, str(person.id), who)
        elif action == "optout":
            await run_in_threadpool(svc.stops.opt_out, person.phone_e164, who)
        else:
            await run_in_threadpool(svc.stops.opt_in, person.phone_e164, who)
    except UserError as exc:
        return shown_person(request, person, picked, error=str(exc), status_code=400)
    return RedirectResponse(f"/cases/person/{person.id}?{query}", status_code=303)


@page(Permission.ACT_ON_CASES)
async def stop_person(request: Request) -> Response:
    return await _person_action(request, "stop")


@page(Permission.ACT_ON_CASES)
async def resume_person(request: Request) -> Response:
    return await _person_action(request, "resume")


@page(Permission.ACT_ON_CASES)
async def opt_out_phone(request: Request) -> Response:
    return await _person_action(request, "optout")


@page(Permission.ACT_ON_CASES)
async def opt_in_phone(request: Request) -> Response:
    return await _person_action(request, "optin")


async def _phone_action(request: Request, opted_out: bool) -> Response:
    """A phone typed by staff (a resident asked on the phone): the same opt-out/opt-in as the person's page.
    Staff limited to communes/wards may only reach people of theirs."""
    svc, me = services(request), user(request)
    phone = str(form(request).get("phone") or "").strip()
    message, error, status = "", "", 200
    try:
        people = await run_in_threadpool(svc.stops.people_on, phone)
        places = [svc.repo.get_contact(p.id) for p in people]
        if not all(in_areas(me.areas, c.ward, c.district) for c in places):
            error, status = _("{phone}: someone on this number is not in your communes/wards.").format(
                phone=phone), 403
        elif opted_out:
            n = await run_in_threadpool(svc.stops.opt_out, phone, me.name)
            message = _("{phone}: not called any more ({n} people on this number)").format(phone=phone, n=n)
        else:
            n = await run_in_threadpool(svc.stops.opt_in, phone, me.name)
            message = _("{phone}: called again ({n} people on this number)").format(phone=phone, n=n)
    except UserError as exc:
        error, status = str(exc), 400
    context = await run_in_threadpool(cases_context, request)
    return shown_cases(request, {**context, "message": message, "error": error}, status_code=status)


@page(Permission.ACT_ON_CASES)
async def opt_out_typed(request: Request) -> Response:
    return await _phone_action(request, True)


@page(Permission.ACT_ON_CASES)
async def opt_in_typed(request: Request) -> Response:
    return await _phone_action(request, False)


routes = [Route("/cases/{case_id:int}/close", close_case, methods=["POST"]),
          Route("/cases/{case_id:int}/refer", refer_case, methods=["POST"]),
          Route("/cases/person/{contact_id:int}/stop", stop_person, methods=["POST"]),
          Route("/cases/person/{contact_id:int}/resume", resume_person, methods=["POST"]),
          Route("/cases/person/{contact_id:int}/optout", opt_out_phone, methods=["POST"]),
          Route("/cases/person/{contact_id:int}/optin", opt_in_phone, methods=["POST"]),
          Route("/cases/optout", opt_out_typed, methods=["POST"]),
          Route("/cases/optin", opt_in_typed, methods=["POST"])]
