"""The dialer against the sandbox: pacing measured by Asterisk, retries by outcome, two workers on one
PostgreSQL, and kill -9 of the controller mid-campaign. Every test runs on SQLite and PostgreSQL (except
the two-worker one, which is PostgreSQL's job). Phones follow the default rule (README, "Personas"):
the last two digits of the number choose the behaviour."""
from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from e2e_helpers import eventually

from ivr import app, config
from ivr.calls.dialer import Dialer
from ivr.clock import utcnow
from ivr.campaigns.service import CampaignService
from ivr.contacts.importer import ContactImporter
from ivr.scripts.checker import load_checked
from ivr.storage import models as m
from ivr.storage.db import make_engine
from ivr.storage.repo import Repository

HERE = Path(__file__).resolve().parent
ALWAYS_OPEN = {"window_start": "00:00", "window_end": "23:59"}


def scripts(name: str):
    return load_checked(name, HERE / "scripts")


def phones(tails: list[int], block: int = 0) -> list[str]:
    """Numbers whose last two digits pick the default-rule behaviour: 00-49 answer and press 1..."""
    return [f"0906{block:02d}{i:02d}{t:02d}" for i, t in enumerate(tails)]


def write_csv(path: Path, numbers: list[str]) -> Path:
    lines = ["Họ và tên;Số điện thoại;Phân loại"] + [f"Người thử {i};{n};F1" for i, n in enumerate(numbers)]
    path.write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def campaign(settings, url: str, tmp_path: Path, numbers: list[str], **policy) -> tuple[CampaignService, int]:
    s = config.replace(settings, database={"url": url})
    repo = Repository(make_engine(url))
    importer = ContactImporter(repo, tmp_path / "imports", clock=utcnow, zone=ZoneInfo("Asia/Ho_Chi_Minh"))
    result = importer.import_file(write_csv(tmp_path / "list.csv", numbers), category="F1",
                                  list_date=dt.date.today(), operator="test")
    svc = CampaignService(s, repo, app.audio_library(s), scripts, app.campaign_policy(s))
    created = svc.create(script_name="quick", operator="test", import_id=result.import_id,
                         overrides={**ALWAYS_OPEN, **policy})
    return svc, created.campaign.id


class ChannelSampler:
    """Samples Asterisk's own count of active channels while a campaign runs."""

    def __init__(self, sandbox) -> None:
        self.sandbox = sandbox
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.sandbox.channel_count())
            self._stop.wait(0.05)

    def __enter__(self) -> "ChannelSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


async def test_pacing_never_exceeds_the_concurrency_cap(pbx, settings, any_db_url, tmp_path):
    capped = config.replace(settings, dialer={"max_concurrent": 3, "calls_per_second": 20})
    svc, cid = campaign(capped, any_db_url, tmp_path, phones(list(range(12))))
    ari = app.ari_client(capped)
    await ari.connect()
    try:
        with ChannelSampler(pbx) as sampler:
            stats = await svc.run(cid, ari, asyncio.Event(), "test")
    finally:
        await ari.close()
    assert stats.finished == 12
    assert 2 <= sampler.peak <= 3, f"Asterisk saw {sampler.peak} channels at once"
    assert stats.peak_concurrent <= 3
    progress = svc.repo.campaign_progress(cid)
    assert dict(progress.by_outcome) == {"completed": 12} and progress.answers == 12


async def test_retries_follow_the_outcome(pbx, settings, any_db_url, tmp_path):
    # busy (85), no answer (75), 503 (98), hangs up during the prompt (70), answers (01)
    numbers = phones([85, 75, 98, 70, 1])
    svc, cid = campaign(settings, any_db_url, tmp_path, numbers)
    ari = app.ari_client(settings)
    await ari.connect()
    try:
        await svc.run(cid, ari, asyncio.Event(), "test")
    finally:
        await ari.close()
    attempts = svc.repo.campaign_attempts(cid)
    first = {a.phone_e164: a for a in attempts if a.attempt_no == 1}
    second = {a.phone_e164: a for a in attempts if a.attempt_no == 2}
    e164 = ["+84" + n[1:] for n in numbers]
    assert [first[p].outcome for p in e164] == ["busy", "no_answer", "congestion", "hung_up_early", "completed"]
    assert [first[p].sip_cause for p in e164] == [486, 487, 503, 200, 200]
    delay = {p: second[p].scheduled_at - first[p].ended_at for p in second}
    assert set(delay) == set(e164[:4]), "the answered call is not retried; every other one is"
    assert delay[e164[0]] == dt.timedelta(minutes=30)
    assert delay[e164[1]] == dt.timedelta(minutes=30)
    assert delay[e164[2]] == dt.timedelta(minutes=settings.dialer.network_backoff_min)
    assert delay[e164[3]] == dt.timedelta(minutes=30)
    assert all(a.status.value == "pending" for a in second.values())


