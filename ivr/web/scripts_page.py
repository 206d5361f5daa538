"""Scripts: each script's steps, every prompt playable in the browser (the same 8 kHz audio residents
hear, rendered by the audio library), and, for admins, installing a new version after `script check`.

A prompt with placeholders is played as a resident whose value is missing hears it (the fallbacks).
A campaign that is running keeps the version it began with (ivr.scripts.versions).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from ivr.accounts.roles import Permission
from ivr.errors import UserError
from ivr.i18n import N_, _
from ivr.scripts import versions
from ivr.scripts.checker import check_file
from ivr.scripts.interpreter import fallbacks_of, render_prompt
from ivr.scripts.model import AskStep, EndStep, SayStep, Script, TransferStep, step_prompts
from ivr.scripts.problems import Problem
from ivr.web.guard import audit, form, page, services, user
from ivr.web.render import render
from ivr.web.uploads import saved_upload

STEP_KINDS = {SayStep: N_("Say"), AskStep: N_("Ask"), TransferStep: N_("Put through to staff"), EndStep: N_("End")}


def _load(request: Request, name: str) -> Script:
    folder = services(request).scripts_dir
    path = folder / f"{name}.yaml"
    if "/" in name or not path.is_file():
        raise UserError(_("No script {name!r}.").format(name=name))
    script, problems = check_file(path)
    if script is None or problems:
        raise UserError(_("Script {name} has problems: {problems}").format(name=name, problems="; ".join(_line(p) for p in problems)))
    return script


def _line(p: Problem) -> str:
    where = _("line {n}").format(n=p.line) + (_(", step {step}").format(step=p.step) if p.step else "")
    return f"{Path(p.file).name}: {where}: {p.message}"


def _overview(request: Request) -> list[dict[str, Any]]:
    folder = services(request).scripts_dir
    out = []
    for path in sorted(folder.glob("*.yaml")):
        script, problems = check_file(path)
        out.append({"name": path.stem, "script": script, "problems": [_line(p) for p in problems]})
    return out


@page()
async def scripts_page(request: Request) -> Response:
    return render(request, "scripts.html", {"scripts": await run_in_threadpool(_overview, request)})


@page()
async def script_page(request: Request) -> Response:
    script = _load(request, request.path_params["name"])
    steps = [{"step": step, "kind": _(STEP_KINDS[type(step)]), "prompts": step_prompts(step),
              "choices": step.choices if isinstance(step, AskStep) else {}} for step in script.steps.values()]
    return render(request, "script.html", {"script": script, "steps": steps})


@page()
async def prompt_audio(request: Request) -> Response:
    script = _load(request, request.path_params["name"])
    wanted = request.query_params.get("id", "")
    template = next((t for step in script.steps.values() for t in step_prompts(step) if t.id == wanted), None)
    if template is None:
        raise UserError(_("Script {name} has no prompt {id!r}.").format(name=script.name, id=wanted))
    prompt = render_prompt(template, {}, fallbacks_of(script))
    path = await run_in_threadpool(services(request).library.ensure, prompt)
    return FileResponse(path, media_type="audio/wav")


@page(Permission.MANAGE_SCRIPTS)
async def upload(request: Request) -> Response:
    svc = services(request)
    with saved_upload(form(request).get("file"), svc.data_dir / "uploads", "kich-ban.yaml") as path:
        script, problems = await run_in_threadpool(check_file, path)
        if script is None or problems:
            return render(request, "scripts.html", {"scripts": await run_in_threadpool(_overview, request),
                                                    "problems": [_line(p) for p in problems],
                                                    "uploaded": path.name}, status_code=400)
        current_path = svc.scripts_dir / f"{script.name}.yaml"
        current = check_file(current_path)[0] if current_path.is_file() else None
        versions.install(svc.scripts_dir, path, script, current)
    audit(request, "web.script.install", f"script:{script.name} version={script.version}")
    return render(request, "scripts.html", {"scripts": await run_in_threadpool(_overview, request),
                                            "installed": script})


routes = [Route("/scripts", scripts_page, methods=["GET"]), Route("/scripts", upload, methods=["POST"]),
          Route("/scripts/{name:str}", script_page, methods=["GET"]),
          Route("/scripts/{name:str}/audio", prompt_audio, methods=["GET"])]
