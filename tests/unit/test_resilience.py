"""ivr.storage.resilience: which database errors are retried, the back-off, the bounded retry (fake clock and
sleep: no real waiting) and the ordered answer writer."""
from __future__ import annotations

import asyncio
import itertools

import pytest
from sqlalchemy import exc as sa_exc

from ivr.storage.resilience import DatabaseUnavailable, DbRetry, OrderedWriter, backoff, is_transient
from ivr.errors import UserError


def _dbapi(kind: type[sa_exc.DBAPIError], invalidated: bool = False) -> sa_exc.DBAPIError:
    return kind("SELECT 1", {}, Exception("driver says no"), connection_invalidated=invalidated)


@pytest.mark.parametrize("error, transient", [
    (_dbapi(sa_exc.OperationalError), True),  # refused, terminated by the administrator, server restarting
    (_dbapi(sa_exc.InterfaceError), True),  # the connection was closed under us
    (_dbapi(sa_exc.DBAPIError, invalidated=True), True),  # any driver error that killed the connection
    (sa_exc.TimeoutError("QueuePool limit reached"), True),  # no pooled connection in time
    (_dbapi(sa_exc.DBAPIError), False),
    (_dbapi(sa_exc.IntegrityError), False),  # a constraint: retrying cannot help
    (_dbapi(sa_exc.ProgrammingError), False),  # a bug
    (ValueError("unknown outcome"), False),
])
def test_which_errors_are_retried(error, transient):
    assert is_transient(error) is transient


@pytest.mark.parametrize("first, maximum, factor, expected", [
    (0.1, 2.0, 2.0, [0.1, 0.2, 0.4, 0.8, 1.6, 2.0, 2.0]),
    (1.0, 1.0, 2.0, [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]),
    (0.5, 10.0, 3.0, [0.5, 1.5, 4.5, 10.0, 10.0, 10.0, 10.0]),
    (3.0, 2.0, 2.0, [2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0]),  # the cap applies to the first delay too
])
def test_backoff(first, maximum, factor, expected):
    assert list(itertools.islice(backoff(first, maximum, factor), 7)) == pytest.approx(expected)


class FakeTime:
    """A clock that moves only when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


class Flaky:
    """A blocking repository call that raises the given errors in turn, then returns "written"."""

    def __init__(self, errors: list[BaseException], cost: float, clock: FakeTime) -> None:
        self.errors = list(errors)
        self.calls = 0
        self.cost = cost  # seconds each try takes (e.g. a slow connection attempt)
        self.clock = clock

    def __call__(self, *args: object) -> str:
        self.calls += 1
        self.clock.now += self.cost
        if self.errors:
            raise self.errors.pop(0)
        return "written"


DOWN = _dbapi(sa_exc.OperationalError)
BROKEN = _dbapi(sa_exc.IntegrityError)


@pytest.mark.parametrize("errors, bound, cost, expected, sleeps, calls", [
    ([], 60.0, 0.0, "written", [], 1),
    ([DOWN, DOWN, DOWN], 60.0, 0.0, "written", [0.1, 0.2, 0.4], 4),
    ([DOWN] * 8, 60.0, 0.0, "written", [0.1, 0.2, 0.4, 0.8, 1.6, 2.0, 2.0, 2.0], 9),  # a 9 s outage
    ([DOWN] * 100, 1.0, 0.0, DatabaseUnavailable, [0.1, 0.2, 0.4], 4),  # 0.7 s + 0.8 > 1 s: give up
    ([DOWN] * 100, 5.0, 2.0, DatabaseUnavailable, [0.1, 0.2], 3),  # slow tries count towards the bound
    ([BROKEN], 60.0, 0.0, sa_exc.IntegrityError, [], 1),  # not a connection error: raised at once
    ([DOWN, BROKEN], 60.0, 0.0, sa_exc.IntegrityError, [0.1], 2),
])
async def test_bounded_retry(errors, bound, cost, expected, sleeps, calls):
    clock = FakeTime()
    call = Flaky(errors, cost, clock)
    retry = DbRetry(bound=bound, first_delay=0.1, max_delay=2.0, sleep=clock.sleep, monotonic=clock.monotonic)
    if isinstance(expected, type):
        with pytest.raises(expected):
            await retry.run("record_answer", call, 1, "q1")
    else:
        assert await retry.run("record_answer", call, 1, "q1") == expected
    assert clock.sleeps == pytest.approx(sleeps)
    assert call.calls == calls


async def test_database_unavailable_is_a_clean_user_error_without_the_drivers_message():
    clock = FakeTime()
    retry = DbRetry(bound=0.05, sleep=clock.sleep, monotonic=clock.monotonic)
    secret = sa_exc.OperationalError("INSERT ...", {"phone": "+84906000001"}, Exception("+84906000001"))
    with pytest.raises(DatabaseUnavailable) as caught:
        await retry.run("record_answer", Flaky([secret] * 10, 0.0, clock))
    assert isinstance(caught.value, UserError) and caught.value.__cause__ is None
    assert "+84906000001" not in str(caught.value) and "record_answer" in str(caught.value)


class Recorder:
    """An async write that fails on the items named in ``fail`` and waits for ``gate`` before each write."""

    def __init__(self, fail: set[str]) -> None:
        self.fail = fail
        self.written: list[str] = []
        self.gate = asyncio.Event()

    async def __call__(self, item: str) -> None:
        await self.gate.wait()
        await asyncio.sleep(0)  # a real await between writes: order must still hold
        if item in self.fail:
            raise DatabaseUnavailable(f"cannot write {item}")
        self.written.append(item)


@pytest.mark.parametrize("items, fail, written, dropped, ok", [
    ([], set(), [], 0, True),
    (["a1", "a2", "a3"], set(), ["a1", "a2", "a3"], 0, True),
    (["a1", "a2", "a3", "a4"], {"a2"}, ["a1"], 3, False),  # nothing after a failed write: no gap
    (["a1", "a2"], {"a1"}, [], 2, False),
    (["a1", "a2", "a3"], {"a3"}, ["a1", "a2"], 1, False),
])
async def test_ordered_writer(items, fail, written, dropped, ok):
    write = Recorder(fail)
    writer: OrderedWriter[str] = OrderedWriter(write, name="rc-a1")
    for item in items:
        writer.put(item)  # never waits, even while the writes are held up
    assert write.written == [], "put returned before any write happened"
    write.gate.set()
    assert await writer.close() is ok
    assert (write.written, writer.written, writer.dropped) == (written, len(written), dropped)


async def test_ordered_writer_close_returns_when_its_task_is_cancelled_by_a_shutdown():
    write = Recorder(set())  # the gate stays closed: the first write hangs
    writer: OrderedWriter[str] = OrderedWriter(write, name="rc-a2")
    for item in ("a1", "a2", "a3"):
        writer.put(item)
    await asyncio.sleep(0)
    closing = asyncio.create_task(writer.close())
    await asyncio.sleep(0)
    assert writer._task is None and not closing.done()
    task = next(t for t in asyncio.all_tasks() if t.get_name() == "writer-rc-a2")
    task.cancel()
    assert await asyncio.wait_for(closing, 5) is False
    assert (write.written, writer.dropped) == ([], 3)
