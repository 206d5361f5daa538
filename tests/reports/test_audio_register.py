"""The register of personal audio (issue 16): every personal prompt is registered for its person when it is
rendered, so the purge and an erasure delete it (both twins) even when it cannot be rendered again: a script
text edited since, `robocall call --var/--prompt` to a number no list holds. SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import Engine

from ivr.scripts.model import Prompt
from ivr.storage.audio_register import AudioRegister, phone_digest
from ivr.storage.repo import Repository
from seed import PEOPLE, Seeded, t, utc
from test_purge import RETENTION, world  # noqa: F401  (the fixture)

OUTSIDER = "+84912999001"  # called ad hoc, on no list


def _rendered(library, text: str, prompt_id: str = "f1_daily.greet") -> tuple[str, tuple[Path, Path]]:
    prompt = Prompt(prompt_id, text)
    library.ensure_personal([prompt])
    key = library.resolve(prompt).key
    paths = library.cache.paths(key)
    assert all(p.is_file() for p in paths), "both twins rendered"
    return key, paths


def test_audio_of_an_older_script_text_is_purged_from_the_register(world, engine: Engine,  # noqa: F811
                                                                    seeded: Seeded) -> None:
    purger, _speech, library, _reports = world
    register = AudioRegister(engine)
    son, an = seeded.contacts["son"], seeded.contacts["an"]  # son is past retention, an is kept
    old_key, old_files = _rendered(library, f"Chào {PEOPLE['son'].name}, đây là lời chào của bản kịch bản cũ.")
    shared_key, shared_files = _rendered(library, "Chào anh, lời chào chung của bản cũ.")
    register.register([(son, None, old_key), (son, None, shared_key), (an, None, shared_key)], utc(t(1, "07:30")))

    result = purger.run(RETENTION, "t")
    assert not any(p.exists() for p in old_files), "the older text's file and its twin are gone"
    assert all(p.exists() for p in shared_files), "a file another person still has stays"
    assert {str(p) for p in old_files} <= set(result.removed)
    assert register.keys_of([son]) == set() and register.keys_of([an]) == {shared_key}


def test_an_ad_hoc_call_audio_is_erased_with_its_number(world, engine: Engine) -> None:  # noqa: F811
    purger, _speech, library, _reports = world
    key, files = _rendered(library, "Chào anh Hoàng Văn Tèo, đây là cuộc gọi thử.", "adhoc.prompt")
    AudioRegister(engine).register([(None, phone_digest(OUTSIDER), key)], utc(t(44, "09:00")))
    purger.run(RETENTION, "t")
    assert all(p.exists() for p in files), "within retention, the purge keeps it"

    result = purger.erase("0912 999 001", "t")
    assert not any(p.exists() for p in files)
    assert result.audio_files == 1
    assert AudioRegister(engine).keys_of([], [phone_digest(OUTSIDER)]) == set()


def test_ad_hoc_audio_past_retention_is_purged(world, engine: Engine) -> None:  # noqa: F811
    purger, _speech, library, _reports = world
    key, files = _rendered(library, "Chào chị Đào Thị Mận, đây là cuộc gọi thử.", "adhoc.prompt")
    AudioRegister(engine).register([(None, phone_digest(OUTSIDER), key)], utc(t(2, "09:00")))
    purger.run(RETENTION, "t")
    assert not any(p.exists() for p in files)


def test_registering_twice_adds_nothing(engine: Engine, seeded: Seeded) -> None:
    register = AudioRegister(engine)
    at = utc(t(1, "07:30"))
    entries = [(seeded.contacts["an"], None, "k" * 64), (None, phone_digest(OUTSIDER), "k" * 64)]
    assert register.register(entries, at) == 2
    assert register.register(entries, at + dt.timedelta(days=1)) == 0
    assert register.shared({"k" * 64}, [seeded.contacts["an"]]) == {"k" * 64}, "the number still holds it"
    assert Repository(engine).count("personal_audio") == 2
