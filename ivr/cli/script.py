"""`robocall script ...`: work with call scripts ("kịch bản"). `check` lives here; `preview` is added to
this group by ivr/cli/preview.py (`from ivr.cli.script import script_group`)."""
from __future__ import annotations

import sys

import click

from ivr.cli import main
from ivr.scripts import checker


@main.group("script")
def script_group() -> None:
    """Call scripts: check them, listen to them."""


@script_group.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=True))
def check_command(files: tuple[str, ...]) -> None:
    """Check script files for structure and flow errors.

    Prints every problem as `file:line: step 'id': message` and `OK <file> (<n> steps)` for each good
    file; exits 1 if any file has a problem.
    """
    failed = False
    for file in files:
        script, problems = checker.check_file(file)
        for problem in problems:
            click.echo(str(problem))
        if problems:
            failed = True
        elif script is not None:
            click.echo(f"OK {file} ({len(script.steps)} steps)")
    if failed:
        sys.exit(1)