async def test_two_workers_never_claim_the_same_contact(pbx, settings, e2e_postgres_url, tmp_path):
    from dbfixtures import empty_database

    empty_database(e2e_postgres_url)
    s = config.replace(settings, dialer={"max_concurrent": 4, "calls_per_second": 20})
    svc, cid = campaign(s, e2e_postgres_url, tmp_path, phones(list(range(16)), block=1))
    svc.set_status(cid, "running", "test")
    policy = app.campaign_policy(s)

    async def worker(name: str):
        # One ARI application per worker: Asterisk sends an application's events to one websocket only.
        ari = app.ari_client(config.replace(s, ari={"app": f"robocall-{name}"}))
        await ari.connect()
        try:
            repo = Repository(make_engine(e2e_postgres_url))
            dialer = Dialer(s, repo, ari, app.audio_library(s), scripts, policy, worker_id=name)
            return await dialer.run_campaign(cid, asyncio.Event())
        finally:
            await ari.close()

    a, b = await asyncio.gather(worker("w1"), worker("w2"))
    assert a.started > 0 and b.started > 0, "both workers took calls"
    assert a.started + b.started == 16
    engine = make_engine(e2e_postgres_url)
    with engine.connect() as c:
        per_household = c.execute(select(m.CallAttempt.household_id, func.count())
                                  .where(m.CallAttempt.campaign_id == cid)
                                  .group_by(m.CallAttempt.household_id)).all()
        channels = c.execute(select(m.CallAttempt.channel_id).where(m.CallAttempt.campaign_id == cid)).scalars().all()
    engine.dispose()
    assert len(per_household) == 16 and all(n == 1 for _, n in per_household)
    assert len(set(channels)) == 16


def _answers(url: str, cid: int) -> set[tuple[int, str, str]]:
    engine = make_engine(url)
    with engine.connect() as c:
        rows = c.execute(select(m.Answer.attempt_id, m.Answer.question_id, m.Answer.value)
                         .where(m.Answer.campaign_id == cid)).all()
    engine.dispose()
    return {tuple(r) for r in rows}


def test_kill_9_mid_campaign_then_restart(pbx, settings, any_db_url, tmp_path):
    # Phones with long holds, so calls are still up when the controller dies.
    numbers = phones([1] * 10, block=2)
    svc, cid = campaign(settings, any_db_url, tmp_path, numbers, unfinished_interval_min=0,
                        network_backoff_min=0, no_answer_interval_min=0)
    # A short lease: the restart takes the killed worker's calls over once its lease has expired.
    env = {**os.environ, "ROBOCALL_DATABASE_URL": any_db_url, "ROBOCALL_DIALER_MAX_CONCURRENT": "5",
           "ROBOCALL_WORKERS_LEASE_SECONDS": "4"}
    exe = str(Path(sys.executable).with_name("robocall"))
    cmd = [exe, "campaign", "run", str(cid)]
    # The test's quick script lives outside scripts_vi/: the campaign records it by name.
    env["ROBOCALL_SCRIPTS_DIR"] = str(HERE / "scripts")
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        assert eventually(lambda: len(_answers(any_db_url, cid)) >= 2 and pbx.channel_count() >= 2, timeout=60)
        before = _answers(any_db_url, cid)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert pbx.channel_count() > 0, "calls were still up on Asterisk when the controller died"
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    after = _answers(any_db_url, cid)
    assert before <= after, "no answer given before the kill was lost"
    attempts = svc.repo.campaign_attempts(cid)
    keys = [(a.household_id, a.attempt_no) for a in attempts]
    assert len(keys) == len(set(keys))
    assert all(a.status.value == "done" for a in attempts)
    channels = [a.channel_id for a in attempts]
    assert len(channels) == len(set(channels)), "no attempt was dialled twice"
    by_household: dict[int, list] = {}
    for a in attempts:
        by_household.setdefault(a.household_id, []).append(a)
    for tries in by_household.values():
        tries.sort(key=lambda a: a.attempt_no)
        assert tries[-1].outcome == "completed", [t.outcome for t in tries]
    assert eventually(lambda: pbx.channel_count() == 0, timeout=30), "the calls cut by the kill were hung up"


