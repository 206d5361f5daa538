"""`robocall call NUMBER`: place one call and print how it went."""
from __future__ import annotations

import datetime as dt
import hashlib
import json

import click

from ivr.calls import prepare
from ivr.calls.session import CallReport, CallSession
from ivr import eventloop
from ivr.cli import Context, main
from ivr.contacts.phones import InvalidPhone, normalize_phone
from ivr.errors import UserError
from ivr.i18n import _
from ivr.scripts.interpreter import RecordAnswer
from ivr.scripts.model import Prompt
from ivr.speech.render import personalised_prompts
from ivr.storage.audio_register import phone_digest


def _vars(pairs: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UserError(_("--var {pair!r}: expected NAME=VALUE").format(pair=pair))
        out[key] = value
    return out


def _check_window_and_audit(ctx: Context, e164: str, what: str, force: bool) -> None:
    """Refuse a call outside the call window unless --force; audit the call (forced or not) before it is
    placed, so that a call cut short or killed is on record too. The number is kept as a digest only."""
    from ivr.calls.policy import policy_from_settings
    from ivr.calls.policy_text import window_text
    from ivr.calls.window_rules import adhoc_call_action, adhoc_call_refusal
    from ivr.protection.secrets import is_sandbox

    policy = policy_from_settings(ctx.settings.dialer)
    now = ctx.app.clock()
    open_now = policy.window.contains(now)
    refusal = adhoc_call_refusal(window_text(policy), open_now, force, is_sandbox(ctx.settings))
    if refusal:
        raise UserError(refusal)
    digest = hashlib.sha256(e164.encode()).hexdigest()[:16]
    ctx.app.repo.audit(ctx.who(), adhoc_call_action(open_now, force), f"call:{what[:120]}:phone#{digest}", 1, now)


@main.command("call")
@click.argument("number")
@click.option("--prompt", "text", default=None, help="Text to say before collecting digits (Vietnamese TTS).")
@click.option("--script", "script_name", default=None, help="Run a whole call script (name or file) instead.")
@click.option("--var", "variables", multiple=True, help="A script variable, NAME=VALUE (repeatable).")
@click.option("--digits", "max_digits", default=8, show_default=True, help="With --prompt: digits to collect.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
@click.option("--force", is_flag=True, help="Call even outside the call window (audited as forced).")
@click.pass_obj
def call(ctx: Context, number: str, text: str | None, script_name: str | None, variables: tuple[str, ...],
         max_digits: int, as_json: bool, force: bool) -> None:
    """Place one call to NUMBER; print the outcome, SIP cause, duration and keys (and answers).

    The call is audited (who, when, which script or a free prompt, the number as a digest) before it is
    placed, and refused outside the call window unless --force."""
    if text and script_name:
        raise UserError(_("give --prompt or --script, not both"))
    try:
        e164 = normalize_phone(number).e164
    except InvalidPhone as exc:
        raise UserError(_("number {number!r}: {reason}").format(number=number, reason=exc.reason)) from None
    settings = ctx.settings
    _check_window_and_audit(ctx, e164, f"script={script_name}" if script_name else "prompt", force)
    library = ctx.app.library
    if script_name:
        from ivr.cli.audio import load_checked_script

        script = load_checked_script(script_name)
        plan = prepare.script_plan(settings, library, script, e164, _vars(variables))
        personal = personalised_prompts(script, [_vars(variables)]) if variables else []
    else:
        plan = prepare.prompt_plan(settings, library, e164, text or prepare.DEFAULT_TEST_PROMPT, max_digits)
        personal = [Prompt(prepare.ADHOC_PROMPT_ID, text)] if text else []
    if personal:  # free text or a person's values: registered under the number's digest for the purge
        ctx.app.audio_register.register([(None, phone_digest(e164), library.resolve(p).key) for p in personal],
                                        ctx.app.clock())
    answers: dict[str, str] = {}

    async def on_answer(answer: RecordAnswer, _at: dt.datetime) -> None:
        answers[answer.question_id] = answer.value

    async def run() -> CallReport:
        ari = ctx.app.ari()
        try:
            await ari.connect()
            return await CallSession(ari, on_answer=on_answer).run(plan)
        finally:
            await ari.close()

    report = eventloop.run(run(), use_uvloop=ctx.settings.service.uvloop)
    r = report.result
    data = {"call_id": report.call_id, "outcome": r.outcome, "sip_cause": r.sip_cause, "hangup_cause": r.hangup_cause,
            "answered": r.answered, "result": r.result, "duration": round(report.duration, 2), "keys": r.keys,
            "answers": answers}
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False))
    else:
        for key, value in data.items():
            click.echo(f"{key:12} {value}")
