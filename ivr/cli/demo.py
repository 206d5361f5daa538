"""`robocall demo`: the main job of the README: sandbox up, a synthetic F1 list, one campaign, a summary."""
from __future__ import annotations

from zoneinfo import ZoneInfo

import click
from rich.console import Console
from rich.table import Table

from ivr import config
from ivr.cli import Context, main
from ivr.cli.campaign import run_foreground
from ivr.i18n import _
from ivr.labels import outcome_label
from ivr.sandbox.demo_data import write_list
from ivr.sandbox.manager import Sandbox
from ivr.clock import utcnow

DEMO_USER = "demo"


@main.command("demo")
@click.option("--contacts", "count", default=200, show_default=True, help="Synthetic F1 contacts to call.")
@click.option("--concurrency", default=50, show_default=True, help="Calls up at once.")
@click.option("--personas", type=click.Path(dir_okay=False), default=None, help="Personas file (default rule if none).")
@click.pass_obj
def demo(ctx: Context, count: int, concurrency: int, personas: str | None) -> None:
    """Bring up the sandbox, import a synthetic F1 list, call everyone with the F1 script, summarise."""
    console = Console()
    settings = config.replace(ctx.settings, dialer={"max_concurrent": concurrency,
                                                    "calls_per_second": max(ctx.settings.dialer.calls_per_second, 10)})
    console.print("[bold]1. Sandbox[/bold]: Asterisk 22 + simulated phone network")
    status = Sandbox(settings).up(personas, progress=lambda m: console.print(f"   {m}"))
    console.print(f"   ready in {status.seconds:.1f} s, ARI {status.ari_url}")

    today = utcnow().astimezone(ZoneInfo(settings.dialer.timezone)).date()
    path = settings.path(settings.data_dir) / "demo" / f"F1_{today:%Y%m%d}_{count}.xlsx"
    write_list(path, count, today)
    demo_ctx = ctx.with_settings(settings)
    a, operator = demo_ctx.app, ctx.who()
    repo = a.repo
    result = a.importer.import_file(path, category="F1", list_date=today, operator=operator)
    counts = result.as_json()
    console.print(f"[bold]2. Import[/bold] {path.name}: {counts['rows']} rows, {counts['imported']} new, "
                  f"{counts['updated']} updated, {counts['invalid']} refused")

    svc = a.campaigns
    # The sandbox calls invented numbers: the demo dials at any hour, not only inside the call window.
    created = svc.create(script_name="f1_daily", operator=operator, import_id=counts["import_id"],
                         overrides={"window_start": "00:00", "window_end": "23:59"})
    cid = created.campaign.id
    console.print(f"[bold]3. Campaign[/bold] #{cid}: {created.enqueued} phones, "
                  f"{created.prompts_rendered} prompts rendered in advance")
    console.print(f"[bold]4. Dialling[/bold] up to {concurrency} calls at once (Ctrl-C pauses)")
    started = utcnow()
    stats = run_foreground(demo_ctx, svc, cid, console)
    seconds = (utcnow() - started).total_seconds()

    p = repo.campaign_progress(cid)
    table = Table(title=_("Campaign #{id} results ({seconds} s, at most {peak} calls at once)").format(
        id=cid, seconds=f"{seconds:.0f}", peak=stats.peak_concurrent))
    table.add_column(_("Outcome"))
    table.add_column(_("Calls"), justify="right")
    for outcome, n in sorted(p.by_outcome.items(), key=lambda kv: -kv[1]):
        table.add_row(outcome_label(outcome), str(n))
    table.add_row(_("Waiting for a retry"), str(p.unfinished))
    console.print(table)
    console.print(f"{p.answers} answers stored from {p.answered} answered calls. "
                  f"Next: `robocall campaign status {cid}`; retries are scheduled by the policy "
                  f"(`robocall campaign run {cid} --wait-retries`).")
    _console_login(demo_ctx, operator, console)


def _console_login(ctx: Context, operator: str, console: Console) -> None:
    """The web console's address and a demo login, made only against the sandbox (a fresh password each run)."""
    import secrets

    from ivr.protection.secrets import is_sandbox

    settings = ctx.settings
    if not is_sandbox(settings):
        return
    password = secrets.token_urlsafe(9)
    ctx.app.accounts.ensure_demo_user(DEMO_USER, password, operator)
    w = settings.web
    console.print(_("[bold]5. Web console[/bold]: start it with `.venv/bin/robocall web`, then open {url} and "
                    "sign in as [bold]{user}[/bold] / [bold]{password}[/bold] (demo login, sandbox only)").format(
                      url=f"http://{w.host}:{w.port}/", user=DEMO_USER, password=password))
