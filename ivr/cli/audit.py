"""`robocall audit list|verify`: who imported, ran, exported or purged what, when, and how many rows; whether
the log's hash chain still holds."""
from __future__ import annotations

import json

import click
from rich import box
from rich.console import Console
from rich.table import Table

from ivr.cli import Context, main
from ivr.cli.report import zone
from ivr.i18n import _


@main.group("audit")
def audit_group() -> None:
    """The audit log (Decree 13/2023): every import, campaign action, report, export and purge."""


@audit_group.command("list")
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True, help="Newest entries.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.pass_obj
def list_entries(ctx: Context, limit: int, as_json: bool) -> None:
    """The newest audit entries, newest first."""
    entries = ctx.app.repo.audit_entries(limit)
    if as_json:
        click.echo(json.dumps([{**e, "at": e["at"].isoformat()} for e in entries], ensure_ascii=False))
        return
    local = zone(ctx.settings)
    table = Table(box=box.SIMPLE)
    for header in (_("Time"), _("Operator"), _("Action"), _("Object"), _("Rows")):
        table.add_column(header)
    for e in entries:
        table.add_row(e["at"].astimezone(local).strftime("%d/%m/%Y %H:%M:%S"), e["operator"], e["action"],
                      e["object"], str(e["rows"]))
    Console(width=160).print(table)


@audit_group.command("verify")
@click.pass_obj
def verify(ctx: Context) -> None:
    """Check the audit log's hash chain: name the first entry edited, deleted or written around the log
    (exit 1), or print the head to note outside the database (exit 0)."""
    check = ctx.app.repo.verify_audit_chain()
    if check.broken is not None:
        reason = {
            "edited": _("its content was changed after it was written"),
            "unlinked": _("the entry before it was deleted or changed"),
            "unchained": _("it was written around the audit log (no hash)"),
        }[check.broken.reason]
        click.echo(_("robocall: audit log broken at entry #{id}: {reason} ({n} entries read; the last good one "
                     "is #{good})").format(id=check.broken.id, reason=reason, n=check.entries,
                                          good=check.head_id if check.head_id is not None else "-"), err=True)
        raise SystemExit(1)
    click.echo(_("audit log intact: {n} entries; head #{id} {hash} (note it: a later head must follow it)")
               .format(n=check.entries, id=check.head_id if check.head_id is not None else "-",
                       hash=check.head_hash[:16]))
