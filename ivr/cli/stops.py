"""`robocall contacts stop|resume|optout|optin`: take a person, or a phone, off every campaign."""
from __future__ import annotations

import json

import click

from ivr.cli import Context
from ivr.cli.contacts import contacts
from ivr.contacts.phones import normalize_phone
from ivr.contacts.stops import STOP_REASONS, stop_reason_label
from ivr.formats import national_phone
from ivr.i18n import _


@contacts.command("stop")
@click.argument("who", metavar="ID|PHONE")
@click.option("--reason", required=True, metavar="|".join(STOP_REASONS),
              help="Why: " + ", ".join(STOP_REASONS) + ".")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_obj
def stop(ctx: Context, who: str, reason: str, as_json: bool) -> None:
    """No campaign calls this person again (the reason shows in the reports)."""
    done = ctx.app.stops.stop(who, reason.strip().lower(), ctx.who())
    p = done.person
    if as_json:
        click.echo(json.dumps({"contact_id": p.id, "reason": done.reason, "attempts_closed": done.attempts_closed}))
        return
    click.echo(_("#{id} {name} ({phone}): not called any more ({reason}); {n} pending calls cancelled").format(
        id=p.id, name=p.full_name, phone=national_phone(p.phone_e164), reason=stop_reason_label(done.reason),
        n=done.attempts_closed))


@contacts.command("resume")
@click.argument("who", metavar="ID|PHONE")
@click.pass_obj
def resume(ctx: Context, who: str) -> None:
    """Call a stopped person again (undo `contacts stop`)."""
    p = ctx.app.stops.resume(who, ctx.who())
    click.echo(_("#{id} {name} ({phone}): called again by the next campaigns").format(
        id=p.id, name=p.full_name, phone=national_phone(p.phone_e164)))


@contacts.command("optout")
@click.argument("phone")
@click.pass_obj
def optout(ctx: Context, phone: str) -> None:
    """This phone asked not to be called: no campaign calls it (its whole household)."""
    n = ctx.app.stops.opt_out(phone, ctx.who())
    click.echo(_("{phone}: not called any more ({n} people on this number)").format(phone=_shown(phone), n=n))


@contacts.command("optin")
@click.argument("phone")
@click.pass_obj
def optin(ctx: Context, phone: str) -> None:
    """This phone may be called again."""
    n = ctx.app.stops.opt_in(phone, ctx.who())
    click.echo(_("{phone}: called again ({n} people on this number)").format(phone=_shown(phone), n=n))


def _shown(typed: str) -> str:
    """The number staff typed (+84..., 0912 345 678), as staff dial it: 0912345678 (the service checked it)."""
    return national_phone(normalize_phone(typed).e164)
