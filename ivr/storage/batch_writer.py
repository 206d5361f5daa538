"""Many calls' answers written together: one task, one thread hand-off and one transaction per batch.

Why (issue 18 item 3, bench/README.md "Fifth pass"): each answer written alone cost a thread hand-off and a
transaction of its own, five times a call. ``BatchWriter`` keeps the guarantees of ``OrderedWriter``
(ivr.storage.resilience) per *lane* (one lane per call attempt) while writing the items of every lane that
arrived within ``linger`` seconds of each other in one ``write_many`` call:
- ``BatchLane.put`` never waits; a lane's items are written in the order they were put (one queue, one task);
- ``BatchLane.close`` waits until every item put so far is written or dropped, and says whether all were written;
- after one of a lane's items failed, its later items are dropped (counted), never written: a call is never
  recorded with a gap in its answers;
- a batch that fails for a reason other than the database being unavailable is written again one item at a
  time, so that one attempt's error (a constraint, a vanished attempt) never costs another attempt's answers;
- when the task is cancelled (a shutdown), what is still queued is dropped and every lane waiting is told.
``write_many`` is the caller's (its retries across an outage included: ivr.storage.resilience.DbRetry);
the writer names the lane only in logs, never an item: items hold personal answers.
"""
from __future__ import annotations

import asyncio
from collections import deque
from typing import Awaitable, Callable, Generic, Sequence, TypeVar

from ivr.logs import get_logger

log = get_logger(__name__)
Key = TypeVar("Key")
Item = TypeVar("Item")

LINGER_S = 0.2  # how long the first item of a batch waits for others (answers are a few a second a call)
BATCH_LIMIT = 500  # at most this many items in one write


class BatchLane(Generic[Key, Item]):
    """One owner's items (one call attempt's answers) through a shared BatchWriter."""

    def __init__(self, writer: BatchWriter[Key, Item], key: Key, name: str) -> None:
        self._writer, self.key, self.name = writer, key, name
        self.written = 0
        self.dropped = 0
        self.error: BaseException | None = None
        self._pending = 0
        self._idle: asyncio.Future[None] | None = None

    def put(self, item: Item) -> None:
        self._pending += 1
        self._writer._put(self, item)

    @property
    def failed(self) -> bool:
        return self.error is not None

    async def close(self) -> bool:
        """Wait until every item put so far is written or dropped; True if all were written."""
        if self._pending:
            self._idle = asyncio.get_running_loop().create_future()
            await self._idle
        return not self.failed

    def _settled(self, *, written: bool, error: BaseException | None = None) -> None:
        if written:
            self.written += 1
        else:
            self.dropped += 1
            self.error = self.error or error or asyncio.CancelledError("an earlier item was not written")
        self._pending -= 1
        if not self._pending and self._idle is not None and not self._idle.done():
            self._idle.set_result(None)


class BatchWriter(Generic[Key, Item]):
    """Writes the items of many lanes in batches, in the order they were put, from one task."""

    def __init__(self, write_many: Callable[[Sequence[tuple[Key, Item]]], Awaitable[object]], *, name: str,
                 linger: float = LINGER_S, limit: int = BATCH_LIMIT,
                 unavailable: tuple[type[BaseException], ...] = ()) -> None:
        self._write_many = write_many
        self.name = name
        self.linger = linger
        self.limit = max(limit, 1)
        self.unavailable = unavailable  # errors that mean "the database is gone": no item-by-item retry
        self._queue: deque[tuple[BatchLane[Key, Item], Item]] = deque()
        self._task: asyncio.Task[None] | None = None
        self.batches = 0  # written batches (the bench and the tests read it)

    def lane(self, key: Key, name: str) -> BatchLane[Key, Item]:
        return BatchLane(self, key, name)

    def _put(self, lane: BatchLane[Key, Item], item: Item) -> None:
        self._queue.append((lane, item))
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._drain(), name=f"batch-{self.name}")

    def _take(self) -> list[tuple[BatchLane[Key, Item], Item]]:
        batch: list[tuple[BatchLane[Key, Item], Item]] = []
        while self._queue and len(batch) < self.limit:
            lane, item = self._queue.popleft()
            if lane.failed:
                lane._settled(written=False)  # after a gap nothing more of this lane is written
            else:
                batch.append((lane, item))
        return batch

    async def _drain(self) -> None:
        batch: list[tuple[BatchLane[Key, Item], Item]] = []
        try:
            while self._queue:
                if self.linger > 0 and len(self._queue) < self.limit:
                    await asyncio.sleep(self.linger)
                batch = self._take()
                if batch:
                    await self._write(batch)
                batch = []
        finally:
            # Cancelled (a shutdown): the batch being written and everything queued is dropped, lanes told.
            stopped = asyncio.CancelledError("the writer stopped before the item was written")
            for lane, _ in batch:
                lane._settled(written=False, error=stopped)
            while self._queue:
                lane, _ = self._queue.popleft()
                lane._settled(written=False, error=stopped)

    async def _write(self, batch: list[tuple[BatchLane[Key, Item], Item]]) -> None:
        """Write ``batch``, settling each item as it is done and taking it out of the list (what is left in it
        when a cancellation comes through is what ``_drain`` drops)."""
        try:
            await self._write_many([(lane.key, item) for lane, item in batch])
        except Exception as error:  # noqa: BLE001 - told to each lane; the owners decide
            if len(batch) == 1 or isinstance(error, self.unavailable):
                while batch:
                    self._failed(batch.pop(0)[0], error)
                return
            while batch:  # one item's error must not cost the others: each alone, in order
                lane, item = batch[0]
                if lane.failed:
                    lane._settled(written=False)
                else:
                    try:
                        await self._write_many([(lane.key, item)])
                    except Exception as one:  # noqa: BLE001
                        if isinstance(one, self.unavailable):  # gone meanwhile: the rest fail at once
                            while batch:
                                self._failed(batch.pop(0)[0], one)
                            return
                        self._failed(lane, one)
                    else:
                        lane._settled(written=True)
                batch.pop(0)
            return
        self.batches += 1
        while batch:
            batch.pop(0)[0]._settled(written=True)

    def _failed(self, lane: BatchLane[Key, Item], error: BaseException) -> None:
        if not lane.failed:
            log.error("writer.failed", writer=lane.name, written=lane.written, error=type(error).__name__)
        lane._settled(written=False, error=error)


__all__ = ["BATCH_LIMIT", "LINGER_S", "BatchWriter", "BatchLane"]
