"""`robocall hotline calls|callbacks|done`: the inbound ledger and the call-backs staff owe residents."""
from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import click
from rich import box
from rich.console import Console
from rich.table import Table

from ivr.cli import Context, main
from ivr.formats import national_phone
from ivr.i18n import N_, _
from ivr.storage.hotline import HotlineStore

OUTCOME_LABELS = {
    "staff": N_("staff answered"), "callback_requested": N_("asked for a call back"),
    "abandoned": N_("hung up while waiting"), "declared": N_("declared"), "staff_unavailable": N_("no staff"),
    "no_input": N_("pressed no key"), "informed": N_("heard the information"), "hung_up": N_("hung up early"),
    "rejected": N_("refused (service stopping)"), "failed": N_("error"),
}
CALLBACK_STATES = {"open": N_("not called yet"), "done": N_("called back"), "cancelled": N_("cancelled")}


def _store(ctx: Context) -> HotlineStore:
    return ctx.app.hotline


def _local(at: dt.datetime | None, zone: ZoneInfo) -> str:
    return at.astimezone(zone).strftime("%d/%m %H:%M") if at else ""


@main.group("hotline")
def hotline_group() -> None:
    """The inbound hotline's ledger and call-back tasks."""


@hotline_group.command("calls")
@click.option("--limit", default=50, show_default=True, help="How many of the newest calls.")
@click.option("--json", "as_json", is_flag=True, help="Print the calls as a JSON list.")
@click.pass_obj
def calls(ctx: Context, limit: int, as_json: bool) -> None:
    """The newest inbound calls: caller, time, path through the menu, wait, who answered, outcome."""
    store = _store(ctx)
    rows = store.inbound_calls(limit)
    store.audit_read(ctx.who(), "hotline.calls", "inbound_calls", [c.id for c in rows], ctx.app.clock())
    if as_json:
        click.echo(json.dumps([{
            "id": c.id, "caller": c.caller_e164, "started_at": c.started_at.isoformat(), "path": list(c.path),
            "after_hours": c.after_hours, "queue_wait_seconds": c.queue_wait_seconds, "answered_by": c.answered_by,
            "abandoned": c.abandoned, "outcome": c.outcome, "script_result": c.script_result,
            "campaign_id": c.campaign_id, "attempt_id": c.attempt_id} for c in rows], ensure_ascii=False))
        return
    zone = ZoneInfo(ctx.settings.hotline.timezone)
    table = Table(title=_("Calls to the hotline ({n})").format(n=len(rows)), box=box.SIMPLE_HEAD, pad_edge=False)
    for header, wrap in ((_("ID"), False), (_("Caller"), False), (_("At"), False), (_("Steps"), True),
                         (_("Wait"), False), (_("Answered by"), False), (_("Outcome"), True)):
        table.add_column(header, no_wrap=not wrap, overflow="fold" if wrap else "ellipsis")
    for c in rows:
        outcome = _(OUTCOME_LABELS[c.outcome]) if c.outcome in OUTCOME_LABELS else (c.outcome or _("in progress"))
        table.add_row(str(c.id), national_phone(c.caller_e164) if c.caller_e164 else _("(number withheld)"),
                      _local(c.started_at, zone), " › ".join(c.path),
                      f"{c.queue_wait_seconds:.0f} s" if c.queue_wait_seconds is not None else "",
                      c.answered_by or "", outcome)
    Console().print(table)


@hotline_group.command("callbacks")
@click.option("--all", "show_all", is_flag=True, help="Also the call-backs already done or cancelled.")
@click.pass_obj
def callbacks(ctx: Context, show_all: bool) -> None:
    """Residents who asked staff to call them back, oldest first."""
    store = _store(ctx)
    tasks = store.callback_tasks(None if show_all else "open")
    store.audit_read(ctx.who(), "hotline.callbacks", "callback_tasks", [t.id for t in tasks], ctx.app.clock())
    zone = ZoneInfo(ctx.settings.hotline.timezone)
    table = Table(title=_("Call-back requests ({n})").format(n=len(tasks)), box=box.SIMPLE_HEAD, pad_edge=False)
    for header in (_("ID"), _("Number to call back"), _("Requested at"), _("Status"), _("Handled by")):
        table.add_column(header, no_wrap=True)
    for t in tasks:
        table.add_row(str(t.id), national_phone(t.phone_e164), _local(t.requested_at, zone),
                      _(CALLBACK_STATES[t.status]), t.done_by or "")
    Console().print(table)


@hotline_group.command("done")
@click.argument("task_id", type=int)
@click.option("--cancel", is_flag=True, help="Cancel the call-back instead (e.g. the resident called again).")
@click.pass_obj
def done(ctx: Context, task_id: int, cancel: bool) -> None:
    """Mark call-back TASK_ID as done (staff called the resident back)."""
    operator = ctx.who()
    store = _store(ctx)
    store.close_callback_task(task_id, "cancelled" if cancel else "done", operator, ctx.app.clock())
    click.echo((_("Call-back request {id}: cancelled.") if cancel else _("Call-back request {id}: called back."))
               .format(id=task_id))
