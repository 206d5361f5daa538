"""`robocall contacts import|list`: the CDC's daily F1/F2 lists."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import click
from rich import box
from rich.console import Console
from rich.table import Table

from ivr.cli import Context, main
from ivr.contacts.importer import ImportResult
from ivr.cli.params import DATE
from ivr.formats import national_phone, show_date
from ivr.i18n import _
from ivr.storage.records import Contact


@main.group()
def contacts() -> None:
    """Daily F1/F2 lists from the CDC: import them, see what is stored."""


@contacts.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--category", type=click.Choice(["F1", "F2"], case_sensitive=False), default=None,
              help="F1 or F2, for rows that do not say (a 'Phân loại' column wins).")
@click.option("--date", "list_date", type=DATE, default=None, help="Day of the list, 15/07/2021 or 2021-07-15 (default: today).")
@click.option("--operator", default=None, help="Who imports, for the audit log (default: --operator or the OS user).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_obj
def import_list(ctx: Context, file: Path, category: str | None, list_date: dt.date | None, operator: str | None,
                as_json: bool) -> None:
    """Import a list FILE (.xlsx or .csv) of F1/F2 contacts."""
    result = ctx.app.importer.import_file(file, category=category.upper() if category else None,
                                  list_date=list_date,
                                  operator=ctx.who(operator))
    if as_json:
        click.echo(json.dumps(result.as_json(), ensure_ascii=False))
    else:
        _print_result(result)


@contacts.command("list")
@click.option("--date", "list_date", type=DATE, default=None, help="Only people on that day's list.")
@click.option("--category", type=click.Choice(["F1", "F2"], case_sensitive=False), default=None,
              help="Only F1 or only F2 people.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.pass_obj
def list_contacts(ctx: Context, list_date: dt.date | None, category: str | None, as_json: bool) -> None:
    """Show the stored contacts (phones as staff dial them; E.164 in --json)."""
    people = ctx.app.repo.list_contacts(list_date, category.upper() if category else None)
    ctx.app.repo.audit_read(ctx.who(), "contacts.list", "contacts", [c.id for c in people], ctx.app.clock())
    if as_json:
        click.echo(json.dumps([_contact_json(c) for c in people], ensure_ascii=False))
        return
    table = Table(title=_("Contacts ({n} people)").format(n=len(people)), box=box.SIMPLE_HEAD, pad_edge=False)
    # Numbers, codes and dates are never wrapped or cut; names and places wrap in narrow terminals.
    for header, min_width in ((_("ID"), 0), (_("Full name"), 14), (_("Phone"), 0), (_("Born"), 0),
                              (_("Commune/ward"), 9), (_("District"), 9), (_("Cat."), 0), (_("List date"), 0),
                              (_("Household"), 0)):
        table.add_column(header, no_wrap=not min_width, min_width=min_width or None)
    for c in people:
        name = f"{c.full_name} [dim]({_('not called')})[/dim]" if c.opted_out else c.full_name
        table.add_row(str(c.id), name, national_phone(c.phone_e164), _s(c.birth_year), _s(c.ward), _s(c.district),
                      c.category, show_date(c.list_date), str(c.household_id))
    Console().print(table)


def _print_result(result: ImportResult) -> None:
    console = Console()
    if result.already_imported:
        console.print(_("This file was imported before (import #{id}): nothing changed.").format(id=result.import_id))
    if result.other_date is not None:
        console.print(_("Warning: this file was imported before as the list of {stands}; the date {asked} is not "
                        "used: the list stays dated {stands}").format(stands=show_date(result.list_date),
                                                                       asked=show_date(result.other_date)))
    console.print(_("Import #{id}, list of {date}: {rows} rows; {new} new people, {updated} updated, "
                    "{duplicates} duplicates, {invalid} invalid rows.").format(
        id=result.import_id, date=show_date(result.list_date), rows=result.rows, new=result.imported,
        updated=result.updated, duplicates=result.duplicates, invalid=result.invalid))
    if result.warnings:
        console.print(_("{n} rows have a cell that could not be read (left empty).").format(n=result.warnings))
    if result.error_report:
        console.print(_("Error report: {path}").format(path=result.error_report))


def _contact_json(c: Contact) -> dict[str, Any]:
    return {
        "id": c.id, "full_name": c.full_name, "phone_e164": c.phone_e164, "birth_year": c.birth_year,
        "address": c.address, "ward": c.ward, "district": c.district, "category": c.category,
        "list_date": c.list_date.isoformat(), "first_seen": c.first_seen.isoformat(),
        "last_seen": c.last_seen.isoformat(), "exposure_date": _iso(c.exposure_date),
        "quarantine_start": _iso(c.quarantine_start), "household_id": c.household_id,
        "opted_out": c.opted_out, "pseudonym": c.pseudonym,
    }




def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _s(value: object) -> str:
    return "" if value is None else str(value)
