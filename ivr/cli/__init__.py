"""The `robocall` command: click groups only; each subcommand parses, calls a service and prints.

Subcommand groups live one per module in this package, listed in ``COMMANDS``: a command's module is imported
only when that command runs (or when the help lists the commands), so `robocall report daily` does not load
the dialer, the web console or the sandbox.
"""
from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

import click

from ivr import config as config_mod
from ivr import i18n
from ivr.cli import clicktext, helptext
from ivr.errors import UserError
from ivr.i18n import _
from ivr.operator import operator_name

if TYPE_CHECKING:
    from ivr.app import App


PRIVATE_UMASK = 0o027


class Context:
    """What every command gets: the settings, the options common to all commands, and the composition root
    (``app``: the database, stores and services, built on first use; no command opens the database itself)."""

    def __init__(self, settings: config_mod.Settings, operator: str | None) -> None:
        self.settings = settings
        self.operator = operator
        self._app: App | None = None
        self._derived: list[Context] = []

    @property
    def app(self) -> App:
        if self._app is None:
            from ivr.app import App

            self._app = App(self.settings, self.who())
        return self._app

    def with_settings(self, settings: config_mod.Settings) -> Context:
        """The same command with other settings (e.g. the demo's concurrency), with its own App."""
        other = Context(settings, self.operator)
        self._derived.append(other)
        return other

    def close(self) -> None:
        """Close the database, if a command opened it (run when the command ends)."""
        for other in self._derived:
            other.close()
        if self._app is not None:
            self._app.close()

    def who(self, given: str | None = None) -> str:
        """The operator named for the audit log: the OS user, with ``given`` (else ``--operator``) added in
        brackets; a flag never replaces the user."""
        return operator_name(given or self.operator)


# Each top-level command and the modules of this package that make it: its own module first, then those that
# add subcommands to it (`contacts erase` is purge.py's). tests/unit/test_cli_lazy.py holds this table to
# what importing every module registers.
COMMANDS: dict[str, tuple[str, ...]] = {
    "agents": ("agents",), "audio": ("audio",), "audit": ("audit",), "call": ("call",),
    "campaign": ("campaign",), "cases": ("cases",), "contacts": ("contacts", "stops", "purge"),
    "demo": ("demo",), "export": ("export",), "hotline": ("hotline",), "imports": ("imports",),
    "purge": ("purge",), "report": ("report",), "sandbox": ("sandbox",), "script": ("script", "preview"),
    "serve": ("serve",), "status": ("status",), "users": ("users",), "web": ("web",),
}
# The modules that register no command of their own.
HELPERS = ("clicktext", "helptext", "params")


def load(name: str) -> None:
    """Import the modules that make the top-level command ``name`` (they register it on `main`)."""
    import importlib

    for module in COMMANDS.get(name, ()):
        importlib.import_module(f"{__name__}.{module}")


class _Main(helptext.Group):
    # Subgroups are plain translated groups (not a second _Main); see ivr/cli/helptext.py.
    command_class = helptext.Command
    group_class: type[click.Group | type] | None = helptext.Group

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(COMMANDS) | set(self.commands))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        load(cmd_name)
        return super().get_command(ctx, cmd_name)

    def resolve_command(self, ctx: click.Context, args: list[str]) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except click.NoSuchCommand as exc:  # "Did you mean...": among every command, not only those loaded
            raise click.NoSuchCommand(exc.command_name, possibilities=self.list_commands(ctx), ctx=ctx) from None

    def main(self, *args: Any, **kwargs: Any) -> Any:
        # Files this process creates (database, list copies, error reports, reports, logs, audio) hold
        # personal data: owner and group only, never every user of the machine.
        os.umask(PRIVATE_UMASK)
        # Before click parses anything, so that its own usage errors are in the staff's language too.
        given = kwargs.get("args", args[0] if args else None)
        _choose_language(_lang_in_argv(sys.argv[1:] if given is None else given))
        clicktext.install()
        return super().main(*args, **kwargs)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (UserError, config_mod.ConfigError) as exc:
            fail(str(exc), getattr(exc, "exit_code", 2))
        except KeyboardInterrupt:
            click.echo(_("robocall: interrupted"), err=True)
            sys.exit(130)


def refuse_existing(out: Any) -> None:
    """--out never replaces a file that is there (the purge would later delete it as ours)."""
    if os.path.lexists(out):
        raise UserError(_("--out {out}: this file exists; choose another name or remove the old file first").format(
            out=out))


def fail(message: str, exit_code: int = 2) -> None:
    """Print a user's mistake as one line (no traceback) and exit non-zero."""
    click.echo(_("robocall: error: {message}").format(message=message), err=True)
    sys.exit(exit_code)


def _lang_in_argv(argv: Any) -> str | None:
    """The value of a leading --lang option, read before click parses (None if absent)."""
    items = list(argv or [])
    for i, item in enumerate(items):
        if item == "--lang" and i + 1 < len(items):
            return str(items[i + 1])
        if isinstance(item, str) and item.startswith("--lang="):
            return item.split("=", 1)[1]
        if isinstance(item, str) and not item.startswith("-"):
            break  # the subcommand: options after it are its own
    return None


def _choose_language(lang: str | None) -> None:
    try:
        i18n.set_language(lang)
    except i18n.UnknownLanguage:
        i18n.set_language(i18n.DEFAULT_LANGUAGE)
        fail(_("--lang {lang!r}: expected vi or en").format(lang=lang))
    env = os.environ.get(i18n.ENV_VAR, "").strip()
    if lang is None and env:
        try:
            i18n.normalise(env)
        except i18n.UnknownLanguage:
            fail(_("{var}={value!r}: expected vi or en").format(var=i18n.ENV_VAR, value=env))


@click.group(cls=_Main)
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
              help="YAML config file (default: $ROBOCALL_CONFIG or ./robocall.yaml).")
@click.option("--operator", default=None, help="Who is acting, for the audit log (default: the OS user).")
@click.option("--lang", "lang", default=None, metavar="vi|en",
              help="Language of messages and tables: vi (default) or en; also $ROBOCALL_LANG.")
@click.pass_context
def main(ctx: click.Context, config_path: str | None, operator: str | None, lang: str | None) -> None:
    """Robocall: automated health-monitoring calls over Asterisk."""
    _choose_language(lang)
    try:
        settings = config_mod.load(config_path)
    except config_mod.ConfigError as exc:
        fail(str(exc))
    from ivr import logs

    logs.configure(settings.log_level, stream=_log_stream(settings))
    ctx.obj = Context(settings, operator)
    ctx.call_on_close(ctx.obj.close)


def _log_stream(settings: config_mod.Settings) -> Any:
    if settings.log_file:
        path = settings.path(settings.log_file)
        path.parent.mkdir(parents=True, exist_ok=True)
        return open(path, "a", encoding="utf-8", buffering=1)  # noqa: SIM115 - lives as long as the process
    return sys.stderr

