"""`robocall serve`: run the hotline and the dialer as one long-lived service (stop it with SIGTERM)."""
from __future__ import annotations

import asyncio
import signal
import sys

import click

from ivr import eventloop
from ivr.cli import Context, main


@main.command("serve")
@click.option("--hotline/--no-hotline", default=True, show_default=True, help="Answer calls to the hotline.")
@click.option("--dialer/--no-dialer", default=True, show_default=True, help="Run the campaigns' dialer workers.")
@click.pass_obj
def serve(ctx: Context, hotline: bool, dialer: bool) -> None:
    """Run until SIGTERM or Ctrl-C, then let calls in progress finish their answers (service.shutdown_grace).

    Logs are JSON lines (to log_file, or stderr when log_file is empty); no phone number or answer is logged.
    """
    from ivr.serve import service

    svc = service.build(ctx.app, hotline=hotline, dialer=dialer)

    async def run() -> int:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        return await svc.run(stop)

    sys.exit(eventloop.run(run(), use_uvloop=ctx.settings.service.uvloop))
