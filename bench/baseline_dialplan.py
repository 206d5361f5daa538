"""Compile a call script into plain Asterisk dialplan (Playback/Read, no controller): the baseline that
the controller's figures are compared with (issue 7). Used by bench/bench_campaign.py --baseline only.

The compiled dialplan behaves like the engine: a key pressed during a statement is kept for the next
question (type-ahead), a key during a question's prompt answers it (Read's barge-in), silence and invalid
keys replay the question up to max_retries. Answers are counted in AstDB (bench/<uniqueid>)."""
from __future__ import annotations

from typing import Callable

from ivr.scripts.interpreter import fallbacks_of, render_prompt
from ivr.scripts.model import AskStep, EndStep, SayStep, Script, TransferStep

CONTEXT = "bench-baseline"


def compile_script(script: Script, path_of: Callable[[object], str]) -> str:
    """Dialplan text for ``script``; ``path_of(prompt)`` gives the absolute sound path without extension."""
    fb = fallbacks_of(script)

    def sound(template) -> str:  # type: ignore[no-untyped-def]
        return path_of(render_prompt(template, {}, fb))

    out = [f"[{CONTEXT}]", "exten => s,1,Answer()", " same => n,Set(KEYS=)", " same => n,Set(PENDING=)",
           f" same => n,Goto(step-{script.start},1)"]
    for step in script.steps.values():
        name = f"step-{step.id}"
        if isinstance(step, SayStep):
            out += [f"exten => {name},1,Read(K,{sound(step.prompt)},1,,1,0.01)",
                    ' same => n,ExecIf($["${K}" != ""]?Set(PENDING=${PENDING}${K}))',
                    f" same => n,Goto(step-{step.next},1)"]
        elif isinstance(step, AskStep):
            out += [f"exten => {name},1,Set(TRY=0)",
                    ' same => n(ask),GotoIf($["${PENDING}" != ""]?pending)',
                    f" same => n,Read(K,{sound(step.prompt)},1,,1,{step.timeout:g})",
                    " same => n,Goto(got)",
                    " same => n(pending),Set(K=${PENDING:0:1})",
                    " same => n,Set(PENDING=${PENDING:1})",
                    " same => n(got),Set(KEYS=${KEYS}${K})"]
            for key, choice in step.choices.items():
                out.append(f' same => n,GotoIf($["${{K}}" = "{key}"]?step-{choice.next},1)')
            out += [f' same => n,GotoIf($["${{K}}" = "{step.repeat_key}"]?ask)',
                    " same => n,Set(TRY=$[${TRY} + 1])",
                    f" same => n,GotoIf($[${{TRY}} > {step.max_retries}]?step-{step.on_exhausted},1)",
                    f' same => n,ExecIf($["${{K}}" = ""]?Playback({sound(step.silence_prompt)}))',
                    f' same => n,ExecIf($["${{K}}" != ""]?Playback({sound(step.invalid_prompt)}))',
                    " same => n,Goto(ask)"]
        elif isinstance(step, EndStep):
            play = [f" same => n,Playback({sound(step.prompt)})"] if step.prompt else []
            out += [f"exten => {name},1,NoOp(end)", *play,
                    " same => n,Set(DB(bench/${UNIQUEID})=${KEYS})", " same => n,Hangup()"]
        elif isinstance(step, TransferStep):
            out += [f"exten => {name},1,Set(DB(bench/${{UNIQUEID}})=${{KEYS}})", " same => n,Hangup()"]
    return "\n".join(out) + "\n"
