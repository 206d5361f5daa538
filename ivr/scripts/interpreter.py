"""The conversation of one call as a pure function: (state, input) -> (new state, commands).

No telephony here and no I/O: the call engine feeds inputs (what the phone did) and executes commands
(what to play, store, transfer, finish). That keeps every rule of a conversation testable as data.

Rules (see also scripts_vi/README.md):
- `start()` enters the start step. `initial()` gives a state waiting for `Begin()`, for engines that
  prefer to send it; `Begin()` on a conversation that has already begun is ignored.
- A say plays its prompt; `PromptDone` moves on. Keys during a say are ignored (not interruptible).
- An ask plays its question with a `Collect`. The engine reports every key (also during the prompt:
  barge-in) and `Silence` when the timeout expires after the prompt. A key among the choices records the
  answer and moves on; the repeat key replays the question without using a retry; any other key or
  silence plays the invalid/silence prompt and the question again and uses a retry; when the retries are
  used up the conversation goes to `on_exhausted`. Each new `Play` replaces whatever is playing.
- A transfer plays its announcement (if any), then commands `Transfer`; after `TransferFailed` it goes to
  `on_fail`, or finishes with outcome "transfer_failed" if there is none. A successful transfer ends the
  script's part: the engine records the outcome ("transferred") itself.
- An end plays its goodbye (if any), then commands `Finish(outcome)`. Outcome "auto" becomes
  "symptomatic" if any answer flagged `symptom` was given, else "completed".
- A verify step plays its prompt and collects `digits` keys (0-9; the repeat key starts again). The full
  entry equal to the variable VERIFY_VARIABLE records VERIFY_QUESTION "passed" and goes to `next`; a wrong
  entry (or silence) records "failed" ("no_input") and asks again, until `attempts` are used: then
  `on_fail`. The digits themselves are never recorded. A missing or empty VERIFY_VARIABLE fails every entry.
- Any input the current state does not expect, and every input after `Finish`, gives no commands and the
  same state: telephony input never raises.
"""
from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType
from typing import TYPE_CHECKING, Mapping, Union

from ivr.scripts.model import (
    ADDRESS_FORMS, AUTO_OUTCOME, FORM_VARIABLE, PLACEHOLDER_RE, SYMPTOM_FLAG, VERIFY_FAILED, VERIFY_NO_INPUT,
    VERIFY_PASSED, VERIFY_QUESTION, VERIFY_VARIABLE, AskStep, EndStep, Prompt, PromptTemplate, SayStep, Script,
    TransferStep, VerifyStep, step_prompts,
)

if TYPE_CHECKING:
    from dataclasses import replace  # mypy checks each replace's field names and types
else:
    from ivr.frozen import replace  # the same result, a __dict__ copy (ivr/frozen.py)

SCRIPT_ERROR_OUTCOME = "script_error"  # a step id the script does not define (an unchecked script)
TRANSFER_FAILED_OUTCOME = "transfer_failed"


# -- inputs ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Begin:
    """The call is answered and the conversation may start."""


@dataclass(frozen=True)
class PromptDone:
    """The prompts of the current say / transfer announcement / end finished playing."""


@dataclass(frozen=True)
class Key:
    """A DTMF key: 0-9 * # A-D."""

    digit: str


@dataclass(frozen=True)
class Silence:
    """The ask's timeout expired after its prompts finished, without a key."""


@dataclass(frozen=True)
class TransferFailed:
    """The transfer to the target could not be made (no staff, no answer)."""


Input = Union[Begin, PromptDone, Key, Silence, TransferFailed]


# -- commands ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Collect:
    """Collect one key after (or during) the prompts. `keys` are the keys with a meaning; the engine
    still reports every key, so a wrong one can be answered with the invalid prompt."""

    timeout: float
    keys: frozenset[str]


@dataclass(frozen=True)
class Play:
    """Play these prompts in order (replacing anything playing); report PromptDone, or Key/Silence if
    `collect` is set."""

    prompts: tuple[Prompt, ...]
    collect: Collect | None = None


