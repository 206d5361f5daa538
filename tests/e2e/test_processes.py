"""Several controller processes on one PBX and one database (issue 12): each with its own worker id and
ARI applications, leases on the database's clock, one holder of the hotline application.

- a call in progress keeps its events while a second process places a call (the issue's reproduction);
- two `campaign run` and a `serve` dial one campaign: every household called once, nobody's call cut;
- a `campaign run` cut off (SIGSTOP: its database session stays open, it just stops answering) loses its
  lease: another worker hangs its calls up and calls those households again exactly once; woken up, it
  finds its lease lost and stops without originating anything;
- kill -9 of the `serve` holding the hotline: the standby answers the next call within 5 s, and the
  resident who was mid-declaration hears the apology and is hung up (ivr/hotline/owner.py says why).
Short leases (settings) keep these tests quick; the behaviour is the same with the default 15 s.
"""
from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from e2e_helpers import eventually
from hotline_helpers import until
from test_dialer import _answers, campaign, phones
from test_script_call import PATHS

from ivr.config import PROJECT_ROOT
from ivr.storage import models as m
from ivr.storage.db import make_engine

HERE = Path(__file__).resolve().parent
# The relay standing for the cut-off node's network path to PostgreSQL (an extra port of this sandbox).
RELAY_PORT = int(os.environ.get("ROBOCALL_SANDBOX_SIP_PORT", "5060")) + 27
EXE = str(Path(sys.executable).with_name("robocall"))


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([EXE, *args], env={**env, "ROBOCALL_LOG_FILE": str(log)}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def events(log: Path) -> list[dict]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]


def named(log: Path, name: str) -> list[dict]:
    return [e for e in events(log) if e.get("event") == name]


def stop_all(*procs: subprocess.Popen[str]) -> None:
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


def attempts(url: str, cid: int) -> list[m.CallAttempt]:
    engine = make_engine(url)
    with engine.connect() as c:
        rows = list(c.execute(select(m.CallAttempt).where(m.CallAttempt.campaign_id == cid)
                              .order_by(m.CallAttempt.id)))
    engine.dispose()
    return rows  # type: ignore[return-value]


# -- 1. a second process beside a call in progress -------------------------------------------------------
def test_a_second_process_does_not_take_the_events_of_a_call_in_progress(pbx, settings, tmp_path):
    """The issue's reproduction: `robocall call --script f1_daily` in one shell, another `robocall call` in a
    second while the first is in progress. Before process identity both registered the application
    `robocall`, and the first call lost its events (hung_up_early, no answer)."""
    env = dict(os.environ)
    number, _, result_expected, answers_expected = PATHS["symptomatic"]  # the longest path: ~75 s alone
    first = start(["call", "0" + number[3:], "--script", "f1_daily", "--json"], env, tmp_path / "first.log")
    try:
        assert eventually(lambda: pbx.channel_count() >= 1, timeout=30), "the first call is up"
        second = subprocess.run([EXE, "call", "0900000005", "--json"], env=env, capture_output=True, text=True,
                                timeout=60)
        assert second.returncode == 0, second.stderr
        assert json.loads(second.stdout)["outcome"] == "busy"
        third = subprocess.run([EXE, "call", "0900000012", "--json"], env=env, capture_output=True, text=True,
                               timeout=60)
        assert third.returncode == 0, third.stderr
        assert json.loads(third.stdout)["keys"] == "1"
        out, err = first.communicate(timeout=120)
    finally:
        stop_all(first)
    assert first.returncode == 0, err
    result = json.loads(out)
    assert (result["outcome"], result["result"]) == ("completed", result_expected), result
    assert result["answers"] == answers_expected, "every answer of the first call was heard"


