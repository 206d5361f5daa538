"""Splitting a personalised prompt into fixed and variable parts (ivr.scripts.segments): tables."""
from __future__ import annotations

import pytest

from ivr.scripts.model import Prompt, PromptTemplate
from ivr.scripts.segments import Segment, fixed_parts, prompt_parts, split_text

F, V = False, True

SPLITS = [
    ("Xin chào {xung_ho} {ten}, đây là Sở Y tế.",
     [("Xin chào", F), ("{xung_ho} {ten}", V), (", đây là Sở Y tế.", F)]),
    ("{ho_ten} ơi", [("{ho_ten}", V), ("ơi", F)]),
    ("Địa chỉ {dia_chi}", [("Địa chỉ", F), ("{dia_chi}", V)]),
    ("{ho_ten}, {dia_chi}", [("{ho_ten}", V), ("{dia_chi}", V)]),  # ", " alone is not said
    ("ngày thứ {ngay_cach_ly} của {xung_ho}.", [("ngày thứ", F), ("{ngay_cach_ly}", V), ("của", F),
                                                 ("{xung_ho}", V)]),
    ("gia đình {xung_ho} {ho_ten|} không?", [("gia đình", F), ("{xung_ho} {ho_ten|}", V), ("không?", F)]),
    ("Không có biến.", [("Không có biến.", F)]),
    ("  nhiều   khoảng   trắng  {ten}  ", [("nhiều khoảng trắng", F), ("{ten}", V)]),
    ("{a}{b}", [("{a} {b}", V)]),
]


@pytest.mark.parametrize(("text", "expected"), SPLITS)
def test_split_text(text, expected):
    assert split_text(text) == tuple(Segment(t, v) for t, v in expected)


T = PromptTemplate("s.hello", "Xin chào {xung_ho} {ten|bạn}, {dia_chi|} đây là Sở Y tế.")

PARTS = [
    ({"xung_ho": "ông", "ten": "An", "dia_chi": "số 5 Lê Lợi"},
     [("s.hello.part0", "Xin chào"), ("s.hello/value1", "ông An"), ("s.hello/value2", "số 5 Lê Lợi"),
      ("s.hello.part3", "đây là Sở Y tế.")]),
    ({"xung_ho": "bà", "ten": "  Bình  "},  # blank address: its part is dropped; spaces squeezed
     [("s.hello.part0", "Xin chào"), ("s.hello/value1", "bà Bình"), ("s.hello.part3", "đây là Sở Y tế.")]),
    ({"xung_ho": "anh"},  # no name: the placeholder's own fallback
     [("s.hello.part0", "Xin chào"), ("s.hello/value1", "anh bạn"), ("s.hello.part3", "đây là Sở Y tế.")]),
]


@pytest.mark.parametrize(("variables", "expected"), PARTS)
def test_prompt_parts(variables, expected):
    assert prompt_parts(T, variables) == tuple(Prompt(i, t) for i, t in expected)


def test_fixed_parts_are_the_same_for_everybody():
    assert fixed_parts(T) == (Prompt("s.hello.part0", "Xin chào"), Prompt("s.hello.part3", "đây là Sở Y tế."))
    for variables, _ in PARTS:
        assert set(fixed_parts(T)) <= set(prompt_parts(T, variables))


def test_declared_fallback_is_used():
    template = PromptTemplate("s.p", "Chào {xung_ho}.")
    assert prompt_parts(template, {}, {"xung_ho": "ông/bà"}) == (Prompt("s.p.part0", "Chào"),
                                                               Prompt("s.p/value1", "ông/bà"))


def test_a_value_part_can_never_take_a_recording(tmp_path):
    from ivr.speech.recordings import RecordingIndex
    (tmp_path / "s.hello").mkdir()
    (tmp_path / "s.hello" / "value1.wav").write_bytes(b"RIFF")
    (tmp_path / "s.hello.part0.wav").write_bytes(b"RIFF")
    index = RecordingIndex(tmp_path, frozenset({".wav"}))
    parts = prompt_parts(T, {"xung_ho": "ông", "ten": "An"})
    assert index.find(parts[0].id) is not None and index.find(parts[1].id) is None
