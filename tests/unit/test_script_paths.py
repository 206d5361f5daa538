"""The quickest way to each ending of a script, weighed by given seconds per step (pure, as data)."""
from __future__ import annotations

from pathlib import Path

import pytest

from ivr.scripts import loader
from ivr.scripts.model import Step
from ivr.scripts.paths import quickest_endings

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """\
name: t
version: 1
language: vi
description: d
defaults: {invalid: Sai phím., silence: Chưa nghe thấy., on_exhausted: bye_silent}
start: hello
steps:
  hello: {type: say, prompt: Chào., next: q1}
  q1:
    type: ask
    question: q1
    prompt: Câu một?
    choices:
      1: {value: "yes", next: long_note}
      2: {value: "no", next: q2}
      0: {value: staff, next: staff}
  long_note: {type: say, prompt: Một ghi chú dài., next: q2}
  q2:
    type: ask
    question: q2
    prompt: Câu hai?
    choices:
      1: {value: "yes", next: bye}
      2: {value: "no", next: q1}
  bye: {type: end, outcome: completed, prompt: Tạm biệt.}
  bye_silent: {type: end, outcome: no_input, prompt: Không nghe thấy.}
  staff: {type: transfer, target: staff, prompt: Xin giữ máy.}
"""


@pytest.mark.parametrize("weights,expected", [
    # every step 1 s: the quickest way to "bye" skips the long note
    ({}, {"bye": (("hello", "q1", "q2", "bye"), ("2", "1"), 4.0),
          "staff": (("hello", "q1", "staff"), ("0",), 3.0)}),
    # a long q2 does not change the route, only the sum
    ({"q2": 10.0}, {"bye": (("hello", "q1", "q2", "bye"), ("2", "1"), 13.0),
                    "staff": (("hello", "q1", "staff"), ("0",), 3.0)}),
    # a free note makes both routes as quick: the lower keys win the tie
    ({"long_note": 0.0}, {"bye": (("hello", "q1", "long_note", "q2", "bye"), ("1", "1"), 4.0),
                          "staff": (("hello", "q1", "staff"), ("0",), 3.0)}),
])
def test_quickest_endings(weights: dict[str, float], expected: dict[str, tuple[tuple[str, ...], tuple[str, ...],
                                                                                float]]) -> None:
    script = loader.loads(SCRIPT, "t.yaml")

    def seconds(step: Step) -> float:
        return weights.get(step.id, 1.0)

    got = {p.end: (p.steps, p.keys, p.seconds) for p in quickest_endings(script, seconds)}
    assert got == expected, "bye_silent is reached only by running out of retries: not a way through"


def test_route_reads_like_a_preview() -> None:
    script = loader.load(ROOT / "scripts_vi/f1_daily.yaml")
    routes = {p.end: p.route for p in quickest_endings(script, lambda step: 1.0)}
    assert routes["end_done"] == "greet → ask_identity [1] → say_purpose → ask_symptoms [2] → ask_address [1] → end_done"
    assert routes["end_unavailable"] == "greet → ask_identity [3] → ask_handover [2] → end_unavailable"
    assert routes["end_wrong_person"] == "greet → ask_identity [2] → end_wrong_person"