def test_ctrl_c_pauses_cleanly_and_resume_finishes(pbx, settings, any_db_url, tmp_path):
    numbers = phones([1] * 8, block=3)
    svc, cid = campaign(settings, any_db_url, tmp_path, numbers)
    env = {**os.environ, "ROBOCALL_DATABASE_URL": any_db_url, "ROBOCALL_DIALER_MAX_CONCURRENT": "2",
           "ROBOCALL_SCRIPTS_DIR": str(HERE / "scripts")}
    exe = str(Path(sys.executable).with_name("robocall"))
    proc = subprocess.Popen([exe, "campaign", "run", str(cid)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert eventually(lambda: len(_answers(any_db_url, cid)) >= 1, timeout=60)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(60) == 0, proc.stderr.read() if proc.stderr else ""
    finally:
        if proc.poll() is None:
            proc.kill()
    assert svc.repo.get_campaign(cid).status.value == "paused"
    attempts = svc.repo.campaign_attempts(cid)
    assert all(a.status.value in ("done", "pending") for a in attempts), "nothing left claimed or dialling"
    finished = [a for a in attempts if a.status.value == "done"]
    assert finished and all(a.outcome == "completed" for a in finished), "calls in progress ran to their end"
    assert any(a.status.value == "pending" for a in attempts), "the pause stopped the campaign early"
    svc.set_status(cid, "running", "test")
    done = subprocess.run([exe, "campaign", "run", str(cid)], env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    assert svc.repo.get_campaign(cid).status.value == "completed", (
        done.stdout[-2000:], [(a.attempt_no, a.status.value, a.outcome, a.scheduled_at) for a in svc.repo.campaign_attempts(cid)])
    assert {a.outcome for a in svc.repo.campaign_attempts(cid)} == {"completed"}


async def test_a_family_member_saying_the_person_is_away_is_called_again_not_flagged(pbx, settings, tmp_path):
    """The shipped F1 script through the dialer: the phone ending in 63 is answered by a family member who
    says the person is away (keys 3, 2: README, "Personas"); the one ending in 60 is a wrong number (2).
    Away gets its own outcome and is called again after dialer.away_interval_min; wrong number is final."""
    from ivr.storage.db import migrate

    url = f"sqlite:///{tmp_path}/family.db"
    migrate(url)
    s = config.replace(settings, database={"url": url})
    repo = Repository(make_engine(url))
    numbers = phones([63, 60], block=7)
    importer = ContactImporter(repo, tmp_path / "imports", clock=utcnow, zone=ZoneInfo("Asia/Ho_Chi_Minh"))
    result = importer.import_file(write_csv(tmp_path / "list.csv", numbers), category="F1",
                                  list_date=dt.date.today(), operator="test")
    svc = CampaignService(s, repo, app.audio_library(s), app.script_loader(s), app.campaign_policy(s))
    cid = svc.create(script_name="f1_daily", operator="test", import_id=result.import_id,
                     overrides=ALWAYS_OPEN).campaign.id
    ari = app.ari_client(s)
    await ari.connect()
    try:
        await svc.run(cid, ari, asyncio.Event(), "test")
    finally:
        await ari.close()
    attempts = svc.repo.campaign_attempts(cid)
    first = {a.phone_e164: a for a in attempts if a.attempt_no == 1}
    second = {a.phone_e164: a for a in attempts if a.attempt_no == 2}
    away, wrong = ("+84" + n[1:] for n in numbers)
    assert (first[away].outcome, first[wrong].outcome) == ("unavailable", "wrong_person")
    assert set(second) == {away}, "the wrong number is final; the away person is called again"
    assert second[away].scheduled_at - first[away].ended_at == dt.timedelta(minutes=s.dialer.away_interval_min)


async def test_the_dialer_registers_the_audio_it_renders(pbx, settings, any_db_url, tmp_path):
    """The prompts a call renders (today's values, perhaps a script text edited since the campaign was
    created) go into the register of personal audio (issue 16), so the purge finds them."""
    from sqlalchemy import delete

    from ivr.storage.audio_register import AudioRegister, PersonalAudio

    svc, cid = campaign(settings, any_db_url, tmp_path, phones([1, 2], block=7))
    with svc.repo.engine.begin() as connection:  # forget what the campaign's creation registered
        connection.execute(delete(PersonalAudio))
    ari = app.ari_client(settings)
    await ari.connect()
    try:
        stats = await svc.run(cid, ari, asyncio.Event(), "test")
    finally:
        await ari.close()
    assert stats.finished == 2
    register = AudioRegister(svc.repo.engine)
    for attempt in svc.repo.campaign_attempts(cid):
        keys = register.keys_of([attempt.contact_id])
        assert keys, f"contact {attempt.contact_id}: nothing registered"
        assert all(svc.library.cache.has(k) for k in keys), "each names a file that exists (both twins)"