# -- 2. two `campaign run` and a `serve` on one campaign ---------------------------------------------------
def test_two_campaign_runs_and_a_serve_dial_one_campaign(pbx, settings, tmp_path):
    numbers = phones(list(range(18)), block=81)  # 00-17: answer, press 1 (the quick script: completed)
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    from ivr.storage.db import migrate

    migrate(url)
    svc, cid = campaign(settings, url, tmp_path, numbers, unfinished_extra_attempts=0, no_answer_attempts=1,
                        network_max_attempts=1)
    scripts = tmp_path / "scripts"  # serve's hotline scripts and the campaign's quick script
    shutil.copytree(PROJECT_ROOT / "scripts_vi", scripts)
    shutil.copy(HERE / "scripts" / "quick.yaml", scripts)
    env = {**os.environ, "ROBOCALL_DATABASE_URL": url, "ROBOCALL_SCRIPTS_DIR": str(scripts),
           "ROBOCALL_DIALER_MAX_CONCURRENT": "2", "ROBOCALL_WORKERS_LEASE_SECONDS": "6"}
    serve = start(["serve"], env, tmp_path / "serve.log")
    runs: list[subprocess.Popen[str]] = []
    try:
        assert eventually(lambda: named(tmp_path / "serve.log", "service.started"), timeout=60), \
            serve.stderr.read() if serve.poll() is not None and serve.stderr else "serve did not start"
        runs = [start(["campaign", "run", str(cid)], env, tmp_path / f"run{i}.log") for i in (1, 2)]
        seen: dict = {}

        def status_shows_all() -> bool:
            out = subprocess.run([EXE, "status", "--json"], env=env, capture_output=True, text=True, timeout=30)
            seen.update(json.loads(out.stdout) if out.returncode == 0 else {"error": out.stderr})
            roles = sorted(w["role"] for w in seen.get("workers", []))
            return roles == ["campaign", "campaign", "serve"] and all(
                cid in w["campaigns"] for w in seen["workers"] if w["role"] == "campaign")

        assert eventually(status_shows_all, timeout=30, interval=0.5), seen
        serve_id = next(w["worker_id"] for w in seen["workers"] if w["role"] == "serve")
        assert [(h["app"], h["worker_id"]) for h in seen["hotline_holders"]] == [("robocall", serve_id)]
        assert len({w["pid"] for w in seen["workers"]}) == 3
        for proc in runs:
            _, err = proc.communicate(timeout=240)
            assert proc.returncode == 0, err
        assert eventually(lambda: svc.repo.get_campaign(cid).status.value == "completed", timeout=60)
        serve.send_signal(signal.SIGTERM)
        assert serve.wait(60) == 0, serve.stderr.read() if serve.stderr else ""
    finally:
        stop_all(serve, *runs)
    rows = attempts(url, cid)
    per_household = Counter(a.household_id for a in rows)
    assert len(per_household) == 18 and set(per_household.values()) == {1}, "every contact called exactly once"
    assert {a.outcome for a in rows} == {"completed"}, "no call of one process was hung up by another"
    assert len({a.attempt_id for a in _answers_rows(url, cid)}) == 18, "every call's answer was stored"
    workers = Counter(a.claimed_by for a in rows)
    assert len(workers) >= 2, f"the processes shared the campaign: {workers}"
    assert len({w.split(":")[-1] for w in workers}) == len(workers), "each process has its own worker id"


def _answers_rows(url: str, cid: int) -> list:
    engine = make_engine(url)
    with engine.connect() as c:
        rows = list(c.execute(select(m.Answer).where(m.Answer.campaign_id == cid)))
    engine.dispose()
    return rows


