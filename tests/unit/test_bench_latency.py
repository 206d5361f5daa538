"""The bench's latency instrument (bench/latency.py, issue 18 item 1) as data: events in, samples out; and
the percentile and controller / baseline ratio arithmetic. Pure: nothing is timed, no PBX."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from latency import BaselineLatency, compare, pct, percentiles, prompt_started, ratio, ratios  # noqa: E402

SAY = "K,/s/greet,1,,1,0.01"  # bench/baseline_dialplan.py: a statement's Read
ASK = "K,/s/ask_fever,1,,1,7"  # a question's Read (its own timeout)


@pytest.mark.parametrize("values, p, expected", [
    ([], 50, None),
    ([7.0], 99, 7.0),
    ([1.0, 2.0, 3.0, 4.0], 50, 2.5),  # between the two middle ranks
    ([4.0, 1.0, 3.0, 2.0], 50, 2.5),  # order does not matter
    (list(map(float, range(1, 101))), 90, 90.1),
    (list(map(float, range(1, 101))), 99, 99.0),  # 99.01, rounded to 0.1
    ([0.0, 0.0, 10.0], 99, 9.8),
])
def test_percentile(values: list[float], p: int, expected: float | None) -> None:
    assert pct(values, p) == expected


def test_percentiles_use_string_keys_as_read_back_from_json() -> None:
    assert percentiles([1.0, 2.0, 3.0]) == {"50": 2.0, "95": 2.9, "99": 3.0}


@pytest.mark.parametrize("ours, ref, expected", [
    (600.0, 200.0, 3.0),
    (1.0, 3.0, 0.33),
    (5.0, 0.0, None),  # a 0 ms percentile on Asterisk's millisecond clock: no ratio, not infinity
    (None, 2.0, None),
    (2.0, None, None),
])
def test_ratio(ours: float | None, ref: float | None, expected: float | None) -> None:
    assert ratio(ours, ref) == expected


def test_compare_gives_each_percentile_and_the_throughput_ratio() -> None:
    controller = {"calls_per_min": 669.7, "wall_s": 210.0,
                  "answer_to_audio_ms": {"50": 233.0, "95": 2483.0, "99": 5426.0},
                  "key_to_prompt_ms": {"50": 5144.0, "95": 11170.0, "99": 13058.0}}
    baseline = {"calls_per_min": 702.1, "wall_s": 200.0,
                "answer_to_audio_ms": {"50": 2.0, "95": 0.0, "99": None},
                "key_to_prompt_ms": {"50": 1286.0, "95": 5585.0, "99": 6529.0}}
    assert compare(controller, baseline) == {
        "calls_per_min": 0.954, "wall": 1.05,
        "answer_to_audio_ms": {"50": 116.5, "95": None, "99": None},
        "key_to_prompt_ms": {"50": 4.0, "95": 2.0, "99": 2.0}}


def test_compare_of_a_result_from_before_the_instrument() -> None:
    """A baseline result written before issue 18 has no latency: the ratios are None, not an error."""
    out = compare({"calls_per_min": 100.0, "wall_s": 10.0, "key_to_prompt_ms": {"50": 3.0}},
                  {"calls_per_min": 50.0, "wall_s": 20.0})
    assert out["calls_per_min"] == 2.0 and out["wall"] == 0.5
    assert out["key_to_prompt_ms"] == {"50": None, "95": None, "99": None}
    assert ratios({"50": 4.0}, {"50": 2.0}) == {"50": 2.0}


@pytest.mark.parametrize("app, data, expected", [
    ("Read", ASK, ("Read", ASK)),
    ("Playback", "/s/end_done", ("Playback", "/s/end_done")),
    ("ExecIf", "1?Playback(/s/invalid)", ("Playback", "/s/invalid")),  # the condition held: it plays
    ("ExecIf", "0?Playback(/s/silence)", None),  # it did not
    ("ExecIf", "1?Set(PENDING=1)", None),
    ("Set", "KEYS=1", None),
    ("GotoIf", "1?step-ask_cough,1", None),
])
def test_prompt_started(app: str, data: str, expected: tuple[str, str] | None) -> None:
    assert prompt_started(app, data) == expected


def feed(events: list[tuple]) -> BaselineLatency:
    lat = BaselineLatency()
    for kind, cid, ts, *rest in events:
        extra = rest[0] if rest else {}
        lat.event(kind, cid, ts, **extra)
    return lat


def dp(app: str, data: str = "") -> dict[str, str]:
    return {"app": app, "data": data}


# Event sequences as Asterisk 22 sends them for the compiled F1 script (recorded on the sandbox, shortened;
# timestamps in seconds), and the samples (ms) they must give.
CASES = [
    ("answer -> first Read; a key in a question -> the next question's Read",
     [("ChannelDialplan", "a", 0.0, dp("AppDial2", "(Outgoing Line)")),
      ("ChannelStateChange", "a", 1.000, {"state": "Ringing"}),
      ("ChannelStateChange", "a", 2.000, {"state": "Up"}),
      ("ChannelDialplan", "a", 2.000, dp("Answer")),
      ("ChannelDialplan", "a", 2.003, dp("Read", ASK)),
      ("ChannelDtmfReceived", "a", 5.000),
      ("ChannelDialplan", "a", 5.001, dp("Goto", "got")),
      ("ChannelDialplan", "a", 5.001, dp("Set", "KEYS=2")),
      ("ChannelDialplan", "a", 5.002, dp("Read", ASK)),
      ("ChannelDestroyed", "a", 9.0)],
     [3.0], [2.0]),
    ("a key during a statement is type-ahead: no sample, neither for the question it answers",
     [("ChannelStateChange", "b", 1.0, {"state": "Up"}),
      ("ChannelDialplan", "b", 1.001, dp("Read", SAY)),
      ("ChannelDtmfReceived", "b", 4.0),
      ("ChannelDialplan", "b", 4.001, dp("ExecIf", "1?Set(PENDING=1)")),
      ("ChannelDialplan", "b", 4.001, dp("GotoIf", "1?pending")),
      ("ChannelDialplan", "b", 4.002, dp("Read", SAY))],
     [1.0], []),
    ("an invalid key: the invalid prompt (ExecIf -> Playback) is the next prompt",
     [("ChannelStateChange", "c", 1.0, {"state": "Up"}),
      ("ChannelDialplan", "c", 1.0, dp("Read", ASK)),
      ("ChannelDtmfReceived", "c", 3.0),
      ("ChannelDialplan", "c", 3.001, dp("ExecIf", "0?Playback(/s/silence)")),
      ("ChannelDialplan", "c", 3.004, dp("ExecIf", "1?Playback(/s/invalid)")),
      ("ChannelDtmfReceived", "c", 3.5),  # pressed during the invalid prompt: takes no key
      ("ChannelDialplan", "c", 6.0, dp("Goto", "ask")),
      ("ChannelDialplan", "c", 6.001, dp("Read", ASK))],
     [0.0], [4.0]),
    ("silence: the question times out, a key during the silence prompt starts nothing",
     [("ChannelStateChange", "d", 1.0, {"state": "Up"}),
      ("ChannelDialplan", "d", 1.0, dp("Read", ASK)),
      ("ChannelDialplan", "d", 8.0, dp("Set", "TRY=1")),
      ("ChannelDtmfReceived", "d", 8.2),
      ("ChannelDialplan", "d", 9.0, dp("ExecIf", "1?Playback(/s/silence)"))],
     [0.0], []),
    ("only the first key of a question counts; the end prompt (Playback) is a prompt too",
     [("ChannelStateChange", "e", 1.0, {"state": "Up"}),
      ("ChannelDialplan", "e", 1.002, dp("Read", ASK)),
      ("ChannelDtmfReceived", "e", 2.0),
      ("ChannelDtmfReceived", "e", 2.005),
      ("ChannelDialplan", "e", 2.010, dp("Playback", "/s/end_done"))],
     [2.0], [10.0]),
    ("a call that ends before its first prompt, and one never answered: no sample",
     [("ChannelStateChange", "f", 1.0, {"state": "Up"}),
      ("ChannelDialplan", "f", 1.0, dp("Answer")),
      ("ChannelDestroyed", "f", 1.1),
      ("ChannelStateChange", "g", 1.0, {"state": "Ringing"}),
      ("ChannelDestroyed", "g", 46.0)],
     [], []),
    ("two calls interleaved keep their own state",
     [("ChannelStateChange", "h", 1.0, {"state": "Up"}),
      ("ChannelStateChange", "i", 1.5, {"state": "Up"}),
      ("ChannelDialplan", "i", 1.507, dp("Read", ASK)),
      ("ChannelDialplan", "h", 1.001, dp("Read", ASK)),
      ("ChannelDtmfReceived", "h", 3.0),
      ("ChannelDialplan", "i", 3.1, dp("Set", "TRY=1")),
      ("ChannelDialplan", "h", 3.020, dp("Read", ASK))],
     [7.0, 1.0], [20.0]),
]


@pytest.mark.parametrize("events, first_audio, key_to_prompt", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_baseline_samples(events: list[tuple], first_audio: list[float], key_to_prompt: list[float]) -> None:
    lat = feed(events)
    assert [round(v, 3) for v in lat.answer_to_audio_ms] == first_audio
    assert [round(v, 3) for v in lat.key_to_prompt_ms] == key_to_prompt
    assert lat.events == len(events)


def test_summary_has_the_controllers_names() -> None:
    lat = feed(CASES[0][1])
    assert lat.summary_flat() == {"answer_to_audio_ms": {"50": 3.0, "95": 3.0, "99": 3.0},
                                  "key_to_prompt_ms": {"50": 2.0, "95": 2.0, "99": 2.0},
                                  "latency_samples": {"answer_to_audio": 1, "key_to_prompt": 1}}
