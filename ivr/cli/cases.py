"""`robocall cases list|close|refer`: what staff must act on (the calls' promises), and marking it handled."""
from __future__ import annotations

import json
from typing import Any

import click
from rich import box
from rich.console import Console
from rich.table import Table

from ivr.cases.rules import PRIORITY, Reason, Status, reason_label, status_label
from ivr.cases.service import CaseService
from ivr.cli import Context, main
from ivr.cli.params import AREA
from ivr.cli.report import warn_if_nobody
from ivr.formats import national_phone
from ivr.i18n import _
from ivr.reports.units import in_area
from ivr.storage.cases import CaseRow


def service(ctx: Context) -> CaseService:
    return ctx.app.cases


@main.group("cases")
def cases_group() -> None:
    """Cases to act on: symptomatic people, promises of a call back, wrong numbers, people not reached."""


@cases_group.command("list")
@click.option("--reason", "reasons", multiple=True, metavar="REASON",
              help="Only this reason (repeatable): " + ", ".join(r.value for r in Reason) + ".")
@click.option("--status", "statuses", multiple=True, metavar="STATUS",
              help="open, referred, closed or all (default: open and referred).")
@click.option("--area", type=AREA, default=None,
              help="Only the people of one commune/ward or district, e.g. 'Phường Điện Biên' or 'Phường 1, Quận 3'.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (phones in E.164).")
@click.pass_obj
def list_cases(ctx: Context, reasons: tuple[str, ...], statuses: tuple[str, ...], area: str | None,
               as_json: bool) -> None:
    """The cases, most urgent reason first, oldest first."""
    wanted = ([s.value for s in Status] if "all" in statuses else list(statuses)) or [Status.OPEN, Status.REFERRED]
    rows = sorted((c for c in service(ctx).list_cases(reasons=reasons, statuses=wanted)
                   if in_area(area, c.district, c.ward)),
                  key=lambda c: (PRIORITY.index(Reason(c.reason)), c.opened_at, c.id))
    warn_if_nobody(ctx, area)
    if as_json:
        click.echo(json.dumps([case_json(c) for c in rows], ensure_ascii=False))
        return
    table = Table(title=_("Cases to act on ({n})").format(n=len(rows)), box=box.SIMPLE_HEAD, pad_edge=False)
    for header, wrap in ((_("ID"), False), (_("Reason"), True), (_("Full name"), True), (_("Phone"), False),
                         (_("Commune/ward"), True), (_("Cat."), False), (_("Opened"), False), (_("Calls"), False),
                         (_("Status"), True)):
        table.add_column(header, no_wrap=not wrap)
    for c in rows:
        state = status_label(c.status)
        if c.referred_to:
            state += f" → {c.referred_to}"
        table.add_row(str(c.id), reason_label(c.reason), c.full_name or "", national_phone(c.phone_e164),
                      c.ward or "", c.category or "", ctx.app.local_time(c.opened_at), str(c.events),
                      state)
    Console().print(table)


@cases_group.command("close")
@click.argument("case_id", type=int)
@click.option("--note", required=True, help="What was done (e.g. 'Đã gọi lại, hẹn xét nghiệm').")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_obj
def close(ctx: Context, case_id: int, note: str, as_json: bool) -> None:
    """Mark a case handled."""
    c = service(ctx).close(case_id, note, ctx.who())
    click.echo(json.dumps(case_json(c), ensure_ascii=False) if as_json else
               _("Case #{id} ({reason}): closed by {who}").format(id=c.id, reason=reason_label(c.reason),
                                                                   who=c.updated_by))


@cases_group.command("refer")
@click.argument("case_id", type=int)
@click.option("--to", "to", required=True, help="Who takes it over (e.g. 'Trạm y tế phường Điện Biên').")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_obj
def refer(ctx: Context, case_id: int, to: str, as_json: bool) -> None:
    """Hand a case to another team; it stays on the list until closed."""
    c = service(ctx).refer(case_id, to, ctx.who())
    click.echo(json.dumps(case_json(c), ensure_ascii=False) if as_json else
               _("Case #{id} ({reason}): referred to {to} by {who}").format(
                   id=c.id, reason=reason_label(c.reason), to=c.referred_to, who=c.updated_by))


def case_json(c: CaseRow) -> dict[str, Any]:
    return {"id": c.id, "reason": c.reason, "status": c.status, "contact_id": c.contact_id,
            "full_name": c.full_name, "phone_e164": c.phone_e164, "category": c.category, "ward": c.ward,
            "district": c.district, "opened_at": c.opened_at.isoformat(), "last_event_at": c.last_event_at.isoformat(),
            "events": c.events, "referred_to": c.referred_to, "note": c.note, "updated_by": c.updated_by}
