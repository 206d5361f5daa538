"""`robocall report daily|monthly`: the day's (or month's) results for the province, as files.

Files go to <data_dir>/reports (or --out DIR): a workbook, a CSV of each sheet, PNG charts. Each report is
recorded in the audit log with the operator and the number of people it lists.
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

from ivr import app
from ivr.clock import utcnow
from ivr.cli import Context, main
from ivr.config import Settings
from ivr.errors import UserError
from ivr.reports import labels
from ivr.reports.daily import ReportDeps, Written, write_daily
from ivr.reports.monthly import parse_month, write_monthly
from ivr.reports.queries import ReportQueries
from ivr.reports.symptoms import SymptomRules
from ivr.storage.db import open_database
from ivr.storage.written_files import FileRegister


def zone(settings: Settings) -> ZoneInfo:
    try:
        return ZoneInfo(settings.dialer.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise UserError(f"dialer.timezone: unknown time zone {settings.dialer.timezone!r}") from None


def report_deps(settings: Settings) -> ReportDeps:
    engine = open_database(settings)
    return ReportDeps(ReportQueries(engine), FileRegister(engine), SymptomRules(app.script_loader(settings)),
                      zone(settings), utcnow)


def parse_day(value: str | None, option: str, settings: Settings) -> dt.date:
    if value is None:
        return utcnow().astimezone(zone(settings)).date()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UserError(f"{option} {value!r}: expected YYYY-MM-DD, e.g. 2021-07-15") from None


def out_dir(settings: Settings, given: Path | None) -> Path:
    folder = given if given is not None else settings.path(settings.data_dir) / "reports"
    if folder.exists() and not folder.is_dir():
        raise UserError(f"--out {folder}: this is a file, not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"--out {folder}: cannot create the folder ({exc.strerror})") from None
    return folder


def show(written: Written, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps({**written.figures, "files": [str(p) for p in written.files]}, ensure_ascii=False))
        return
    for path in written.files:
        click.echo(str(path))


def _totals(figures: dict[str, Any]) -> str:
    return ", ".join(f"{header}: {figures[key]}" for key, header in labels.FIGURES)


@main.group("report")
def report_group() -> None:
    """Reports for the province: daily (with the urgent and follow-up lists) and monthly."""


@report_group.command("daily")
@click.option("--date", "day", default=None, metavar="YYYY-MM-DD", help="The day (Hanoi time; default: today).")
@click.option("--out", "out", type=click.Path(path_type=Path), default=None, help="Folder for the files.")
@click.option("--operator", default=None, help="Who asks for the report, for the audit log.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary figures as JSON.")
@click.pass_obj
def daily(ctx: Context, day: str | None, out: Path | None, operator: str | None, as_json: bool) -> None:
    """The day's workbook: summary, urgent list, manual follow-up, hotline; CSVs and charts."""
    settings = ctx.settings
    when = parse_day(day, "--date", settings)
    written = write_daily(report_deps(settings), when, out_dir(settings, out),
                          ctx.who(operator))
    if not as_json:
        f = written.figures
        click.echo(f"Ngày {when:%d/%m/%Y}: {_totals(f['total'])}; danh sách khẩn {f['urgent']} người, "
                   f"theo dõi thủ công {f['follow_up']} người")
    show(written, as_json)


@report_group.command("monthly")
@click.option("--month", required=True, metavar="YYYY-MM", help="The month, e.g. 2021-07.")
@click.option("--out", "out", type=click.Path(path_type=Path), default=None, help="Folder for the files.")
@click.option("--operator", default=None, help="Who asks for the report, for the audit log.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures of each day as JSON.")
@click.pass_obj
def monthly(ctx: Context, month: str, out: Path | None, operator: str | None, as_json: bool) -> None:
    """The month day by day: the daily figures and the hotline, and the month's totals."""
    settings = ctx.settings
    year, number = parse_month(month)
    written = write_monthly(report_deps(settings), year, number, out_dir(settings, out),
                            ctx.who(operator))
    if not as_json:
        click.echo(f"Tháng {number:02d}/{year}: {_totals(written.figures['month_total'])}")
    show(written, as_json)
