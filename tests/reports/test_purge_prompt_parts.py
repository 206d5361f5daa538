"""The parts of prompts the dialer renders for one contact just before their call (their name, their address)
are registered as theirs in the register of written files, so `contacts erase` and the retention purge delete
them all (issue 18 item 4). SQLite and PostgreSQL, on the seeded province.

What must be gone is decided from the texts actually spoken (the engine's own record), not from the register."""
from __future__ import annotations

import types
import wave
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from ivr import config
from ivr.calls import prepare
from ivr.calls.dialer import PART_KIND, Dialer
from ivr.errors import UserError
from ivr.protection.retention import Purger
from ivr.scripts.checker import load_checked
from ivr.scripts.variables import contact_variables
from ivr.speech.cache import tts_key
from ivr.speech.library import AudioDirs, AudioLibrary
from ivr.speech.render import render_script
from ivr.storage.purge_store import PurgeStore
from ivr.storage.repo import Repository
from ivr.storage.written_files import FileRegister
from seed import D, ZONE, Seeded, t, utc

NOW = utc(t(2, "08:00"))

NO_PBX = types.SimpleNamespace(latency_sink=None)  # prepare_media never reaches a PBX (the limiter only listens)


@dataclass
class SpeakingEngine:
    """Writes a short silent WAV and remembers every text it was asked to say."""

    name: str = "test-tts"
    voice: str = "vi"
    rate: int = 150
    suffix: str = ".wav"
    texts: list[str] = field(default_factory=list)

    def synthesize(self, text: str, out: Path) -> None:
        self.texts.append(text)
        with wave.open(str(out), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(8000)
            w.writeframes(b"\0\0" * 400)


def load_script(name: str):  # type: ignore[no-untyped-def]
    return load_checked(name, config.PROJECT_ROOT / "scripts_vi")


def cache_files(library: AudioLibrary, speech: SpeakingEngine, text: str) -> tuple[Path, Path]:
    return library.cache.paths(tts_key(speech.name, speech.voice, speech.rate, text))


async def test_erase_deletes_every_part_rendered_for_the_person(engine: Engine, seeded: Seeded,
                                                                 tmp_path: Path) -> None:
    repo, register = Repository(engine), FileRegister(engine)
    speech = SpeakingEngine()
    library = AudioLibrary(AudioDirs(tmp_path / "cache", "/sounds"), engine=speech, workers=1)
    script = load_script("f1_daily")
    render_script(library, script)  # campaign create: the script's fixed audio only
    fixed = set(speech.texts)
    dialer = Dialer(config.Settings(), repo, NO_PBX, library, load_script, lambda c: None,  # type: ignore[arg-type]
                    worker_id="w1", clock=lambda: NOW, files=register)
    contacts = repo.list_contacts()
    spoken: dict[int, set[str]] = {}
    for contact in contacts:  # each one's call, as the dialer prepares it
        before = len(speech.texts)
        variables = contact_variables(contact, D)
        await dialer.prepare_media(prepare.script_parts(script, variables), contact.id)
        await dialer.prepare_media(prepare.script_parts(script, variables), contact.id)  # a retry: nothing new
        spoken[contact.id] = {text for text in speech.texts[before:]}
    purger = Purger(PurgeStore(engine), register, library, load_script, ZONE, lambda: NOW)
    target = None
    for contact in contacts:  # someone with no call in progress, whose name nobody else has
        if sum(1 for c in contacts if c.full_name == contact.full_name) > 1 or not spoken[contact.id]:
            continue
        try:
            purger.erase(str(contact.id), "t", dry_run=True)
        except UserError:
            continue
        target = contact
        break
    assert target is not None and target.full_name
    theirs = {text for text in spoken[target.id] if target.full_name in text or (target.address or "~") in text}
    assert theirs, "the person's name was rendered for their call"
    registered = register.naming([target.id])
    assert {f.kind for f in registered} == {PART_KIND} and len(registered) == 2 * len(spoken[target.id])
    assert all(p.is_file() for text in theirs for p in cache_files(library, speech, text))

    result = purger.erase(str(target.id), "t")

    for text in theirs:  # both twins (WAV and mu-law) of every part that says their name or address
        assert not any(p.exists() for p in cache_files(library, speech, text)), text
    for text in fixed:  # the script's own audio stays
        assert all(p.is_file() for p in cache_files(library, speech, text)), text
    others = {text for cid, texts in spoken.items() if cid != target.id for text in texts}
    for text in others - spoken[target.id]:  # nobody else's values are touched
        assert all(p.is_file() for p in cache_files(library, speech, text)), text
    assert register.naming([target.id]) == [] and result.written_files == len(registered)


async def test_a_namesakes_next_call_renders_the_shared_name_again(engine: Engine, seeded: Seeded,
                                                                   tmp_path: Path) -> None:
    """Two people of the same name share their name's audio: erasing one deletes it (it is hers too), and the
    other's next call finds it missing, renders it again and registers it as hers again."""
    repo, register = Repository(engine), FileRegister(engine)
    speech = SpeakingEngine()
    library = AudioLibrary(AudioDirs(tmp_path / "cache", "/sounds"), engine=speech, workers=1)
    script = load_script("f1_daily")
    render_script(library, script)
    dialer = Dialer(config.Settings(), repo, NO_PBX, library, load_script, lambda c: None,  # type: ignore[arg-type]
                    worker_id="w1", clock=lambda: NOW, files=register)
    purger = Purger(PurgeStore(engine), register, library, load_script, ZONE, lambda: NOW)
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
    name_files = {str(p) for p in cache_files(library, speech, "bà Phạm Thị Hòa")}
    assert name_files <= {f.path for f in register.naming([second.id])}

    purger.erase(str(first.id), "t")

    assert not any(Path(p).exists() for p in name_files)
    assert not name_files & {f.path for f in register.naming([second.id])}  # the file is gone, for both
    again = await dialer.prepare_media(prepare.script_parts(script, same), second.id)
    assert again == media and all(Path(p).is_file() for p in name_files)
    assert speech.texts.count("bà Phạm Thị Hòa") == 2
    assert name_files <= {f.path for f in register.naming([second.id])}  # hers again: her erasure finds it
