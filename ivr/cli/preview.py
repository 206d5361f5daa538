"""`robocall script preview SCRIPT --answers 1,2,2 --out FILE.wav`: hear one path through a script."""
from __future__ import annotations

from pathlib import Path

import click

from ivr.cli import Context, refuse_existing
from ivr.cli.audio import load_checked_script
from ivr.cli.script import script_group
from ivr.errors import UserError
from ivr.i18n import _
from ivr.scripts.model import Script


def parse_variables(items: tuple[str, ...], script: Script) -> dict[str, str]:
    """``("ho_ten=Nguyễn Văn An",)`` -> {"ho_ten": "Nguyễn Văn An"}; names must be the script's variables."""
    values: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise UserError(_("--var {item!r}: expected NAME=VALUE, e.g. --var ho_ten='Nguyễn Văn An'").format(item=item))
        if name not in script.variables:
            known = ", ".join(script.variables) or "-"
            raise UserError(_("--var {name}: script {script} has no such variable (it has: {known})").format(
                name=name, script=script.name, known=known))
        values[name] = value
    return values


@script_group.command("preview")
@click.argument("script")
@click.option("--answers", default="", metavar="KEYS",
              help="Keys the resident presses, in order, e.g. 1,2,2 (none left: silence).")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="WAV file to write (8 kHz mono).")
@click.option("--var", "variables", multiple=True, metavar="NAME=VALUE",
              help="A contact value for the prompts, e.g. --var ho_ten='Nguyễn Văn An' (repeatable).")
@click.pass_obj
def preview_command(ctx: Context, script: str, answers: str, out: Path, variables: tuple[str, ...]) -> None:
    """Write one WAV of the whole conversation SCRIPT has for the given answers, to listen to."""
    from ivr.speech.library import AudioLibrary
    from ivr.speech.preview import parse_answers, walk, write_preview

    refuse_existing(out)
    keys = parse_answers(answers)
    loaded = load_checked_script(script)
    values = parse_variables(variables, loaded)
    walked = walk(loaded, keys, values)
    library = AudioLibrary(ctx.settings)
    seconds = write_preview(walked, library, out)
    if values:  # a person's values, perhaps: the purge deletes these files after retention (the register)
        from ivr.speech.render import personalised_prompts
        from ivr.storage.audio_register import PREVIEW_SUBJECT, phone_digest

        rendered = [p for p in personalised_prompts(loaded, [values]) if library.is_ready(p)]
        ctx.app.audio_register.register([(None, phone_digest(PREVIEW_SUBJECT), library.resolve(p).key)
                                         for p in rendered], ctx.app.clock())
    silence = _("silence")
    steps = [f"{t.step_id} [{t.key or silence}]" for t in walked.turns] + [walked.last_step]
    click.echo(_("Path: {steps}").format(steps=" → ".join(steps)))
    click.echo(_("Outcome: {outcome}").format(outcome=walked.outcome))
    if walked.answers:
        click.echo(_("Answers: {answers}").format(answers=", ".join(f"{q}={v}" for q, v in walked.answers.items())))
    if walked.unused_keys:
        click.echo(_("Keys not used (the call ended before): {keys}").format(keys=",".join(walked.unused_keys)))
    click.echo(_("Written: {file} ({seconds} seconds)").format(file=out, seconds=f"{seconds:.1f}"))
