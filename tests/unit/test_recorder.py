"""ivr.calls.recorder: one way to record an attempt. Answers are written in order across a database outage
(fake clock and sleep), the end is recorded with the policy only once every answer is written, and an
answer that cannot be written leaves the attempt unfinished (never recorded with a gap)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import exc as sa_exc

from ivr.calls.machine import CallResult
from ivr.calls.recorder import AttemptEnd, AttemptRecorder
from ivr.calls.session import CallReport
from ivr.scripts.interpreter import RecordAnswer
from ivr.storage import records as r
from ivr.storage.ledger import InboundTarget, RetryRule
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
    """The ledger as the recorder uses it: answers and ends, with the first ``failures`` writes failing."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.writes: list[tuple[str, ...]] = []

    def record_answer(self, attempt_id: int, answer: r.GivenAnswer, at: dt.datetime, *,
                      owner: r.Attempt | None = None) -> bool:
        if self.failures:
            self.failures -= 1
            raise DOWN
        self.writes.append(("answer", answer.question_id, answer.value))
        return True

    def finish_attempt(self, attempt_id: int, outcome: str, sip_cause: int | None, hangup_cause: int | None,
                       answered_at: dt.datetime | None, ended_at: dt.datetime, *,
                       policy: RetryRule) -> r.Attempt | None:
        self.writes.append(("finish", outcome))
        return None

    # The rest of the Attempts protocol: not used by the recorder.
    def enqueue_contacts(self, campaign_id: int, now: dt.datetime, monitoring_days: int = 1) -> int:
        raise NotImplementedError

    def claim_due_attempts(self, campaign_id: int, worker_id: str, now: dt.datetime,
                           limit: int, *, leased: bool = False) -> list[r.Attempt]:
        raise NotImplementedError

    def claim_for_inbound(self, target: InboundTarget, channel_id: str, worker_id: str,
                          now: dt.datetime) -> int | None:
        raise NotImplementedError

    def mark_dialing(self, attempt_id: int, channel_id: str, at: dt.datetime, *,
                     leased_by: str | None = None) -> r.Attempt:
        raise NotImplementedError

    def answers_for_attempt(self, attempt_id: int) -> list[r.Answer]:
        raise NotImplementedError

    def release_stale_claims(self, worker_id: str | None = None, older_than: dt.datetime | None = None,
                             campaign_id: int | None = None) -> int:
        raise NotImplementedError

    def in_flight_elsewhere(self, campaign_id: int, worker_id: str) -> int:
        raise NotImplementedError

    def attempts_in_flight(self, worker_id: str | None = None) -> list[r.Attempt]:
        raise NotImplementedError

    def get_attempt(self, attempt_id: int) -> r.Attempt:
        raise NotImplementedError

    def campaign_attempts(self, campaign_id: int) -> list[r.Attempt]:
        raise NotImplementedError

    def next_due_at(self, campaign_id: int) -> dt.datetime | None:
        raise NotImplementedError


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
