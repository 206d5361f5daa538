"""Two PBX nodes behind Kamailio, one PostgreSQL, one `serve` per node (issue 12): a node's death costs no call.

The sandbox starts a second Asterisk (``sandbox.nodes: 2``, its own ports, ARI and trunk to the simulated
network) and Kamailio in front of both on the hotline's SIP address (ivr/sandbox/proxy.py). Both nodes'
`serve` dial one campaign of 200 households and answer the hotline. Mid-campaign node 2's controller is
killed (kill -9) and its Asterisk stopped: the campaign completes on node 1, no answer is lost, nobody is
called twice except the households whose call the kill cut, and those exactly once more; new hotline calls
land on node 1 at once. Short leases (4 s) and a short script keep it quick.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import os
import shutil
import signal
import time
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from hotline_helpers import until
from test_dialer import ALWAYS_OPEN, _answers, write_csv
from test_processes import attempts, named, start, stop_all

from ivr import app, config
from ivr.clock import utcnow
from ivr.campaigns.service import CampaignService
from ivr.config import PROJECT_ROOT
from ivr.contacts.importer import ContactImporter
from ivr.sandbox.callers import Callers
from ivr.sandbox.manager import Sandbox
from ivr.scripts.checker import load_checked
from ivr.storage.db import make_engine
from ivr.storage.repo import Repository

HERE = Path(__file__).resolve().parent
HOUSEHOLDS = 200
PERSONAS = HERE / "personas.yaml"


@pytest.mark.postgres
def test_two_nodes_share_a_campaign_and_the_hotline_and_survive_one_dying(pbx, settings, e2e_postgres_url,
                                                                            tmp_path):
    from dbfixtures import empty_database

    empty_database(e2e_postgres_url)
    two = config.replace(settings, sandbox={"nodes": 2})
    box = Sandbox(two)
    box.up(str(PERSONAS))
    procs: list = []
    try:
        asyncio.run(_scenario(box, two, e2e_postgres_url, tmp_path, procs))
    finally:
        stop_all(*procs)
        Sandbox(settings).up(str(PERSONAS))  # back to one node, no proxy: the shared sandbox as it was
        assert box.node(2).pid() is None and (box.proxy is None or box.proxy.pid() is None)


async def _scenario(box: Sandbox, settings: config.Settings, url: str, tmp_path: Path, procs: list) -> None:
    scripts = tmp_path / "scripts"
    shutil.copytree(PROJECT_ROOT / "scripts_vi", scripts)
    shutil.copy(HERE / "scripts" / "quick.yaml", scripts)
    s = config.replace(settings, database={"url": url}, scripts_dir=str(scripts))
    repo = Repository(make_engine(url))
    numbers = [f"09065{i:03d}{i % 50:02d}" for i in range(HOUSEHOLDS)]  # 00-49: answer, press 1: completed
    importer = ContactImporter(repo, tmp_path / "imports", clock=utcnow, zone=ZoneInfo("Asia/Ho_Chi_Minh"))
    imported = importer.import_file(write_csv(tmp_path / "list.csv", numbers), category="F1",
                                    list_date=dt.date.today(), operator="test")
    svc = CampaignService(s, repo, app.audio_library(s), lambda n: load_checked(n, scripts), app.campaign_policy(s))
    cid = svc.create(script_name="quick", operator="test", import_id=imported.import_id,
                     overrides={**ALWAYS_OPEN, "unfinished_interval_min": 0, "network_backoff_min": 0,
                                "no_answer_interval_min": 0}).campaign.id
    health = int(os.environ.get("ROBOCALL_SERVICE_HEALTH_PORT", "9464"))
    logs = {n: tmp_path / f"node{n}.log" for n in (1, 2)}
    for node in box.nodes:
        env = {**os.environ, "ROBOCALL_DATABASE_URL": url, "ROBOCALL_SCRIPTS_DIR": str(scripts),
               "ROBOCALL_ARI_URL": node.ari_url(), "ROBOCALL_DIALER_WORKER_ID": f"node{node.number}",
               "ROBOCALL_DIALER_MAX_CONCURRENT": "15", "ROBOCALL_WORKERS_LEASE_SECONDS": "4",
               "ROBOCALL_SERVICE_HEALTH_PORT": str(health + 2 + node.number), "ROBOCALL_SANDBOX_NODES": "2"}
        procs.append(start(["serve"], env, logs[node.number]))
    for n in (1, 2):
        assert await until(lambda n=n: named(logs[n], "hotline.owner_acquired"), 90), f"node {n}'s serve holds its hotline"

    # Hotline calls through Kamailio: answered by both nodes.
    callers = Callers(box.phones, settings.hotline.number)
    first = [await asyncio.to_thread(callers.call, f"09123409{i:02d}", "") for i in range(4)]
    for caller in first:
        assert await asyncio.to_thread(caller.wait_state, "up", 30), "answered through Kamailio"
    assert await until(lambda: all(named(logs[n], "hotline.call_started") for n in (1, 2)), 20), \
        "Kamailio spread the hotline's calls over both nodes"
    for caller in first:
        await asyncio.to_thread(caller.hangup)

    svc.set_status(cid, "running", "test")
    started_on = lambda n: sum(1 for a in attempts(url, cid) if a.claimed_by and a.claimed_by.startswith(f"node{n}:")  # noqa: E731
                               and a.started_at is not None)
    assert await until(lambda: started_on(2) >= HOUSEHOLDS * 0.4, 300), "node 2 carried its share"
    before = _answers(url, cid)
    os.killpg(procs[1].pid, signal.SIGKILL)  # node 2's controller
    procs[1].wait(10)
    dead = time.monotonic()
    snapshot = attempts(url, cid)
    cut = {a.id for a in snapshot if (a.claimed_by or "").startswith("node2:") and a.status == "dialing"}
    await asyncio.to_thread(box.node(2).stop)  # and its Asterisk: every call on it ends

    # Within 5 s of the node's death, new hotline calls land on node 1.
    calls_before = len(named(logs[1], "hotline.call_started"))
    late = [await asyncio.to_thread(callers.call, f"09123419{i:02d}", "") for i in range(3)]
    for caller in late:
        assert await asyncio.to_thread(caller.wait_state, "up", 15), "answered by the surviving node"
    answered_after = time.monotonic() - dead
    assert answered_after < 5.0, answered_after  # three calls placed in turn, each answered by node 1
    assert await until(lambda: len(named(logs[1], "hotline.call_started")) >= calls_before + 3, 10)
    for caller in late:
        await asyncio.to_thread(caller.hangup)

    assert await until(lambda: svc.repo.get_campaign(cid).status.value == "completed", 300), \
        svc.repo.campaign_progress(cid)
    rows = attempts(url, cid)
    assert before <= _answers(url, cid), "no answer given before the kill was lost"
    share = Counter((a.claimed_by or "").split(":")[0] for a in rows if a.started_at is not None)
    assert all(share[f"node{n}"] >= len(rows) / 3 for n in (1, 2)), share
    per_household = Counter(a.household_id for a in rows)
    cut_households = {a.household_id for a in rows if a.id in cut}
    assert all(per_household[h] == 2 for h in cut_households), "a call the kill cut is made again exactly once"
    assert all(n == 1 for h, n in per_household.items() if h not in cut_households), "nobody else twice"
    last = {}
    for a in sorted(rows, key=lambda a: a.attempt_no):
        last[a.household_id] = a.outcome
    assert set(last.values()) == {"completed"}, Counter(last.values())
    print(f"\nshare per node: {dict(share)}; calls cut by the kill: {len(cut_households)}; "
          f"hotline calls after the death answered {answered_after:.1f} s after it (by node 1)")
