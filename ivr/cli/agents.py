"""`robocall agents add|list|login|logout|pause`: who answers the hotline's staff queue.

An agent is a staff softphone (a PJSIP endpoint of the PBX). `login` puts it in the queue, `logout`
takes it out, `pause` keeps it in the queue without calls (a break). The database and the PBX's queue
are changed together, through ARI (ivr/hotline/agents.py).
"""
from __future__ import annotations

import asyncio
import json
from typing import Any, Awaitable, Callable, TypeVar

import click
from rich import box
from rich.console import Console
from rich.table import Table

from ivr import app
from ivr.cli import Context, main
from ivr.hotline.agents import AgentService, AgentView, QueueAdmin
from ivr.i18n import _
from ivr.storage.hotline_records import AgentRecord

T = TypeVar("T")


def _with_service(ctx: Context, use: Callable[[AgentService], Awaitable[T]]) -> T:
    a = ctx.app

    async def run() -> T:
        ari = a.ari()  # REST only: no websocket, so a running service is not disturbed
        try:
            return await use(AgentService(a.hotline, QueueAdmin(ari), a.clock, ctx.settings.trunk.endpoint))
        finally:
            await ari.close()

    return asyncio.run(run())


def _state(agent: AgentRecord) -> str:
    if not agent.logged_in:
        return _("off (not in the queue)")
    return _("on a break") if agent.paused else _("on duty")


@main.group("agents")
def agents_group() -> None:
    """Staff agents of the hotline queue."""


@agents_group.command("add")
@click.argument("name")
@click.option("--endpoint", default=None, help="The softphone's PJSIP endpoint (default: PJSIP/NAME).")
@click.option("--display-name", default=None, help="The staff member's name, shown in `agents list`.")
@click.pass_obj
def add(ctx: Context, name: str, endpoint: str | None, display_name: str | None) -> None:
    """Register NAME (e.g. staff1) as an agent; it answers calls once logged in."""

    async def use(svc: AgentService) -> AgentRecord:
        return svc.add(name, endpoint, display_name, ctx.who())

    agent = _with_service(ctx, use)
    click.echo(_("Agent {name} ({endpoint}) added. To log in: robocall agents login {name}").format(
        name=agent.name, endpoint=agent.interface))


@agents_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per agent.")
@click.pass_obj
def list_agents(ctx: Context, as_json: bool) -> None:
    """Show the agents, whether they are in the queue now, and whether they are on a call."""

    async def use(svc: AgentService) -> list[AgentView]:
        return await svc.views()

    views = _with_service(ctx, use)
    if as_json:
        click.echo(json.dumps([_json(v) for v in views], ensure_ascii=False))
        return
    table = Table(title=_("Hotline agents ({n})").format(n=len(views)), box=box.SIMPLE_HEAD, pad_edge=False)
    for header, wrap in ((_("ID"), False), (_("Full name"), True), (_("Phone set"), False), (_("Status"), True),
                         (_("In the queue"), False), (_("On a call"), False)):
        table.add_column(header, no_wrap=not wrap)
    for v in views:
        table.add_row(v.agent.name, v.agent.display_name or "", v.agent.interface, _state(v.agent),
                      _yes_no(v.in_queue), _yes_no(v.in_call))
    Console().print(table)


def _yes_no(value: bool | None) -> str:
    return "?" if value is None else (_("yes") if value else _("no"))


def _json(v: AgentView) -> dict[str, Any]:
    a = v.agent
    return {"name": a.name, "display_name": a.display_name, "endpoint": a.interface, "logged_in": a.logged_in,
            "paused": a.paused, "in_queue": v.in_queue, "in_call": v.in_call}


@agents_group.command("login")
@click.argument("name")
@click.pass_obj
def login(ctx: Context, name: str) -> None:
    """Put NAME in the hotline queue."""

    async def use(svc: AgentService) -> AgentRecord:
        return await svc.login(name, ctx.who())

    agent = _with_service(ctx, use)
    click.echo(f"{agent.name}: {_state(agent)}")


@agents_group.command("logout")
@click.argument("name")
@click.pass_obj
def logout(ctx: Context, name: str) -> None:
    """Take NAME out of the hotline queue."""

    async def use(svc: AgentService) -> AgentRecord:
        return await svc.logout(name, ctx.who())

    agent = _with_service(ctx, use)
    click.echo(f"{agent.name}: {_state(agent)}")


@agents_group.command("pause")
@click.argument("name")
@click.option("--off", "resume", is_flag=True, help="End the pause: NAME takes calls again.")
@click.pass_obj
def pause(ctx: Context, name: str, resume: bool) -> None:
    """Pause NAME (stays in the queue, gets no calls); --off ends the pause."""

    async def use(svc: AgentService) -> AgentRecord:
        return await svc.pause(name, not resume, ctx.who())

    agent = _with_service(ctx, use)
    click.echo(f"{agent.name}: {_state(agent)}")
