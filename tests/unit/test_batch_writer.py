"""ivr.storage.batch_writer: many lanes' items written together, each lane's in order and without gaps; one
lane's bad item never costs another lane's; a database gone fails the batch without trying each item alone;
a shutdown tells every waiting lane. No database: ``write_many`` is a recording fake."""
from __future__ import annotations

import asyncio
from typing import Sequence

import pytest

from ivr.storage.batch_writer import BatchWriter


class Gone(Exception):
    """The database is unavailable (past the retry bound)."""


class Store:
    """Records each write_many call; ``bad`` items raise ValueError, ``down`` makes every write raise Gone
    (``down_after``: every write after that many calls)."""

    def __init__(self, bad: frozenset[str] = frozenset(), down: bool = False, pause: float = 0.0,
                 down_after: int | None = None) -> None:
        self.bad, self.down, self.pause, self.down_after = set(bad), down, pause, down_after
        self.calls: list[list[tuple[str, str]]] = []
        self.rows: list[tuple[str, str]] = []

    async def write_many(self, batch: Sequence[tuple[str, str]]) -> None:
        self.calls.append(list(batch))
        if self.down_after is not None and len(self.calls) > self.down_after:
            self.down = True
        if self.pause:
            await asyncio.sleep(self.pause)
        if self.down:
            raise Gone()
        if any(item in self.bad for _, item in batch):
            raise ValueError("constraint")
        self.rows.extend(batch)


def writer(store: Store, linger: float = 0.01, limit: int = 500) -> BatchWriter[str, str]:
    return BatchWriter(store.write_many, name="test", linger=linger, limit=limit, unavailable=(Gone,))


async def test_the_items_of_several_lanes_go_in_one_write_in_the_order_they_were_put() -> None:
    store = Store()
    w = writer(store)
    a, b = w.lane("a1", "rc-a1"), w.lane("a2", "rc-a2")
    for put in (lambda: a.put("fever"), lambda: b.put("cough"), lambda: a.put("smell"), lambda: b.put("none")):
        put()
    assert await a.close() and await b.close()
    assert store.calls == [[("a1", "fever"), ("a2", "cough"), ("a1", "smell"), ("a2", "none")]]
    assert (a.written, b.written, a.dropped, w.batches) == (2, 2, 0, 1)


async def test_items_put_while_a_batch_is_written_go_in_the_next_one() -> None:
    store = Store(pause=0.02)
    w = writer(store, linger=0.0)
    a = w.lane("a1", "rc-a1")
    a.put("q1")
    await asyncio.sleep(0.005)  # the first write has begun
    a.put("q2")
    a.put("q3")
    assert await a.close()
    assert store.calls == [[("a1", "q1")], [("a1", "q2"), ("a1", "q3")]]


async def test_a_batch_holds_at_most_the_limit() -> None:
    store = Store()
    w = writer(store, limit=2)
    a = w.lane("a1", "rc-a1")
    for q in ("q1", "q2", "q3", "q4", "q5"):
        a.put(q)
    assert await a.close()
    assert [len(c) for c in store.calls] == [2, 2, 1]
    assert [item for _, item in store.rows] == ["q1", "q2", "q3", "q4", "q5"]


async def test_one_lanes_bad_item_costs_only_that_lane_and_its_later_items() -> None:
    store = Store(bad=frozenset({"bad"}))
    w = writer(store)
    a, b = w.lane("a1", "rc-a1"), w.lane("a2", "rc-a2")
    a.put("q1")
    b.put("q1")
    a.put("bad")
    b.put("q2")
    a.put("q3")  # after a gap: never written
    assert await a.close() is False
    assert await b.close() is True
    assert store.rows == [("a1", "q1"), ("a2", "q1"), ("a2", "q2")]
    assert (a.written, a.dropped, b.written, b.dropped) == (1, 2, 2, 0)
    assert isinstance(a.error, ValueError)
    # the batch, then each item alone but the failed lane's last one
    assert [len(c) for c in store.calls] == [5, 1, 1, 1, 1]


async def test_a_failed_lanes_items_of_a_later_batch_are_dropped_unwritten() -> None:
    store = Store(bad=frozenset({"bad"}))
    w = writer(store, linger=0.0)
    a = w.lane("a1", "rc-a1")
    a.put("bad")
    assert await a.close() is False
    a.put("q2")
    assert await a.close() is False
    assert store.rows == [] and (a.written, a.dropped) == (0, 2)
    assert len(store.calls) == 1, "the dropped item was never sent"


async def test_the_database_gone_fails_the_whole_batch_without_trying_each_item() -> None:
    store = Store(down=True)
    w = writer(store)
    a, b = w.lane("a1", "rc-a1"), w.lane("a2", "rc-a2")
    a.put("q1")
    b.put("q1")
    a.put("q2")
    assert await a.close() is False and await b.close() is False
    assert len(store.calls) == 1
    assert (a.dropped, b.dropped) == (2, 1) and isinstance(b.error, Gone)


async def test_the_database_gone_while_items_are_tried_alone_fails_the_rest_at_once() -> None:
    store = Store(bad=frozenset({"bad"}), down_after=2)  # the batch fails, the first item alone is written, then gone
    w = writer(store)
    a, b, c = w.lane("a1", "rc-a1"), w.lane("a2", "rc-a2"), w.lane("a3", "rc-a3")
    a.put("q1")
    b.put("bad")
    c.put("q1")
    a.put("q2")
    assert [await x.close() for x in (a, b, c)] == [False, False, False]
    assert store.rows == [("a1", "q1")] and len(store.calls) == 3, "no item tried alone once the database was gone"
    assert isinstance(c.error, Gone) and (a.written, a.dropped, c.dropped) == (1, 1, 1)


async def test_a_lane_with_nothing_put_closes_at_once_and_a_closed_lane_may_be_used_again() -> None:
    store = Store()
    w = writer(store)
    a = w.lane("a1", "rc-a1")
    assert await a.close() is True
    a.put("q1")
    assert await a.close() is True
    a.put("q2")
    assert await a.close() is True
    assert [item for _, item in store.rows] == ["q1", "q2"]


async def test_a_shutdown_during_a_write_drops_what_is_left_and_wakes_the_lanes() -> None:
    store = Store(pause=10.0)
    w = writer(store, linger=0.0)
    a = w.lane("a1", "rc-a1")
    a.put("q1")
    a.put("q2")
    await asyncio.sleep(0.01)  # the first write is under way
    waiting = asyncio.ensure_future(a.close())
    await asyncio.sleep(0)
    assert w._task is not None
    w._task.cancel()
    assert await asyncio.wait_for(waiting, 1.0) is False
    assert (a.written, a.dropped) == (0, 2)
    assert isinstance(a.error, asyncio.CancelledError)


@pytest.mark.parametrize("linger", [0.0, 0.01])
async def test_many_lanes_many_items_each_lane_in_order(linger: float) -> None:
    store = Store()
    w = writer(store, linger=linger, limit=7)
    lanes = [w.lane(f"a{i}", f"rc-a{i}") for i in range(20)]

    async def call(i: int) -> bool:
        for q in range(5):
            lanes[i].put(f"q{q}")
            await asyncio.sleep(0.001 * (i % 3))
        return await lanes[i].close()

    assert all(await asyncio.gather(*(call(i) for i in range(20))))
    for i in range(20):
        assert [item for key, item in store.rows if key == f"a{i}"] == [f"q{q}" for q in range(5)]
    assert len(store.rows) == 100 and w.batches < 100
