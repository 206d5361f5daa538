"""The parts of prompts the dialer renders for one contact just before their call (their name, their address)
are registered as theirs in the one register of personal audio (ivr.storage.audio_register: a cache key, so
both twins, the WAV and the mu-law file the PBX plays), so `contacts erase` and the retention purge delete
them all (issue 16 item 4; issue 18 item 4). SQLite and PostgreSQL, on the seeded province.

What must be gone is decided from the texts actually spoken (the engine's own record), not from the register."""
from __future__ import annotations

import types
from pathlib import Path

from sqlalchemy import Engine

from ivr import config
from ivr.calls import prepare
from ivr.calls.dialer import Dialer
from ivr.errors import UserError
from ivr.protection.retention import Purger
from ivr.scripts.segments import is_value
from ivr.scripts.variables import contact_variables
from ivr.speech.library import AudioDirs, AudioLibrary
from ivr.speech.render import render_script
from ivr.storage import records as r
from ivr.storage.audio_register import AudioRegister
from ivr.storage.purge_store import PurgeStore
from ivr.storage.repo import Repository
from ivr.storage.written_files import FileRegister
from seed import D, ZONE, Seeded, t, utc
from speaking import SpeakingEngine, cache_files, cache_key, load_script

NOW = utc(t(2, "08:00"))

NO_PBX = types.SimpleNamespace(latency_sink=None)  # prepare_media never reaches a PBX (the limiter only listens)


def _dialer(engine: Engine, tmp_path: Path) -> tuple[Repository, SpeakingEngine, AudioLibrary, Dialer, set[str]]:
    repo = Repository(engine)
    speech = SpeakingEngine()
    library = AudioLibrary(AudioDirs(tmp_path / "cache", "/sounds"), engine=speech, workers=1)
    render_script(library, load_script("f1_daily"))  # campaign create: the script's fixed audio only
    fixed = set(speech.texts)
    dialer = Dialer(config.Settings(), repo, NO_PBX, library, load_script, lambda c: None,  # type: ignore[arg-type]
                    worker_id="w1", clock=lambda: NOW)
    return repo, speech, library, dialer, fixed


async def _prepare_everyone(dialer: Dialer, speech: SpeakingEngine,
                            contacts: list[r.Contact]) -> dict[int, set[str]]:
    """Each contact's call, as the dialer prepares it (twice: a retry renders and registers nothing new);
    the texts of the parts that say each one's values (a text is rendered once, for the first who needs it)."""
    script = load_script("f1_daily")
    said: dict[int, set[str]] = {}
    for contact in contacts:
        parts = prepare.script_parts(script, contact_variables(contact, D))
        await dialer.prepare_media(parts, contact.id)
        await dialer.prepare_media(parts, contact.id)
        said[contact.id] = {p.text for ps in parts.values() for p in ps if is_value(p)}
    assert set(speech.texts) >= {text for texts in said.values() for text in texts}  # each rendered (once)
    return said


def _keys(speech: SpeakingEngine, texts: set[str]) -> set[str]:
    return {cache_key(speech, text) for text in texts}


async def test_erase_deletes_both_twins_of_every_part_rendered_for_the_person(engine: Engine, seeded: Seeded,
                                                                              tmp_path: Path) -> None:
    repo, speech, library, dialer, fixed = _dialer(engine, tmp_path)
    contacts = repo.list_contacts()
    spoken = await _prepare_everyone(dialer, speech, contacts)
    audio = AudioRegister(engine)
    for contact in contacts:  # the one register: each part the dialer rendered for someone, as theirs
        assert audio.keys_of([contact.id]) == _keys(speech, spoken[contact.id]), contact.id
    assert not [f for f in FileRegister(engine).files() if f.kind == "audio.prompt_part"]  # not a second one
    purger = Purger(PurgeStore(engine), FileRegister(engine), library, load_script, ZONE, lambda: NOW)
    target = None
    for contact in contacts:  # someone with no call in progress, whose name nobody else has
        if sum(1 for c in contacts if c.full_name == contact.full_name) > 1:
            continue
        try:
            purger.erase(str(contact.id), "t", dry_run=True)
        except UserError:
            continue
        target = contact
        break
    assert target is not None and target.full_name
    others = {text for cid, texts in spoken.items() if cid != target.id for text in texts}
    theirs = spoken[target.id] - others  # said only in their calls ("anh/chị" is everyone's)
    assert any(target.full_name in text for text in theirs), "the person's name was rendered for their call"
    assert all(p.is_file() for text in theirs for p in cache_files(library, speech, text))

    result = purger.erase(str(target.id), "t")

    for text in theirs:  # both twins (WAV and mu-law) of every part said for them
        assert not any(p.exists() for p in cache_files(library, speech, text)), text
    for text in fixed:  # the script's own audio stays
        assert all(p.is_file() for p in cache_files(library, speech, text)), text
    for text in others:  # nobody else's values are touched
        assert all(p.is_file() for p in cache_files(library, speech, text)), text
    assert audio.keys_of([target.id]) == set() and result.audio_files == len(theirs)


