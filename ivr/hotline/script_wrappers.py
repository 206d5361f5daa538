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
from typing import Generic, TypeVar

from ivr.calls.machine import Conversation
from ivr.scripts.interpreter import Command, Finish, Input, Play, PromptDone, Transfer, TransferFailed
from ivr.scripts.model import VERIFIED_OUTCOME, Prompt

I = TypeVar("I")  # the wrapped conversation's state
T = TypeVar("T")  # Verified: the state of the conversation that follows the check
Said = tuple[Command, ...]


@dataclass(frozen=True)
class _Before:
    """Preamble's state while its own prompts play."""


@dataclass(frozen=True)
class _Checking(Generic[I]):
    """Verified's state while the check runs."""

    inner: I


@dataclass(frozen=True)
class _Running(Generic[I]):
    """A wrapper's state once the conversation it leads to runs."""

    inner: I


@dataclass(frozen=True)
class Preamble(Generic[I]):
    """Play ``prompts`` first, then run ``inner``."""

    prompts: tuple[Prompt, ...]
    inner: Conversation[I]

    def start(self) -> tuple[_Before | _Running[I], Said]:
        if not self.prompts:
            return self._begin()
        return _Before(), (Play(self.prompts),)

    def step(self, state: _Before | _Running[I], inp: Input) -> tuple[_Before | _Running[I], Said]:
        if isinstance(state, _Before):
            return self._begin() if isinstance(inp, PromptDone) else (state, ())
        inner, commands = self.inner.step(state.inner, inp)
        return _Running(inner), commands

    def _begin(self) -> tuple[_Before | _Running[I], Said]:
        inner, commands = self.inner.start()
        return _Running(inner), commands


@dataclass(frozen=True)
class WithoutStaff(Generic[I]):
    """Run ``inner``; every ``Transfer`` it commands is answered with ``TransferFailed`` right away."""

    inner: Conversation[I]

    def start(self) -> tuple[I, Said]:
        return self._refuse(*self.inner.start())

    def step(self, state: I, inp: Input) -> tuple[I, Said]:
        return self._refuse(*self.inner.step(state, inp))

    def _refuse(self, state: I, commands: Said) -> tuple[I, Said]:
        out: list[Command] = []
        for command in commands:
            if isinstance(command, Transfer):
                state, more = self._refuse(*self.inner.step(state, TransferFailed()))
                out.extend(more)
            else:
                out.append(command)
        return state, tuple(out)


@dataclass(frozen=True)
class Verified(Generic[I, T]):
    """Run ``check``; when it finishes with VERIFIED_OUTCOME, run ``then`` instead of ending the call."""

    check: Conversation[I]
    then: Conversation[T]

    def start(self) -> tuple[_Checking[I] | _Running[T], Said]:
        return self._watch(*self.check.start())

    def step(self, state: _Checking[I] | _Running[T], inp: Input) -> tuple[_Checking[I] | _Running[T], Said]:
        if isinstance(state, _Checking):
            return self._watch(*self.check.step(state.inner, inp))
        inner, commands = self.then.step(state.inner, inp)
        return _Running(inner), commands

    def _watch(self, inner: I, commands: Said) -> tuple[_Checking[I] | _Running[T], Said]:
        out: list[Command] = []
        for command in commands:
            if isinstance(command, Finish) and command.outcome == VERIFIED_OUTCOME:
                then, more = self.then.start()
                return _Running(then), (*out, *more)
            out.append(command)
        return _Checking(inner), tuple(out)
