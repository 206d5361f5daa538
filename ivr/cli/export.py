"""`robocall export answers`: extract answers on request (tracing), recorded in the audit log."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from ivr import app
from ivr.cli import Context, main, refuse_existing
from ivr.cli.params import AREA, DATE
from ivr.cli.report import deps, warn_if_nobody
from ivr.i18n import _
from ivr.reports.export import export_answers


@main.group("export")
def export_group() -> None:
    """Data extracts on request."""


@export_group.command("answers")
@click.option("--from", "first", type=DATE, required=True, help="First day, 15/07/2021 or 2021-07-15.")
@click.option("--to", "last", type=DATE, required=True, help="Last day, included.")
@click.option("--category", type=click.Choice(["F1", "F2"], case_sensitive=False), default=None,
              help="Only F1 or only F2 people.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The file to write: .xlsx or .csv.")
@click.option("--operator", default=None, help="Who asks for the extract, for the audit log.")
@click.option("--area", type=AREA, default=None,
              help="Only the people of one commune/ward or district, e.g. 'Phường Điện Biên' or 'Phường 1, Quận 3' "
                   "(hotline callers, who give no address, are left out).")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@click.pass_obj
def answers(ctx: Context, first: dt.date, last: dt.date, category: str | None, out: Path, operator: str | None,
            area: str | None, as_json: bool) -> None:
    """Everyone who answered, one row per person and day, with each answer (same columns as the urgent list)."""
    settings = ctx.settings
    refuse_existing(out)
    written = export_answers(deps(ctx, area), first, last,
                             category.upper() if category else None,
                             out.absolute(), ctx.who(operator))
    warn_if_nobody(ctx, area)
    if as_json:
        click.echo(json.dumps({**written.figures, "files": [str(p) for p in written.files]}, ensure_ascii=False))
    else:
        click.echo(_("{n} rows -> {path}").format(n=written.figures["rows"], path=written.files[0]))
