"""ivr.calls.recorder: one way to record an attempt. Answers are written in order across a database outage
(fake clock and sleep), the end is recorded with the policy only once every answer is written, and an
answer that cannot be written leaves the attempt unfinished (never recorded with a gap)."""
from __future__ import annotations

import asyncio
import datetime as dt
from typing import Sequence

from sqlalchemy import exc as sa_exc

from ivr.calls.machine import CallResult
from ivr.calls.recorder import AttemptEnd, AttemptRecorder, answer_batches
from ivr.calls.session import CallReport
from ivr.scripts.interpreter import RecordAnswer
from ivr.storage import records as r
from ivr.storage.ledger import GivenAt, RetryRule
from ivr.storage.resilience import DbRetry

NOW = dt.datetime(2021, 7, 15, 2, 0, tzinfo=dt.timezone.utc)
DOWN = sa_exc.OperationalError("INSERT", {}, Exception("server closed the connection"))


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


class FakeLedger:
    """The ledger as the recorder writes it (AttemptWrites): answers and ends, the first ``failures`` writes failing."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.writes: list[tuple[str, ...]] = []
        self.batches: list[list[tuple[int, str]]] = []

    def record_answer(self, attempt_id: int, answer: r.GivenAnswer, at: dt.datetime, *,
                      owner: r.Attempt | None = None) -> bool:
        if self.failures:
            self.failures -= 1
            raise DOWN
        self.writes.append(("answer", answer.question_id, answer.value))
        return True

    def record_answers(self, given: Sequence[GivenAt]) -> None:
        if self.failures:
            self.failures -= 1
            raise DOWN
        if any(answer.value == "refused" for _, answer, _ in given):
            raise sa_exc.IntegrityError("INSERT", {}, Exception("a constraint"))
        self.batches.append([(attempt.id, answer.question_id) for attempt, answer, _ in given])
        self.writes.extend(("answer", answer.question_id, answer.value) for _, answer, _ in given)

    def finish_attempt(self, attempt_id: int, outcome: str, sip_cause: int | None, hangup_cause: int | None,
                       answered_at: dt.datetime | None, ended_at: dt.datetime, *,
                       policy: RetryRule) -> r.Attempt | None:
        self.writes.append(("finish", outcome))
        return None


class Policy:
    def knows(self, outcome: str) -> bool:
        return True

    def next_due(self, outcome: str, attempt_no: int, ended_at: dt.datetime,
                 previous: object) -> dt.datetime | None:
        return None


def report(result: str | None = "completed") -> CallReport:
    return CallReport("rc-a1", CallResult("completed", 200, 16, True, result, "12"), NOW, NOW, NOW, None, 5.0)


def answer(question: str, value: str) -> RecordAnswer:
    return RecordAnswer(question, question, "1", value, "f1_daily", "1")


async def record(ledger: FakeLedger, bound: float) -> bool:
    time = FakeTime()
    db = DbRetry(bound=bound, sleep=time.sleep, monotonic=time.monotonic)
    recorder = AttemptRecorder(ledger, db, 1, Policy(), name="rc-a1")
    await recorder.answer(answer("fever", "yes"), NOW)
    await recorder.answer(answer("cough", "no"), NOW)
    return await recorder.finish(AttemptEnd.of(report("symptomatic")))


async def test_answers_then_the_end_in_order_across_an_outage() -> None:
    ledger = FakeLedger(failures=3)  # the database is down for the first three tries
    assert await record(ledger, bound=60.0) is True
    assert ledger.writes == [("answer", "fever", "yes"), ("answer", "cough", "no"), ("finish", "symptomatic")]


async def test_an_answer_never_written_leaves_the_attempt_unfinished() -> None:
    ledger = FakeLedger(failures=1000)  # down for longer than the bound
    assert await record(ledger, bound=5.0) is False
    assert ledger.writes == []


def test_the_end_of_a_call_and_of_a_lost_one() -> None:
    assert AttemptEnd.of(report("script_error")) == AttemptEnd("failed", 200, 16, NOW, NOW)
    assert AttemptEnd.recovered(True, NOW) == AttemptEnd("hung_up_early", None, None, None, NOW)
    assert AttemptEnd.recovered(False, NOW) == AttemptEnd("failed", None, None, None, NOW)


def attempt(attempt_id: int) -> r.Attempt:
    return r.Attempt(id=attempt_id, campaign_id=1, contact_id=attempt_id, household_id=attempt_id, attempt_no=1,
                     status=r.AttemptStatus.DIALING, scheduled_at=NOW, phone_e164="+84900000000",
                     pseudonym=f"p{attempt_id}")


async def two_calls(ledger: FakeLedger, db: DbRetry, first: str) -> tuple[AttemptRecorder, AttemptRecorder]:
    """Two dialer calls sharing the answers' batches: attempt 1 answers fever ``first`` and cough no, attempt 2
    fever no, interleaved."""
    batches = answer_batches(ledger, db, name="answers-test")
    one = AttemptRecorder(ledger, db, 1, Policy(), name="rc-a1", owner=attempt(1), batches=batches)
    two = AttemptRecorder(ledger, db, 2, Policy(), name="rc-a2", owner=attempt(2), batches=batches)
    await one.answer(answer("fever", first), NOW)
    await two.answer(answer("fever", "no"), NOW)
    await one.answer(answer("cough", "no"), NOW)
    return one, two


async def test_the_dialers_calls_share_batches_each_attempt_in_order_across_an_outage() -> None:
    ledger = FakeLedger(failures=2)  # the first batch's first two tries meet the database down
    time = FakeTime()
    one, two = await two_calls(ledger, DbRetry(bound=60.0, sleep=time.sleep, monotonic=time.monotonic), "yes")
    assert await two.finish(AttemptEnd.of(report("completed"))) is True
    assert await one.finish(AttemptEnd.of(report("symptomatic"))) is True
    assert ledger.batches == [[(1, "fever"), (2, "fever"), (1, "cough")]]
    assert ledger.writes[-2:] == [("finish", "completed"), ("finish", "symptomatic")]


async def test_one_attempts_refused_answer_leaves_only_that_attempt_unfinished() -> None:
    ledger = FakeLedger()
    one, two = await two_calls(ledger, DbRetry(), "refused")
    done = await asyncio.gather(one.finish(AttemptEnd.of(report("completed"))),
                                two.finish(AttemptEnd.of(report("completed"))))
    assert done == [False, True]
    assert ("answer", "fever", "no") in ledger.writes and ("answer", "cough", "no") not in ledger.writes
    assert ledger.writes.count(("finish", "completed")) == 1
