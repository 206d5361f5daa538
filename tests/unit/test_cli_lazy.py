"""`robocall` imports a command's module only when that command runs (issue 18: `report daily` spent 1.4 s
importing every command: the dialer, the web console, the sandbox). ivr.cli.COMMANDS says which modules make
each top-level command; these tests hold it to what the modules register.
"""
from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys

import click

import ivr.cli as cli
from ivr.cli import COMMANDS, HELPERS, helptext, main


def tree(command: click.Command) -> list[tuple[str, ...]]:
    return sorted(path for path, _command in helptext.walk(command))


def test_every_module_of_the_package_is_in_the_table() -> None:
    modules = {info.name for info in pkgutil.iter_modules(cli.__path__) if not info.name.startswith("_")}
    listed = {m for ms in COMMANDS.values() for m in ms}
    assert modules == listed | set(HELPERS)
    assert listed.isdisjoint(HELPERS)


def test_the_table_names_every_command_the_modules_register() -> None:
    for module in sorted({m for ms in COMMANDS.values() for m in ms}):
        importlib.import_module(f"ivr.cli.{module}")
    assert set(main.commands) == set(COMMANDS)


def test_each_command_loaded_alone_is_the_whole_command() -> None:
    """Each top-level command, its modules imported afresh and nothing else, has every subcommand it has once
    all the modules are imported (a module adding a subcommand to another's group is in the table)."""
    ctx = click.Context(main)
    whole = {name: tree(main.get_command(ctx, name)) for name in COMMANDS}  # type: ignore[arg-type]
    names = [k for k in sys.modules if k.startswith("ivr.cli.") and k.split(".")[2] not in HELPERS]
    saved_modules = {k: sys.modules[k] for k in names}
    saved_commands = dict(main.commands)
    try:
        for name in COMMANDS:
            for k in names:
                sys.modules.pop(k, None)
            main.commands.clear()
            command = main.get_command(ctx, name)
            assert command is not None, name
            assert tree(command) == whole[name], name
    finally:
        sys.modules.update(saved_modules)
        for k, module in saved_modules.items():
            setattr(cli, k.split(".")[2], module)
        main.commands.clear()
        main.commands.update(saved_commands)


def test_a_command_imports_only_its_own_modules() -> None:
    code = """
import json, sys
import click
from ivr.cli import main
loaded_at_start = sorted(k for k in sys.modules if k.startswith("ivr.cli."))
heavy_at_start = sorted(k for k in ("sqlalchemy", "matplotlib", "openpyxl", "argon2") if k in sys.modules)
main.get_command(click.Context(main), "report")
print(json.dumps({"start": loaded_at_start, "heavy": heavy_at_start,
                  "report": sorted(k for k in sys.modules if k.startswith("ivr.cli.")),
                  "others": sorted(k for k in ("ivr.calls.dialer", "ivr.web", "ivr.sandbox", "ivr.accounts.passwords")
                                   if k in sys.modules)}))
"""
    out = json.loads(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout)
    assert set(out["start"]) <= {f"ivr.cli.{m}" for m in HELPERS}
    assert out["heavy"] == []
    assert "ivr.cli.report" in out["report"] and "ivr.cli.campaign" not in out["report"]
    assert out["others"] == []


def test_the_dummy_password_hash_is_made_on_first_use_not_at_import() -> None:
    code = """
from ivr.accounts import passwords
made_at_import = passwords.dummy_hash.cache_info().currsize
wrong_name = passwords.verify(None, "any password at all")
print(made_at_import, wrong_name, passwords.dummy_hash.cache_info().currsize)
"""
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.split()
    assert out == ["0", "False", "1"]


def test_a_mistyped_command_is_matched_against_every_command() -> None:
    """click suggests among the group's registered commands: here, all of them, loaded or not."""
    code = """
from click.testing import CliRunner
from ivr.cli import main
print(CliRunner().invoke(main, ["--lang", "en", "repor"]).output)
"""
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert "No such command 'repor'." in out and "'report'" in out
