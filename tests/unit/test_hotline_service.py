"""`robocall serve`'s parts with fakes for ARI and storage: the service's shutdown, the campaign runner,
queue administration through ARI, agent validation."""
from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest

from ivr.calls.dialer import RunStats
from ivr.campaigns.runner import CampaignRunner
from ivr.errors import PbxUnavailable, UserError
from ivr.hotline.agents import AgentService, QueueAdmin
from ivr.serve.service import NamedWorker, Service
from ivr.storage import records as r

NOW = dt.datetime(2021, 7, 15, 2, 0, tzinfo=dt.timezone.utc)


class FakeAri:
    """The PBX as the service (AriConnection) and the queue administration (QueueAri) see it."""

    url = "http://pbx:8088"

    def __init__(self, refuse: int = 0, results: list[str] | None = None) -> None:
        self.refuse, self.results = refuse, list(results or [])
        self.closed = False
        self.originated: list[dict[str, Any]] = []
        self.cleared: list[str] = []

    async def connect(self, timeout: float = 10.0) -> None:
        if self.refuse:
            self.refuse -= 1
            raise PbxUnavailable("down")

    async def close(self) -> None:
        self.closed = True

    async def originate_to_dialplan(self, endpoint: str, **kw: Any) -> dict[str, Any]:
        self.originated.append({"endpoint": endpoint, **kw})
        return {}

    async def get_global(self, name: str) -> str:
        return self.results.pop(0) if self.results else ""

    async def clear_global(self, name: str) -> None:
        self.cleared.append(name)

    async def endpoint(self, tech: str, resource: str) -> dict[str, Any]:
        return {"channel_ids": []}


@dataclass
class Worker:
    """A worker that behaves as told once stopped."""

    behaviour: str
    drained: bool = False

    async def run(self, stop: asyncio.Event) -> None:
        if self.behaviour == "crashes":
            raise RuntimeError("boom")
        await stop.wait()
        if self.behaviour == "ignores stop":
            await asyncio.sleep(3600)
        await asyncio.sleep(0.05)  # finishing its calls
        self.drained = True


@pytest.mark.parametrize("behaviours, refuse, code, drained", [
    (["drains", "drains"], 0, 0, [True, True]),
    (["drains"], 2, 0, [True]),  # the PBX is not up yet: the service keeps trying
    (["drains", "ignores stop"], 0, 1, [True, False]),  # past the grace period: cancelled
    (["drains", "crashes"], 0, 1, [True, False]),  # a crashed worker stops the service
    ([], 0, 0, []),
])
async def test_service_stops_by_draining_its_workers(behaviours: list[str], refuse: int, code: int,
                                                     drained: list[bool]) -> None:
    workers = [Worker(b) for b in behaviours]
    ari = FakeAri(refuse=refuse)
    service = Service(ari, [NamedWorker(f"w{i}", w) for i, w in enumerate(workers)], grace=0.5,
                      prepare=[("audio", lambda: "rendered")])
    stop = asyncio.Event()
    asyncio.get_running_loop().call_later(0.1, stop.set)
    assert await asyncio.wait_for(service.run(stop), 5) == code
    assert [w.drained for w in workers] == drained and ari.closed


# -- the campaign runner -------------------------------------------------------------------------------------
@dataclass
class FakeRepo:
    statuses: dict[int, str]
    unfinished: dict[int, int]
    completed: list[int] = field(default_factory=list)

    def list_campaigns(self) -> list[r.Campaign]:
        return [self._campaign(cid) for cid in self.statuses]

    def set_campaign_status(self, cid: int, status: r.CampaignStatus | str, *, operator: str,
                            now: dt.datetime) -> r.Campaign:
        self.statuses[cid] = r.CampaignStatus(status).value
        return self._campaign(cid)

    def settle_after_run(self, cid: int, *, stopped: bool, operator: str, now: dt.datetime) -> r.Campaign:
        if self.statuses[cid] == "running" and self.unfinished[cid] == 0:
            self.statuses[cid] = "completed"
            self.completed.append(cid)
        return self._campaign(cid)

    def _campaign(self, cid: int) -> r.Campaign:
        return r.Campaign(cid, "s", "1", "F1", None, None, r.CampaignStatus(self.statuses[cid]), {}, "t", NOW)


@dataclass
class FakeDialer:
    log: list[str]
    cid: int

    @property
    def calls_in_progress(self) -> int:
        return 0

    @property
    def congestion_share(self) -> float:
        return 0.0

    @property
    def concurrency_limit(self) -> int:
        return 30

    async def recover(self) -> int:
        self.log.append(f"recover {self.cid}")
        return 0

    async def run_campaign(self, campaign_id: int, stop: asyncio.Event, *, until_idle: bool = True,
                           on_progress: Any = None) -> RunStats:
        self.log.append(f"dial {campaign_id}")
        await asyncio.sleep(0)
        return RunStats()


