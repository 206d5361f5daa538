"""The dialer honours the PBX's adaptive concurrency limit (issue 18 item 2), on the real sandbox.

The limiter's decisions are table-tested in tests/unit/test_limiter.py; here a limiter that has shed
(slow samples fed, its own clock moved past one window, then frozen so no later decision moves it) is
handed to a dialer whose own cap is higher: Asterisk never carries more calls than the shed limit, every
call is still made, and `campaign status` shows the limit the PBX settled on.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import json
from zoneinfo import ZoneInfo

from ivr import app, config
from ivr.calls.dialer import Dialer, pbx_limiter
from ivr.calls.limiter import Signal
from ivr.campaigns.service import CampaignService
from ivr.clock import utcnow
from ivr.contacts.importer import ContactImporter
from ivr.scripts.checker import load_checked
from ivr.storage.db import make_engine
from ivr.storage.limits import LimitStore
from ivr.storage.repo import Repository

from test_dialer import ALWAYS_OPEN, HERE, ChannelSampler, phones, write_csv


def scripts(name: str):
    return load_checked(name, HERE / "scripts")


class FrozenClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_the_dialer_keeps_no_more_calls_up_than_the_shed_limit(pbx, settings, any_db_url, tmp_path):
    s = config.replace(settings, database={"url": any_db_url},
                       dialer={"max_concurrent": 6, "calls_per_second": 20, "latency_bound_ms": 300.0})
    repo = Repository(make_engine(any_db_url))
    importer = ContactImporter(repo, tmp_path / "imports", clock=utcnow, zone=ZoneInfo("Asia/Ho_Chi_Minh"))
    imported = importer.import_file(write_csv(tmp_path / "list.csv", phones(list(range(12)), block=3)),
                                    category="F1", list_date=dt.date.today(), operator="test")
    svc = CampaignService(s, repo, app.audio_library(s), scripts, app.campaign_policy(s))
    cid = svc.create(script_name="quick", operator="test", import_id=imported.import_id,
                     overrides=dict(ALWAYS_OPEN)).campaign.id
    svc.set_status(cid, "running", "test")

    ari = app.ari_client(s)
    await ari.connect()
    try:
        clock = FrozenClock()
        limiter = pbx_limiter(s, ari, monotonic=clock)
        for _ in range(6):  # the limit carried (a limiter sheds only then, not while calls are still added)
            limiter.started()
        for window in range(8):  # slow windows: 6 -> 5 -> 4 -> 3 -> 2 (a tenth at most each) ... stop at 2
            if limiter.limit <= 2:
                break
            for _ in range(40):
                limiter.sample(Signal.KEY_TO_PROMPT, 2000.0)
            clock.now += limiter.config.window_s
            limiter.tick()
        for _ in range(6):
            limiter.ended()
        assert limiter.limit == 2, limiter.state
        ari.latency_sink = None  # the frozen clock makes no more decisions; keep the samples out too
        dialer = Dialer(s, repo, ari, app.audio_library(s), scripts, app.campaign_policy(s), worker_id="limit",
                        limiter=limiter, limits=LimitStore(repo.engine))
        with ChannelSampler(pbx) as sampler:
            stats = await dialer.run_campaign(cid, asyncio.Event())
    finally:
        await ari.close()
    assert stats.finished == 12, stats.by_outcome
    assert sampler.peak <= 2, f"Asterisk saw {sampler.peak} channels at once under a limit of 2"
    assert stats.peak_concurrent <= 2 and stats.limit_last == 2 and stats.limit_lowest == 2
    assert limiter.in_flight == 0
    shown = svc.concurrency_limits()
    assert [(r.pbx, r.concurrency_limit, r.max_concurrent) for r in shown] == [(ari.url, 2, 6)]

    # What staff see: `robocall campaign status` (table and --json).
    from click.testing import CliRunner

    from ivr.cli import main

    env = {"ROBOCALL_DATABASE_URL": any_db_url, "ROBOCALL_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "200"}
    as_json = CliRunner().invoke(main, ["campaign", "status", str(cid), "--json"], env=env, catch_exceptions=False)
    assert json.loads(as_json.stdout)["concurrency_limits"][0]["limit"] == 2, as_json.output
    table = CliRunner().invoke(main, ["campaign", "status", str(cid)], env=env, catch_exceptions=False)
    assert f"Concurrent calls allowed on {ari.url}: 2 of 6" in table.stdout, table.stdout
