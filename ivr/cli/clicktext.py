"""click's own messages ("Missing option", "No such command"...) in the staff's language.

click looks its messages up with the standard gettext functions, bound in each of its modules at import,
through the host's locale: we rebind them to our catalogue, so a usage mistake reads in Vietnamese (or in
English with --lang en) like every other message. The messages are listed below so that `make messages`
keeps them in the catalogue.
"""
from __future__ import annotations

import importlib

from ivr import i18n
from ivr.i18n import N_, ngettext

_MODULES = ("click.core", "click.exceptions", "click.types", "click.parser", "click.formatting",
            "click.decorators")


def install() -> None:
    """Make click's modules translate through ivr.i18n (idempotent)."""
    for name in _MODULES:
        module = importlib.import_module(name)
        if hasattr(module, "_"):
            setattr(module, "_", i18n.gettext_)
        if hasattr(module, "ngettext"):
            setattr(module, "ngettext", i18n.ngettext)


def _marks() -> None:  # pragma: no cover - never called: the messages, for the catalogue
    N_("Aborted!")
    N_("Options")
    N_("Commands")
    N_("Missing command.")
    N_("Error: {message}")
    N_("Try '{command} {option}' for help.")
    N_("Invalid value: {message}")
    N_("Invalid value for {param_hint}: {message}")
    N_("Missing argument")
    N_("Missing option")
    N_("Missing parameter")
    N_("Missing {param_type}")
    N_("Missing parameter: {param_name}")
    N_("No such option {name!r}.")
    N_("No such command {name!r}.")
    N_("{value!r} is not a valid {number_type}.")
    N_("{value} is not in the range {range}.")
    N_("{name} {filename!r} does not exist.")
    N_("{name} {filename!r} is a file.")
    N_("{name} {filename!r} is a directory.")
    N_("file")
    N_("directory")
    N_("path")
    N_("Usage:")
    N_("Show this message and exit.")
    N_("Option {name!r} does not take a value.")
    N_("default: {default}")
    N_("Positional arguments")
    N_("env var: {var}")
    N_("deprecated")
    N_("(dynamic)")
    N_("required")
    N_("Could not open file {filename!r}: {message}")
    N_("{name} {filename!r} is not readable.")
    N_("{name} {filename!r} is not writable.")
    N_("{name} {filename!r} is not executable.")
    N_("Confirm the action without prompting.")
    N_("Do you want to continue?")
    N_("unknown error")
    N_("Argument {name!r} takes {nargs} values.")
    ngettext("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})", 1)
    ngettext("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)", 1)
    ngettext("{value!r} is not {choice}.", "{value!r} is not one of {choices}.", 1)
    ngettext("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments.", 1)
