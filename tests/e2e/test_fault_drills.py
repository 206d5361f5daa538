"""Fault drills (issue 7): a campaign runs against the sandbox and a fault strikes in the middle of it.

- the PBX (the sandbox's Asterisk) restarts;
- the ARI connection (REST and websocket) is cut for 5 s, by a TCP proxy between controller and ARI;
- the trunk answers 503 for a minute;
- the database (PostgreSQL) refuses every connection for 10 s, its open connections killed;
- (kill -9 of the controller, then a restart: tests/e2e/test_dialer.py::test_kill_9_mid_campaign_then_restart).

Every drill ends with the same checks (``assert_consistent``): each household's attempts are numbered
1..n without a gap or a duplicate, none is left claimed, dialling or pending, every channel id is used
once, each attempt but the last was retried as the policy says and the last is final; every answer given
before the fault is still there, none is duplicated, each belongs to its attempt's contact; no call of the
campaign is left up on Asterisk; and the campaign completes. Bounded in time, loopback only; marked slow.
Phones follow the default rule (README, "Personas"): numbers ending 00-49 answer and press 1.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import os
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from structlog.testing import capture_logs

from dbfixtures import PG_ADMIN_URL, empty_database
from tcpproxy import TcpProxy
from test_dialer import ALWAYS_OPEN, phones, scripts, write_csv

from ivr import app, config
from ivr.ari.client import AriClient
from ivr.calls.dialer import Dialer
from ivr.calls.policy import RetryPolicy, next_attempt
from ivr.storage.resilience import DatabaseUnavailable, DbRetry
from ivr.clock import utcnow
from ivr.campaigns.service import CampaignService
from ivr.storage.leases import LeaseStore
from ivr.contacts.importer import ContactImporter
from ivr.errors import UserError
from ivr.sandbox.manager import Sandbox
from ivr.storage import models as m
from ivr.storage import records as r
from ivr.storage.db import make_engine
from ivr.storage.repo import Repository

pytestmark = pytest.mark.slow

# Retries due at once, so a drill ends in seconds; the trunk drill keeps the policy's minutes instead.
RETRY_NOW = {"unfinished_interval_min": 0, "network_backoff_min": 0, "no_answer_interval_min": 0}
Clock = Callable[[], dt.datetime]


@pytest.fixture
def drill_settings(settings: config.Settings, request: pytest.FixtureRequest) -> config.Settings:
    """Five calls at a time, on an ARI application of the drill's own: other engineers' runs on the shared
    sandbox use "robocall", and Asterisk sends an application's events to the websocket that connected last
    (after a PBX restart, whichever reconnects last would take the other's calls)."""
    name = request.node.originalname.removeprefix("test_")[:24]
    return config.replace(settings, dialer={"max_concurrent": 5, "calls_per_second": 5},
                          ari={"app": f"drill-{name}-{os.getpid()}"})


# -- set-up ------------------------------------------------------------------------------------------
def make_campaign(settings: config.Settings, url: str, tmp_path: Path, numbers: list[str], *,
                  clock: Clock = utcnow, **policy: int) -> tuple[CampaignService, int]:
    s = config.replace(settings, database={"url": url})
    repo = Repository(make_engine(url))
    importer = ContactImporter(repo, tmp_path / "imports", clock=utcnow, zone=ZoneInfo("Asia/Ho_Chi_Minh"))
    result = importer.import_file(write_csv(tmp_path / "list.csv", numbers), category="F1",
                                  list_date=dt.date.today(), operator="drill")
    svc = CampaignService(s, repo, app.audio_library(s), scripts, app.campaign_policy(s), clock=clock)
    created = svc.create(script_name="quick", operator="drill", import_id=result.import_id,
                         overrides={**ALWAYS_OPEN, **policy})
    return svc, created.campaign.id


@dataclass
class Drill:
    """A campaign running in the background of the test's event loop."""

    svc: CampaignService
    campaign_id: int
    ari: AriClient
    task: asyncio.Task[object]

    @classmethod
    def start(cls, svc: CampaignService, campaign_id: int, ari: AriClient, *, until_done: bool = False) -> "Drill":
        """Run the campaign as `campaign run` does: until nothing is due now. ``until_done``: as a
        long-running worker does, until every household is done (retries scheduled later included)."""
        if not until_done:
            return cls(svc, campaign_id, ari, asyncio.create_task(svc.run(campaign_id, ari, asyncio.Event(), "drill")))

        async def worker() -> object:
            stop = asyncio.Event()
            run = asyncio.create_task(svc.run(campaign_id, ari, stop, "drill", until_idle=False))
            while not run.done():
                progress = await asyncio.to_thread(svc.repo.campaign_progress, campaign_id)
                if progress.households and progress.unfinished == 0:
                    stop.set()
                await asyncio.wait({run}, timeout=0.5)
            return run.result()

        return cls(svc, campaign_id, ari, asyncio.create_task(worker()))

    def answers(self) -> dict[tuple[int, str], tuple[str, str, dt.datetime]]:
        """(attempt, question) -> (key, value, answered_at), every row (a duplicate would fail the check)."""
        with self.svc.repo.engine.connect() as c:
            rows = c.execute(select(m.Answer.attempt_id, m.Answer.question_id, m.Answer.key, m.Answer.value,
                                    m.Answer.answered_at).where(m.Answer.campaign_id == self.campaign_id)).all()
        return {(a, q): (k, v, at) for a, q, k, v, at in rows}

    def mid_campaign(self, answers: int, calls: int) -> bool:
        written = self.answers()
        answered = {attempt for attempt, _ in written}
        waiting = [a for a in self.svc.repo.campaign_attempts(self.campaign_id)
                   if a.status is r.AttemptStatus.DIALING and a.id not in answered]
        return len(written) >= answers and len(waiting) >= calls

    async def until_mid_campaign(self, answers: int, calls: int = 2, timeout: float = 60) -> None:
        """Wait until ``answers`` answers are written and ``calls`` calls are in progress with their key
        still to come: the fault then strikes in the middle of conversations."""
        await until(lambda: self.mid_campaign(answers, calls), timeout,
                    f"{answers} answers and {calls} calls in progress", self.task)

    async def finish(self, timeout: float) -> None:
        await asyncio.wait_for(asyncio.shield(self.task), timeout)

    async def stop(self) -> None:
        if not self.task.done():
            self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)


