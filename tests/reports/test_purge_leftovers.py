"""What the purge used to leave behind (security review, issue 16): the people of campaigns that no longer
run, call-back tasks never closed, calls a cancelled campaign would never make, and a write-ahead log kept
alive by a reader. SQLite and PostgreSQL, on the seeded province."""
from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from sqlalchemy import Engine, select

from ivr.storage import models as m
from ivr.storage.hotline import HotlineStore
from ivr.storage.repo import Repository
from seed import Seeded, t, utc
from test_purge import RETENTION, world  # noqa: F401  (the fixture)


def pending(engine: Engine, contact_id: int) -> list[int]:
    with engine.connect() as c:
        return list(c.scalars(select(m.CallAttempt.id).where(m.CallAttempt.contact_id == contact_id,
                                                              m.CallAttempt.status == "pending")))


def test_calls_pending_in_a_campaign_that_does_not_run_keep_no_one(world, engine: Engine, seeded: Seeded) -> None:  # noqa: F811
    purger = world[0]
    repo = Repository(engine)
    repo.set_campaign_status(seeded.campaigns["f1"], "paused", operator="t", now=utc(t(2, "08:00")))
    result = purger.run(RETENTION, "t")
    assert result.kept_in_flight == 1, "only the call still dialling (oanh) keeps its person"
    for person in ("phong", "quan"):
        assert repo.get_contact(seeded.contacts[person]).full_name == "", person
        assert pending(engine, seeded.contacts[person]) == [], "no call left to a purged person"
    assert repo.get_contact(seeded.contacts["oanh"]).full_name != ""


def test_cancelling_a_campaign_expires_its_calls_not_made(engine: Engine, seeded: Seeded) -> None:
    repo = Repository(engine)
    phong = seeded.contacts["phong"]
    assert pending(engine, phong)
    repo.set_campaign_status(seeded.campaigns["f1"], "cancelled", operator="t", now=utc(t(2, "08:00")))
    assert pending(engine, phong) == []
    entry = repo.audit_entries(1)[0]
    assert (entry["action"], entry["rows"]) == ("campaign.cancelled", 2), "phong's and quan's calls expired"


def test_an_open_call_back_task_past_retention_is_closed_and_loses_its_number(world, engine: Engine) -> None:  # noqa: F811
    purger = world[0]
    store = HotlineStore(engine)
    task = store.add_callback_task("+84912777001", utc(t(1, "10:00")))
    result = purger.run(RETENTION, "t")
    closed = next(x for x in store.callback_tasks(status=None) if x.id == task)
    assert (closed.status, closed.phone_e164) == ("cancelled", "")
    assert result.counts.callback_tasks >= 1


def test_a_reader_keeping_the_wal_is_reported(world, any_db_url: str) -> None:  # noqa: F811
    purger = world[0]
    if not any_db_url.startswith("sqlite"):
        assert purger.run(RETENTION, "t").wal_truncated, "PostgreSQL has no SQLite WAL to truncate"
        return
    reader = sqlite3.connect(Path(any_db_url.removeprefix("sqlite:///")))
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM contacts").fetchone()  # a read transaction pins the WAL
        result = purger.run(RETENTION, "t")
    finally:
        reader.close()
    assert result.counts.contacts > 0 and not result.wal_truncated
    assert purger.run(RETENTION, "t").wal_truncated, "with the reader gone, the next purge truncates it"


def test_erasure_on_request_removes_one_person_everywhere(world, engine: Engine, seeded: Seeded) -> None:  # noqa: F811
    """An is within retention (on the list of D+40): erasing her number removes her name and phone from the
    database, her personalised prompts (both twins) and the reports naming her; the others keep theirs."""
    from test_purge import _says_their_form, dia_chi, dump, marks, tts_key
    from seed import PEOPLE
    purger, speech, library, reports = world
    an, binh = PEOPLE["an"], PEOPLE["binh"]
    given = an.name.split()[-1]  # the scripts also name her by her given name alone ("anh/chị An nghe máy")
    theirs = [text for text in set(speech.texts)
              if (an.name in text or dia_chi(an) in text or re.search(rf"\b{given}\b", text))
              and _says_their_form(text, an)]
    assert theirs and all(p.exists() for text in theirs
                          for p in library.cache.paths(tts_key(speech.name, speech.voice, speech.rate, text)))
    result = purger.erase(an.phone, "chị Hà")
    assert result.counts.contacts == 1 and result.audio_files == len(theirs)
    rows = dump(engine)
    assert [mark for mark in marks(an) if mark in rows] == []
    assert binh.name in rows, "nobody else is touched"
    for text in theirs:
        for path in library.cache.paths(tts_key(speech.name, speech.voice, speech.rate, text)):
            assert not path.exists(), path
    entry = Repository(engine).audit_entries(1)[0]
    assert (entry["operator"], entry["action"], entry["rows"]) == ("chị Hà", "contacts.erase", 1)
    assert an.phone[1:] not in entry["object"], "the audit names no number"


def test_erasure_is_refused_for_no_one_and_during_a_call(world, seeded: Seeded) -> None:  # noqa: F811
    import pytest
    from ivr import i18n
    from ivr.errors import UserError
    from seed import PEOPLE
    i18n.set_language("vi")  # the refusals staff read (English with --lang en)
    purger = world[0]
    with pytest.raises(UserError, match="không có ai"):
        purger.erase("0999999999", "t")
    with pytest.raises(UserError, match="không phải số điện thoại"):
        purger.erase("abc", "t")
    with pytest.raises(UserError, match="đang có cuộc gọi"):
        purger.erase(PEOPLE["oanh"].phone, "t")  # her call is dialling
