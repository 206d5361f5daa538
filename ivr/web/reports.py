"""Reports: the daily and monthly workbooks and charts, written on request by the CLI's report code
(`robocall report daily|monthly`), downloaded, the charts shown on the page.

Viewers see the charts only (no personal data); workbooks and CSVs list people: staff download them,
and each download is audited.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from ivr.accounts.roles import Permission, may
from ivr.errors import UserError
from ivr.i18n import _
from ivr.reports.daily import write_daily
from ivr.reports.monthly import parse_month, write_monthly
from ivr.web.guard import audit, form, page, services, user
from ivr.web.render import render

MEDIA = {".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         ".csv": "text/csv; charset=utf-8", ".png": "image/png"}


def _folder(request: Request) -> Path:
    folder = services(request).data_dir / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _latest(request: Request) -> list[Path]:
    """The files of the newest report written (same stem), newest first."""
    files = sorted(_folder(request).glob("bao-cao-*"), key=lambda p: p.stat().st_mtime, reverse=True)
    if not files:
        return []
    stem = files[0].name.split("_")[0].removesuffix(".xlsx")
    return sorted(p for p in files if p.name.startswith(stem))


def _whole_province(request: Request) -> bool:
    """Workbooks list the whole province's people: not for staff limited to some communes/wards."""
    me = user(request)
    return may(me.role, Permission.DOWNLOAD_WORKBOOKS) and not me.areas


def _context(request: Request, files: list[Path]) -> dict[str, object]:
    personal = _whole_province(request)
    return {"files": [p for p in files if personal or p.suffix == ".png"],
            "charts": [p for p in files if p.suffix == ".png"], "today": services(request).today()}


@page()
async def reports_page(request: Request) -> Response:
    return render(request, "reports.html", _context(request, _latest(request)))


@page(Permission.DOWNLOAD_WORKBOOKS)
async def make(request: Request) -> Response:
    svc, data = services(request), form(request)
    kind = str(data.get("kind") or "daily")
    operator = user(request).name
    if kind == "monthly":
        year, month = parse_month(str(data.get("month") or ""))
        written = await run_in_threadpool(write_monthly, svc.reports, year, month, _folder(request), operator)
    else:
        try:
            day = dt.date.fromisoformat(str(data.get("day") or ""))
        except ValueError:
            raise UserError(_("Report day is not valid: expected year-month-day, e.g. 2021-07-15.")) from None
        written = await run_in_threadpool(write_daily, svc.reports, day, _folder(request), operator)
    return render(request, "reports.html", {**_context(request, list(written.files)), "made": True})


@page()
async def download(request: Request) -> Response:
    name = request.path_params["name"]
    folder = _folder(request).resolve()
    path = (folder / name).resolve()
    if path.parent != folder or not path.is_file() or path.suffix not in MEDIA:
        return render(request, "error.html", {"message": _("No such report file.")}, status_code=404)
    if path.suffix != ".png":  # workbooks and CSVs list people
        if not _whole_province(request):
            return render(request, "error.html", {"message": _(
                "Workbooks list the people of the whole province: an account for figures, or one limited to some "
                "communes/wards, sees the charts only.")}, status_code=403)
        audit(request, "web.download.report", f"file:{path.name}")
    return FileResponse(path, media_type=MEDIA[path.suffix],
                        filename=path.name if path.suffix != ".png" else None)


routes = [Route("/reports", reports_page, methods=["GET"]), Route("/reports", make, methods=["POST"]),
          Route("/reports/files/{name:str}", download, methods=["GET"])]