async def test_the_retention_purge_deletes_both_twins_of_the_purged_peoples_parts(
        engine: Engine, seeded: Seeded, tmp_path: Path) -> None:
    repo, speech, library, dialer, fixed = _dialer(engine, tmp_path)
    before = repo.list_contacts()
    spoken = await _prepare_everyone(dialer, speech, before)
    later = utc(t(45, "08:00"))
    Purger(PurgeStore(engine), FileRegister(engine), library, load_script, ZONE, lambda: later).run(30, "t")

    purged = {c.id for c in repo.list_contacts() if not c.full_name}  # kept as pseudonymous rows for the figures
    remaining = {c.id for c in before} - purged
    assert purged, "the seed's people are past retention on D+45"
    kept_texts = {text for cid in remaining for text in spoken[cid]} | fixed
    for text in {text for cid in purged for text in spoken[cid]} - kept_texts:
        assert not any(p.exists() for p in cache_files(library, speech, text)), text
    for text in kept_texts:  # the script's own audio, and what a remaining person's call says, stay
        assert all(p.is_file() for p in cache_files(library, speech, text)), text
    assert AudioRegister(engine).keys_of(sorted(purged)) == set()


async def test_a_namesakes_audio_stays_until_the_last_of_them_is_erased(engine: Engine, seeded: Seeded,
                                                                       tmp_path: Path) -> None:
    """Two people of the same name share their name's audio (cached by its text: rendered once, registered
    for both): erasing one keeps it (it says the other's name too, and her next call plays it); erasing the
    other deletes both twins."""
    repo, speech, library, dialer, _fixed = _dialer(engine, tmp_path)
    script = load_script("f1_daily")
    purger = Purger(PurgeStore(engine), FileRegister(engine), library, load_script, ZONE, lambda: NOW)
    erasable = []
    for contact in repo.list_contacts():
        try:
            purger.erase(str(contact.id), "t", dry_run=True)
        except UserError:
            continue
        erasable.append(contact)
    first, second = erasable[:2]
    same = {"ten": "Hòa", "ho_ten": "Phạm Thị Hòa", "xung_ho": "bà", "dia_chi": "Thôn 1", "ngay_cach_ly": "3"}
    for contact in (first, second):
        media = await dialer.prepare_media(prepare.script_parts(script, same), contact.id)
    assert speech.texts.count("bà Phạm Thị Hòa") == 1  # cached by its text: rendered once for both
    name_files = cache_files(library, speech, "bà Phạm Thị Hòa")
    audio = AudioRegister(engine)
    key = cache_key(speech, "bà Phạm Thị Hòa")
    assert key in audio.keys_of([first.id]) and key in audio.keys_of([second.id])

    purger.erase(str(first.id), "t")

    assert all(p.is_file() for p in name_files) and key in audio.keys_of([second.id])
    again = await dialer.prepare_media(prepare.script_parts(script, same), second.id)
    assert again == media and speech.texts.count("bà Phạm Thị Hòa") == 1

    purger.erase(str(second.id), "t")

    assert not any(p.exists() for p in name_files) and audio.keys_of([second.id]) == set()
