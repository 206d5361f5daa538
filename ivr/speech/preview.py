"""A listenable preview of one path through a script, for staff to check before a campaign runs.

:func:`walk` runs the pure interpreter as the call engine would, feeding the given keys whenever it
collects one (``PromptDone`` after each prompt that collects nothing, ``Silence`` once the keys run
out), and records what a resident would hear. :func:`write_preview` turns that into one 8 kHz WAV:
every prompt played, 0.4 s apart, the keypad tone where the resident presses a key and the ask's full
timeout of silence where they say nothing (so staff hear the real pace of a silent call).
A transfer to staff is taken as successful: the preview ends there with outcome "transferred".
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Mapping, Sequence

from ivr.errors import UserError
from ivr.i18n import _
from ivr.scripts.interpreter import (
    Finish, Input, Key, Play, PromptDone, RecordAnswer, Silence, Transfer, start, step,
)
from ivr.scripts.model import DTMF_KEYS, Prompt, Script
from ivr.speech import convert, pcm
from ivr.speech.library import AudioLibrary

GAP_SECONDS = 0.4
KEY_TONE_SECONDS = 0.15
MAX_TURNS = 500  # a script loops only through retries and repeats, so this is far above any real path
TRANSFERRED = "transferred"


@dataclass(frozen=True)
class Segment:
    """One thing the resident hears: a prompt, their own key tone, or the silence of a timeout."""

    kind: Literal["prompt", "key", "silence"]
    prompt: Prompt | None = None
    key: str = ""
    seconds: float = 0.0


@dataclass(frozen=True)
class Turn:
    """One answer given: at which step, which key ("" for silence)."""

    step_id: str
    key: str


@dataclass(frozen=True)
class Walk:
    """A whole conversation for one list of keys."""

    segments: tuple[Segment, ...]
    turns: tuple[Turn, ...]
    outcome: str
    last_step: str
    answers: Mapping[str, str] = field(default_factory=dict)  # question_id -> value
    unused_keys: tuple[str, ...] = ()


def parse_answers(text: str) -> tuple[str, ...]:
    """"1,2,*" -> ("1", "2", "*"); one UserError naming the bad item and its position."""
    if not text.strip():
        return ()
    keys = tuple(item.strip() for item in text.split(","))
    for index, key in enumerate(keys, 1):
        if key not in DTMF_KEYS:
            shown = repr(key) if key else "an empty item"
            raise UserError(_("--answers: answer {index} is {shown}, not a keypad key (one of 0-9 * # A-D, "
                              "separated by commas, e.g. 1,2,2)").format(index=index, shown=shown))
    return keys


def walk(script: Script, answers: Sequence[str], variables: Mapping[str, str]) -> Walk:
    """Run the conversation with ``answers`` fed as keys in order."""
    pending = deque(answers)
    segments: list[Segment] = []
    turns: list[Turn] = []
    recorded: dict[str, str] = {}
    state, commands = start(script, variables)
    for _turn in range(MAX_TURNS):
        collect = None
        played = False
        for command in commands:
            if isinstance(command, Play):
                segments.extend(Segment("prompt", prompt=p) for p in command.prompts)
                played = True
                collect = command.collect
            elif isinstance(command, RecordAnswer):
                recorded[command.question_id] = command.value
            elif isinstance(command, Transfer):
                return Walk(tuple(segments), tuple(turns), TRANSFERRED, state.step_id, recorded, tuple(pending))
            elif isinstance(command, Finish):
                return Walk(tuple(segments), tuple(turns), command.outcome, state.step_id, recorded,
                            tuple(pending))
        if collect is not None:
            step_id = state.step_id
            if pending:
                key = pending.popleft()
                segments.append(Segment("key", key=key, seconds=KEY_TONE_SECONDS))
                turns.append(Turn(step_id, key))
                inp: Input = Key(key)
            else:
                segments.append(Segment("silence", seconds=collect.timeout))
                turns.append(Turn(step_id, ""))
                inp = Silence()
        elif played:
            inp = PromptDone()
        else:
            raise UserError(_("{script}: step {step} neither plays, asks nor ends; run `robocall script "
                              "check` on it").format(script=script.source or script.name, step=state.step_id))
        state, commands = step(script, state, inp, variables)
    raise UserError(_("{script}: the preview did not end after {turns} turns").format(script=script.source or script.name, turns=MAX_TURNS))


def spoken_seconds(walked: Walk, library: AudioLibrary) -> float:
    """How long the preview of ``walked`` lasts (what write_preview would write), rendering what is missing."""
    library.ensure_all(s.prompt for s in walked.segments if s.prompt is not None)
    total = GAP_SECONDS * max(len(walked.segments) - 1, 0)
    for segment in walked.segments:
        if segment.prompt is not None:
            total += convert.wav_info(library.path_for(segment.prompt)).seconds
        else:
            total += segment.seconds
    return total


def write_preview(walked: Walk, library: AudioLibrary, out: Path) -> float:
    """Render any missing prompt, then write the conversation to ``out``; returns its duration."""
    if not out.parent.is_dir():
        raise UserError(_("--out {out}: folder {parent} does not exist").format(out=out, parent=out.parent))
    library.ensure_all(s.prompt for s in walked.segments if s.prompt is not None)
    chunks: list[bytes] = []
    for index, segment in enumerate(walked.segments):
        if index:
            chunks.append(pcm.silence(GAP_SECONDS))
        if segment.prompt is not None:
            chunks.append(pcm.read_frames(library.path_for(segment.prompt)))
        elif segment.kind == "key":
            chunks.append(pcm.dtmf_tone(segment.key, segment.seconds))
        else:
            chunks.append(pcm.silence(segment.seconds))
    return pcm.write_wav(out, chunks)
