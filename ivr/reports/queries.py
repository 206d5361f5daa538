"""The reports' reads: the ledger, answers, contacts and hotline calls of a span of days. Read only.

Each method is one read transaction and returns frozen facts (ivr.reports.facts); aggregation happens in
plain Python (ivr.reports.figures), so that the rules are testable as data and identical on SQLite and
PostgreSQL. One exception: ``day_counts``, the same rules in SQL for the monthly report, which needs only
the figures of 30 days of a province (a million attempts); a test holds it equal to the Python count.
A day of a province is some tens of thousands of attempts: fetching them for one day is cheap.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Mapping

from sqlalchemy import and_, case, exists, false, func, or_, select, text
from sqlalchemy.orm import Session, aliased

from ivr.reports.facts import AnswerFact, AttemptFact, CampaignInfo, InboundFact, Person, Window
from ivr.storage import models as m
from ivr.storage.base import StoreBase, chunks
from ivr.storage.hotline import InboundAnswer, InboundCall
from ivr.storage.purge_store import PURGED_PREFIX, PurgedSymptom

A, C = m.CallAttempt, m.Contact
FIGURE_NAMES = ("due", "called", "reached", "completed", "symptomatic", "unreachable", "opted_out")


@dataclass(frozen=True)
class GroupCounts:
    """How many cases of one (category, district, commune, campaign) count in each figure on a day."""

    category: str
    district: str | None
    ward: str | None
    campaign_id: int
    counts: tuple[int, ...]  # in FIGURE_NAMES' order


class ReportQueries(StoreBase):
    def attempt_facts(self, window: Window) -> list[AttemptFact]:
        """Attempts due, started or ended within ``window``, with their campaign's and contact's groups."""
        later = aliased(A)
        is_last = ~exists().where(later.campaign_id == A.campaign_id, later.household_id == A.household_id,
                                  later.attempt_no > A.attempt_no)
        query = (
            select(A.id, A.campaign_id, A.contact_id, A.household_id, A.attempt_no, A.status, A.scheduled_at,
                   A.started_at, A.answered_at, A.ended_at, A.outcome, is_last.label("is_last"),
                   func.coalesce(m.Campaign.category, C.category), C.district, C.ward)
            .join(C, C.id == A.contact_id).join(m.Campaign, m.Campaign.id == A.campaign_id)
            .where(or_(*[(column >= window.start) & (column < window.end)
                         for column in (A.scheduled_at, A.started_at, A.ended_at)]))
            .order_by(A.id)
        )
        with self._read() as s:
            return [AttemptFact(id=r[0], campaign_id=r[1], contact_id=r[2], household_id=r[3], attempt_no=r[4],
                                status=r[5], scheduled_at=r[6], started_at=r[7], answered_at=r[8], ended_at=r[9],
                                outcome=r[10], is_last=bool(r[11]), category=r[12], district=r[13], ward=r[14])
                    for r in s.connection().execute(query)]  # Core rows: the ORM's row handling is not needed

    def answer_scripts(self, window: Window) -> set[str]:
        """The scripts of the answers given in attempts started within ``window``."""
        query = (select(m.Answer.script).join(A, A.id == m.Answer.attempt_id)
                 .where(A.started_at >= window.start, A.started_at < window.end).distinct())
        with self._by_index() as s:
            return set(s.scalars(query))

    @contextmanager
    def _read(self) -> Iterator[Session]:
        """A report's read transaction; PostgreSQL's JIT off in it (it compiles these one-off aggregates for
        longer than they run: 1.4 of 1.9 s a day on the bench's month, issue 18)."""
        with super()._read() as s:
            if self._postgres:
                s.execute(text("SET LOCAL jit = off"))
            yield s

    @contextmanager
    def _by_index(self) -> Iterator[Session]:
        """A read of a day's rows from a table of months, by index: PostgreSQL is told, for this transaction, that
        a page read at random costs about as one read in order (random_page_cost 1.1, the SSDs a database runs
        on; with the default 4, for spinning disks, it scanned the month's 2 million answers to find a day's
        70,000: 320 ms against 65 ms; bench/README.md). Not for the month's counts, which read most pages."""
        with self._read() as s:
            if self._postgres:
                s.execute(text("SET LOCAL random_page_cost = 1.1"))
            yield s

    def day_counts(self, window: Window, symptom_choices: Mapping[str, Iterable[tuple[str, str]]],
                   *, completed: Iterable[str], away: str, opted_out: str, done: str) -> list[GroupCounts]:
        """The day's figures counted by the database, by group: the rules of ivr.reports.figures.case_flags
        in SQL (an attempt's flags, OR-ed over the case's attempts, then the cases counted by group), for
        the monthly report, which needs no list of people (issue 18: Python over every attempt took ~2 s a
        day). ``symptom_choices``: (question id, value) flagged a symptom, by script name."""
        def within(column: Any) -> Any:
            return (column >= window.start) & (column < window.end)

        later = aliased(A)
        is_last = ~exists().where(later.campaign_id == A.campaign_id, later.household_id == A.household_id,
                                  later.attempt_no > A.attempt_no)
        flagged = [and_(m.Answer.script == script, m.Answer.question_id == question, m.Answer.value == value)
                   for script, pairs in sorted(symptom_choices.items()) for question, value in sorted(pairs)]
        symptom_answer = exists().where(m.Answer.attempt_id == A.id, or_(*flagged)) if flagged else false()
        purged = exists().where(PurgedSymptom.attempt_id == A.id)
        started = within(A.started_at)
        conditions = {
            "due": started | within(A.scheduled_at),
            "called": started,
            "reached": started & A.answered_at.is_not(None),
            "completed": started & A.outcome.in_(list(completed)),
            "symptomatic": started & ((A.outcome == "symptomatic") | symptom_answer | purged),
            "unreachable": started & is_last & (A.status == done)
                           & (A.answered_at.is_(None) | (A.outcome == away))
                           & (func.coalesce(A.outcome, "") != opted_out),
            "opted_out": (A.outcome == opted_out) & (started | (A.started_at.is_(None) & within(A.ended_at))),
        }
        attempts = (
            select(A.campaign_id, A.contact_id, func.coalesce(m.Campaign.category, C.category).label("category"),
                   C.district, C.ward, *(case((cond, 1), else_=0).label(name) for name, cond in conditions.items()))
            .join(C, C.id == A.contact_id).join(m.Campaign, m.Campaign.id == A.campaign_id)
            .where(or_(*[within(column) for column in (A.scheduled_at, A.started_at, A.ended_at)]))
            .subquery()
        )
        cases = (
            select(attempts.c.campaign_id, func.min(attempts.c.category).label("category"),
                   func.min(attempts.c.district).label("district"), func.min(attempts.c.ward).label("ward"),
                   *(func.max(attempts.c[name]).label(name) for name in FIGURE_NAMES))
            .group_by(attempts.c.campaign_id, attempts.c.contact_id)
            .subquery()
        )
        query = (
            select(cases.c.category, cases.c.district, cases.c.ward, cases.c.campaign_id,
                   *(func.sum(cases.c[name]) for name in FIGURE_NAMES))
            .group_by(cases.c.category, cases.c.district, cases.c.ward, cases.c.campaign_id)
        )
        with self._read() as s:
            rows = [GroupCounts(r[0], r[1], r[2], r[3], tuple(int(v) for v in r[4:])) for r in s.execute(query)]
        # A case with no figure that day (an attempt of the day before, ended after midnight...) adds nothing;
        # a group of such cases only is no group (as in ivr.reports.figures.summarise). Left to Python: a
        # filter on the cases' flags made PostgreSQL compute every flag twice.
        return [g for g in rows if any(g.counts)]

    def symptom_attempts(self, window: Window, symptom_choices: Mapping[str, Iterable[tuple[str, str]]]) -> set[int]:
        """Attempts started within ``window`` with an answer that is a symptom choice of its script (what
        ivr.reports.symptoms.SymptomRules.flagged_owners finds among their answers, without reading them)."""
        flagged = [and_(m.Answer.script == script, m.Answer.question_id == question, m.Answer.value == value)
                   for script, pairs in sorted(symptom_choices.items()) for question, value in sorted(pairs)]
        if not flagged:
            return set()
        query = (select(m.Answer.attempt_id).join(A, A.id == m.Answer.attempt_id)
                 .where(A.started_at >= window.start, A.started_at < window.end, or_(*flagged)).distinct())
        with self._by_index() as s:
            return set(s.scalars(query))

    def purged_symptoms_in(self, window: Window) -> set[int]:
        """Attempts started within ``window`` whose answers reported a symptom before the purge deleted them."""
        query = (select(PurgedSymptom.attempt_id).join(A, A.id == PurgedSymptom.attempt_id)
                 .where(A.started_at >= window.start, A.started_at < window.end))
        with self._read() as s:
            return set(s.scalars(query))

    def places(self) -> set[tuple[str | None, str | None]]:
        """Every (district, commune/ward) the lists name: what an --area can be checked against."""
        with self._read() as s:
            return {(r[0], r[1]) for r in s.execute(select(C.district, C.ward).distinct())}

    def answered_questions(self, window: Window) -> set[str]:
        """The question ids answered in robot calls started, or hotline calls started, within ``window``
        (the columns of an answers export, known before its rows are streamed)."""
        robot = (select(m.Answer.question_id).join(A, A.id == m.Answer.attempt_id)
                 .where(A.started_at >= window.start, A.started_at < window.end).distinct())
        hotline = (select(InboundAnswer.question_id).join(InboundCall, InboundCall.id == InboundAnswer.call_id)
                   .where(InboundCall.started_at >= window.start, InboundCall.started_at < window.end).distinct())
        with self._read() as s:
            return set(s.scalars(robot)) | set(s.scalars(hotline))

    def campaigns(self, ids: Iterable[int]) -> dict[int, CampaignInfo]:
        wanted = sorted(set(ids))
        out: dict[int, CampaignInfo] = {}
        with self._read() as s:
            for chunk in chunks(wanted):
                for row in s.execute(select(m.Campaign.id, m.Campaign.script_name, m.Campaign.category,
                                            m.Campaign.list_date, m.Campaign.import_id)
                                     .where(m.Campaign.id.in_(chunk))):
                    out[row[0]] = CampaignInfo(*row)
        return out

    def answers(self, attempt_ids: Iterable[int]) -> list[AnswerFact]:
        """The answers given in these attempts, oldest first."""
        wanted = sorted(set(attempt_ids))
        out: list[AnswerFact] = []
        with self._read() as s:
            for among in self.among(m.Answer.attempt_id, wanted):
                query = (select(m.Answer.attempt_id, m.Answer.question_id, m.Answer.value, m.Answer.script,
                                m.Answer.answered_at)
                         .where(among))
                out.extend(AnswerFact(*row) for row in s.execute(query))
        return sorted(out, key=lambda a: (a.answered_at, a.owner, a.question_id))

    def purged_symptoms(self, attempt_ids: Iterable[int]) -> set[int]:
        """Attempts whose answers reported a symptom before the retention purge deleted them."""
        out: set[int] = set()
        with self._read() as s:
            for among in self.among(PurgedSymptom.attempt_id, sorted(set(attempt_ids))):
                out |= set(s.scalars(select(PurgedSymptom.attempt_id).where(among)))
        return out

    def people(self, contact_ids: Iterable[int]) -> dict[int, Person]:
        """Name, phone and address of these contacts (for the lists that must show them)."""
        wanted = sorted(set(contact_ids))
        out: dict[int, Person] = {}
        with self._read() as s:
            for among in self.among(C.id, wanted):
                query = select(C.id, C.full_name, C.phone_e164, C.birth_year, C.address, C.ward, C.district,
                               C.category, C.name_key).where(among)
                for row in s.execute(query):
                    out[row[0]] = Person(*row[:8], purged=row[8].startswith(PURGED_PREFIX))
        return out

    def inbound_calls(self, window: Window) -> list[InboundFact]:
        """Hotline calls that started within ``window``."""
        I = InboundCall
        query = (select(I.id, I.started_at, I.caller_e164, I.contact_id, I.attempt_id, I.queue_entered_at,
                        I.queue_wait_seconds, I.answered_by, I.abandoned, I.outcome, I.script_result)
                 .where(I.started_at >= window.start, I.started_at < window.end).order_by(I.id))
        with self._read() as s:
            return [InboundFact(*row) for row in s.execute(query)]

    def inbound_answers(self, call_ids: Iterable[int]) -> list[AnswerFact]:
        wanted = sorted(set(call_ids))
        out: list[AnswerFact] = []
        with self._read() as s:
            for among in self.among(InboundAnswer.call_id, wanted):
                query = (select(InboundAnswer.call_id, InboundAnswer.question_id, InboundAnswer.value,
                                InboundAnswer.script, InboundAnswer.answered_at)
                         .where(among))
                out.extend(AnswerFact(*row) for row in s.execute(query))
        return sorted(out, key=lambda a: (a.answered_at, a.owner, a.question_id))