async def until(cond: Callable[[], bool], timeout: float, what: str,
                task: asyncio.Task[object] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while not await asyncio.to_thread(cond):
        if task is not None and task.done():
            task.result()  # the campaign ended or failed early: say why
            raise AssertionError(f"the campaign ended before {what}")
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} within {timeout:g} s")
        await asyncio.sleep(0.2)


# -- the checks every drill ends with -----------------------------------------------------------------
@dataclass(frozen=True)
class Outcome:
    attempts: list[r.Attempt]
    answers: dict[tuple[int, str], tuple[str, str, dt.datetime]]

    def last_outcomes(self) -> dict[int, str]:
        last: dict[int, r.Attempt] = {}
        for a in self.attempts:
            if a.household_id not in last or a.attempt_no > last[a.household_id].attempt_no:
                last[a.household_id] = a
        return {h: str(a.outcome) for h, a in last.items()}


async def assert_consistent(drill: Drill, before: dict[tuple[int, str], tuple[str, str, dt.datetime]],
                            policy: RetryPolicy, households: int) -> Outcome:
    repo, cid = drill.svc.repo, drill.campaign_id
    progress = repo.campaign_progress(cid)
    attempts = repo.campaign_attempts(cid)
    assert progress.status is r.CampaignStatus.COMPLETED, f"campaign ended {progress.status}: {progress.by_status}"

    # Attempts: numbered 1..n per household, all done, each channel id used once.
    by_household: dict[int, list[r.Attempt]] = {}
    for a in attempts:
        by_household.setdefault(a.household_id, []).append(a)
    assert len(by_household) == households, "every household on the list was called"
    for household, tries in by_household.items():
        tries.sort(key=lambda a: a.attempt_no)
        assert [a.attempt_no for a in tries] == list(range(1, len(tries) + 1)), (household, tries)
        assert all(a.status is r.AttemptStatus.DONE and a.outcome for a in tries), \
            f"household {household}: {[(a.status.value, a.outcome) for a in tries]}"
        # Each attempt but the last was retried as the policy says; the last needs no retry.
        for i, a in enumerate(tries):
            previous = [str(t.outcome) for t in tries[:i]]
            due = next_attempt(str(a.outcome), a.attempt_no, a.ended_at or a.scheduled_at, policy, previous)
            final = i == len(tries) - 1
            assert (due is None) == final, f"household {household}: {[t.outcome for t in tries]}"
    channels = [a.channel_id for a in attempts if a.channel_id]
    assert len(channels) == len(set(channels)), "an attempt was dialled twice"

    # Answers: none lost, none duplicated, each on its own attempt's contact.
    after = drill.answers()
    with repo.engine.connect() as c:
        rows = c.execute(select(m.Answer.attempt_id, m.Answer.question_id, m.Answer.contact_id)
                         .where(m.Answer.campaign_id == cid)).all()
    assert len(rows) == len({(a, q) for a, q, _ in rows}), "an answer was written twice"
    contact_of = {a.id: a.contact_id for a in attempts}
    assert all(contact_of.get(a) == contact for a, _, contact in rows), "an answer is not its attempt's"
    lost = {k: v for k, v in before.items() if after.get(k) != v}
    assert not lost, f"answers given before the fault are gone or changed: {sorted(lost)}"

    # No call of the campaign is left up on Asterisk.
    mine = set(channels)

    async def leftovers() -> set[str]:
        return mine & {ch["id"] for ch in await drill.ari.channels()}

    deadline = time.monotonic() + 30
    while (left := await leftovers()) and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
    assert not left, f"calls left up on Asterisk: {sorted(left)}"
    return Outcome(attempts, after)


