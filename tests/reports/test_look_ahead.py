"""The dialer's look-ahead (issue 18 item 4: "the rest is prepared ahead of the dialer, not before it"): while a
campaign dials, the values of the contacts the next claims will take are rendered and registered as theirs,
so a call's set-up finds its audio ready; nothing is claimed by it. SQLite and PostgreSQL, seeded province."""
from __future__ import annotations

import asyncio
import datetime as dt
import types
from pathlib import Path

from sqlalchemy import Engine, update

from ivr import config
from ivr.calls import prepare
from ivr.calls.dialer import Dialer
from ivr.scripts.variables import contact_variables
from ivr.speech.library import AudioDirs, AudioLibrary
from ivr.speech.render import render_script
from ivr.storage import models as m
from ivr.storage.audio_register import AudioRegister
from ivr.storage.repo import Repository
from seed import D, Seeded, t, utc
from speaking import SpeakingEngine, load_script

NOW = utc(t(2, "08:00"))
NO_PBX = types.SimpleNamespace(latency_sink=None)  # the look-ahead never reaches a PBX


def _campaign(repo: Repository) -> int:
    created = repo.create_campaign(script_name="f1_daily", script_version="2", operator="t", now=NOW,
                                   category="F1", list_date=D + dt.timedelta(days=2))
    return created.id


def _pending(engine: Engine, repo: Repository, campaign_id: int) -> list[int]:
    """The F1 people of the last 14 days' lists, enqueued for this campaign: their contact ids."""
    repo.enqueue_contacts(campaign_id, NOW, monitoring_days=14)
    return [a.contact_id for a in repo.campaign_attempts(campaign_id) if a.status == "pending"]


def test_upcoming_contacts_in_claim_order_due_by_the_horizon_nothing_claimed(engine: Engine, seeded: Seeded) -> None:
    repo = Repository(engine)
    camp = _campaign(repo)
    pending = _pending(engine, repo, camp)
    assert len(pending) >= 5
    attempts = repo.campaign_attempts(camp)
    later = attempts[0]  # due tomorrow: beyond a 10-minute horizon
    with engine.begin() as c:
        c.execute(update(m.CallAttempt).where(m.CallAttempt.id == later.id)
                  .values(scheduled_at=NOW + dt.timedelta(days=1)))
    upcoming = repo.upcoming_contacts(camp, NOW + dt.timedelta(minutes=10), 100)
    expected = [a.contact_id for a in sorted(attempts[1:], key=lambda a: a.id)]
    assert upcoming == expected
    assert repo.upcoming_contacts(camp, NOW + dt.timedelta(minutes=10), 3) == expected[:3]
    assert repo.upcoming_contacts(camp, NOW + dt.timedelta(days=2), 100)[-1] == later.contact_id
    assert repo.upcoming_contacts(camp, NOW, 0) == []
    assert {a.status for a in repo.campaign_attempts(camp)} == {"pending"}


async def test_look_ahead_renders_and_registers_the_next_contacts_values(engine: Engine, seeded: Seeded,
                                                                         tmp_path: Path) -> None:
    repo = Repository(engine)
    speech = SpeakingEngine()
    library = AudioLibrary(AudioDirs(tmp_path / "cache", "/sounds"), engine=speech, workers=1)
    script = load_script("f1_daily")
    render_script(library, script)  # campaign create: the fixed audio only
    camp = _campaign(repo)
    pending = _pending(engine, repo, camp)
    dialer = Dialer(config.Settings(), repo, NO_PBX, library, load_script, lambda c: None,  # type: ignore[arg-type]
                    worker_id="w1", clock=lambda: NOW)
    register = AudioRegister(engine)
    stop = asyncio.Event()
    task = asyncio.create_task(dialer._look_ahead(camp, script, stop))
    for _ in range(400):  # poll: done when every pending contact has audio registered as theirs
        if all(register.keys_of([c]) for c in pending):
            break
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(task, 10)

    names = {c: repo.get_contact(c).full_name for c in pending}
    for contact_id in pending:
        assert register.keys_of([contact_id]), f"contact {contact_id}: nothing rendered ahead"
        assert any(names[contact_id] in text for text in speech.texts), "their name was said ahead of the call"
    assert {a.status for a in repo.campaign_attempts(camp)} == {"pending"}  # looked at, never claimed

    said = len(speech.texts)
    for contact_id in pending:  # the claims: every value is in the cache already
        contact = repo.get_contact(contact_id)
        await dialer.prepare_media(prepare.script_parts(script, contact_variables(contact, NOW.date())), contact_id)
    assert len(speech.texts) == said
