"""The dialer's look-ahead (issue 18 item 4: "the rest is prepared ahead of the dialer, not before it"): while a
campaign dials, the values of the contacts the next claims will take are rendered and registered as theirs,
so a call's set-up finds its audio ready; nothing is claimed by it. SQLite and PostgreSQL, seeded province."""
from __future__ import annotations

import asyncio
import dataclasses
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


async def test_a_claim_after_the_look_ahead_needs_no_hand_off_and_a_namesake_still_registers(
        engine: Engine, seeded: Seeded, tmp_path: Path) -> None:
    """The claim's set-up finds the values the look-ahead registered as this contact's: the same media with no
    thread hand-off (no file look-up, nothing registered). Another contact with the same values is not
    registered yet: that one is looked up and registered as theirs."""
    repo = Repository(engine)
    library = AudioLibrary(AudioDirs(tmp_path / "cache", "/sounds"), engine=SpeakingEngine(), workers=1)
    script = load_script("f1_daily")
    render_script(library, script)
    dialer = Dialer(config.Settings(), repo, NO_PBX, library, load_script, lambda c: None,  # type: ignore[arg-type]
                    worker_id="w1", clock=lambda: NOW)
    hand_offs: list[int] = []
    real = dialer._media_and_register

    def counted(prompts, new):  # type: ignore[no-untyped-def]
        hand_offs.append(len(new))
        return real(prompts, new)

    dialer._media_and_register = counted  # type: ignore[method-assign]
    first, second = repo.list_contacts()[:2]
    same = {"ten": "Hòa", "ho_ten": "Phạm Thị Hòa", "xung_ho": "bà", "dia_chi": "Thôn 1", "ngay_cach_ly": "3"}
    parts = prepare.script_parts(script, same)
    ahead = await dialer.prepare_media(parts, first.id)  # the look-ahead
    assert len(hand_offs) == 1 and hand_offs[0] > 0
    claimed = await dialer.prepare_media(parts, first.id)  # the claim
    assert claimed == ahead and len(hand_offs) == 1
    namesake = await dialer.prepare_media(parts, second.id)
    assert namesake == ahead and len(hand_offs) == 2 and hand_offs[1] == hand_offs[0]
    register = AudioRegister(engine)
    assert register.keys_of([second.id]) == register.keys_of([first.id]) != set()


async def test_the_claim_takes_the_look_aheads_prompts_only_for_the_same_record_day_and_script(
        engine: Engine, seeded: Seeded, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    repo = Repository(engine)
    library = AudioLibrary(AudioDirs(tmp_path / "cache", "/sounds"), engine=SpeakingEngine(), workers=1)
    script = load_script("f1_daily")
    render_script(library, script)
    today = [NOW]
    dialer = Dialer(config.Settings(), repo, NO_PBX, library, load_script, lambda c: None,  # type: ignore[arg-type]
                    worker_id="w1", clock=lambda: today[0])
    made: list[dict[str, str]] = []
    real = prepare.script_parts

    def counted(s, variables):  # type: ignore[no-untyped-def]
        made.append(dict(variables))
        return real(s, variables)

    monkeypatch.setattr(prepare, "script_parts", counted)
    contact = repo.list_contacts()[0]
    ahead = await dialer._contact_media(script, contact)  # the look-ahead
    assert await dialer._contact_media(script, contact) == ahead and len(made) == 1  # the claim: taken
    renamed = dataclasses.replace(contact, full_name="Trần Văn Bình")  # the record changed meanwhile
    variables, media = await dialer._contact_media(script, renamed)
    assert len(made) == 2 and variables["ho_ten"] != ahead[0]["ho_ten"] and media != ahead[1]
    assert variables == contact_variables(renamed, NOW.date())
    today[0] = NOW + dt.timedelta(days=1)  # the next day: the day of quarantine counts on
    variables, _media = await dialer._contact_media(script, renamed)
    assert len(made) == 3 and variables == contact_variables(renamed, NOW.date() + dt.timedelta(days=1))
    other = load_script("f1_daily")  # another script object (a new version loaded): made again
    await dialer._contact_media(other, renamed)
    assert len(made) == 4