@dataclass(frozen=True)
class RecordAnswer:
    """Store one answer under its stable question id and the script version."""

    question_id: str
    step_id: str
    key: str
    value: str
    script: str
    version: str


@dataclass(frozen=True)
class Transfer:
    """Hand the call to `target` ("staff": the hotline queue)."""

    target: str


@dataclass(frozen=True)
class Finish:
    """The conversation is over: hang up and record `outcome`."""

    outcome: str


Command = Union[Play, RecordAnswer, Transfer, Finish]


class Waiting(enum.Enum):
    """What the conversation waits for."""

    BEGIN = "begin"        # Begin()
    PROMPT = "prompt"      # PromptDone() of a say / announcement / goodbye
    ANSWER = "answer"      # Key() or Silence() for an ask
    TRANSFER = "transfer"  # TransferFailed() (success ends the script's part)
    NOTHING = "nothing"    # finished


@dataclass(frozen=True)
class ConversationState:
    step_id: str
    waiting: Waiting
    retries: int = 0
    answers: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    flags: frozenset[str] = frozenset()
    finished: bool = False
    outcome: str | None = None
    entry: str = ""  # the digits keyed in so far at a verify step (never recorded)


Result = tuple[ConversationState, tuple[Command, ...]]


# -- prompts -----------------------------------------------------------------------------------------
def render_prompt(template: PromptTemplate, variables: Mapping[str, str],
                  fallbacks: Mapping[str, str] | None = None) -> Prompt:
    """Substitute `{var}`: the contact's value if not blank, else the placeholder's own fallback, else the
    variable's declared fallback (`fallbacks`), else nothing."""
    declared = fallbacks or {}
    # Rendered at every prompt of every call: a fixed prompt, or one said by form of address only, is the same
    # for every contact of that form, so it is rendered once (bench/README.md, "Sixth pass").
    if not template.placeholders():
        return _fixed(template.id, template.text)
    if template.by_form:
        return _by_form(template, " ".join((variables.get(FORM_VARIABLE) or "").split()),
                        declared.get(FORM_VARIABLE))
    return _render(template, variables, declared)


@lru_cache(maxsize=4096)
def _fixed(prompt_id: str, text: str) -> Prompt:
    return Prompt(prompt_id, " ".join(text.split()))


@lru_cache(maxsize=4096)
def _by_form(template: PromptTemplate, form: str, declared_form: str | None) -> Prompt:
    """``form``: the contact's form of address, blanks collapsed ("" if none)."""
    declared = {} if declared_form is None else {FORM_VARIABLE: declared_form}
    return _render(template, {FORM_VARIABLE: form}, declared)


def _render(template: PromptTemplate, variables: Mapping[str, str], declared: Mapping[str, str]) -> Prompt:
    def value(match: re.Match[str]) -> str:
        given = (variables.get(match.group(1)) or "").strip()
        if given:
            return " ".join(given.split())
        if match.group(2) is not None:
            return match.group(2)
        return declared.get(match.group(1), "")

    text = " ".join(PLACEHOLDER_RE.sub(value, template.text).split())
    if template.by_form:
        form = " ".join((variables.get(FORM_VARIABLE) or "").split())
        if not form:
            fallback = next(p.fallback for p in template.placeholders())
            form = fallback if fallback is not None else declared.get(FORM_VARIABLE, "")
        return Prompt(template.form_id(form), text)
    return Prompt(template.id, text)


def prompts_of(script: Script) -> list[PromptTemplate]:
    """Every template the script can play, in file order, once each (for rendering in advance)."""
    seen: dict[str, PromptTemplate] = {}
    for step in script.steps.values():
        for template in step_prompts(step):
            seen.setdefault(template.id, template)
    return list(seen.values())


