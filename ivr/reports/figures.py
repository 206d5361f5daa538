"""The report's figures, pure: facts of the ledger in, counts out. No database, no clock.

What is counted is a *case*: one person in one campaign (calls go to a household's phone, through the
first member of the household on the list, so a household is one case). For a day D:
- due: an attempt of the case was due on D (scheduled on D), or was made on D;
- called: an attempt was dialled on D (it has a start time on D);
- reached: an attempt dialled on D was answered;
- completed: an attempt dialled on D ended with the script finished (completed, symptomatic or
  wrong_person);
- symptomatic: an attempt dialled on D reported a symptom (see ivr.reports.symptoms);
- unreachable after all attempts: the case's last attempt in its campaign was dialled on D, is done, was
  not answered (or answered by a family member saying the person is away: ``unavailable``), and no
  further attempt exists (opt-outs excepted). These people go to manual follow-up;
- opted out: an attempt ended on D with the outcome ``opted_out`` (on a call that day, or a pending call
  closed that day because the phone opted out).
So unreachable <= called <= due, and completed, symptomatic <= reached <= called. A case counts once per
figure on a day; over several days it counts on each day it was called (monthly figures are person-days).
"""
from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, fields, replace
from typing import AbstractSet, Iterable, Mapping, Sequence
from zoneinfo import ZoneInfo

from ivr.hotline.routing import DECLARED_RESULTS
from ivr.reports import labels
from ivr.reports.facts import AttemptFact, InboundFact, Window

COMPLETED = frozenset({"completed", "symptomatic", "wrong_person"})
OPTED_OUT = "opted_out"
AWAY = "unavailable"  # answered, but by family: the person was never reached
DONE = "done"


@dataclass(frozen=True)
class Figures:
    due: int = 0
    called: int = 0
    reached: int = 0
    completed: int = 0
    symptomatic: int = 0
    unreachable: int = 0
    opted_out: int = 0

    @classmethod
    def of(cls, flags: AbstractSet[str]) -> Figures:
        return cls(**{f.name: int(f.name in flags) for f in fields(cls)})

    def __add__(self, other: Figures) -> Figures:
        return Figures(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})

    def as_dict(self) -> dict[str, int]:
        return {key: getattr(self, key) for key, _ in labels.FIGURES}

    def values(self) -> list[int]:
        return list(self.as_dict().values())


def case_flags(attempts: Iterable[AttemptFact], window: Window, symptomatic: AbstractSet[int]) -> frozenset[str]:
    """Which figures one case counts in for the day ``window`` (empty: the case had nothing that day)."""
    flags: set[str] = set()
    for a in attempts:
        started = a.started_at in window
        if started or a.scheduled_at in window:
            flags.add("due")
        if started:
            flags.add("called")
            if a.answered_at is not None:
                flags.add("reached")
            if a.outcome in COMPLETED:
                flags.add("completed")
            if a.outcome == "symptomatic" or a.id in symptomatic:
                flags.add("symptomatic")
            if a.is_last and a.status == DONE and (a.answered_at is None or a.outcome == AWAY) \
                    and a.outcome != OPTED_OUT:
                flags.add("unreachable")
        if a.outcome == OPTED_OUT and (started or (a.started_at is None and a.ended_at in window)):
            flags.add("opted_out")
    return frozenset(flags)


@dataclass(frozen=True)
class Summary:
    """The figures of one day: in total, by category, district, commune (district, commune) and campaign.
    ``cases`` keeps each case's flags and one of its attempts (for the lists and charts)."""

    window: Window
    cases: Mapping[tuple[int, int], frozenset[str]]
    attempts: Mapping[tuple[int, int], tuple[AttemptFact, ...]]
    total: Figures
    by_category: Mapping[str, Figures]
    by_district: Mapping[str, Figures]
    by_commune: Mapping[tuple[str, str], Figures]
    by_campaign: Mapping[int, Figures]

    def with_flag(self, flag: str) -> list[tuple[int, int]]:
        return sorted(case for case, flags in self.cases.items() if flag in flags)


def place(value: str | None) -> str:
    return value.strip() if value and value.strip() else labels.UNKNOWN_PLACE


