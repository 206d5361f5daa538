"""One way to record a call attempt, for the dialer and the hotline alike.

- ``answer`` takes the script's answer object and queues it: the answers are written in the order they were
  given, retried across a database outage (ivr.storage.resilience), so a prompt never waits for the
  database; the dialer's calls share one batch writer (``answer_batches``, ivr.storage.batch_writer: one
  transaction for the answers of many calls), a hotline call has a writer of its own;
- ``finish`` waits for those answers, then records how the attempt ended with the campaign's retry policy
  (the ledger schedules the next attempt in the same transaction). If an answer could not be written the
  attempt is left dialling for the dialer's recovery, never recorded with a gap in its answers.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol, Sequence

from ivr.calls.outcomes import ledger_outcome
from ivr.calls.session import CallReport
from ivr.logs import get_logger
from ivr.scripts.interpreter import RecordAnswer
from ivr.storage import records as r
from ivr.storage.batch_writer import BatchWriter
from ivr.storage.ledger import AttemptWrites, RetryRule
from ivr.storage.resilience import DatabaseUnavailable, DbRetry, OrderedWriter

log = get_logger(__name__)
Given = tuple[RecordAnswer, dt.datetime]
# The dialer's answers of every call, batched (ivr.storage.batch_writer): a lane per attempt, keyed by it.
AnswerBatches = BatchWriter[r.Attempt, Given]


class _Queue(Protocol):
    """What the recorder needs of its writer: an OrderedWriter of its own or a lane of the shared batches."""

    written: int
    dropped: int

    def put(self, item: Given) -> None: ...
    async def close(self) -> bool: ...


@dataclass(frozen=True)
class AttemptEnd:
    """How an attempt ended, as the ledger records it."""

    outcome: str
    sip_cause: int | None
    hangup_cause: int | None
    answered_at: dt.datetime | None
    ended_at: dt.datetime

    @classmethod
    def of(cls, report: CallReport) -> AttemptEnd:
        """The end of a call that ran: the ledger outcome of its result (ivr.calls.outcomes)."""
        res = report.result
        return cls(ledger_outcome(res), res.sip_cause, res.hangup_cause, report.answered_at, report.ended_at)

    @classmethod
    def recovered(cls, answered: bool, at: dt.datetime) -> AttemptEnd:
        """An attempt whose call report is lost (a crash, an error, an answer not written): hung up early if
        the resident gave answers (they get the one extra call), else failed (the network back-off)."""
        return cls("hung_up_early" if answered else "failed", None, None, None, at)


class AttemptRecorder:
    """Records one attempt: its answers in order, then its end with the policy. Owned by one task."""

    def __init__(self, ledger: AttemptWrites, db: DbRetry, attempt_id: int, policy: RetryRule, *,
                 name: str, owner: r.Attempt | None = None, batches: AnswerBatches | None = None) -> None:
        """``batches``: the dialer's shared writer (with ``owner``, the attempt as claimed): this attempt's
        answers go in its batches, with the same order and gap rules; without it, a writer of its own."""
        self.ledger, self.db, self.attempt_id, self.policy, self.owner = ledger, db, attempt_id, policy, owner
        self._writer: _Queue
        if batches is not None and owner is not None and owner.id == attempt_id:
            self._writer = batches.lane(owner, name)
        else:
            self._writer = OrderedWriter(self._write, name=name)

    async def _write(self, item: Given) -> None:
        answer, at = item
        await self.db.run("record_answer", self.ledger.record_answer, self.attempt_id, answer, at, owner=self.owner)

    async def answer(self, answer: RecordAnswer, at: dt.datetime) -> None:
        """Queue an answer for writing (never waits for the database): an answer sink of CallSession."""
        self._writer.put((answer, at))

    @property
    def written(self) -> int:
        """Answers written so far."""
        return self._writer.written

    async def answers_written(self) -> bool:
        """Wait until every answer given so far is written; False if one could not be."""
        written = await self._writer.close()
        if not written:
            log.error("attempt.answers_unwritten", attempt=self.attempt_id, written=self._writer.written,
                      unwritten=self._writer.dropped)
        return written

    async def finish(self, end: AttemptEnd) -> bool:
        """Record the end once every answer is written; False (nothing recorded) when an answer is
        missing: the attempt stays dialling and the dialer's recovery resolves it."""
        if not await self.answers_written():
            return False
        await finish_attempt(self.ledger, self.db, self.attempt_id, end, self.policy)
        return True


def answer_batches(ledger: AttemptWrites, db: DbRetry, *, name: str) -> AnswerBatches:
    """The dialer's writer of every call's answers: one hand-off and one transaction per batch
    (``record_answers``, retried across an outage; past the bound no item is tried alone)."""
    async def write(batch: Sequence[tuple[r.Attempt, Given]]) -> None:
        await db.run("record_answers", ledger.record_answers, [(a, answer, at) for a, (answer, at) in batch])
    return BatchWriter(write, name=name, unavailable=(DatabaseUnavailable,))


async def finish_attempt(ledger: AttemptWrites, db: DbRetry, attempt_id: int, end: AttemptEnd,
                         policy: RetryRule) -> r.Attempt | None:
    """The one place an attempt's end reaches the ledger (the retry policy decides what follows)."""
    return await db.run("finish_attempt", ledger.finish_attempt, attempt_id, end.outcome, end.sip_cause,
                        end.hangup_cause, end.answered_at, end.ended_at, policy=policy)


__all__ = ["AnswerBatches", "AttemptEnd", "AttemptRecorder", "answer_batches", "finish_attempt"]
