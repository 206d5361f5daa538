"""The quickest way to each ending of a script, weighed in seconds of audio: what `script check` measures.

A resident who answers every question at the first try, and takes the quickest answers, reaches an end
step along one path; that path is what everybody who ends there hears at the least (the healthy
resident's path of f1_daily is the quickest way to its goodbye). Pure: the seconds a step takes are
given by the caller (``ivr.speech.timing`` measures the rendered prompts), so this is testable as data.
Retries, repeats and on_exhausted are not ways through; a transfer ends the path (as in a preview).
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass
from typing import Callable

from ivr.scripts.model import AskStep, EndStep, SayStep, Script, Step, TransferStep


@dataclass(frozen=True)
class EndingPath:
    """The quickest path from the start to one end or transfer step: the steps and the keys pressed."""

    end: str
    steps: tuple[str, ...]
    keys: tuple[str, ...]
    seconds: float  # by the weights given; the caller may measure the exact figure again
    route: str = ""  # "greet → ask_identity [1] → end_done", as `script preview` prints a path


def quickest_endings(script: Script, seconds: Callable[[Step], float]) -> list[EndingPath]:
    """For every end or transfer step reachable by answering, the path with the fewest seconds (ties: the
    fewest keys, then the lowest keys), in the order the steps appear in the file."""
    if script.start not in script.steps:
        return []
    start = script.steps[script.start]
    # (seconds, number of keys, keys, step, steps so far): ties go to the fewest keys, then the lowest.
    queue: list[tuple[float, int, tuple[str, ...], str, tuple[str, ...]]] = [
        (seconds(start), 0, (), start.id, (start.id,))]
    done: dict[str, tuple[float, tuple[str, ...], tuple[str, ...]]] = {}
    while queue:
        cost, _, keys, step_id, steps = heapq.heappop(queue)
        if step_id in done:
            continue
        done[step_id] = (cost, keys, steps)
        for key, target in _answers(script.steps[step_id]):
            nxt = script.steps.get(target)
            if nxt is not None and target not in done:
                more = keys + ((key,) if key is not None else ())
                heapq.heappush(queue, (cost + seconds(nxt), len(more), more, target, steps + (target,)))
    return [EndingPath(s.id, done[s.id][2], done[s.id][1], round(done[s.id][0], 3),
                       _route(script, done[s.id][2], done[s.id][1]))
            for s in script.steps.values() if isinstance(s, (EndStep, TransferStep)) and s.id in done]


def _route(script: Script, steps: tuple[str, ...], keys: tuple[str, ...]) -> str:
    pressed = iter(keys)
    return " → ".join(f"{s} [{next(pressed)}]" if isinstance(script.steps[s], AskStep) else s for s in steps)


def _answers(step: Step) -> list[tuple[str | None, str]]:
    """(key pressed or None, next step) for every way on from ``step`` by answering."""
    if isinstance(step, SayStep):
        return [(None, step.next)]
    if isinstance(step, AskStep):
        return [(k, step.choices[k].next) for k in sorted(step.choices)]
    return []  # end and transfer steps end the path
