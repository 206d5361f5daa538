"""`robocall imports list`: the lists imported, with their ids and counts (for `campaign create --import`)."""
from __future__ import annotations

import json

import click
from rich import box
from rich.console import Console
from rich.table import Table

from ivr.cli import Context, main
from ivr.formats import show_date
from ivr.i18n import _


@main.group("imports")
def imports_group() -> None:
    """The CDC lists imported so far."""


@imports_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_obj
def list_imports(ctx: Context, as_json: bool) -> None:
    """Every import, newest first: its id, file, list date and counts."""
    rows = ctx.app.overview.imports()
    if as_json:
        click.echo(json.dumps([{
            "import_id": i.id, "file_name": i.file_name, "list_date": i.list_date.isoformat(), "category": i.category,
            "rows": i.rows, "imported": i.imported, "updated": i.updated, "duplicates": i.duplicates,
            "invalid": i.invalid, "people": i.people, "f1": i.f1, "f2": i.f2, "operator": i.operator,
            "created_at": i.created_at.isoformat()} for i in rows], ensure_ascii=False))
        return
    table = Table(title=_("Imports ({n})").format(n=len(rows)), box=box.SIMPLE_HEAD, pad_edge=False)
    for header in (_("ID"), _("File"), _("List date"), "F1", "F2", _("New"), _("Updated"), _("Invalid"),
                   _("By"), _("Imported at")):
        table.add_column(header)
    for i in rows:
        table.add_row(str(i.id), i.file_name, show_date(i.list_date), str(i.f1), str(i.f2), str(i.imported),
                      str(i.updated), str(i.invalid), i.operator, ctx.app.local_time(i.created_at))
    Console().print(table)
