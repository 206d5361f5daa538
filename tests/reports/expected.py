"""The figures the seeded province should give, counted from the spec (tests/reports/seed.py) in plain
Python: local dates compared as dates, person by person, with the symptom questions written out by hand
(not read from the scripts). Nothing here reads the database or imports the report code."""
from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Iterable

from seed import CAMPAIGNS, D, HOTLINE, PEOPLE, SCENARIOS, Att

FIGURES = ("due", "called", "reached", "completed", "symptomatic", "unreachable", "opted_out")
# What the shipped scripts ask about symptoms, by hand: a "yes" to any of these is a symptom.
SYMPTOM_QUESTIONS = {"fever", "cough", "breathing", "sore_throat", "taste_smell", "any_symptom"}
FINISHED = {"completed", "symptomatic", "wrong_person"}
UNKNOWN = "(không rõ)"


def on(day: dt.date, at: dt.datetime | None) -> bool:
    return at is not None and at.date() == day


def reported_symptom(a: Att) -> bool:
    return a.outcome == "symptomatic" or any(q in SYMPTOM_QUESTIONS and v == "yes" for q, v in a.answers.items())


def flags(day: dt.date, atts: list[Att]) -> set[str]:
    made = [a for a in atts if on(day, a.started)]
    out = set()
    if made or any(on(day, a.scheduled) for a in atts):
        out.add("due")
    if made:
        out.add("called")
    if any(a.answered for a in made):
        out.add("reached")
    if any(a.outcome in FINISHED for a in made):
        out.add("completed")
    if any(reported_symptom(a) for a in made):
        out.add("symptomatic")
    last = atts[-1]
    if on(day, last.started) and last.status == "done" and not last.answered and last.outcome != "opted_out":
        out.add("unreachable")
    if any(a.outcome == "opted_out" and (on(day, a.started) or (a.started is None and on(day, a.ended)))
           for a in atts):
        out.add("opted_out")
    return out


def cases(day: dt.date) -> dict[tuple[str, str], set[str]]:
    out = {}
    for key, atts in SCENARIOS.items():
        f = flags(day, atts)
        if f:
            out[key] = f
    return out


def count(found: Iterable[set[str]]) -> dict[str, int]:
    c: Counter[str] = Counter()
    for f in found:
        c.update(f)
    return {k: c[k] for k in FIGURES}


def total(day: dt.date) -> dict[str, int]:
    return count(cases(day).values())


def by(day: dt.date, group: str) -> dict[object, dict[str, int]]:
    grouped: dict[object, list[set[str]]] = {}
    for (camp, person), f in cases(day).items():
        p = PEOPLE[person]
        key: object = {"category": CAMPAIGNS[camp][1], "district": p.district or UNKNOWN,
                       "commune": (p.district or UNKNOWN, p.ward or UNKNOWN), "campaign": camp}[group]
        grouped.setdefault(key, []).append(f)
    return {k: count(v) for k, v in grouped.items()}


def urgent_people(day: dt.date) -> set[str]:
    return {person for (_, person), f in cases(day).items() if "symptomatic" in f}


def follow_up_people(day: dt.date) -> set[str]:
    return {person for (_, person), f in cases(day).items() if "unreachable" in f}


def answered_people(day: dt.date, category: str | None = None) -> set[tuple[str, str]]:
    """(campaign, person) with at least one answer in a call made that day."""
    return {(camp, person) for (camp, person), atts in SCENARIOS.items()
            if any(on(day, a.started) and a.answers for a in atts)
            and (category is None or CAMPAIGNS[camp][1] == category)}


def hotline(day: dt.date) -> dict[str, object]:
    calls = [c for c in HOTLINE if c.started.date() == day]
    waits = [c.waited for c in calls if c.waited is not None]
    return {
        "calls": len(calls),
        "declarations": sum(c.script_result in FINISHED for c in calls),
        "symptomatic": sum(c.script_result == "symptomatic" or any(q in SYMPTOM_QUESTIONS and v == "yes"
                                                                    for q, v in c.answers.items()) for c in calls),
        "answered_by_staff": sum(c.answered_by is not None for c in calls),
        "abandoned": sum(c.abandoned for c in calls),
        "callbacks_requested": sum(c.outcome == "callback_requested" for c in calls),
        "average_wait": round(sum(waits) / len(waits), 1) if waits else None,
        "longest_wait": max(waits) if waits else None,
    }


def hotline_urgent(day: dt.date) -> set[str]:
    """Callers (national numbers) who declared a symptom on the hotline that day."""
    return {c.caller for c in HOTLINE if c.started.date() == day and c.caller and
            any(q in SYMPTOM_QUESTIONS and v == "yes" for q, v in c.answers.items())}


def hotline_declared(day: dt.date, category: str | None = None) -> set[str]:
    wanted = {"F1": "f1", "F2": "f2"}.get(category or "", None)
    return {c.caller for c in HOTLINE if c.started.date() == day and c.caller
            and c.answers.get("menu") == "declare" and (category is None or c.answers.get("category") == wanted)}


DAYS = (D - dt.timedelta(days=1), D, D + dt.timedelta(days=1))