# -- 3. a worker cut off: its lease expires, its calls are taken over --------------------------------------
@pytest.mark.postgres
@pytest.mark.parametrize("how", ["sigstop", "network"])
def test_a_cut_off_worker_loses_its_lease_and_its_calls_are_taken_over(pbx, settings, e2e_postgres_url, tmp_path,
                                                                        how):
    """A worker cut off, its PostgreSQL session not closed: it stops renewing its lease. Two ways:
    - ``sigstop``: the process is frozen (nothing of it runs);
    - ``network``: its path to PostgreSQL goes silent (tests/e2e/netcut.py: no byte crosses, no connection
      is closed): the process keeps running and must stop originating by itself once its last heartbeat
      is older than its lease minus a margin; its queries hang.
    Another `campaign run` takes its attempts over once the lease expires (on the database's clock): the
    channels it left up are hung up, and those households are called again exactly once. Back (SIGCONT, or
    the path healed), the first finds its lease lost and stops without originating anything more."""
    from urllib.parse import urlsplit, urlunsplit

    from dbfixtures import empty_database
    from netcut import Relay

    url = e2e_postgres_url
    empty_database(url)
    numbers = phones([1] * 4 + [2] * 6, block=82)  # 01: answers and holds 20 s after its key
    svc, cid = campaign(settings, url, tmp_path, numbers, unfinished_interval_min=0, network_backoff_min=0,
                        no_answer_interval_min=0)
    env = {**os.environ, "ROBOCALL_DATABASE_URL": url, "ROBOCALL_SCRIPTS_DIR": str(HERE / "scripts"),
           "ROBOCALL_DIALER_MAX_CONCURRENT": "4", "ROBOCALL_WORKERS_LEASE_SECONDS": "4"}
    pg = urlsplit(url)
    relay = Relay((pg.hostname or "127.0.0.1", pg.port or 5432), RELAY_PORT).__enter__() if how == "network" else None
    user, at, _ = pg.netloc.rpartition("@")
    through_relay = urlunsplit(pg._replace(netloc=f"{user}{at}127.0.0.1:{RELAY_PORT}"))
    cut_env = env if relay is None else {**env, "ROBOCALL_DATABASE_URL": through_relay}
    cut = start(["campaign", "run", str(cid)], cut_env, tmp_path / "cut.log")
    rescuer = None
    try:
        assert eventually(lambda: len(_answers(url, cid)) >= 2 and pbx.channel_count() >= 2, timeout=60)
        if relay is None:
            os.killpg(cut.pid, signal.SIGSTOP)
        else:
            relay.cut()
        stopped_at = time.monotonic()
        before = _answers(url, cid)
        snapshot = attempts(url, cid)
        left = {a.channel_id for a in snapshot if a.status == "dialing"}
        cut_worker = {a.claimed_by for a in snapshot if a.status == "dialing"}
        dialled_by_cut = {a.id for a in snapshot if a.claimed_by in cut_worker and a.started_at is not None}
        assert left, "calls were in progress when the worker was cut off"
        rescuer = start(["campaign", "run", str(cid)], env, tmp_path / "rescuer.log")
        _, err = rescuer.communicate(timeout=240)
        assert rescuer.returncode == 0, err
        taken = named(tmp_path / "rescuer.log", "workers.taken_over")
        assert taken and taken[0]["resolved"] >= len(left), taken
        if relay is None:
            os.killpg(cut.pid, signal.SIGCONT)
        else:
            assert cut.poll() is None, "cut off, the process itself keeps running"
            relay.heal()
        _, err = cut.communicate(timeout=60)
        woke_after = time.monotonic() - stopped_at
    finally:
        stop_all(cut, *([rescuer] if rescuer else []))
        if relay is not None:
            relay.close()
    assert cut.returncode != 0 and "lost its permission to call" in err, err  # (tests run with ROBOCALL_LANG=en)
    rows = attempts(url, cid)
    assert before <= _answers(url, cid), "no answer given before the cut was lost"
    assert all(a.status == "done" for a in rows)
    assert len({a.channel_id for a in rows}) == len(rows), "no attempt was dialled twice"
    again = [a for a in rows if a.channel_id in left]
    assert again and all(a.outcome in ("hung_up_early", "failed") for a in again)
    by_household = Counter(a.household_id for a in rows)
    cut_households = {a.household_id for a in again}
    assert all(by_household[h] == 2 for h in cut_households), "each cut call was made again exactly once"
    assert all(n == 1 for h, n in by_household.items() if h not in cut_households), "nobody else twice"
    assert len(cut_worker) == 1
    after_wake = {a.id for a in rows if a.claimed_by in cut_worker and a.started_at is not None} - dialled_by_cut
    assert not after_wake, "the worker that lost its lease originated nothing more"
    print(f"\ncut calls taken over: {len(again)}; the cut worker woke {woke_after:.0f} s later and stopped")
    assert eventually(lambda: pbx.channel_count() == 0, timeout=30)


# -- 4. the hotline's holder dies: the standby takes over ----------------------------------------------------
@pytest.mark.postgres
def test_the_standby_serve_takes_the_hotline_over_within_5_seconds(pbx, settings, e2e_postgres_url, tmp_path):
    asyncio.run(_hotline_takeover(pbx, settings, e2e_postgres_url, tmp_path))


