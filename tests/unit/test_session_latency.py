"""The controller's latency figures on Asterisk's clock (ivr/calls/session.py ``_Latency``): the same start
events as the dialplan baseline's (bench/latency.py), so that the bench compares like with like (issue 18)."""
from __future__ import annotations

import pytest

from ivr.ari import events as ev
from ivr.calls import machine
from ivr.calls.session import _Latency


def test_answer_to_audio_starts_at_up_and_first_audio_at_stasis_start() -> None:
    got: list[tuple[str, float]] = []
    lat = _Latency(lambda name, value: got.append((name, value)))
    lat.seen(ev.ChannelStateChange("c", "Ringing", ts=0.5))
    lat.seen(ev.ChannelStateChange("c", "Up", ts=1.000))
    lat.seen(ev.StasisStart("c", ts=1.004))
    lat.seen(ev.PlaybackStarted("c", "c-p1", ts=1.010))
    lat.seen(ev.PlaybackStarted("c", "c-p2", ts=5.0))  # not the first audio: nothing more
    assert [name for name, _ in got] == ["first_audio_ms", "answer_to_audio_ms"]
    assert [v for _, v in got] == [pytest.approx(6.0), pytest.approx(10.0)]


def test_key_to_the_prompt_it_started() -> None:
    got: list[tuple[str, float]] = []
    lat = _Latency(lambda name, value: got.append((name, value)))
    lat.seen(ev.ChannelDtmfReceived("c", "1", ts=3.0))
    lat.stepped(machine.Dtmf("1"), (machine.StartPlayback("c-p3", ("sound:x",)),))
    lat.seen(ev.PlaybackStarted("c", "c-p3", ts=3.02))
    assert got == [("key_to_prompt_ms", pytest.approx(20.0))]


def test_inbound_call_already_up_gives_no_answer_to_audio() -> None:
    """An inbound call enters Stasis answered (no state change to Up): only the StasisStart figure."""
    got: list[str] = []
    lat = _Latency(lambda name, value: got.append(name))
    lat.seen(ev.StasisStart("c", state="Up", ts=1.0))
    lat.seen(ev.PlaybackStarted("c", "c-p1", ts=1.01))
    assert got == ["first_audio_ms"]