def policy_of(drill: Drill) -> RetryPolicy:
    return drill.svc.policy(drill.svc.repo.get_campaign(drill.campaign_id))


# -- 1. the PBX restarts ------------------------------------------------------------------------------
def ari_startup_time(settings: config.Settings) -> str | None:
    a = settings.ari
    try:
        resp = httpx.get(f"{a.url}/ari/asterisk/info", auth=(a.username, a.password), timeout=2)
    except httpx.HTTPError:
        return None
    return resp.json()["status"]["startup_time"] if resp.status_code == 200 else None


def restart_pbx(box: Sandbox, settings: config.Settings, timeout: float = 90) -> float:
    """`core restart now` on the PBX (it re-executes itself: same process, same pid file), then wait until
    ARI answers as a new instance. Returns the seconds from the command until the PBX was ready again."""
    before = ari_startup_time(settings)
    t0 = time.monotonic()
    try:
        box.pbx.rx("core restart now", timeout=10)
    except UserError:
        pass  # the console connection may close as Asterisk goes down
    deadline = t0 + timeout
    while time.monotonic() < deadline:
        now = ari_startup_time(settings)
        if now is not None and now != before:
            box.pbx.wait_ready(deadline)
            return time.monotonic() - t0
        time.sleep(0.2)
    if box.pbx.pid() is None:  # the restart failed: bring the shared sandbox back before failing
        box.pbx.start()
        box.pbx.wait_ready(time.monotonic() + 60)
    raise AssertionError(f"ARI did not come back within {timeout:g} s of `core restart now`")


async def test_asterisk_restarts_mid_campaign(pbx, drill_settings, any_db_url, tmp_path):
    svc, cid = make_campaign(drill_settings, any_db_url, tmp_path, phones(list(range(20)), block=51), **RETRY_NOW)
    ari = app.ari_client(drill_settings)
    await ari.connect()
    drill = Drill.start(svc, cid, ari)
    try:
        await drill.until_mid_campaign(answers=3)
        before = drill.answers()
        fault_at = utcnow()
        gone_for = await asyncio.to_thread(restart_pbx, pbx, drill_settings)
        await drill.finish(timeout=180)
        result = await assert_consistent(drill, before, policy_of(drill), households=20)
    finally:
        await drill.stop()
        await ari.close()
    assert ari.reconnects >= 1
    cut = [a for a in result.attempts if a.started_at and a.started_at <= fault_at and a.outcome != "completed"]
    assert cut, "the restart cut calls that were in progress"
    # A call cut by the restart ends as the PBX's own hang-up said: a talking call `hung_up_early`, a ringing one
    # `no_answer` (`core restart` hangs up a ringing channel the way a ring timeout does, no SIP code from the
    # far end), `failed`, or `lost` when no event came at all (no outcome or SIP code guessed).
    outcomes = {a.outcome for a in cut}
    assert {a.attempt_no for a in cut} == {1} and outcomes <= {"hung_up_early", "no_answer", "failed", "lost"}, outcomes
    again = {a.household_id for a in result.attempts if a.attempt_no >= 2}
    assert {a.household_id for a in cut} <= again, "every call cut by the restart was made again"
    # A retry placed while Asterisk was still starting may fail too; it is then retried by policy
    # (minutes later), so the drill checks that each cut call was made again, not its final outcome.
    print(f"\nPBX gone {gone_for:.1f} s; calls cut: {len(cut)}; attempts: {len(result.attempts)} "
          f"for {len(result.last_outcomes())} households")


