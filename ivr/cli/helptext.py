"""Command and option help in the staff's language: `robocall --help` reads Vietnamese (English with --lang en).

The help texts stay English in the code (docstrings, ``help=``, ``short_help=``, ``epilog=``): they are the
message ids. They are looked up in the catalogue only when click formats the help, never at import time (the
language is chosen after the modules are imported). Every command made with ``@main.command``,
``@main.group`` or ``@some_group.command`` gets these classes through ``command_class``/``group_class``, so
a new command needs nothing but its Vietnamese: ``make messages`` extracts the help texts of the whole
command tree (``help_messages``) and tests/unit/test_cli_help.py fails while one has no translation.
"""
from __future__ import annotations

import copy
import inspect
from collections.abc import Iterator

import click

from ivr.i18n import _


def translate(text: str | None) -> str | None:
    """One help text in the language in force; its message id is the text as click shows it (cleandoc)."""
    if not text:
        return text
    return _(inspect.cleandoc(text))


def _translated_param(param: click.Parameter) -> click.Parameter:
    help_text = getattr(param, "help", None)
    if not help_text:
        return param
    other = copy.copy(param)
    other.help = translate(help_text)
    return other


def _translated(command: click.Command) -> click.Command:
    """A shallow copy of the command with its texts translated (the command itself is never changed)."""
    other = copy.copy(command)
    other.help = translate(command.help)
    other.short_help = translate(command.short_help)
    other.epilog = translate(command.epilog)
    other.params = [_translated_param(p) for p in command.params]
    return other


class TranslatedHelp:
    """Mixin of click.Command/Group: formats help and short help from translated copies."""

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        assert isinstance(self, click.Command)
        super(TranslatedHelp, _translated(self)).format_help(ctx, formatter)  # type: ignore[misc]

    def get_short_help_str(self, limit: int = 45) -> str:
        assert isinstance(self, click.Command)
        text: str = super(TranslatedHelp, _translated(self)).get_short_help_str(limit)  # type: ignore[misc]
        return text


class Command(TranslatedHelp, click.Command):
    """A robocall command (what ``@group.command`` makes)."""


class Group(TranslatedHelp, click.Group):
    """A robocall command group: its commands and subgroups are translated too."""

    command_class = Command
    group_class: type[click.Group | type] | None = type  # a subgroup is of the same class as its parent


def walk(command: click.Command, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    """(path, command) of a command and every command under it, e.g. (("cases", "list"), <Command list>)."""
    yield path, command
    if isinstance(command, click.Group):
        ctx = click.Context(command)  # `robocall` imports a command's module when asked for it (ivr/cli/__init__.py)
        for name in sorted(command.list_commands(ctx)):
            sub = command.get_command(ctx, name)
            if sub is not None:
                yield from walk(sub, (*path, name))


def help_texts(command: click.Command) -> Iterator[str]:
    """The message ids of one command's own help texts (its help, short help, epilog, and its parameters')."""
    for text in (command.help, command.short_help, command.epilog):
        if text:
            yield inspect.cleandoc(text)
    for param in command.params:
        text = getattr(param, "help", None)
        if text:
            yield inspect.cleandoc(text)


def help_messages() -> list[str]:
    """Every help text of the `robocall` command tree, for the catalogue (`make messages`)."""
    from ivr.cli import main

    return sorted({text for _path, command in walk(main) for text in help_texts(command)})

