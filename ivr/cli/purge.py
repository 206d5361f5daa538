"""`robocall purge`: delete personal data past retention (database, audio cache, list copies, reports)."""
from __future__ import annotations

import json

import click

from ivr.cli import Context, main
from ivr.cli.contacts import contacts
from ivr.cli.report import zone
from ivr.i18n import _
from ivr.protection.retention import PurgeResult, Purger


@main.command("purge")
@click.option("--older-than", "days", type=int, default=None, metavar="DAYS",
              help="Purge people last seen on a list more than DAYS days ago (default: retention_days).")
@click.option("--dry-run", is_flag=True, help="Only count what would be removed.")
@click.option("--operator", default=None, help="Who runs the purge, for the audit log.")
@click.option("--json", "as_json", is_flag=True, help="Print what was removed as JSON.")
@click.pass_obj
def purge(ctx: Context, days: int | None, dry_run: bool, operator: str | None, as_json: bool) -> None:
    """Remove the personal data of contacts past retention whose calls are over, and of old hotline calls."""
    result = _purger(ctx).run(days if days is not None else ctx.settings.retention_days, ctx.who(operator),
                              dry_run=dry_run)
    _show(result, dry_run, as_json)


@contacts.command("erase")
@click.argument("who", metavar="PHONE|ID")
@click.option("--dry-run", is_flag=True, help="Only count what would be removed.")
@click.option("--operator", default=None, help="A name added to the OS user in the audit log.")
@click.option("--json", "as_json", is_flag=True, help="Print what was removed as JSON.")
@click.pass_obj
def erase(ctx: Context, who: str, dry_run: bool, operator: str | None, as_json: bool) -> None:
    """Erase one person's personal data on request: a phone number (everyone on that phone and its hotline
    calls) or a contact id (column ID of `contacts list`). Database, personalised audio, reports; audited."""
    result = _purger(ctx).erase(who, ctx.who(operator), dry_run=dry_run)
    _show(result, dry_run, as_json, erase=True)


def _purger(ctx: Context) -> Purger:
    a = ctx.app
    return Purger(a.purge_store, a.files, a.library, a.scripts, a.zone, a.clock)


def _show(result: PurgeResult, dry_run: bool, as_json: bool, erase: bool = False) -> None:
    if as_json:
        click.echo(json.dumps(result.as_json(), ensure_ascii=False))
        return
    c = result.counts
    if erase:
        click.echo(_("Would remove the personal data asked for:") if dry_run else
                   _("Removed the personal data asked for:"))
    else:
        click.echo((_("Would remove the personal data of people last on a list before {date}:") if dry_run else
                    _("Removed the personal data of people last on a list before {date}:")).format(
                        date=f"{result.cutoff:%d/%m/%Y}"))
    click.echo("  " + _("{contacts} people, {households} household phones, {answers} answers").format(
        contacts=c.contacts, households=c.households, answers=c.answers))
    if not dry_run:
        click.echo("  " + _("hotline: {calls} callers, {answers} answers, {tasks} call-back requests").format(
            calls=c.inbound_calls, answers=c.inbound_answers, tasks=c.callback_tasks))
    click.echo("  " + _("{audio} personalised audio files, {imports} imported list files, "
                        "{written} reports/extracts").format(audio=result.audio_files, imports=result.import_files,
                                                             written=result.written_files))
    if result.kept_in_flight:
        click.echo("  " + _("kept {n} people whose calls are still pending or in progress").format(
            n=result.kept_in_flight))
    for path in result.changed_files:
        click.echo("  " + _("NOT removed (the file was changed after the system wrote it; remove it by hand): "
                            "{path}").format(path=path))
    for name in result.scripts_unavailable:
        click.echo("  " + _("script {name} not found: its personalised audio was not removed").format(name=name))
    if not result.wal_truncated:
        click.echo("  " + _("WARNING: the database's write-ahead log (WAL) could not be emptied because another "
                            "process has it open (robocall serve, a report...): the log may still hold the data "
                            "just removed. Stop those processes, then run robocall purge again."), err=True)