# -- 2. the ARI connection is cut for 5 s -------------------------------------------------------------
async def test_ari_connection_cut_for_5_seconds(pbx, drill_settings, any_db_url, tmp_path):
    svc, cid = make_campaign(drill_settings, any_db_url, tmp_path, phones(list(range(20)), block=52), **RETRY_NOW)
    host, port = drill_settings.ari.url.split("//")[1].split(":")
    proxy = TcpProxy(host, int(port))
    await proxy.start()
    a = drill_settings.ari
    ari = AriClient(f"http://127.0.0.1:{proxy.port}", a.username, a.password, a.app)
    await ari.connect()
    drill = Drill.start(svc, cid, ari)
    try:
        with capture_logs() as logs:
            await drill.until_mid_campaign(answers=3)
            before = drill.answers()
            fault_at = utcnow()
            proxy.cut(5)
            await drill.finish(timeout=180)
        result = await assert_consistent(drill, before, policy_of(drill), households=20)
    finally:
        await drill.stop()
        await ari.close()
        await proxy.close()
    assert ari.reconnects >= 1
    events = [e["event"] for e in logs]
    assert "dialer.pbx_unreachable_waiting" in events and "dialer.pbx_back" in events, \
        "the dialer claimed nothing while ARI was unreachable"
    in_flight = [a for a in result.attempts if a.started_at and a.started_at <= fault_at and a.ended_at
                 and a.ended_at >= fault_at]
    assert len(in_flight) >= 2, "the cut hit calls in progress"
    # Keys pressed during the cut are lost with the websocket: a call may end otherwise than its first key
    # would have; every household still ends with an outcome its phone's keys (1, 1, 2, ...) can produce.
    assert set(result.last_outcomes().values()) <= {"completed", "wrong_person", "no_input"}
    print(f"\ncalls in flight at the cut: {len(in_flight)}; their outcomes: "
          f"{dict(Counter(str(a.outcome) for a in in_flight))}; last outcomes: {dict(Counter(result.last_outcomes().values()))}")


# -- 3. the trunk answers 503 for a minute --------------------------------------------------------------
class AcceleratedClock:
    """Ledger time that runs ``speed`` times faster than real time, from 08:00 today in Vietnam.

    The trunk drill keeps the policy's real minutes (network back-off 5 min, doubling) and gives the
    campaign service (so the dialer and the ledger) this clock instead: at 60x a minute of policy is a
    second of drill, so the back-off schedule 5, 10, 20, 40 min plays out in 75 s. Starting at 08:00 keeps
    the whole drill (a few hours of ledger time) inside one day's call window, whatever the hour it runs.
    Call timers (prompts, key time-outs) and the pacer's back-off run on real time, as in production.
    """

    def __init__(self, speed: float) -> None:
        self.speed = speed
        zone = ZoneInfo("Asia/Ho_Chi_Minh")
        self.origin = dt.datetime.combine(dt.datetime.now(zone).date(), dt.time(8, 0), tzinfo=zone)
        self.started = time.monotonic()

    def __call__(self) -> dt.datetime:
        return self.origin + dt.timedelta(seconds=(time.monotonic() - self.started) * self.speed)