def summarise(facts: Iterable[AttemptFact], window: Window, symptomatic: AbstractSet[int]) -> Summary:
    """Count the cases of the day ``window`` from the attempts around it (see the module docstring)."""
    by_case: dict[tuple[int, int], list[AttemptFact]] = defaultdict(list)
    for fact in facts:
        by_case[fact.case].append(fact)
    cases: dict[tuple[int, int], frozenset[str]] = {}
    # The cases counted by (category, district, commune, campaign) and their flags, then added up by group
    # (adding a Figures per case was ~1/5 of the daily report's time at a province's scale, issue 18).
    counted: Counter[tuple[str, str | None, str | None, int, frozenset[str]]] = Counter()
    for case, attempts in sorted(by_case.items()):
        flags = case_flags(attempts, window, symptomatic)
        if not flags:
            continue
        cases[case] = flags
        first = attempts[0]
        counted[(first.category, first.district, first.ward, first.campaign_id, flags)] += 1
    groups: dict[tuple[str, str | None, str | None, int], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for (category, district, ward, campaign_id, flags), n in counted.items():
        counts = groups[(category, district, ward, campaign_id)]
        for flag in flags:
            counts[flag] += n
    summary = summary_of_groups(window, [(*key, Figures(**counts)) for key, counts in groups.items()])
    return replace(summary, cases=cases, attempts={c: tuple(by_case[c]) for c in cases})


def summary_of_groups(window: Window, groups: Iterable[tuple[str, str | None, str | None, int, Figures]]) -> Summary:
    """A Summary from figures already counted by group (category, district, commune, campaign): what the
    database counts for the monthly report (ReportQueries.day_counts). No case is kept (no list is made)."""
    total = Figures()
    by: dict[str, dict] = {"category": defaultdict(Figures), "district": defaultdict(Figures),
                           "commune": defaultdict(Figures), "campaign": defaultdict(Figures)}
    for category, district, ward, campaign_id, figures in groups:
        total += figures
        by["category"][category] += figures
        by["district"][place(district)] += figures
        by["commune"][(place(district), place(ward))] += figures
        by["campaign"][campaign_id] += figures
    return Summary(window, {}, {}, total,
                   *(dict(sorted(by[g].items())) for g in ("category", "district", "commune", "campaign")))


@dataclass(frozen=True)
class HotlineFigures:
    calls: int = 0
    declarations: int = 0
    symptomatic: int = 0
    answered_by_staff: int = 0
    abandoned: int = 0
    callbacks_requested: int = 0
    average_wait: float | None = None  # seconds in the staff queue, over the calls that joined it
    longest_wait: float | None = None

    def as_dict(self) -> dict[str, float | int | None]:
        return {key: getattr(self, key) for key, _ in labels.HOTLINE_FIGURES}


def hotline_figures(calls: Sequence[InboundFact], symptomatic: AbstractSet[int]) -> HotlineFigures:
    """Hotline calls of a span: how many, self-declarations (the script reached its end), those with a
    symptom, answered by staff, abandoned in the queue, call-backs asked for, queue waits."""
    waits = [c.queue_wait_seconds for c in calls
             if c.queue_entered_at is not None and c.queue_wait_seconds is not None]
    return HotlineFigures(
        calls=len(calls),
        declarations=sum(1 for c in calls if c.script_result in DECLARED_RESULTS),
        symptomatic=sum(1 for c in calls if c.script_result == "symptomatic" or c.id in symptomatic),
        answered_by_staff=sum(1 for c in calls if c.answered_by),
        abandoned=sum(1 for c in calls if c.abandoned),
        callbacks_requested=sum(1 for c in calls if c.outcome == "callback_requested"),
        average_wait=round(sum(waits) / len(waits), 1) if waits else None,
        longest_wait=round(max(waits), 1) if waits else None,
    )


def calls_per_hour(facts: Iterable[AttemptFact], window: Window, zone: ZoneInfo) -> dict[int, dict[str, int]]:
    """Attempts dialled in ``window`` by local hour (0-23) and outcome (None: still in progress)."""
    out: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for fact in facts:
        if fact.started_at in window:
            assert fact.started_at is not None
            hour = fact.started_at.astimezone(zone).hour
            out[hour][fact.outcome or ""] += 1
    return {h: dict(v) for h, v in sorted(out.items())}


def local(at: dt.datetime | None, zone: ZoneInfo) -> dt.datetime | None:
    """A UTC time as a naive local time, as spreadsheets show it."""
    return at.astimezone(zone).replace(tzinfo=None) if at is not None else None