def personalised(template: PromptTemplate) -> bool:
    """Whether the prompt uses contact variables (so it must be rendered per contact). A prompt whose only
    variable is the form of address is not: it is rendered once per form (``PromptTemplate.by_form``)."""
    return bool(template.placeholders()) and not template.by_form


def form_prompts(template: PromptTemplate, fallbacks: Mapping[str, str] | None = None) -> list[Prompt]:
    """A by-form template rendered in every form of address (``ADDRESS_FORMS``)."""
    return [render_prompt(template, {FORM_VARIABLE: form}, fallbacks) for form in ADDRESS_FORMS]


def fallbacks_of(script: Script) -> dict[str, str]:
    return {v.name: v.fallback for v in script.variables.values() if v.fallback is not None}


# -- the conversation --------------------------------------------------------------------------------
def initial(script: Script) -> ConversationState:
    """A conversation that has not begun: it waits for Begin()."""
    return ConversationState(step_id=script.start, waiting=Waiting.BEGIN)


def start(script: Script, variables: Mapping[str, str], at: str | None = None) -> Result:
    """Begin the conversation: enter the start step (or step ``at``: a verify step's entry)."""
    return _enter(script, initial(script), at or script.start, variables)


def step(script: Script, state: ConversationState, inp: Input, variables: Mapping[str, str]) -> Result:
    """Apply one input; unexpected input gives (state, ())."""
    if state.finished:
        return state, ()
    if state.waiting is Waiting.BEGIN:
        return _enter(script, state, script.start, variables) if isinstance(inp, Begin) else (state, ())
    current = script.steps.get(state.step_id)
    if state.waiting is Waiting.PROMPT and isinstance(inp, PromptDone):
        if isinstance(current, SayStep):
            return _enter(script, state, current.next, variables)
        if isinstance(current, TransferStep):
            return replace(state, waiting=Waiting.TRANSFER), (Transfer(current.target),)
        if isinstance(current, EndStep):
            return _finish(state, current)
    if state.waiting is Waiting.TRANSFER and isinstance(inp, TransferFailed) and isinstance(current, TransferStep):
        if current.next_on_fail is None:
            return _done(state, TRANSFER_FAILED_OUTCOME)
        return _enter(script, state, current.next_on_fail, variables)
    if state.waiting is Waiting.ANSWER and isinstance(current, VerifyStep):
        if isinstance(inp, Key):
            return _verify_key(script, state, current, inp.digit, variables)
        if isinstance(inp, Silence):
            return _verify_entry(script, state, current, variables, silent=not state.entry)
    if state.waiting is Waiting.ANSWER and isinstance(current, AskStep):
        if isinstance(inp, Key):
            return _key(script, state, current, inp.digit, variables)
        if isinstance(inp, Silence):
            return _retry(script, state, current, current.silence_prompt, variables)
    return state, ()


def _key(script: Script, state: ConversationState, ask: AskStep, digit: str,
         variables: Mapping[str, str]) -> Result:
    choice = ask.choices.get(digit)
    if choice is not None:
        answers = MappingProxyType({**state.answers, ask.question_id: choice.value})
        flags = state.flags | ({choice.flag} if choice.flag else set())
        record = RecordAnswer(ask.question_id, ask.id, digit, choice.value, script.name, str(script.version))
        new_state, commands = _enter(script, replace(state, answers=answers, flags=flags), choice.next, variables)
        return new_state, (record, *commands)
    if digit == ask.repeat_key:
        return state, (_ask_play(script, ask, (), variables),)
    return _retry(script, state, ask, ask.invalid_prompt, variables)


DIGITS = frozenset("0123456789")


def _verify_key(script: Script, state: ConversationState, verify: VerifyStep, digit: str,
                variables: Mapping[str, str]) -> Result:
    if digit == verify.repeat_key:
        return replace(state, entry=""), (_verify_play(script, verify, (), variables),)
    if digit not in DIGITS:
        return _verify_entry(script, state, verify, variables, silent=False)
    entry = state.entry + digit
    if len(entry) < verify.digits:
        return replace(state, entry=entry), (Play((), Collect(verify.timeout, DIGITS | {verify.repeat_key})),)
    return _verify_entry(script, replace(state, entry=entry), verify, variables, silent=False)


