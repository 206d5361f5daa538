"""`robocall campaign create|run|pause|resume|cancel|status`: health staff run the day's calls."""
from __future__ import annotations

import asyncio
import datetime as dt
import json
import signal
from typing import Any

import click
from rich import box
from rich.console import Console
from rich.live import Live
from rich.table import Table

from ivr.campaigns.service import CampaignService
from ivr import eventloop
from ivr.cli import Context, main
from ivr.errors import UserError
from ivr.i18n import _
from ivr.cli.params import DATE
from ivr.formats import show_date
from ivr.labels import outcome_label, status_label



def service(ctx: Context) -> CampaignService:
    return ctx.app.campaigns


def _overrides(pairs: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise UserError(_("--policy {pair!r}: expected NAME=VALUE, e.g. no_answer_attempts=2").format(pair=pair))
        out[key.strip()] = value.strip()
    return out


@main.group("campaign")
def campaign_group() -> None:
    """Campaigns: one script, one day's list (or one import), dialled within the policy."""


@campaign_group.command("create")
@click.option("--script", "script_name", required=True, help="Script name (scripts_vi/NAME.yaml) or file.")
@click.option("--category", type=click.Choice(["F1", "F2"], case_sensitive=False), default=None,
              help="F1 or F2: who of the day's list is called (required with --date).")
@click.option("--date", "list_date", type=DATE, default=None, help="The day's list to call (15/07/2021 or 2021-07-15).")
@click.option("--import", "import_id", type=int, default=None, help="Call the people of one import instead.")
@click.option("--policy", "policy", multiple=True, metavar="NAME=VALUE", help="Override a dialer setting.")
@click.option("--allow-empty", is_flag=True, help="Create it even if nobody is to be called.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_obj
def create(ctx: Context, script_name: str, category: str | None, list_date: dt.date | None, import_id: int | None,
           policy: tuple[str, ...], allow_empty: bool, as_json: bool) -> None:
    """Create a draft campaign: enqueue its contacts, render their prompts, print the rules that apply."""
    created = service(ctx).create(script_name=script_name, operator=ctx.who(),
                                  category=category.upper() if category else None, list_date=list_date,
                                  import_id=import_id, overrides=_overrides(policy), allow_empty=allow_empty)
    data = {"campaign_id": created.campaign.id, "script": created.campaign.script_name,
            "version": created.campaign.script_version, "status": created.campaign.status.value,
            "contacts": created.enqueued, "prompts_rendered": created.prompts_rendered, "rules": list(created.rules)}
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False))
        return
    click.echo(_("Campaign #{id} (draft): {contacts} numbers to call, script {script} v{version}, {prompts} new "
                 "prompts rendered").format(id=data["campaign_id"], contacts=data["contacts"], script=data["script"],
                                            version=data["version"], prompts=data["prompts_rendered"]))
    for rule in created.rules:
        click.echo(f"  - {rule}")
    click.echo(_("Start it: robocall campaign start {id}").format(id=data["campaign_id"]))


def progress_table(svc: CampaignService, campaign_id: int) -> Table:
    p = svc.repo.campaign_progress(campaign_id)
    table = Table(title=_("Campaign #{id} ({status})").format(id=campaign_id, status=status_label(p.status.value)))
    table.add_column(_("Outcome"))
    table.add_column(_("Calls"), justify="right")
    for outcome, n in sorted(p.by_outcome.items(), key=lambda kv: -kv[1]):
        table.add_row(outcome_label(outcome), str(n))
    table.add_row(_("Waiting / calling"), str(p.unfinished))
    table.add_row(_("Households"), str(p.households))
    return table


def run_foreground(ctx: Context, svc: CampaignService, campaign_id: int, console: Console,
                   until_idle: bool = True) -> Any:
    """Run the dialer with a live table; Ctrl-C (or SIGTERM) pauses cleanly after the calls in progress."""

    async def go() -> Any:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        who = ctx.app.identity("campaign")
        ari = ctx.app.ari(who)
        await ari.connect()
        try:
            with Live(progress_table(svc, campaign_id), console=console, refresh_per_second=2) as live:
                async def refresh() -> None:
                    while True:
                        await asyncio.sleep(1.0)
                        live.update(await asyncio.to_thread(progress_table, svc, campaign_id))

                ticker = asyncio.create_task(refresh())
                try:
                    return await svc.run(campaign_id, ari, stop, ctx.who(),
                                         until_idle=until_idle, who=who)
                finally:
                    ticker.cancel()
                    live.update(progress_table(svc, campaign_id))
        finally:
            await ari.close()

    return eventloop.run(go(), use_uvloop=ctx.settings.service.uvloop)


