"""Database writes that outlast a short outage: bounded retry with back-off, and an ordered background writer.

Why: a PostgreSQL restart, a fail-over or a dropped connection must not cost an answer, leave an attempt
dialling with its channel up, or end a campaign.
- ``DbRetry.run`` runs one repository call in a thread and retries it while the error is a connection
  error (the server refused us, dropped us, or the pool could not give a connection), with exponential
  back-off, for at most ``bound`` seconds (60 by default). Any other database error (a constraint, a bug)
  is raised at once: retrying would not help. Past the bound it raises DatabaseUnavailable and the caller
  decides; the dialer leaves the attempt for recovery (Dialer.recover resolves it at the next start).
  Only idempotent repository calls are retried (record_answer, mark_dialing, finish_attempt are; a claim
  whose commit was lost is released by release_stale_claims).
- ``OrderedWriter`` writes one call's answers in the order they were given, from a queue drained by one
  task, so a slow or unreachable database never holds up the call's prompts. ``close`` waits for the queue
  to drain; after a write has failed nothing later is written, so a call is never recorded with a gap in
  its answers (it is left for recovery instead, which schedules another call).
Logs carry the operation's name and the error's type only: a driver's message can quote the SQL
parameters, which hold personal data.
"""
from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Awaitable, Callable, Generic, Iterator, ParamSpec, TypeVar

from sqlalchemy import exc as sa_exc

from ivr.errors import UserError
from ivr.logs import get_logger

log = get_logger(__name__)
T = TypeVar("T")
P = ParamSpec("P")
Item = TypeVar("Item")


class DatabaseUnavailable(UserError):
    """The database could not be reached for longer than the retry bound."""

    exit_code = 3


def is_transient(error: BaseException) -> bool:
    """True for errors that mean "the database is (briefly) unreachable", worth retrying as they are.

    OperationalError and InterfaceError are what drivers raise for refused, dropped or terminated
    connections (and SQLite for a busy lock); another DBAPIError counts when SQLAlchemy invalidated the
    connection because of it. A pool timeout means no connection could be had in time.
    """
    if isinstance(error, (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError)):
        return True
    return isinstance(error, sa_exc.DBAPIError) and bool(error.connection_invalidated)


def backoff(first: float, maximum: float, factor: float = 2.0) -> Iterator[float]:
    """Delays between tries: first, first*factor, ... capped at maximum."""
    delay = first
    while True:
        yield min(delay, maximum)
        delay = min(delay * factor, maximum)


@dataclass(frozen=True)
class DbRetry:
    """Runs blocking repository calls in a thread, retrying connection errors for at most ``bound`` s."""

    bound: float = 60.0
    first_delay: float = 0.1
    max_delay: float = 2.0
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    monotonic: Callable[[], float] = time.monotonic
    # Told (operation, seconds, tries) after each call that returned: the service's metrics.
    observe: Callable[[str, float, int], None] | None = None

    async def run(self, what: str, call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """``call(*args, **kwargs)`` in a thread; ``what`` names it in logs and errors (no data in it)."""
        started = self.monotonic()
        delays = backoff(self.first_delay, self.max_delay)
        tries = 0
        while True:
            tries += 1
            try:
                result = await asyncio.to_thread(call, *args, **kwargs)
            except Exception as error:
                if not is_transient(error):
                    raise
                waited = self.monotonic() - started
                delay = next(delays)
                if waited + delay > self.bound:
                    log.error("db.unavailable", what=what, tries=tries, seconds=round(waited, 1),
                              error=type(error).__name__)
                    raise DatabaseUnavailable(
                        f"database unreachable for {waited:.0f} s ({what}, {tries} tries): "
                        "check that the database server is running and accepts connections") from None
                if tries == 1:
                    log.warning("db.retrying", what=what, error=type(error).__name__)
                await self.sleep(delay)
                continue
            if tries > 1:
                log.info("db.recovered", what=what, tries=tries, seconds=round(self.monotonic() - started, 1))
            if self.observe is not None:
                self.observe(what, self.monotonic() - started, tries)
            return result


class OrderedWriter(Generic[Item]):
    """Writes items one at a time, in the order they were put, in a background task.

    ``put`` never waits. After a write raises, later items are not written (counted in ``dropped``):
    writing them would leave a gap in the sequence.
    """

    def __init__(self, write: Callable[[Item], Awaitable[object]], name: str) -> None:
        self._write = write
        self.name = name
        self._queue: asyncio.Queue[Item] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self.written = 0
        self.dropped = 0
        self.error: BaseException | None = None

    def put(self, item: Item) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._drain(), name=f"writer-{self.name}")
        self._queue.put_nowait(item)

    @property
    def failed(self) -> bool:
        return self.error is not None

    async def close(self) -> bool:
        """Wait until every item put so far is written or dropped; True if all were written."""
        task, self._task = self._task, None
        if task is not None:
            drained = asyncio.ensure_future(self._queue.join())
            try:
                # The task ends first only if it was cancelled from outside (a shutdown): do not wait forever.
                await asyncio.wait({drained, task}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                drained.cancel()
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
            if self._queue.qsize():
                self.dropped += self._queue.qsize()
                self.error = self.error or asyncio.CancelledError("writer stopped before its queue drained")
                self._queue = asyncio.Queue()
        return not self.failed

    async def _drain(self) -> None:
        while True:
            item = await self._queue.get()
            try:
                if self.error is None:
                    await self._write(item)
                    self.written += 1
                else:
                    self.dropped += 1
            except asyncio.CancelledError:
                self.dropped += 1  # cancelled in the middle of a write (a shutdown)
                self.error = self.error or asyncio.CancelledError("writer cancelled during a write")
                raise
            except Exception as error:  # noqa: BLE001 - recorded; the owner decides what to do
                self.error = error
                self.dropped += 1
                log.error("writer.failed", writer=self.name, written=self.written, error=type(error).__name__)
            finally:
                self._queue.task_done()


__all__ = ["DatabaseUnavailable", "DbRetry", "OrderedWriter", "backoff", "is_transient"]
