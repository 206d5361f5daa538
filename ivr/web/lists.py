"""Lists: upload the CDC's .xlsx/.csv, see the import's counts and error report, and past imports.

The import is the CLI's (`robocall contacts import`): same reader, same rules, same messages.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from ivr.accounts.roles import Permission
from ivr.errors import UserError
from ivr.i18n import _
from ivr.web.guard import audit, form, page, services, user
from ivr.web.render import render
from ivr.web.uploads import saved_upload


def _context(request: Request) -> dict[str, object]:
    svc = services(request)
    return {"imports": svc.repo.recent_imports(), "today": svc.today()}


@page(Permission.MANAGE_LISTS)
async def lists_page(request: Request) -> Response:
    return render(request, "lists.html", _context(request))


@page(Permission.MANAGE_LISTS)
async def upload(request: Request) -> Response:
    svc = services(request)
    data = form(request)
    category = str(data.get("category") or "").upper() or None
    day = _date(str(data.get("list_date") or ""))
    with saved_upload(data.get("file"), svc.data_dir / "uploads", "danh-sach.xlsx") as path:
        try:
            result = await run_in_threadpool(lambda: svc.importer.import_file(
                path, category=category, list_date=day, operator=user(request).name))
        except UserError as exc:  # the CLI's message, naming the file as the user knows it
            raise UserError(str(exc).replace(str(path), path.name)) from None
    return render(request, "lists.html", {**_context(request), "result": result})


@page(Permission.MANAGE_LISTS)
async def error_report(request: Request) -> Response:
    svc = services(request)
    record = svc.repo.get_import(int(request.path_params["import_id"]))
    if not record.error_report:
        raise UserError(_("Import {id} has no refused row.").format(id=record.id))
    path = Path(record.error_report).resolve()
    if not path.is_file() or (svc.data_dir / "imports").resolve() not in path.parents:
        raise UserError(_("The error report of import {id} is no longer on the server.").format(id=record.id))
    audit(request, "web.download.import_errors", f"import:{record.id}")
    return FileResponse(path, media_type="text/csv; charset=utf-8",
                        filename=f"loi-nhap-{record.id}-{record.list_date.isoformat()}.csv")


def _date(value: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UserError(_("List day {value!r} is not valid: expected year-month-day.").format(value=value)) from None


routes = [Route("/lists", lists_page, methods=["GET"]), Route("/lists", upload, methods=["POST"]),
          Route("/lists/{import_id:int}/errors", error_report, methods=["GET"])]
