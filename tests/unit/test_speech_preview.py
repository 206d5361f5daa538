"""Preview: the conversation walked for a list of keys, and the WAV made from it."""
from __future__ import annotations

import math
from pathlib import Path

import pytest

from ivr.errors import UserError
from ivr.scripts import loader
from ivr.speech import pcm
from ivr.speech.convert import wav_info
from ivr.speech.library import AudioDirs, AudioLibrary
from ivr.speech.preview import GAP_SECONDS, KEY_TONE_SECONDS, parse_answers, walk, write_preview
from speech_fakes import DEMO_SCRIPT, CountingEngine

SCRIPT = loader.loads(DEMO_SCRIPT, "demo.yaml")
H, ASK, INV, SIL = "demo.hello", "demo.ask_fever", "demo.ask_fever.invalid", "demo.ask_fever.silence"


@pytest.mark.parametrize(("keys", "heard", "turns", "outcome", "last", "unused"), [
    (("1",), [H, ASK, "key 1", "demo.end_ok"], [("ask_fever", "1")], "symptomatic", "end_ok", ()),
    (("2",), [H, ASK, "key 2", "demo.end_ok"], [("ask_fever", "2")], "completed", "end_ok", ()),
    ((), [H, ASK, "silence 2.0", SIL, ASK, "silence 2.0", "demo.end_no_input"],
     [("ask_fever", ""), ("ask_fever", "")], "no_input", "end_no_input", ()),
    (("9", "2"), [H, ASK, "key 9", INV, ASK, "key 2", "demo.end_ok"],
     [("ask_fever", "9"), ("ask_fever", "2")], "completed", "end_ok", ()),
    (("*", "*", "2"), [H, ASK, "key *", ASK, "key *", ASK, "key 2", "demo.end_ok"],
     [("ask_fever", "*"), ("ask_fever", "*"), ("ask_fever", "2")], "completed", "end_ok", ()),
    (("0",), [H, ASK, "key 0", "demo.to_staff"], [("ask_fever", "0")], "transferred", "to_staff", ()),
    (("2", "1", "#"), [H, ASK, "key 2", "demo.end_ok"], [("ask_fever", "2")], "completed", "end_ok", ("1", "#")),
])
def test_walk(keys: tuple[str, ...], heard: list[str], turns: list[tuple[str, str]], outcome: str, last: str,
              unused: tuple[str, ...]) -> None:
    walked = walk(SCRIPT, keys, {})
    shown = [s.prompt.id if s.prompt else f"{s.kind} {s.key or s.seconds}" for s in walked.segments]
    assert shown == heard
    assert [(t.step_id, t.key) for t in walked.turns] == turns
    assert (walked.outcome, walked.last_step, walked.unused_keys) == (outcome, last, unused)


@pytest.mark.parametrize(("variables", "greeting"), [
    ({"ho_ten": "Nguyễn Văn An"}, "Xin chào Nguyễn Văn An."),
    ({"ho_ten": "  "}, "Xin chào anh chị."),
    ({}, "Xin chào anh chị."),
])
def test_walk_personalises_prompts(variables: dict[str, str], greeting: str) -> None:
    assert walk(SCRIPT, ("2",), variables).segments[0].prompt.text == greeting  # type: ignore[union-attr]


@pytest.mark.parametrize(("text", "expected"), [
    ("1,2,2", ("1", "2", "2")),
    (" 1 , * ,# ", ("1", "*", "#")),
    ("", ()),
    ("A,D,0", ("A", "D", "0")),
])
def test_parse_answers(text: str, expected: tuple[str, ...]) -> None:
    assert parse_answers(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("1,x", "answer 2 is 'x', not a keypad key"),
    ("1,,2", "answer 2 is an empty item, not a keypad key"),
    ("12", "answer 1 is '12', not a keypad key"),
    ("1;2", "answer 1 is '1;2', not a keypad key"),
])
def test_parse_answers_rejects(text: str, expected: str) -> None:
    with pytest.raises(UserError, match=expected):
        parse_answers(text)


def test_preview_wav_holds_every_prompt_tone_and_gap(tmp_path: Path) -> None:
    engine = CountingEngine()  # 0.1 s of audio per character of text
    library = AudioLibrary(AudioDirs(tmp_path / "cache", "/pbx"), engine)
    walked = walk(SCRIPT, ("9", "2"), {"ho_ten": "An"})
    out = tmp_path / "preview.wav"
    seconds = write_preview(walked, library, out)
    texts = [s.prompt.text for s in walked.segments if s.prompt]
    question = "Anh chị có bị sốt không? Có bấm 1, không bấm 2, gặp cán bộ bấm 0."
    assert texts == ["Xin chào An.", question, "Phím không hợp lệ.", question, "Cảm ơn anh chị."]
    expected = sum(0.1 * len(t) for t in texts) + 2 * KEY_TONE_SECONDS + 6 * GAP_SECONDS
    info = wav_info(out)
    assert (info.rate, info.channels, info.sample_width) == (8000, 1, 2)
    assert info.seconds == pytest.approx(expected, abs=0.01) and seconds == pytest.approx(info.seconds)
    assert sorted(set(engine.calls)) == sorted(set(texts))  # the repeated question was rendered once
    assert len(engine.calls) == 4


def test_preview_into_a_missing_folder_is_user_error(tmp_path: Path) -> None:
    library = AudioLibrary(AudioDirs(tmp_path / "cache", "/pbx"), CountingEngine())
    with pytest.raises(UserError, match="folder .*/nope does not exist"):
        write_preview(walk(SCRIPT, ("2",), {}), library, tmp_path / "nope" / "x.wav")


def _power(samples: list[int], freq: float) -> float:
    """Goertzel: the signal's power at one frequency."""
    coeff = 2 * math.cos(2 * math.pi * freq / 8000)
    s1 = s2 = 0.0
    for x in samples:
        s1, s2 = x + coeff * s1 - s2, s1
    return s1 * s1 + s2 * s2 - coeff * s1 * s2


@pytest.mark.parametrize(("key", "low", "high"), [("1", 697, 1209), ("5", 770, 1336), ("0", 941, 1336),
                                                  ("*", 941, 1209), ("#", 941, 1477), ("D", 941, 1633)])
def test_dtmf_tone_has_the_keys_two_frequencies(key: str, low: int, high: int) -> None:
    import array

    samples = array.array("h", pcm.dtmf_tone(key, 0.1)).tolist()
    assert len(samples) == 800
    powers = {f: _power(samples, f) for f in (697, 770, 852, 941, 1209, 1336, 1477, 1633)}
    strongest = sorted(powers, key=powers.__getitem__, reverse=True)[:2]
    assert sorted(strongest) == [low, high]


@pytest.mark.parametrize(("seconds", "size"), [(0.4, 6400), (0.0, 0), (2.0, 32000)])
def test_silence_length(seconds: float, size: int) -> None:
    assert pcm.silence(seconds) == bytes(size)
