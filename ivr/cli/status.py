"""`robocall status [--json]`: the controller processes alive, who holds each PBX's hotline, what they dial.

Read from the shared database (ivr.storage.leases) on its own clock: a worker is alive while its lease
has not expired; "last heartbeat" is how long ago it renewed it.
"""
from __future__ import annotations

import json
from typing import Any

import click
from rich import box
from rich.console import Console
from rich.table import Table

from ivr.cli import Context, main
from ivr.i18n import _
from ivr.storage.leases import LeaseStore


def snapshot(store: LeaseStore) -> dict[str, Any]:
    """What `status --json` prints: workers alive and holders of shared applications."""
    now = store.db_now()
    workers = [{"worker_id": w.id, "node": w.node, "pid": w.pid, "role": w.role, "pbx": w.ari_url,
                "calls_in_progress": w.calls, "campaigns": list(w.campaigns),
                "last_heartbeat_seconds_ago": round((now - w.heartbeat_at).total_seconds(), 1),
                "lease_expires_in_seconds": round((w.expires_at - now).total_seconds(), 1)}
               for w in store.workers(alive_only=True)]
    holders = [{"pbx": h.pbx, "app": h.app, "worker_id": h.worker_id, "alive": h.alive,
                "since": h.since.isoformat()} for h in store.app_holders()]
    return {"database_time": now.isoformat(), "workers": workers, "hotline_holders": holders}


@main.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.pass_obj
def status(ctx: Context, as_json: bool) -> None:
    """Controller processes alive (node, pid, calls, heartbeat), hotline holders, campaigns being dialled."""
    data = snapshot(ctx.app.leases)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False))
        return
    console = Console()
    roles = {"serve": _("service (serve)"), "campaign": _("campaign run"), "call": _("test call")}
    table = Table(title=_("Controller processes alive"), box=box.SIMPLE)
    for header in (_("Node"), _("PID"), _("Role"), _("PBX"), _("Calls in progress"), _("Campaigns"),
                   _("Last heartbeat (seconds ago)"), _("Worker id")):
        table.add_column(header)
    for w in data["workers"]:
        table.add_row(w["node"], str(w["pid"]), roles.get(w["role"], w["role"]), w["pbx"],
                      str(w["calls_in_progress"]), ", ".join(map(str, w["campaigns"])) or "-",
                      str(w["last_heartbeat_seconds_ago"]), w["worker_id"])
    console.print(table if data["workers"] else _("No controller process is running."))
    holders = Table(title=_("Hotline: the process holding each PBX's Stasis application"), box=box.SIMPLE)
    for header in (_("PBX"), _("Application"), _("Held by"), _("Valid")):
        holders.add_column(header)
    for h in data["hotline_holders"]:
        holders.add_row(h["pbx"], h["app"], h["worker_id"], _("yes") if h["alive"] else _("expired"))
    console.print(holders if data["hotline_holders"] else _("No process holds the hotline yet."))
