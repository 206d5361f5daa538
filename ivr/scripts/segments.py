"""A personalised prompt as fixed and variable parts, played one after the other as one ARI media list.

"Xin chào {xung_ho} {ten}, đây là Sở Y tế." is three parts: "Xin chào" (the same for everybody: rendered
once per script), "{xung_ho} {ten}" (the contact's: rendered just before their call, cached by its text, and
names repeat across contacts and days) and ", đây là Sở Y tế." (fixed). So no contact's prompt has to be
rendered whole before a campaign's first call (issue 18 item 4).

Rules (pure, table-tested in tests/unit/test_prompt_segments.py):
- placeholders separated only by spaces form one variable segment ("{xung_ho} {ten}"): one part, said
  with its own intonation, instead of several short files with a gap between each;
- a fixed segment with no letter or digit (", " between two variables) is not said: it is dropped;
- a variable segment that renders to nothing (a missing name with an empty fallback) is dropped;
- a variable part's id contains "/": no human recording can ever replace a person's value
  (ivr.speech.recordings matches no id with a "/"); a fixed part's id is ``<prompt id>.part<n>``, so a
  human recording named so replaces it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from ivr.scripts.interpreter import render_prompt  # the one place that substitutes values
from ivr.scripts.model import PLACEHOLDER_RE, Prompt, PromptTemplate


@dataclass(frozen=True)
class Segment:
    """A piece of a template's text: fixed words, or a run of placeholders (still written ``{...}``)."""

    text: str
    variable: bool


def _sayable(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


def split_text(text: str) -> tuple[Segment, ...]:
    """The template text as fixed and variable segments, in order (see the module's rules)."""
    pieces: list[Segment] = []
    pos = 0
    for match in PLACEHOLDER_RE.finditer(text):
        between = text[pos:match.start()]
        if pieces and pieces[-1].variable and not between.strip():
            pieces[-1] = Segment(pieces[-1].text + " " + match.group(0), True)  # "{xung_ho} {ten}": one part
        else:
            if between.strip():
                pieces.append(Segment(" ".join(between.split()), False))
            pieces.append(Segment(match.group(0), True))
        pos = match.end()
    if text[pos:].strip():
        pieces.append(Segment(" ".join(text[pos:].split()), False))
    return tuple(s for s in pieces if s.variable or _sayable(s.text))


def fixed_parts(template: PromptTemplate) -> tuple[Prompt, ...]:
    """The parts of ``template`` that are the same for everybody (rendered with the script's prompts)."""
    return tuple(Prompt(f"{template.id}.part{n}", s.text)
                 for n, s in enumerate(split_text(template.text)) if not s.variable)


def prompt_parts(template: PromptTemplate, variables: Mapping[str, str],
                 fallbacks: Mapping[str, str] | None = None) -> tuple[Prompt, ...]:
    """The parts one contact hears for ``template``, in order: fixed ones and their own values."""
    parts: list[Prompt] = []
    for n, segment in enumerate(split_text(template.text)):
        if not segment.variable:
            parts.append(Prompt(f"{template.id}.part{n}", segment.text))
            continue
        said = render_prompt(PromptTemplate(template.id, segment.text), variables, fallbacks).text
        if _sayable(said):
            parts.append(Prompt(f"{template.id}/value{n}", said))
    return tuple(parts)


def is_value(part: Prompt) -> bool:
    """Whether a part says a contact's value (named ``<prompt id>/value<n>`` by :func:`prompt_parts`)."""
    return "/" in part.id
