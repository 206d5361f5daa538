"""Conversation wrappers for the hotline: pure, in the vocabulary of ivr.scripts.interpreter.

- ``Preamble`` plays a few prompts (not interruptible) before a script: the after-hours notice, or the
  words that tell a caller the robot was trying to reach them. Keys pressed meanwhile are kept by the
  call engine (type-ahead) for the script's first question.
- ``Verified`` runs the hotline script from its verify step (the caller keys in a birth year) and, only if
  that reaches the end step with outcome "verified", the recognised caller's own campaign script: nothing
  personal is said before. A failed check goes on in the hotline script (anonymous self-declaration).
- ``InTurn`` runs one such check-then-script conversation per household member on the caller's phone, one
  after the other: the next member's turn starts (with a word that the next person is concerned) only if
  the previous member's check passed, and while fewer than two wrong birth years were keyed in today.
- ``WithoutStaff`` runs a script when no staff can take calls (outside staff hours): a transfer the
  script asks for fails at once, so the script goes to its ``on_fail`` step.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar

from ivr.calls.machine import Conversation
from ivr.scripts.interpreter import (Command, Finish, Input, Play, PromptDone, RecordAnswer, Transfer,
                                     TransferFailed)
from ivr.scripts.model import VERIFIED_OUTCOME, VERIFY_FAILED, VERIFY_PASSED, VERIFY_QUESTION, Prompt

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


MEMBER_DONE = "member_done"  # InTurn's RecordAnswer between two members: value = the first one's outcome


@dataclass(frozen=True)
class _Turn:
    """InTurn's state: whose turn it is, and what their conversation is at."""

    index: int
    inner: Any  # the state of members[index]; None while the words between two members play
    passed: bool  # this member's check passed
    failures: int  # wrong birth years keyed in today from this number (before this call, and in it)


@dataclass(frozen=True)
class InTurn:
    """Run ``members`` (each: the caller check, then that member's script) one after the other.

    When a member's conversation finishes after their check passed, and a next member is waiting and fewer
    than ``max_failures`` wrong birth years were keyed in today, the call does not end: InTurn records
    ``MEMBER_DONE`` with that member's outcome (the answer sink closes that member's attempt), plays
    ``between``, then starts the next member's conversation. Otherwise the Finish ends the call.
    """

    members: tuple[Conversation[Any], ...]
    between: Prompt
    failures_today: int = 0
    max_failures: int = 2

    def start(self) -> tuple[_Turn, Said]:
        inner, commands = self.members[0].start()
        return self._watch(_Turn(0, inner, False, self.failures_today), commands)

    def step(self, state: _Turn, inp: Input) -> tuple[_Turn, Said]:
        if state.inner is None:  # the words between two members
            if not isinstance(inp, PromptDone):
                return state, ()
            index = state.index
            inner, commands = self.members[index].start()
            return self._watch(replace(state, inner=inner), commands)
        inner, commands = self.members[state.index].step(state.inner, inp)
        return self._watch(replace(state, inner=inner), commands)

    def _watch(self, state: _Turn, commands: Said) -> tuple[_Turn, Said]:
        out: list[Command] = []
        for command in commands:
            if isinstance(command, RecordAnswer) and command.question_id == VERIFY_QUESTION:
                if command.value == VERIFY_PASSED:
                    state = replace(state, passed=True)
                elif command.value == VERIFY_FAILED:
                    state = replace(state, failures=state.failures + 1)
            if (isinstance(command, Finish) and state.passed and state.index + 1 < len(self.members)
                    and state.failures < self.max_failures):
                done = RecordAnswer(MEMBER_DONE, "", "", command.outcome, "", "")
                nxt = _Turn(state.index + 1, None, False, state.failures)
                return nxt, (*out, done, Play((self.between,)))
            out.append(command)
        return state, tuple(out)
