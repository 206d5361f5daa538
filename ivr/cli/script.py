"""`robocall script ...`: work with call scripts ("kịch bản"). `check` lives here; `preview` is added to
this group by ivr/cli/preview.py (`from ivr.cli.script import script_group`)."""
from __future__ import annotations

import sys

import click

from ivr.cli import Context, main
from ivr.errors import UserError
from ivr.i18n import _
from ivr.scripts import checker
from ivr.scripts.model import Script


@main.group("script")
def script_group() -> None:
    """Call scripts: check them, listen to them."""


@script_group.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=True))
@click.option("--no-audio", is_flag=True,
              help="Only the structure: do not render the prompts to measure how long each ending takes.")
@click.pass_obj
def check_command(ctx: Context, files: tuple[str, ...], no_audio: bool) -> None:
    """Check script files for structure and flow errors, and for endings that take too long to hear.

    Prints every problem as `file:line: step 'id': message` and `OK <file> (<n> steps)` for each good
    file; exits 1 if any file has a problem. Unless --no-audio, the prompts are rendered (into the audio
    cache) and a warning is printed for every ending whose quickest path lasts longer than
    audio.max_path_seconds seconds of audio; a warning does not fail the check.
    """
    failed = False
    for file in files:
        script, problems = checker.check_file(file)
        for problem in problems:
            click.echo(str(problem))
        if problems:
            failed = True
        elif script is not None:
            if not no_audio:
                _warn_long_paths(ctx, file, script)
            click.echo(f"OK {file} ({len(script.steps)} steps)")
    if failed:
        sys.exit(1)


def _warn_long_paths(ctx: Context, file: str, script: Script) -> None:
    from ivr.speech.library import AudioLibrary
    from ivr.speech.timing import too_long

    limit = ctx.settings.audio.max_path_seconds
    try:
        long = too_long(script, AudioLibrary(ctx.settings), limit)
    except UserError as exc:
        click.echo(_("{file}: warning: cannot measure how long the prompts take ({error}); use --no-audio to skip "
                     "it").format(file=file, error=exc))
        return
    for timed in long:
        click.echo(_("{file}:{line}: step '{step}': warning: the quickest way to this ending takes {seconds} s of "
                     "audio, more than {limit} s (audio.max_path_seconds): {route}").format(
            file=file, line=timed.line, step=timed.path.end, seconds=f"{timed.seconds:.1f}", limit=f"{limit:g}",
            route=timed.path.route))
