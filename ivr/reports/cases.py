"""The people in a report's lists, one row each: who, where, what they answered, what happened.

A robot case is one person in one campaign on one day (their answers over that day's attempts, the
latest answer to a question winning). A hotline case is one call of a caller the hotline did not
recognise as a campaign's contact (a recognised caller's call is an attempt of their campaign, so it is
already a robot case).
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence
from zoneinfo import ZoneInfo

from ivr.reports import labels
from ivr.reports.facts import AnswerFact, CampaignInfo, InboundFact, Person
from ivr.reports.figures import Summary, local
from ivr.reports.symptoms import SymptomRules

_DECLARED_CATEGORY = {"f1": "F1", "f2": "F2", "other": labels.OTHER_CATEGORY}
MENU_QUESTION = "menu"  # the hotline's menu choice: a way through the call, not a declaration


@dataclass(frozen=True)
class AnswerCase:
    """A row of the urgent list and of the answers export."""

    day: dt.date
    source: str
    category: str
    campaign: str
    called_at: dt.datetime | None  # local time
    result: str
    symptoms: tuple[str, ...]  # question ids answered with a symptom choice
    answers: Mapping[str, str] = field(default_factory=dict)
    person: Person | None = None
    phone_e164: str | None = None  # a hotline caller's number (a robot case's is the person's)
    contact_id: int | None = None
    inbound_call_id: int | None = None

    @property
    def sort_key(self) -> tuple[int, str, str, str, str]:
        p = self.person
        if p is None:
            return (1, "", "", "", self.called_at.isoformat() if self.called_at else "")
        return (0, (p.district or "").casefold(), (p.ward or "").casefold(), p.full_name.casefold(),
                self.called_at.isoformat() if self.called_at else "")


@dataclass(frozen=True)
class FollowUpCase:
    """A row of the manual follow-up list: a person the robot could not reach after all its attempts."""

    day: dt.date
    person: Person
    category: str
    campaign: str
    attempts: int
    last_call: dt.datetime | None  # local time
    last_result: str


def _by_owner(answers: Iterable[AnswerFact]) -> dict[int, list[AnswerFact]]:
    out: dict[int, list[AnswerFact]] = defaultdict(list)
    for a in answers:
        out[a.owner].append(a)
    return out


def robot_answer_cases(day: dt.date, summary: Summary, cases: Iterable[tuple[int, int]],
                       answers: Iterable[AnswerFact], people: Mapping[int, Person],
                       campaigns: Mapping[int, CampaignInfo], rules: SymptomRules,
                       zone: ZoneInfo) -> list[AnswerCase]:
    by_attempt = _by_owner(answers)
    out = []
    for case in cases:
        made = sorted((a for a in summary.attempts[case] if a.started_at in summary.window),
                      key=lambda a: (a.started_at, a.id))
        if not made:
            continue
        given: dict[str, AnswerFact] = {}
        for attempt in made:
            for answer in sorted(by_attempt.get(attempt.id, []), key=lambda x: x.answered_at):
                given[answer.question_id] = answer
        last = made[-1]
        campaign = campaigns.get(last.campaign_id)
        out.append(AnswerCase(
            day=day, source=labels.SOURCE_ROBOT, category=last.category,
            campaign=campaign.label if campaign else f"#{last.campaign_id}", called_at=local(last.started_at, zone),
            result=labels.outcome(last.outcome),
            symptoms=tuple(q for q, a in given.items() if rules.is_symptom(a)),
            answers={q: a.value for q, a in given.items()}, person=people.get(last.contact_id),
            contact_id=last.contact_id))
    return out


def hotline_answer_cases(day: dt.date, calls: Iterable[InboundFact], answers: Iterable[AnswerFact],
                         rules: SymptomRules, zone: ZoneInfo, only_symptomatic: bool) -> list[AnswerCase]:
    """Unrecognised callers' self-declarations (calls with answers beyond the menu choice), or only those
    reporting a symptom."""
    by_call = _by_owner(answers)
    out = []
    for call in calls:
        given = {a.question_id: a for a in sorted(by_call.get(call.id, []), key=lambda x: x.answered_at)}
        if call.attempt_id is not None or not set(given) - {MENU_QUESTION}:
            continue
        symptoms = tuple(q for q, a in given.items() if rules.is_symptom(a))
        if only_symptomatic and not (symptoms or call.script_result == "symptomatic"):
            continue
        declared = given.get("category")
        out.append(AnswerCase(
            day=day, source=labels.SOURCE_HOTLINE,
            category=_DECLARED_CATEGORY.get(declared.value, "") if declared else "", campaign="",
            called_at=local(call.started_at, zone),
            result=labels.INBOUND_RESULTS.get(call.script_result or "", call.script_result or ""),
            symptoms=symptoms, answers={q: a.value for q, a in given.items()}, phone_e164=call.caller_e164,
            inbound_call_id=call.id))
    return out


def follow_up_cases(day: dt.date, summary: Summary, people: Mapping[int, Person],
                    campaigns: Mapping[int, CampaignInfo], zone: ZoneInfo) -> list[FollowUpCase]:
    out = []
    for case in summary.with_flag("unreachable"):
        last = max(summary.attempts[case], key=lambda a: a.attempt_no)
        campaign = campaigns.get(last.campaign_id)
        person = people.get(last.contact_id)
        if person is None:
            continue
        out.append(FollowUpCase(day, person, last.category, campaign.label if campaign else f"#{last.campaign_id}",
                                last.attempt_no, local(last.started_at, zone), labels.outcome(last.outcome)))
    return sorted(out, key=lambda c: ((c.person.district or "").casefold(), (c.person.ward or "").casefold(),
                                      c.person.full_name.casefold()))


def sort_cases(cases: Sequence[AnswerCase]) -> list[AnswerCase]:
    """By district, commune and name; hotline callers (no address) last, by time."""
    return sorted(cases, key=lambda c: c.sort_key)
