"""The call-script model: typed, immutable steps loaded from a YAML "kịch bản".

A script is a graph of steps (say, ask, transfer, end) keyed by step id, kept in file order. Every step,
choice and prompt keeps the line it came from so that the checker and loader can name file, line and step
in their messages. Line numbers are metadata: they never take part in equality.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Mapping, Union

# Keys a phone keypad can send as DTMF.
DTMF_KEYS = frozenset("0123456789*#ABCD")

# End-step outcome resolved at the end of the call: "symptomatic" if any answer flagged "symptom" was
# given, else "completed". See scripts_vi/README.md.
AUTO_OUTCOME = "auto"
SYMPTOM_FLAG = "symptom"
KNOWN_FLAGS = frozenset({SYMPTOM_FLAG})
TRANSFER_TARGETS = frozenset({"staff"})

# The form of address (xưng hô) a prompt may use as `{xung_ho}`: filled from the contact's birth year and sex
# (ivr/scripts/address.py). Its values are this closed set, so a prompt whose only variable is `{xung_ho}`
# is rendered, and may be recorded by a person, once per form: audio/<prompt id>.<suffix>.wav.
FORM_VARIABLE = "xung_ho"
ADDRESS_FORMS: Mapping[str, str] = {"ông": "ong", "bà": "ba", "anh": "anh", "chị": "chi", "ông/bà": "ong_ba",
                                    "anh/chị": "anh_chi"}
OTHER_FORM_SUFFIX = "khac"  # a value outside ADDRESS_FORMS (a preview's --var): never has a recording
# A verify step (VerifyStep) compares what the caller keys in with this variable, which the hotline fills
# with the birth year of the person the call is about. It is never spoken: no prompt may name it.
VERIFY_VARIABLE = "nam_sinh"
# The answer a verify step records (never the digits): question id and values.
VERIFY_QUESTION = "caller_check"
VERIFY_PASSED, VERIFY_FAILED, VERIFY_NO_INPUT = "passed", "failed", "no_input"
# The outcome of the end step a verified caller reaches: the hotline then plays the campaign's own script.
VERIFIED_OUTCOME = "verified"

# `{var}` or `{var|fallback text}`; the fallback may not contain braces.
PLACEHOLDER_RE = re.compile(r"\{([a-z_][a-z0-9_]*)(?:\|([^{}]*))?\}")


@dataclass(frozen=True)
class Placeholder:
    """One `{name}` / `{name|fallback}` occurrence in a prompt text."""

    name: str
    fallback: str | None


# A script's few dozen texts, asked again at every step of every call: parsed once (pure functions of the text).
@lru_cache(maxsize=4096)
def _placeholders(text: str) -> tuple[Placeholder, ...]:
    return tuple(Placeholder(m.group(1), m.group(2)) for m in PLACEHOLDER_RE.finditer(text))


@lru_cache(maxsize=4096)
def _by_form(text: str) -> bool:
    return {p.name for p in _placeholders(text)} == {FORM_VARIABLE}


@dataclass(frozen=True)
class PromptTemplate:
    """A prompt as written in the script. `id` is stable ("f1_daily.ask_fever", "...ask_fever.invalid"):
    it names a human recording `audio/<id>.wav` that replaces speech synthesis for this prompt."""

    id: str
    text: str
    line: int = field(default=0, compare=False)

    def placeholders(self) -> tuple[Placeholder, ...]:
        return _placeholders(self.text)

    @property
    def by_form(self) -> bool:
        """Whether the only variable is the form of address: one rendering (and recording) per form."""
        return _by_form(self.text)

    def form_id(self, form: str) -> str:
        """The prompt id of this template said with ``form`` (``f1_daily.ask_symptoms.ba``)."""
        return f"{self.id}.{ADDRESS_FORMS.get(form, OTHER_FORM_SUFFIX)}"


@dataclass(frozen=True)
class Prompt:
    """A template rendered for one contact: variables substituted, fallbacks applied."""

    id: str
    text: str


@dataclass(frozen=True)
class Variable:
    """A contact field a prompt may use, e.g. `ho_ten`; `fallback` is said when the value is missing
    and the placeholder has no fallback of its own."""

    name: str
    description: str
    fallback: str | None = None
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Choice:
    """What one key means in an ask: the answer value stored, the next step, an optional flag."""

    value: str
    next: str
    flag: str | None = None
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class SayStep:
    """Play a prompt (not interruptible), then go to `next`."""

    id: str
    prompt: PromptTemplate
    next: str
    line: int = field(default=0, compare=False)
    field_lines: Mapping[str, int] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class AskStep:
    """Play a question and collect one key. `question_id` is the stable id answers are stored under."""

    id: str
    question_id: str
    prompt: PromptTemplate
    choices: Mapping[str, Choice]
    invalid_prompt: PromptTemplate
    silence_prompt: PromptTemplate
    on_exhausted: str
    timeout: float = 6.0
    max_retries: int = 2
    repeat_key: str = "*"
    line: int = field(default=0, compare=False)
    field_lines: Mapping[str, int] = field(default_factory=dict, compare=False)

    @property
    def keys(self) -> frozenset[str]:
        """Keys with a meaning here: the choices and the repeat key."""
        return frozenset(self.choices) | {self.repeat_key}


@dataclass(frozen=True)
class TransferStep:
    """Announce (optional), then hand the call to `target` (the hotline staff queue)."""

    id: str
    target: str
    prompt: PromptTemplate | None = None
    next_on_fail: str | None = None
    line: int = field(default=0, compare=False)
    field_lines: Mapping[str, int] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class EndStep:
    """Say goodbye (optional), then finish the call with `outcome` ("auto": see AUTO_OUTCOME)."""

    id: str
    prompt: PromptTemplate | None
    outcome: str
    line: int = field(default=0, compare=False)
    field_lines: Mapping[str, int] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class VerifyStep:
    """The caller proves who they are before anything personal is said: they key in the ``digits``-digit
    birth year of the person the call is about (the variable VERIFY_VARIABLE). The right year goes to
    ``next``; after ``attempts`` wrong entries (or silences) the call goes to ``on_fail`` (in the hotline:
    the anonymous self-declaration). Records VERIFY_QUESTION as passed/failed/no_input, never the digits.
    A verify step is an entry point of the script: the hotline starts a recognised caller there."""

    id: str
    prompt: PromptTemplate
    invalid_prompt: PromptTemplate
    next: str
    on_fail: str
    attempts: int = 2
    digits: int = 4
    timeout: float = 8.0
    repeat_key: str = "*"
    line: int = field(default=0, compare=False)
    field_lines: Mapping[str, int] = field(default_factory=dict, compare=False)


Step = Union[SayStep, AskStep, TransferStep, EndStep, VerifyStep]


@dataclass(frozen=True)
class Script:
    """One loaded script. `steps` keeps file order; `source` is the file it came from (for messages)."""

    name: str
    version: str | int
    language: str
    description: str
    start: str
    steps: Mapping[str, Step]
    variables: Mapping[str, Variable]
    source: str = ""
    direction: str | None = None         # "outbound" (campaigns) or "inbound" (the hotline): see purpose.py
    categories: tuple[str, ...] = ()     # who it speaks to: F1, F2
    field_lines: Mapping[str, int] = field(default_factory=dict, compare=False)

    def successors(self, step: Step) -> tuple[tuple[str, str, int], ...]:
        """(target step id, field name, line) for every edge out of `step`, including `on_exhausted`."""
        lines = step.field_lines
        if isinstance(step, SayStep):
            return ((step.next, "next", lines.get("next", step.line)),)
        if isinstance(step, AskStep):
            out = [(c.next, f"choice '{k}'", c.line or step.line) for k, c in step.choices.items()]
            out.append((step.on_exhausted, "on_exhausted", lines.get("on_exhausted", step.line)))
            return tuple(out)
        if isinstance(step, VerifyStep):
            return ((step.next, "next", lines.get("next", step.line)),
                    (step.on_fail, "on_fail", lines.get("on_fail", step.line)))
        if isinstance(step, TransferStep) and step.next_on_fail is not None:
            return ((step.next_on_fail, "on_fail", lines.get("on_fail", step.line)),)
        return ()


def step_prompts(step: Step) -> tuple[PromptTemplate, ...]:
    """Every prompt template a step can play, in playing order."""
    if isinstance(step, AskStep):
        return (step.prompt, step.invalid_prompt, step.silence_prompt)
    if isinstance(step, SayStep):
        return (step.prompt,)
    if isinstance(step, VerifyStep):
        return (step.prompt, step.invalid_prompt)
    return () if step.prompt is None else (step.prompt,)