async def test_trunk_answers_503_for_a_minute(pbx, drill_settings, any_db_url, tmp_path):
    clock = AcceleratedClock(60)
    svc, cid = make_campaign(drill_settings, any_db_url, tmp_path, phones(list(range(12)), block=53), clock=clock)
    ari = app.ari_client(drill_settings)
    await ari.connect()
    drill = Drill.start(svc, cid, ari, until_done=True)  # retries are due minutes (seconds) later
    try:
        with capture_logs() as logs:
            await drill.until_mid_campaign(answers=2, calls=1)
            before = drill.answers()
            down_at = clock()
            await asyncio.to_thread(pbx.set_trunk_down, True)
            try:
                await asyncio.sleep(60)  # the fault itself lasts a minute
            finally:
                await asyncio.to_thread(pbx.set_trunk_down, False)
            up_at = clock()
            await drill.finish(timeout=300)
        policy = policy_of(drill)
        result = await assert_consistent(drill, before, policy, households=12)
    finally:
        await asyncio.to_thread(pbx.set_trunk_down, False)
        await drill.stop()
        await ari.close()
    congested = [a for a in result.attempts if a.outcome == "congestion"]
    assert congested and all(a.sip_cause == 503 and down_at <= a.started_at <= up_at for a in congested)
    # The policy's back-off between a household's congested attempts: 5, 10, 20 ... minutes.
    for household in {a.household_id for a in congested}:
        tries = sorted((a for a in result.attempts if a.household_id == household), key=lambda a: a.attempt_no)
        # The back-off counts every network failure of the household so far (unreachable, failed and
        # congestion alike), not only the 503s: 5 minutes after the first, 10 after the second ...
        network = ("unreachable", "failed", "congestion")
        for i, (a, b) in enumerate(zip(tries, tries[1:])):
            if a.outcome == "congestion":
                failures = sum(1 for t in tries[: i + 1] if t.outcome in network)
                gap = (b.scheduled_at - a.ended_at) / dt.timedelta(minutes=1)
                assert gap == min(5 * 2 ** (failures - 1), 120), (household, [t.outcome for t in tries], gap)
    # With most set-ups answered 503 the pacer halved the call rate, pausing 2 s / rate factor each time,
    # so the minute cost a handful of originates; the policy alone (retries 5, 10, 20 min apart, seconds
    # here) would have sent about four per household still to call.
    factors = [e["factor"] for e in logs if e["event"] == "dialer.congestion_backoff"]
    assert factors, "the pacer backed off"
    originated = [a for a in result.attempts if a.started_at and down_at <= a.started_at <= up_at]
    assert len(originated) <= 12, f"{len(originated)} originates while the trunk answered 503"
    assert set(result.last_outcomes().values()) == {"completed"}, "every household was reached after the outage"
    print(f"\n503s: {len(congested)} over {len({a.household_id for a in congested})} households; "
          f"originates during the minute: {len(originated)}; pacer factors {factors}; "
          f"attempts: {len(result.attempts)} for {len(result.last_outcomes())} households "
          f"({dict(Counter(str(a.outcome) for a in result.attempts))})")


# -- 4. the database is unavailable for 10 s ------------------------------------------------------------
def set_database_open(url: str, is_open: bool) -> None:
    """Let the database accept connections again, or refuse new ones and kill every open one."""
    name = make_url(url).database
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            c.execute(text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS {str(is_open).lower()}'))
            if not is_open:
                c.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                               "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": name})
    finally:
        admin.dispose()


async def database_down(url: str, seconds: float) -> tuple[dt.datetime, dt.datetime]:
    """Make the database unavailable for ``seconds``; return when it went down and came back."""
    down_at = utcnow()
    await asyncio.to_thread(set_database_open, url, False)
    try:
        await asyncio.sleep(seconds)  # the outage itself
    finally:
        await asyncio.to_thread(set_database_open, url, True)
    return down_at, utcnow()


