"""Conversation wrappers for the hotline: pure, in the vocabulary of ivr.scripts.interpreter.

- ``Preamble`` plays a few prompts (not interruptible) before a script: the after-hours notice, or the
  words that tell a caller the robot was trying to reach them. Keys pressed meanwhile are kept by the
  call engine (type-ahead) for the script's first question.
- ``Verified`` runs the hotline script from its verify step (the caller keys in a birth year) and, only if
  that reaches the end step with outcome "verified", the recognised caller's own campaign script: nothing
  personal is said before. A failed check goes on in the hotline script (anonymous self-declaration).
- ``WithoutStaff`` runs a script when no staff can take calls (outside staff hours): a transfer the
  script asks for fails at once, so the script goes to its ``on_fail`` step.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ivr.calls.machine import Conversation
from ivr.scripts.interpreter import Finish, Input, Play, PromptDone, Transfer, TransferFailed
from ivr.scripts.model import VERIFIED_OUTCOME, Prompt

Out = tuple[Any, tuple[Any, ...]]


@dataclass(frozen=True)
class _Stage:
    """A wrapper's state: still in its own prompts (``inner`` None) or running the inner conversation."""

    intro: bool
    inner: Any = None


@dataclass(frozen=True)
class Preamble:
    """Play ``prompts`` first, then run ``inner``."""

    prompts: tuple[Prompt, ...]
    inner: Conversation

    def start(self) -> Out:
        if not self.prompts:
            return self._begin()
        return _Stage(intro=True), (Play(self.prompts),)

    def step(self, state: _Stage, inp: Input) -> Out:
        if state.intro:
            return self._begin() if isinstance(inp, PromptDone) else (state, ())
        inner, commands = self.inner.step(state.inner, inp)
        return _Stage(False, inner), commands

    def _begin(self) -> Out:
        inner, commands = self.inner.start()
        return _Stage(False, inner), commands


@dataclass(frozen=True)
class WithoutStaff:
    """Run ``inner``; every ``Transfer`` it commands is answered with ``TransferFailed`` right away."""

    inner: Conversation

    def start(self) -> Out:
        return self._refuse(*self.inner.start())

    def step(self, state: Any, inp: Input) -> Out:
        return self._refuse(*self.inner.step(state, inp))

    def _refuse(self, state: Any, commands: tuple[Any, ...]) -> Out:
        out: list[Any] = []
        for command in commands:
            if isinstance(command, Transfer):
                state, more = self._refuse(*self.inner.step(state, TransferFailed()))
                out.extend(more)
            else:
                out.append(command)
        return state, tuple(out)


@dataclass(frozen=True)
class Verified:
    """Run ``check``; when it finishes with VERIFIED_OUTCOME, run ``then`` instead of ending the call."""

    check: Conversation
    then: Conversation

    def start(self) -> Out:
        return self._watch(*self.check.start())

    def step(self, state: _Stage, inp: Input) -> Out:
        if state.intro:
            return self._watch(*self.check.step(state.inner, inp))
        inner, commands = self.then.step(state.inner, inp)
        return _Stage(False, inner), commands

    def _watch(self, inner: Any, commands: tuple[Any, ...]) -> Out:
        out: list[Any] = []
        for command in commands:
            if isinstance(command, Finish) and command.outcome == VERIFIED_OUTCOME:
                then, more = self.then.start()
                return _Stage(False, then), (*out, *more)
            out.append(command)
        return _Stage(True, inner), tuple(out)
