"""The `robocall` command: click groups only; each subcommand parses, calls a service and prints.

Subcommand groups live one per module in this package and are registered below.
"""
from __future__ import annotations

import sys
from typing import Any

import click

from ivr import config as config_mod
from ivr.errors import UserError
from ivr.operator import operator_name


class Context:
    """What every command gets: the settings, and the options common to all commands."""

    def __init__(self, settings: config_mod.Settings, operator: str | None) -> None:
        self.settings = settings
        self.operator = operator

    def who(self, given: str | None = None) -> str:
        """The operator named for the audit log: ``given``, else ``--operator``, else the OS user."""
        return operator_name(given or self.operator)


class _Main(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (UserError, config_mod.ConfigError) as exc:
            click.echo(f"robocall: error: {exc}", err=True)
            sys.exit(getattr(exc, "exit_code", 2))
        except KeyboardInterrupt:
            click.echo("robocall: interrupted", err=True)
            sys.exit(130)


@click.group(cls=_Main)
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
              help="YAML config file (default: $ROBOCALL_CONFIG or ./robocall.yaml).")
@click.option("--operator", default=None, help="Who is acting, for the audit log (default: the OS user).")
@click.pass_context
def main(ctx: click.Context, config_path: str | None, operator: str | None) -> None:
    """Robocall: automated health-monitoring calls over Asterisk."""
    try:
        settings = config_mod.load(config_path)
    except config_mod.ConfigError as exc:
        click.echo(f"robocall: error: {exc}", err=True)
        sys.exit(2)
    from ivr import logs

    logs.configure(settings.log_level, stream=_log_stream(settings))
    ctx.obj = Context(settings, operator)


def _log_stream(settings: config_mod.Settings) -> Any:
    if settings.log_file:
        path = settings.path(settings.log_file)
        path.parent.mkdir(parents=True, exist_ok=True)
        return open(path, "a", encoding="utf-8", buffering=1)  # noqa: SIM115 - lives as long as the process
    return sys.stderr


def _register() -> None:
    """Import each command module; a module registers its commands on `main`."""
    import importlib
    import pkgutil

    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")


_register()
