"""How long a resident listens: the quickest way to each ending of a script, measured on rendered audio.

``script check`` uses it to warn about a script whose endings take longer than ``audio.max_path_seconds``
(50 s by default: issue 14 found a healthy F1 resident listening to 113.7 s). Prompts are rendered as a
preview renders them (contact fields by their fallbacks, the form of address by its fallback), so the
figure is exactly what ``robocall script preview NAME --answers KEYS`` writes for the same keys.
"""
from __future__ import annotations

from dataclasses import dataclass

from ivr.scripts.interpreter import fallbacks_of, render_prompt
from ivr.scripts.model import AskStep, Script, Step
from ivr.scripts.paths import EndingPath, quickest_endings
from ivr.speech import convert
from ivr.speech.library import AudioLibrary
from ivr.speech.preview import GAP_SECONDS, KEY_TONE_SECONDS, spoken_seconds, walk


@dataclass(frozen=True)
class Timed:
    """One ending, the quickest way to it, and how long that way lasts."""

    path: EndingPath
    seconds: float
    line: int  # the end step's line, for the message


def timed_endings(script: Script, library: AudioLibrary) -> list[Timed]:
    """Every ending reachable by answering, with the seconds of its quickest path (rendering what is missing)."""
    fallbacks = fallbacks_of(script)
    mains = {s.id: render_prompt(s.prompt, {}, fallbacks) for s in script.steps.values() if s.prompt is not None}
    library.ensure_all(mains.values())
    lengths = {sid: convert.wav_info(library.path_for(p)).seconds for sid, p in mains.items()}

    def weight(step: Step) -> float:
        own = lengths.get(step.id, 0.0) + GAP_SECONDS
        return own + (KEY_TONE_SECONDS + GAP_SECONDS if isinstance(step, AskStep) else 0.0)

    out = []
    for path in quickest_endings(script, weight):
        seconds = spoken_seconds(walk(script, path.keys, {}), library)
        out.append(Timed(path, round(seconds, 1), script.steps[path.end].line))
    return out


def too_long(script: Script, library: AudioLibrary, limit: float) -> list[Timed]:
    """The endings whose quickest path lasts longer than ``limit`` seconds (none when limit is 0)."""
    if limit <= 0:
        return []
    return [t for t in timed_endings(script, library) if t.seconds > limit]