async def _hotline_takeover(box, settings, url: str, tmp_path: Path) -> None:
    from dbfixtures import empty_database

    from ivr.sandbox.callers import Callers
    from ivr.storage.hotline import HotlineStore

    empty_database(url)
    env = {**os.environ, "ROBOCALL_DATABASE_URL": url, "ROBOCALL_WORKERS_HOTLINE_LEASE_SECONDS": "3"}
    owner_log, standby_log = tmp_path / "owner.log", tmp_path / "standby.log"
    owner = start(["serve", "--no-dialer"], env, owner_log)
    standby = None
    store = HotlineStore(make_engine(url))
    try:
        assert await until(lambda: named(owner_log, "hotline.owner_acquired"), 60), "the first serve holds it"
        # Its own health port (/readyz says "standby"): two serves on one host cannot share one.
        port = int(os.environ.get("ROBOCALL_SERVICE_HEALTH_PORT", "9464")) + 1
        standby = start(["serve", "--no-dialer"], {**env, "ROBOCALL_SERVICE_HEALTH_PORT": str(port)}, standby_log)
        assert await until(lambda: named(standby_log, "service.started"), 60), "the standby started"
        assert not named(standby_log, "hotline.owner_acquired"), "the standby waits"
        # /readyz names each serve's role (both ready): the holder "held", the other "standby".
        assert await until(lambda: (_readyz(port - 1), _readyz(port)) == (("held", True), ("standby", True)), 10), \
            (_readyz(port - 1), _readyz(port))
        callers = Callers(box.phones, settings.hotline.number)
        mid = await asyncio.to_thread(callers.call, "0912340901", "1")  # menu: declare
        latest = lambda: next(iter(store.inbound_calls(5)), None)  # noqa: E731
        assert await until(lambda: (c := latest()) is not None and "menu:declare" in c.path, 90)
        os.killpg(owner.pid, signal.SIGKILL)
        owner.wait(10)
        killed = time.monotonic()
        # Poll with the requirement as the deadline: a new hotline call is answered within 5 s of the kill.
        taken = await until(lambda: named(standby_log, "hotline.owner_acquired"), 5.0, interval=0.1)
        took = time.monotonic() - killed
        assert taken, f"the standby did not take the hotline over within 5 s ({took:.1f} s)"
        assert await until(lambda: _readyz(port) == ("held", True), 5), _readyz(port)
        fresh = await asyncio.to_thread(callers.call, "0912340902", "9")
        assert await asyncio.to_thread(fresh.wait_state, "up", 20), "the standby answered a new call"
        answered = time.monotonic() - killed
        assert await until(lambda: named(standby_log, "hotline.caller_left_by_dead_holder"), 20)
        assert await until(lambda: mid.state == "ended", 40), "the caller left mid-call was apologised to and hung up"
    finally:
        stop_all(owner, *([standby] if standby else []))
        store.engine.dispose()
    print(f"\nhotline taken over {took:.1f} s after kill -9; a new call answered {answered:.1f} s after it")


def _readyz(port: int) -> tuple[str, bool] | None:
    """(hotline role, ready) from a serve's /readyz; None while it does not answer."""
    import httpx

    try:
        body = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).json()
    except (httpx.HTTPError, ValueError):
        return None
    return body.get("hotline"), body.get("ready")


def test_a_second_serve_on_sqlite_is_refused_with_a_message(pbx, settings, tmp_path):
    """SQLite is one host, one node: no standby; the second `serve` for the same PBX says who holds it."""
    url = f"sqlite:///{tmp_path / 'one.db'}"
    env = {**os.environ, "ROBOCALL_DATABASE_URL": url}
    first = start(["serve", "--no-dialer"], env, tmp_path / "first.log")
    try:
        assert eventually(lambda: named(tmp_path / "first.log", "hotline.owner_acquired"), timeout=60)
        holder = named(tmp_path / "first.log", "hotline.owner_acquired")[0]["worker"]
        second = subprocess.run([EXE, "serve", "--no-dialer"], env={**env, "ROBOCALL_LOG_FILE": str(tmp_path / "2.log")},
                                capture_output=True, text=True, timeout=60)
        assert first.poll() is None, "the first serve keeps running"
    finally:
        stop_all(first)
    assert second.returncode != 0
    assert "only one `robocall serve`" in second.stderr and holder in second.stderr, second.stderr
    assert "Traceback" not in second.stderr
