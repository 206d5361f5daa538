"""`robocall sandbox up|down|status|trunk`: the local Asterisk for development, tests and the demo."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from ivr.cli import Context, main

if TYPE_CHECKING:
    from ivr.sandbox.manager import Sandbox


def _sandbox(ctx: Context) -> Sandbox:
    from ivr.sandbox.manager import Sandbox

    return Sandbox(ctx.settings)


@main.group("sandbox")
def sandbox_group() -> None:
    """The local Asterisk 22 sandbox and its simulated phone network (never production)."""


@sandbox_group.command("up")
@click.option("--personas", type=click.Path(dir_okay=False), default=None,
              help="YAML file mapping numbers to phone behaviours (default: the documented default rule).")
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@click.pass_obj
def up(ctx: Context, personas: str | None, as_json: bool) -> None:
    """Build (first time only) and start the sandbox, then wait until ARI answers."""
    say = (lambda _m: None) if as_json else (lambda m: click.echo(f"sandbox: {m}", err=True))
    status = _sandbox(ctx).up(personas, progress=say)
    if as_json:
        click.echo(json.dumps(status.as_dict()))
    else:
        click.echo(f"sandbox up in {status.seconds:.1f} s: ARI {status.ari_url}, trunk sip:127.0.0.1:{status.sip_port}")


@sandbox_group.command("down")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_obj
def down(ctx: Context, as_json: bool) -> None:
    """Stop both Asterisk processes and unmount what `up` mounted."""
    stopped = _sandbox(ctx).down()
    click.echo(json.dumps({"stopped": stopped}) if as_json else ("sandbox stopped" if stopped else "sandbox was not running"))


@sandbox_group.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_obj
def status(ctx: Context, as_json: bool) -> None:
    """Whether the root is installed, the processes run and ARI answers."""
    st = _sandbox(ctx).status()
    if as_json:
        click.echo(json.dumps(st.as_dict()))
        return
    for key, value in st.as_dict().items():
        if value is not None:
            click.echo(f"{key:16} {value}")


@sandbox_group.command("trunk")
@click.argument("state", type=click.Choice(["up", "down"]))
@click.pass_obj
def trunk(ctx: Context, state: str) -> None:
    """Make the simulated operator network refuse every call with 503 (down) or serve again (up)."""
    _sandbox(ctx).set_trunk_down(state == "down")
    click.echo(f"trunk {state}")
