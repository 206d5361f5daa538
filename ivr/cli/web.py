"""`robocall web`: the web console for health staff, a process of its own (reports it writes never delay calls)."""
from __future__ import annotations

import click

from ivr import config
from ivr.cli import Context, main
from ivr.i18n import _
from ivr.logs import get_logger

log = get_logger(__name__)


@main.command("web")
@click.option("--host", default=None, help="Address to listen on (default: web.host, 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default: web.port, 8090).")
@click.pass_obj
def web(ctx: Context, host: str | None, port: int | None) -> None:
    """Serve the console (sign in with an account made by `robocall users add`); Ctrl-C stops it."""
    import uvicorn

    from ivr.web.app import create_app

    settings = config.replace(ctx.settings, web={"host": host or ctx.settings.web.host,
                                                 "port": port or ctx.settings.web.port})
    services = ctx.with_settings(settings).app.web
    if services.accounts.store.count_users() == 0:
        click.echo(_("No account yet: create the first admin account with "
                     "`robocall users add NAME --role admin`."), err=True)
    w = settings.web
    click.echo(_("Console: {url}").format(url=f"http://{w.host}:{w.port}/"), err=True)
    log.info("web.started", host=w.host, port=w.port)
    # No access log: request paths name people's pages (contact ids); the audit log records the views.
    uvicorn.run(create_app(services), host=w.host, port=w.port, access_log=False, log_level="warning",
                server_header=False)
    log.info("web.stopped")
