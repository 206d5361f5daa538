"""`robocall audio render SCRIPT...`: render every prompt a script can play before any call needs it."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Sequence

import click

from ivr.cli import Context, main
from ivr.config import PROJECT_ROOT
from ivr.errors import UserError
from ivr.i18n import _
from ivr.scripts import checker
from ivr.scripts.model import Prompt, Script

SCRIPTS_DIR = PROJECT_ROOT / "scripts_vi"


def load_checked_script(arg: str, scripts_dir: Path = SCRIPTS_DIR) -> Script:
    """A script by file path or by name (``f1_daily`` -> scripts_vi/f1_daily.yaml), checked.

    An unknown name, or a script with any problem, is one UserError naming the file and the first problem.
    """
    path = Path(arg)
    if path.is_file() and path.suffix not in (".yaml", ".yml"):
        # Never read another kind of file as a script: its first line would be quoted in the error.
        raise UserError(_("{arg}: not a script: give a script name (e.g. f1_daily) or a .yaml file").format(arg=arg))
    if not path.is_file():
        named = scripts_dir / f"{arg}.yaml"
        if not named.is_file():
            shipped = ", ".join(sorted(p.stem for p in scripts_dir.glob("*.yaml"))) or "-"
            raise UserError(_("unknown script {arg!r}: no such file, and no {named} (shipped scripts: {shipped})")
                            .format(arg=arg, named=named, shipped=shipped))
        path = named
    script, problems = checker.check_file(path)
    if problems or script is None:
        more = _(" (and {n} more problem(s))").format(n=len(problems) - 1) if len(problems) > 1 else ""
        raise UserError(_("{problem}{more}; run `robocall script check {path}`").format(
            problem=problems[0], more=more, path=path))
    return script


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [list(headers)] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
             for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


@main.group("audio")
def audio_group() -> None:
    """Prompt audio: render it in advance, in the PBX's 8 kHz format."""


@audio_group.command("render")
@click.argument("scripts", nargs=-1, required=True)
@click.pass_obj
def render_command(ctx: Context, scripts: tuple[str, ...]) -> None:
    """Render every prompt SCRIPTS can play that needs no contact data (file paths or names).

    Prompts with a contact's name or values are rendered when a campaign is prepared. Human recordings
    in the recordings folder (audio/<prompt id>.wav) replace speech synthesis for their prompt.
    """
    from ivr.speech.library import AudioLibrary, RenderStats
    from ivr.speech.render import render_script

    loaded = [load_checked_script(s) for s in scripts]  # every script is checked before any audio is made
    library = AudioLibrary(ctx.settings)
    library.cache.remove_stale_temp(time.time())
    results = [render_script(library, script) for script in loaded]
    total = sum((r.stats for r in results), RenderStats())
    rows = [(r.script, r.stats.prompts, r.stats.rendered, r.stats.cached, r.stats.recordings, r.personalised,
             f"{r.stats.seconds:.2f}") for r in results]
    if len(results) > 1:
        rows.append((_("Total"), total.prompts, total.rendered, total.cached, total.recordings,
                     sum(r.personalised for r in results), f"{total.seconds:.2f}"))
    click.echo(_table((_("Script"), _("Prompts"), _("Rendered"), _("Cached"), _("Recordings"), _("Personalised"),
                       _("Seconds")), rows))
    click.echo(_("Audio folder: {folder} (the PBX reads it at {pbx})").format(folder=library.dirs.cache_dir,
                                                                             pbx=library.dirs.pbx_dir))
    if any(r.personalised for r in results):
        click.echo(_("Personalised prompts (with each person's name and figures) are rendered when a campaign "
                     "is created."))
    for r in results:
        for prompt_id in r.unused_recordings:
            click.echo(_("Warning: recording {prompt} matches no prompt of script {script}").format(
                prompt=prompt_id, script=r.script), err=True)


@audio_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--script", "script_arg", required=True, help="The script (name or file) the prompt belongs to.")
@click.option("--step", "step_ref", required=True, metavar="ID",
              help="The step whose prompt this is; ID.invalid / ID.silence for a question's retry prompts.")
@click.option("--form", default=None, metavar="FORM",
              help="For a prompt said per form of address ({xung_ho}): the form spoken, e.g. bà.")
@click.option("--replace", is_flag=True, help="Replace the prompt's earlier recording.")
@click.pass_obj
def import_command(ctx: Context, file: Path, script_arg: str, step_ref: str, form: str | None,
                   replace: bool) -> None:
    """Make a staff member's recording (wav, mp3, m4a...) the voice of one prompt.

    The loudness is normalised, silence at both ends trimmed, and the result stored in the recordings
    folder (audio/<prompt id>.wav), where previews, `audio render` and calls find it.
    """
    from ivr.speech.importing import import_recording
    from ivr.speech.library import AudioLibrary

    script = load_checked_script(script_arg)
    settings = ctx.settings
    folder = settings.path(settings.audio.recordings_dir)
    done = import_recording(file, script, step_ref, form, folder, replace=replace)
    library = AudioLibrary(settings)
    prompt = next(p for p in _prompts_of(script) if p.id == done.prompt_id)
    library.ensure(prompt)  # ready in the PBX's format now: a call never waits for the conversion
    click.echo(_("Recording imported for prompt {prompt}: {path}").format(prompt=done.prompt_id, path=done.path))
    click.echo(_("Length: {seconds} s (the original {original} s; silence trimmed at both ends; loudness normalised "
                 "with {tool})").format(seconds=f"{done.seconds_out:.1f}", original=f"{done.seconds_in:.1f}",
                                        tool=done.normaliser))
    for old in done.replaced:
        if old != done.path:
            click.echo(_("Note: {old} is still there, but the new WAV is played instead").format(old=old), err=True)
    click.echo(_("Listen: robocall script preview {script} --answers ... --out thu.wav").format(script=script.name))


def _prompts_of(script: Script) -> list[Prompt]:
    """Every prompt the script can play, by-form prompts in every form (their ids carry the form)."""
    from ivr.scripts.interpreter import fallbacks_of, form_prompts, prompts_of, render_prompt

    fallbacks = fallbacks_of(script)
    out: list[Prompt] = []
    for template in prompts_of(script):
        out += form_prompts(template, fallbacks) if template.by_form else [render_prompt(template, {}, fallbacks)]
    return out