def _verify_entry(script: Script, state: ConversationState, verify: VerifyStep, variables: Mapping[str, str],
                  silent: bool) -> Result:
    """The caller finished an entry (or said nothing): go on, ask again, or give up."""
    expected = (variables.get(VERIFY_VARIABLE) or "").strip()
    passed = not silent and bool(expected) and state.entry == expected
    value = VERIFY_PASSED if passed else (VERIFY_NO_INPUT if silent else VERIFY_FAILED)
    record = RecordAnswer(VERIFY_QUESTION, verify.id, "", value, script.name, str(script.version))
    cleared = replace(state, entry="")
    if passed:
        new_state, commands = _enter(script, cleared, verify.next, variables)
    elif state.retries + 1 >= verify.attempts:
        new_state, commands = _enter(script, cleared, verify.on_fail, variables)
    else:
        new_state = replace(cleared, retries=state.retries + 1)
        commands = (_verify_play(script, verify, (verify.invalid_prompt,), variables),)
    return new_state, (record, *commands)


def _verify_play(script: Script, verify: VerifyStep, before: tuple[PromptTemplate, ...],
                 variables: Mapping[str, str]) -> Play:
    fallbacks = fallbacks_of(script)
    prompts = tuple(render_prompt(t, variables, fallbacks) for t in (*before, verify.prompt))
    return Play(prompts, Collect(verify.timeout, DIGITS | {verify.repeat_key}))


def _retry(script: Script, state: ConversationState, ask: AskStep, why: PromptTemplate,
           variables: Mapping[str, str]) -> Result:
    if state.retries >= ask.max_retries:
        return _enter(script, state, ask.on_exhausted, variables)
    return replace(state, retries=state.retries + 1), (_ask_play(script, ask, (why,), variables),)


def _ask_play(script: Script, ask: AskStep, before: tuple[PromptTemplate, ...],
              variables: Mapping[str, str]) -> Play:
    fallbacks = fallbacks_of(script)
    prompts = tuple(render_prompt(t, variables, fallbacks) for t in (*before, ask.prompt))
    return Play(prompts, Collect(ask.timeout, ask.keys))


def _enter(script: Script, state: ConversationState, step_id: str, variables: Mapping[str, str]) -> Result:
    """Go to `step_id` (retries start afresh) and issue what that step does first."""
    target = script.steps.get(step_id)
    moved = replace(state, step_id=step_id, retries=0)
    if target is None:
        return _done(moved, SCRIPT_ERROR_OUTCOME)
    if isinstance(target, AskStep):
        return replace(moved, waiting=Waiting.ANSWER), (_ask_play(script, target, (), variables),)
    if isinstance(target, VerifyStep):
        return replace(moved, waiting=Waiting.ANSWER, entry=""), (_verify_play(script, target, (), variables),)
    if target.prompt is not None:  # a say always has one; a transfer or end may not
        prompt = render_prompt(target.prompt, variables, fallbacks_of(script))
        return replace(moved, waiting=Waiting.PROMPT), (Play((prompt,)),)
    if isinstance(target, TransferStep):
        return replace(moved, waiting=Waiting.TRANSFER), (Transfer(target.target),)
    if isinstance(target, EndStep):
        return _finish(moved, target)
    return state, ()  # unreachable: every step kind is handled above


def _finish(state: ConversationState, end: EndStep) -> Result:
    outcome = end.outcome
    if outcome == AUTO_OUTCOME:
        outcome = "symptomatic" if SYMPTOM_FLAG in state.flags else "completed"
    return _done(state, outcome)


def _done(state: ConversationState, outcome: str) -> Result:
    return replace(state, waiting=Waiting.NOTHING, finished=True, outcome=outcome), (Finish(outcome),)