async def test_the_runner_dials_running_campaigns_and_completes_finished_ones() -> None:
    repo = FakeRepo({1: "running", 2: "paused", 3: "running"}, {1: 0, 2: 4, 3: 2})
    log: list[str] = []
    stop = asyncio.Event()
    polls = Polls(stop, 4)
    runner = CampaignRunner(repo, lambda cid: FakeDialer(log, cid), clock=lambda: NOW, sleep=polls.sleep)
    await asyncio.wait_for(runner.run(stop), 5)
    assert repo.completed == [1] and repo.statuses == {1: "completed", 2: "paused", 3: "running"}
    assert log.count("recover 1") == 1 and log.count("recover 3") == 1 and "recover 2" not in log
    assert log.count("dial 1") == 1 and log.count("dial 3") >= 2  # campaign 3 is looked at again each poll


@dataclass
class FailingDialer(FakeDialer):
    error: Exception | None = None

    async def run_campaign(self, campaign_id: int, stop: asyncio.Event, *, until_idle: bool = True,
                           on_progress: Any = None) -> RunStats:
        self.log.append(f"dial {campaign_id}")
        raise self.error or RuntimeError("no error given")


class Polls:
    """The runner's injected sleep: each poll returns at once; after ``limit`` polls it sets ``stop``."""

    def __init__(self, stop: asyncio.Event, limit: int) -> None:
        self.stop, self.limit, self.count = stop, limit, 0

    async def sleep(self, seconds: float) -> None:
        self.count += 1
        for _ in range(5):
            await asyncio.sleep(0)  # let the dial tasks started in this poll run
        if self.count >= self.limit:
            self.stop.set()


@pytest.mark.parametrize("error, status, dialled_again", [
    (UserError("scripts_vi/quick.yaml: no such script"), "paused", False),  # staff must fix it: paused, once
    (PbxUnavailable("ARI unreachable for 60 s"), "running", True),  # comes back by itself: dialled again
])
async def test_the_runner_pauses_a_campaign_staff_must_fix_and_retries_a_pbx_outage(
        error: Exception, status: str, dialled_again: bool) -> None:
    repo = FakeRepo({1: "running"}, {1: 3})
    log: list[str] = []
    stop = asyncio.Event()
    polls = Polls(stop, 4)
    runner = CampaignRunner(repo, lambda cid: FailingDialer(log, cid, error), clock=lambda: NOW, sleep=polls.sleep)
    await asyncio.wait_for(runner.run(stop), 5)
    assert repo.statuses == {1: status}
    assert (log.count("dial 1") >= 2) is dialled_again


# -- queue administration through ARI ------------------------------------------------------------------------
async def test_queue_admin_runs_the_dialplan_action_and_reads_its_status() -> None:
    ari = FakeAri(results=["", "", "result:ADDED"])
    admin = QueueAdmin(ari, timeout=2, poll=0.01)
    assert await admin.run("add", "PJSIP/staff1", "staff1") == "ADDED"
    (call,) = ari.originated
    variable = call["variables"]["ADMIN_RESULT"]
    assert call["endpoint"] == "Local/add@queue-admin/n" and call["context"] == "queue-admin"
    assert call["variables"] == {"ADMIN_RESULT": variable, "AGENT_INTERFACE": "PJSIP/staff1", "AGENT_NAME": "staff1"}
    assert ari.cleared == [variable]
    ari.results = ["result:PJSIP/staff1,PJSIP/staff2"]
    assert await admin.members() == {"PJSIP/staff1", "PJSIP/staff2"}
    ari.results = ["result:"]
    assert await admin.members() == set()


async def test_queue_admin_names_what_is_missing_when_the_pbx_does_not_answer() -> None:
    admin = QueueAdmin(FakeAri(), timeout=0.05, poll=0.01)
    with pytest.raises(PbxUnavailable, match="did not run queue action 'remove'.*'queue-admin' context"):
        await admin.run("remove", "PJSIP/staff1")


@pytest.mark.parametrize("name, endpoint, message", [
    ("Staff1", None, "agent name 'Staff1': use lower-case letters"),
    ("1staff", None, "agent name '1staff'"),
    ("staff 1", None, "agent name 'staff 1'"),
    ("staff1", "SIP/staff1", "--endpoint 'SIP/staff1': expected PJSIP/<endpoint name>, e.g. PJSIP/staff1"),
    ("staff1", "PJSIP/", "--endpoint 'PJSIP/'"),
])
def test_bad_agents_are_refused_with_one_message(name: str, endpoint: str | None, message: str) -> None:
    service = AgentService(store=None, admin=None, clock=lambda: NOW)  # type: ignore[arg-type]
    with pytest.raises(UserError) as err:
        service.add(name, endpoint, None, "t")
    assert str(err.value).startswith(message)
