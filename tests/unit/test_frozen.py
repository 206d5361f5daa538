"""ivr.frozen.replace gives what dataclasses.replace gives, for the states of the pure step functions."""
from __future__ import annotations

import dataclasses
from dataclasses import InitVar, dataclass, field
from types import MappingProxyType

import pytest

from ivr import frozen
from ivr.calls import machine
from ivr.scripts.interpreter import Collect, ConversationState, Waiting

CALL_CHANGES = {
    "phase": machine.Phase.ACTIVE, "conversation": ConversationState("q", Waiting.ANSWER), "playback_seq": 3,
    "playback_id": "c1-p3", "collect": Collect(5.0, frozenset("12")), "digit_timer": "digit-3-1",
    "typeahead": ("1",), "keys": "12", "answered": True, "rang": True, "finished_with": "completed",
    "transferred": True, "remote_hangup": True, "remote_sip": 486, "hangup_cause": 17, "redirected": True,
    "failure": "ari_500", "timers": frozenset({"max"}),
}
CONVERSATION_CHANGES = {
    "step_id": "bye", "waiting": Waiting.PROMPT, "retries": 2, "answers": MappingProxyType({"fever": "yes"}),
    "flags": frozenset({"symptom"}), "finished": True, "outcome": "symptomatic", "entry": "12",
}


def test_the_changes_cover_every_field() -> None:
    assert set(CALL_CHANGES) == {f.name for f in dataclasses.fields(machine.CallState)}
    assert set(CONVERSATION_CHANGES) == {f.name for f in dataclasses.fields(ConversationState)}


@pytest.mark.parametrize("base,changes", [
    (machine.CallState(), CALL_CHANGES),
    (ConversationState("hello", Waiting.NOTHING), CONVERSATION_CHANGES),
])
def test_each_field_alone_and_all_together_as_dataclasses_replace(base: object, changes: dict[str, object]) -> None:
    for name, value in changes.items():
        got = frozen.replace(base, **{name: value})
        assert got == dataclasses.replace(base, **{name: value})  # type: ignore[type-var]
        assert type(got) is type(base) and got is not base
    every = frozen.replace(base, **changes)
    assert every == dataclasses.replace(base, **changes)  # type: ignore[type-var]
    assert frozen.replace(base) == base and frozen.replace(base) is not base


def test_the_original_is_untouched_and_the_copy_still_frozen() -> None:
    base = machine.CallState()
    new = frozen.replace(base, keys="1", timers=frozenset({"max"}))
    assert base == machine.CallState() and base.keys == "" and new.keys == "1"
    with pytest.raises(dataclasses.FrozenInstanceError):
        new.keys = "2"  # type: ignore[misc]


def test_an_unknown_field_is_a_type_error_as_in_dataclasses() -> None:
    with pytest.raises(TypeError, match="'kyes'"):
        frozen.replace(machine.CallState(), kyes="1")
    with pytest.raises(TypeError):
        dataclasses.replace(machine.CallState(), kyes="1")  # type: ignore[call-arg]


@dataclass(frozen=True)
class _Checked:
    n: int

    def __post_init__(self) -> None:
        if self.n < 0:
            raise ValueError("negative")


@dataclass(frozen=True)
class _WithInitVar:
    n: int
    scale: InitVar[int] = 1


@dataclass(frozen=True)
class _Derived:
    n: int
    double: int = field(init=False, default=0)


@dataclass(frozen=True, slots=True)
class _Slotted:
    n: int


@dataclass
class _Mutable:
    n: int


@pytest.mark.parametrize("obj", [_Checked(1), _WithInitVar(1), _Derived(1), _Slotted(1), _Mutable(1)])
def test_classes_a_copy_would_not_honour_go_through_dataclasses_replace(obj: object) -> None:
    assert frozen.replace(obj, n=2) == dataclasses.replace(obj, n=2)  # type: ignore[type-var]


def test_post_init_still_runs() -> None:
    with pytest.raises(ValueError, match="negative"):
        frozen.replace(_Checked(1), n=-1)
