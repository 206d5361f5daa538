"""Conversations the call machine can drive: a whole script, or one prompt and a few digits.

Both are pure: (state, input) -> (state, commands), with the command and input types of
ivr.scripts.interpreter, so the machine needs to know only one vocabulary.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from ivr.scripts import interpreter as interp
from ivr.scripts.model import Prompt, Script

ALL_KEYS = frozenset("0123456789*#ABCD")


@dataclass(frozen=True)
class ScriptConversation:
    """A call script (kịch bản) for one contact."""

    script: Script
    variables: Mapping[str, str]
    start_at: str | None = None  # a step to begin at instead of the script's start (a verify step)

    def start(self) -> interp.Result:
        return interp.start(self.script, self.variables, self.start_at)

    def step(self, state: interp.ConversationState, inp: interp.Input) -> interp.Result:
        return interp.step(self.script, state, inp, self.variables)


@dataclass(frozen=True)
class DigitsConversation:
    """Play one prompt, then collect up to ``max_digits`` keys (# ends early); `robocall call --prompt`.

    The digits are recorded as the answer to question "digits". Silence after at least one key ends
    the input; silence before any key ends the call with result "no_input".
    """

    prompt: Prompt
    max_digits: int = 8
    timeout: float = 6.0

    def start(self) -> tuple[str, tuple[interp.Command, ...]]:
        return "", (interp.Play((self.prompt,), interp.Collect(self.timeout, ALL_KEYS)),)

    def step(self, state: str, inp: interp.Input) -> tuple[str, tuple[interp.Command, ...]]:
        if isinstance(inp, interp.Key):
            if inp.digit == "#":
                return state, self._finish(state)
            digits = state + inp.digit
            if len(digits) >= self.max_digits:
                return digits, self._finish(digits)
            return digits, (interp.Play((), interp.Collect(self.timeout, ALL_KEYS)),)
        if isinstance(inp, interp.Silence):
            return state, self._finish(state)
        return state, ()

    def _finish(self, digits: str) -> tuple[interp.Command, ...]:
        if not digits:
            return (interp.Finish("no_input"),)
        return (interp.RecordAnswer("digits", "prompt", digits, digits, "prompt", "1"), interp.Finish("completed"))
