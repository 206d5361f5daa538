"""`robocall report daily|monthly`: the day's (or month's) results for the province, as files.

Files go to <data_dir>/reports (or --out DIR): a workbook, a CSV of each sheet, PNG charts. Each report is
recorded in the audit log with the operator and the number of people it lists.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any

import click

from ivr import app
from ivr.clock import utcnow
from ivr.cli import Context, main
from ivr.config import Settings
from ivr.cli.params import AREA, DATE, MONTH
from ivr.errors import UserError
from ivr.i18n import _
from ivr.reports import labels
from ivr.reports.daily import ReportDeps, Written, write_daily
from ivr.reports.units import in_area
from ivr.reports.monthly import write_monthly
from ivr.reports.parallel import without_cycle_collection


zone = app.local_zone


def parse_day(value: dt.date | None, settings: Settings) -> dt.date:
    """The day given, or today in the dialer's time zone."""
    if value is None:
        return utcnow().astimezone(zone(settings)).date()
    return value


def out_dir(settings: Settings, given: Path | None) -> Path:
    folder = given if given is not None else settings.path(settings.data_dir) / "reports"
    if folder.exists() and not folder.is_dir():
        raise UserError(_("--out {folder}: this is a file, not a folder").format(folder=folder))
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(_("--out {folder}: cannot create the folder ({reason})").format(folder=folder, reason=exc.strerror)) from None
    return folder


def show(written: Written, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps({**written.figures, "files": [str(p) for p in written.files]}, ensure_ascii=False))
        return
    for path in written.files:
        click.echo(str(path))


def deps(ctx: Context, area: str | None) -> ReportDeps:
    """The reports' dependencies, for one --area when given; using several cores (ivr.reports.parallel)."""
    return dataclasses.replace(ctx.app.reports, area=area, parallel=ctx.settings.reports.parallel)


def warn_if_nobody(ctx: Context, area: str | None) -> None:
    """An --area no list names is not refused (the report is still right: empty) but not silent either:
    a misspelt name would otherwise give a report of nobody."""
    if area is not None and not any(in_area(area, d, w) for d, w in ctx.app.reports.queries.places()):
        click.echo(_("warning: --area {area}: no list names this commune/ward or district (check the spelling "
                     "against the Commune/ward column of `contacts list`)").format(area=area), err=True)


def _totals(figures: dict[str, Any]) -> str:
    return ", ".join(f"{header}: {figures[key]}" for key, header in labels.FIGURES)


@main.group("report")
def report_group() -> None:
    """Reports for the province: daily (with the urgent and follow-up lists) and monthly."""


@report_group.command("daily")
@click.option("--date", "day", type=DATE, default=None, help="The day, 15/07/2021 or 2021-07-15 (default: today).")
@click.option("--out", "out", type=click.Path(path_type=Path), default=None, help="Folder for the files.")
@click.option("--operator", default=None, help="Who asks for the report, for the audit log.")
@click.option("--area", type=AREA, default=None,
              help="Only the people of one commune/ward or district, e.g. 'Phường Điện Biên' or 'Phường 1, Quận 3' "
                   "(hotline callers, who give no address, are left out).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary figures as JSON.")
@click.pass_obj
def daily(ctx: Context, day: dt.date | None, out: Path | None, operator: str | None, area: str | None,
          as_json: bool) -> None:
    """The day's workbook: summary, urgent list, manual follow-up, hotline; CSVs and charts."""
    settings = ctx.settings
    when = parse_day(day, settings)
    with without_cycle_collection(settings.reports.parallel):
        written = write_daily(deps(ctx, area), when, out_dir(settings, out), ctx.who(operator))
    warn_if_nobody(ctx, area)
    if not as_json:
        f = written.figures
        click.echo(_("{date}: {totals}; urgent list {urgent} people, manual follow-up {follow_up} people").format(
            date=f"{when:%d/%m/%Y}", totals=_totals(f["total"]), urgent=f["urgent"], follow_up=f["follow_up"]))
    show(written, as_json)


@report_group.command("monthly")
@click.option("--month", type=MONTH, required=True, help="The month, 07/2021 or 2021-07.")
@click.option("--out", "out", type=click.Path(path_type=Path), default=None, help="Folder for the files.")
@click.option("--operator", default=None, help="Who asks for the report, for the audit log.")
@click.option("--area", type=AREA, default=None,
              help="Only the people of one commune/ward or district, e.g. 'Phường Điện Biên' or 'Phường 1, Quận 3' "
                   "(hotline callers, who give no address, are left out).")
@click.option("--json", "as_json", is_flag=True, help="Print the figures of each day as JSON.")
@click.pass_obj
def monthly(ctx: Context, month: tuple[int, int], out: Path | None, operator: str | None, area: str | None,
            as_json: bool) -> None:
    """The month day by day: the daily figures and the hotline, and the month's totals."""
    settings = ctx.settings
    year, number = month
    with without_cycle_collection(settings.reports.parallel):
        written = write_monthly(deps(ctx, area), year, number, out_dir(settings, out), ctx.who(operator))
    warn_if_nobody(ctx, area)
    if not as_json:
        click.echo(_("Month {month}: {totals}").format(month=f"{number:02d}/{year}",
                                                      totals=_totals(written.figures["month_total"])))
    show(written, as_json)