@campaign_group.command("run")
@click.argument("campaign_id", type=int)
@click.option("--wait-retries", is_flag=True, help="Keep running until every retry is done (else stop when idle).")
@click.pass_obj
def run(ctx: Context, campaign_id: int, wait_retries: bool) -> None:
    """Dial the campaign in the foreground with live progress; Ctrl-C pauses it."""
    svc = service(ctx)
    run_foreground(ctx, svc, campaign_id, Console(stderr=False), until_idle=not wait_retries)
    click.echo(_("Campaign #{id}: {status}").format(id=campaign_id, status=status_label(svc.repo.get_campaign(campaign_id).status.value)))


def _lifecycle_command(name: str, help_text: str) -> None:
    @campaign_group.command(name, help=help_text)
    @click.argument("campaign_id", type=int)
    @click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
    @click.pass_obj
    def command(ctx: Context, campaign_id: int, as_json: bool) -> None:
        c = getattr(service(ctx), name)(campaign_id, ctx.who())
        click.echo(json.dumps({"campaign_id": c.id, "status": c.status.value}) if as_json
                   else _("Campaign #{id}: {status}").format(id=c.id, status=status_label(c.status.value)))


_lifecycle_command("start", "Start a draft campaign: `robocall serve` dials it (or `campaign run` in the foreground).")
_lifecycle_command("pause", "Pause a running campaign (calls in progress finish).")
_lifecycle_command("resume", "Let a paused campaign be dialled again (a draft is started with `campaign start`).")
_lifecycle_command("cancel", "Cancel a campaign for good.")


@campaign_group.command("list")
@click.option("--status", "statuses", multiple=True, metavar="STATUS",
              help="Only campaigns in this status (repeatable): draft, running, paused, completed, cancelled.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_obj
def list_campaigns(ctx: Context, statuses: tuple[str, ...], as_json: bool) -> None:
    """Campaigns, newest first, with their numbers, calls pending and answered."""
    rows = service(ctx).list_campaigns([s.lower() for s in statuses])
    if as_json:
        click.echo(json.dumps([{
            "campaign_id": c.id, "script": c.script_name, "version": c.script_version, "category": c.category,
            "list_date": c.list_date.isoformat() if c.list_date else None, "import_id": c.import_id,
            "status": c.status, "households": c.households, "attempts": c.attempts, "pending": c.pending,
            "answered": c.answered, "operator": c.operator, "created_at": c.created_at.isoformat()} for c in rows],
            ensure_ascii=False))
        return
    table = Table(title=_("Campaigns ({n})").format(n=len(rows)), box=box.SIMPLE_HEAD, pad_edge=False)
    for header in (_("ID"), _("Status"), _("Script"), _("Cat."), _("List"), _("Numbers"), _("Pending"),
                   _("Answered"), _("Created")):
        table.add_column(header)
    for c in rows:
        which = show_date(c.list_date) if c.list_date else _("import #{id}").format(id=c.import_id)
        table.add_row(str(c.id), status_label(c.status), f"{c.script_name} v{c.script_version}", c.category or "",
                      which, str(c.households), str(c.pending), str(c.answered), ctx.app.local_time(c.created_at))
    console = Console()
    console.print(table)
    drafts = [c.id for c in rows if c.status == "draft"]
    if drafts:
        console.print(_("Drafts are not dialled until started: robocall campaign start {id}").format(id=drafts[0]))


@campaign_group.command("status")
@click.argument("campaign_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_obj
def status(ctx: Context, campaign_id: int, as_json: bool) -> None:
    """Progress of a campaign: attempts by status and outcome."""
    svc = service(ctx)
    p = svc.repo.campaign_progress(campaign_id)
    if as_json:
        limits = [{"pbx": row.pbx, "limit": row.concurrency_limit, "max_concurrent": row.max_concurrent,
                   "p95_ms": row.p95_ms, "signal": row.signal, "updated_at": row.updated_at.isoformat()}
                  for row in svc.concurrency_limits()]
        click.echo(json.dumps({"campaign_id": campaign_id, "status": p.status.value, "households": p.households,
                               "by_status": dict(p.by_status), "by_outcome": dict(p.by_outcome),
                               "answered": p.answered, "answers": p.answers, "unfinished": p.unfinished,
                               "concurrency_limits": limits}))
    else:
        console = Console()
        console.print(progress_table(svc, campaign_id))
        for row in svc.concurrency_limits():
            console.print(_("Concurrent calls allowed on {pbx}: {limit} of {max} (adaptive limit; p95 {p95} ms "
                            "{signal}, at {time})").format(
                pbx=row.pbx, limit=row.concurrency_limit, max=row.max_concurrent, p95=round(row.p95_ms),
                signal=row.signal or "-", time=ctx.app.local_time(row.updated_at)))


