"""Which answers are symptoms: read from the call scripts themselves, not from a list kept here.

A script marks a symptom choice with ``flag: symptom`` (scripts_vi/*.yaml). A person "reported a symptom"
in a call when any answer they gave is such a choice of the script that asked it — whether or not the
call reached its end — or when the call ended with the script outcome ``symptomatic`` (which the
interpreter gives exactly when a flagged answer was given). The union keeps both: answers of a call cut
short after "fever: yes", and calls made with a script that has since been removed or renamed.
Flags are matched by (question id, answer value) in the current version of the script.
"""
from __future__ import annotations

from typing import Callable, Iterable

from ivr.reports.facts import AnswerFact
from ivr.scripts.model import SYMPTOM_FLAG, AskStep, Script

SYMPTOMATIC_OUTCOME = "symptomatic"


def symptom_choices(script: Script) -> frozenset[tuple[str, str]]:
    """(question id, answer value) of every choice the script flags as a symptom."""
    return frozenset((step.question_id, choice.value) for step in script.steps.values()
                     if isinstance(step, AskStep) for choice in step.choices.values() if choice.flag == SYMPTOM_FLAG)


class SymptomRules:
    """Symptom choices by script name, loaded once per name. A script that cannot be loaded has none
    (its calls are still counted by their ``symptomatic`` outcome); ``missing`` names those scripts."""

    def __init__(self, load: Callable[[str], Script]) -> None:
        self._load = load
        self._cache: dict[str, frozenset[tuple[str, str]]] = {}
        self.missing: set[str] = set()

    def choices(self, script_name: str) -> frozenset[tuple[str, str]]:
        if script_name not in self._cache:
            try:
                self._cache[script_name] = symptom_choices(self._load(script_name))
            except Exception:  # noqa: BLE001 - unknown or broken script: fall back on the outcome
                self._cache[script_name] = frozenset()
                self.missing.add(script_name)
        return self._cache[script_name]

    def is_symptom(self, answer: AnswerFact) -> bool:
        return (answer.question_id, answer.value) in self.choices(answer.script)

    def flagged_owners(self, answers: Iterable[AnswerFact]) -> set[int]:
        """Attempts (or hotline calls) with at least one symptom answer."""
        return {a.owner for a in answers if self.is_symptom(a)}
