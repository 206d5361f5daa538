"""`robocall users add|list|disable|enable|passwd`: accounts of the web console (`robocall web`)."""
from __future__ import annotations

import json
import sys

import click
from rich import box
from rich.console import Console
from rich.table import Table

from ivr.accounts.roles import ROLE_LABELS, Role
from ivr.accounts.service import AccountService, parse_areas
from ivr.cli import Context, main
from ivr.i18n import _


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(click.prompt(_("Password"), hide_input=True, confirmation_prompt=_("Password again")))


def service(ctx: Context) -> AccountService:
    return ctx.app.accounts


@main.group("users")
def users_group() -> None:
    """Accounts of the web console: viewer, staff (optionally limited to communes/wards), admin."""


@users_group.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True,
              help="viewer: figures and charts only; staff: lists, campaigns, cases, workbooks; admin: also scripts and "
                   "the audit log.")
@click.option("--areas", default="", help="Staff only: communes/wards they see, comma-separated (default: all).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (one line).")
@click.pass_obj
def add(ctx: Context, name: str, role: str, areas: str, password_stdin: bool) -> None:
    """Create an account NAME; the password is asked for (at least 10 characters)."""
    user = service(ctx).add(name, _password(password_stdin), role, parse_areas(areas),
                            ctx.who())
    click.echo(_("Account {name} created ({role})").format(name=user.name, role=_(ROLE_LABELS[Role(user.role)])))


@users_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_obj
def list_users(ctx: Context, as_json: bool) -> None:
    """Show the accounts."""
    users = service(ctx).users()
    if as_json:
        click.echo(json.dumps([{"name": u.name, "role": u.role, "areas": list(u.areas), "disabled": u.disabled}
                               for u in users], ensure_ascii=False))
        return
    table = Table(title=_("Accounts ({n})").format(n=len(users)), box=box.SIMPLE_HEAD)
    for header in (_("User name"), _("Role"), _("Communes/wards"), _("State")):
        table.add_column(header)
    for u in users:
        table.add_row(u.name, _(ROLE_LABELS[Role(u.role)]), ", ".join(u.areas) or _("all"),
                      _("disabled") if u.disabled else _("in use"))
    Console().print(table)


@users_group.command("disable")
@click.argument("name")
@click.pass_obj
def disable(ctx: Context, name: str) -> None:
    """Lock an account: it cannot sign in, and its open sessions end."""
    service(ctx).disable(name, ctx.who())
    click.echo(_("Account {name} disabled").format(name=name))


@users_group.command("enable")
@click.argument("name")
@click.pass_obj
def enable(ctx: Context, name: str) -> None:
    """Unlock a disabled account."""
    service(ctx).disable(name, ctx.who(), disabled=False)
    click.echo(_("Account {name} enabled again").format(name=name))


@users_group.command("passwd")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the new password from standard input (one line).")
@click.pass_obj
def passwd(ctx: Context, name: str, password_stdin: bool) -> None:
    """Set a new password (an admin's reset); the account's sessions end and its sign-in lock is lifted."""
    service(ctx).set_password(name, _password(password_stdin), ctx.who())
    click.echo(_("New password set for {name}").format(name=name))
