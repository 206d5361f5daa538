"""WorkerLease.valid as a table: a worker may originate only while its last accepted heartbeat, counted
from when it was SENT, is younger than the lease minus a margin (so it stops before anyone may take its
calls over), and never again once a heartbeat was refused."""
from __future__ import annotations

import asyncio

import pytest

from ivr.identity import ProcessIdentity
from ivr.workers import WorkerLease

WHO = ProcessIdentity(node="n1", pid=10, token="pabc", role="campaign", base_app="robocall")


class FakeStore:
    def __init__(self, answers: list[bool]) -> None:
        self.answers = answers
        self.registered: list[str] = []

    def register(self, worker_id: str, **_: object) -> None:
        self.registered.append(worker_id)

    def heartbeat(self, worker_id: str, ttl: float, **_: object) -> bool:
        return self.answers.pop(0)

    def stop(self, worker_id: str) -> None:
        pass


# (heartbeats accepted in order, seconds after the last one was sent, may originate)
CASES = [
    ("just registered", [], 0.0, True),
    ("well within the lease", [True], 5.0, True),
    ("inside the margin before expiry: stop already", [True], 11.0, False),
    ("past the lease", [True], 20.0, False),
    ("a heartbeat refused: lost for good", [False], 0.0, False),
    ("refused, then accepted again: still lost", [False, True], 0.0, False),
]


@pytest.mark.parametrize(("name", "beats", "after", "valid"), CASES, ids=[c[0] for c in CASES])
def test_valid(name: str, beats: list[bool], after: float, valid: bool) -> None:
    now = [100.0]
    lease = WorkerLease(FakeStore(list(beats)), WHO, ari_url="http://pbx", ttl=15.0,  # type: ignore[arg-type]
                        monotonic=lambda: now[0])

    async def go() -> None:
        await lease.register()
        for _ in beats:
            await lease.heartbeat()

    asyncio.run(go())
    now[0] += after
    assert lease.valid is valid
    assert lease.held() is valid


def test_identity_names_are_the_process_own() -> None:
    assert WHO.worker_id == "n1:10:pabc"
    assert WHO.app == "robocall-pabc" and WHO.app != "robocall"


class OutageStore(FakeStore):
    """Heartbeats answer from a script: True/False, or an exception (the database out of reach)."""

    def heartbeat(self, worker_id: str, ttl: float, **_: object) -> bool:
        answer = self.answers.pop(0)
        if answer is None:
            raise ConnectionError("database unreachable")
        return answer


class CountingTakeover:
    def __init__(self) -> None:
        self.sweeps = 0

    async def sweep(self, me: str) -> int:
        self.sweeps += 1
        return 0


# heartbeats (None: the database out of reach) -> the heartbeats after which the worker takes others over
SWEEPS = [
    ("steady", [True, True, True], [1, 2, 3]),
    ("just back from an outage: one beat for the others to renew first", [None, None, True, True], [4]),
    ("one failure breaks the steady beat", [True, None, True, True], [1, 4]),
]


@pytest.mark.parametrize(("name", "beats", "sweeps_after"), SWEEPS, ids=[c[0] for c in SWEEPS])
def test_takeover_waits_for_two_heartbeats_in_a_row(name: str, beats: list[bool | None],
                                                    sweeps_after: list[int]) -> None:
    takeover = CountingTakeover()
    lease = WorkerLease(OutageStore(list(beats)), WHO, ari_url="http://pbx", ttl=15.0,  # type: ignore[arg-type]
                        takeover=takeover)  # type: ignore[arg-type]
    seen: list[int] = []

    async def go() -> None:
        await lease.register()
        for n in range(1, len(beats) + 1):
            before = takeover.sweeps
            assert await lease.heartbeat()
            if lease._steady:  # noqa: SLF001 - what run() decides on
                await takeover.sweep(lease.worker_id)
            if takeover.sweeps > before:
                seen.append(n)

    asyncio.run(go())
    assert seen == sweeps_after