@pytest.mark.postgres
async def test_database_unavailable_for_10_seconds(pbx, drill_settings, e2e_postgres_url, tmp_path):
    url = e2e_postgres_url
    empty_database(url)
    svc, cid = make_campaign(drill_settings, url, tmp_path, phones(list(range(30)), block=54), **RETRY_NOW)
    ari = app.ari_client(drill_settings)
    await ari.connect()
    drill = Drill.start(svc, cid, ari)
    try:
        with capture_logs() as logs:
            await drill.until_mid_campaign(answers=4, calls=2)
            before = drill.answers()
            down_at, up_at = await database_down(url, 10)
            await drill.finish(timeout=180)
        result = await assert_consistent(drill, before, policy_of(drill), households=30)
    finally:
        await asyncio.to_thread(set_database_open, url, True)
        await drill.stop()
        await ari.close()
    retried = {e["what"] for e in logs if e["event"] == "db.recovered"}
    assert "record_answers" in retried, f"answers were written after the outage (retried: {sorted(retried)})"
    assert not [e for e in logs if e["event"] in ("dialer.attempt_error", "attempt.answers_unwritten")]
    during = [k for k, (_, _, at) in result.answers.items() if down_at <= at <= up_at]
    assert during, "keys pressed while the database was down were recorded"
    ended = [a for a in result.attempts if a.ended_at and down_at <= a.ended_at <= up_at]
    assert ended, "calls went on to their end while the database was down: prompts never waited for it"
    assert len(result.attempts) == 30, "the outage cost no household a second call"
    assert set(result.last_outcomes().values()) == {"completed"}
    print(f"\nanswers given during the outage and written after it: {len(during)}; calls that ended during it: "
          f"{len(ended)}; operations retried: {sorted(retried)}; attempts: {len(result.attempts)}")


@pytest.mark.postgres
async def test_database_down_past_the_retry_bound_leaves_attempts_for_recovery(pbx, drill_settings,
                                                                               e2e_postgres_url, tmp_path):
    """Past the bound (3 s here instead of 60, to keep the drill short) the dialer gives up cleanly: the calls
    in progress run to their end and hang up, attempts whose answers could not be written stay dialling,
    and the run stops with DatabaseUnavailable. The next start's recover() resolves those attempts and the
    retry policy calls the households again."""
    url = e2e_postgres_url
    empty_database(url)
    svc, cid = make_campaign(drill_settings, url, tmp_path, phones(list(range(12)), block=55), **RETRY_NOW)
    svc.set_status(cid, "running", "drill")
    ari = app.ari_client(drill_settings)
    await ari.connect()
    # A worker whose lease is never renewed (its heartbeats could not reach the database either): the
    # next start takes its attempts over once the lease has expired.
    LeaseStore(svc.repo.engine).register("drill-worker", node="drill", pid=0, role="campaign",
                                         ari_url=drill_settings.ari.url, app=ari.app, ttl=5)
    dialer = Dialer(svc.settings, svc.repo, ari, svc.library, svc.scripts, svc.policy,
                    worker_id="drill-worker", db_retry=DbRetry(bound=3.0))
    drill = Drill(svc, cid, ari, asyncio.create_task(dialer.run_campaign(cid, asyncio.Event())))
    try:
        with capture_logs() as logs:
            await drill.until_mid_campaign(answers=2, calls=2)
            before = drill.answers()
            outage = asyncio.create_task(database_down(url, 12))
            with pytest.raises(DatabaseUnavailable):
                await drill.finish(timeout=60)
            await outage
        left = [a for a in svc.repo.campaign_attempts(cid) if a.status is r.AttemptStatus.DIALING]
        assert left, "attempts whose answers could not be written were left dialling"
        up = {ch["id"] for ch in await ari.channels()} & {a.channel_id for a in left}
        assert not up, f"their calls ran to their end and hung up, yet {sorted(up)} are still up"
        assert any(e["event"] == "attempt.answers_unwritten" for e in logs)
        drill.task = asyncio.create_task(svc.run(cid, ari, asyncio.Event(), "drill"))  # the next start
        await drill.finish(timeout=120)
        result = await assert_consistent(drill, before, policy_of(drill), households=12)
    finally:
        await asyncio.to_thread(set_database_open, url, True)
        await drill.stop()
        await ari.close()
    again = {a.household_id for a in left}
    retried = [a for a in result.attempts if a.household_id in again and a.attempt_no == 2]
    assert len(retried) == len(again) and all(a.outcome == "completed" for a in retried)
    assert set(result.last_outcomes().values()) == {"completed"}
    print(f"\nleft dialling past the bound: {len(left)}; called again after recovery: {len(retried)}")
