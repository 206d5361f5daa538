"""The retention purge on the seeded province (SQLite and PostgreSQL): after it, no personal data of the
people past retention is left anywhere the system writes — database rows (and, on SQLite, the database
file itself), the audio cache, the stored lists and their error reports, the reports and exports — while
the people still within retention (or still being called) keep theirs and the figures stay the same.

What must be gone is decided from the spec and from the texts actually spoken, not from the purge's own
rules: a cache file must go exactly when every person whose name or address its text says is purged."""
from __future__ import annotations

import datetime as dt
import re
import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine

from ivr.scripts.interpreter import RecordAnswer
from ivr.scripts.variables import contact_variables
from ivr.cli import main
from ivr.operator import operator_name
from ivr.scripts.address import AddressRule, form_of_address
from ivr.contacts.importer import ContactImporter
from ivr.contacts.text import name_key
from ivr.reports.daily import ReportBuilder, ReportDeps, summary_json, write_daily
from ivr.reports.export import export_answers
from ivr.protection.retention import Purger
from ivr.speech.cache import tts_key
from ivr.speech.library import AudioDirs, AudioLibrary
from ivr.speech.render import render_personalised, render_script
from ivr.storage import models as m
from ivr.storage.hotline import HotlineStore
from ivr.storage.repo import Repository
from ivr.storage.purge_store import PurgeStore
from ivr.storage.written_files import PENDING, FileRegister, FileToRegister
from seed import D, HOTLINE, LISTS, PEOPLE, SCENARIOS, ZONE, Person, Seeded, t, utc
from speaking import SpeakingEngine, load_script

LATER = 40  # a list of D+40: still within retention when the purge runs on D+45
NOW = utc(t(45, "08:00"))
RETENTION = 30
NAMESAKE = Person("Lê Thị Bình", "0912000099", 1991, "Thôn 9", "Quảng Thịnh", "TP Thanh Hóa")  # binh's name


def expected_purged() -> set[str]:
    """People last seen on a list before the cut-off (D+15) and with no call pending or dialling."""
    seen = {p: max(day for (day, _), keys in LISTS.items() if p in keys) for p in PEOPLE}
    seen["an"] = LATER  # on the list of D+40 too
    busy = {person for (_, person), atts in SCENARIOS.items() if any(a.status != "done" for a in atts)}
    return {p for p, last in seen.items() if last < 45 - RETENTION and p not in busy}


@pytest.fixture
def world(engine: Engine, seeded: Seeded, deps: ReportDeps, data_dir: Path,
          tmp_path: Path) -> tuple[Purger, SpeakingEngine, AudioLibrary, Path]:
    """The seed, plus a list of D+40 (An again, and a namesake of Bình), its campaign, every personalised
    prompt rendered the way campaigns and the dialer render them, and reports and an export written."""
    repo = Repository(engine)
    listing = tmp_path / "lists" / "F1_later.csv"
    a = PEOPLE["an"]
    listing.write_text("\ufeffHọ và tên;Số điện thoại;Năm sinh;Địa chỉ;Xã/Phường;Huyện;Phân loại\n"
                       f"{a.name};{a.phone};{a.birth};{a.address};{a.ward};{a.district};F1\n"
                       f"{NAMESAKE.name};{NAMESAKE.phone};{NAMESAKE.birth};{NAMESAKE.address};{NAMESAKE.ward};"
                       f"{NAMESAKE.district};F1\n", encoding="utf-8")
    at = utc(t(LATER, "07:00"))
    ContactImporter(repo, data_dir / "imports", clock=lambda: at, zone=ZONE).import_file(
        listing, list_date=D + dt.timedelta(days=LATER), operator="seed")
    later = repo.create_campaign(script_name="f1_daily", script_version="1", operator="seed",
                                 now=utc(t(LATER, "07:30")), category="F1", list_date=D + dt.timedelta(days=LATER))
    repo.enqueue_contacts(later.id, utc(t(LATER, "07:30")))
    namesake = next(c for c in repo.list_contacts() if c.phone_e164 == "+84" + NAMESAKE.phone[1:])
    for attempt in repo.campaign_attempts(later.id):
        with engine.begin() as connection:
            connection.execute(m.CallAttempt.__table__.update().where(m.CallAttempt.id == attempt.id).values(
                status="done", started_at=utc(t(LATER, "08:00")), answered_at=utc(t(LATER, "08:00")),
                ended_at=utc(t(LATER, "08:02")),
                outcome="symptomatic" if attempt.contact_id == namesake.id else "completed"))
        if attempt.contact_id == namesake.id:
            repo.record_answer(attempt.id, RecordAnswer("fever", "fever", "1", "yes", "f1_daily", "1"),
                               utc(t(LATER, "08:01")))

    speech = SpeakingEngine()
    library = AudioLibrary(AudioDirs(tmp_path / "cache", "/sounds"), engine=speech, workers=1)
    for campaign in repo.list_campaigns():
        script = load_script(campaign.script_name)
        render_script(library, script)
        for contact in repo.campaign_contacts(campaign.id):
            days = {campaign.created_at.date()} | {x.started_at.date() for x in repo.campaign_attempts(campaign.id)
                                                   if x.contact_id == contact.id and x.started_at}
            render_personalised(library, script, [contact_variables(contact, day) for day in days])

    reports = tmp_path / "data" / "reports"
    reports.mkdir()
    write_daily(deps, D, reports, "t")
    write_daily(deps, D + dt.timedelta(days=LATER), reports, "t")
    export_answers(deps, D - dt.timedelta(days=1), D + dt.timedelta(days=1), None, reports / "tracing.csv", "t")
    store = HotlineStore(engine)
    for task in store.callback_tasks():
        store.close_callback_task(task.id, "done", "staff1", utc(t(0, "15:00")))
    purger = Purger(PurgeStore(engine), FileRegister(engine), library, load_script, ZONE, lambda: NOW)
    return purger, speech, library, reports


def dump(engine: Engine) -> str:
    """Every row of every table, as text (what a database dump would show)."""
    with engine.connect() as connection:
        return "\n".join(repr(tuple(row)) for table in m.Base.metadata.sorted_tables
                         for row in connection.execute(table.select()))


def file_texts(folder: Path) -> dict[Path, str]:
    """The text of every file under ``folder``; a workbook's is the text of every part of its zip."""
    out = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as z:
                data = b"\n".join(z.read(n) for n in z.namelist())
        out[path] = data.decode("utf-8", errors="replace")
    return out


def marks(p: Person) -> list[str]:
    """How a person's data can show: the name (and its folded key), the phone in every form."""
    return [p.name, name_key(p.name), p.phone, p.phone[1:]]


def dia_chi(p: Person) -> str:
    return ", ".join(x for x in (p.address, p.ward, p.district) if x)


def test_nothing_of_the_people_past_retention_remains(world, engine: Engine, deps: ReportDeps, data_dir: Path,
                                                       seeded: Seeded, any_db_url: str) -> None:
    purger, speech, library, reports = world
    gone = expected_purged()
    assert gone == {"son", "tuan", "binh", "cuong", "dung", "em", "giang", "lan", "minh", "nam", "hai", "hoa",
                    "khanh"}, "the seed covers past, kept-in-flight and recent people"
    before = summary_json(ReportBuilder(deps).days([D], lists=False)[0])
    pseudonyms = {c.id: c.pseudonym for c in Repository(engine).list_contacts()}
    dry = purger.run(RETENTION, "chị Hà", dry_run=True)
    assert (dry.counts.contacts, dry.kept_in_flight) == (len(gone), 3)
    assert Repository(engine).get_contact(seeded.contacts["binh"]).full_name == "Lê Thị Bình", "dry run: no change"

    result = purger.run(RETENTION, "chị Hà")
    assert result.cutoff == D + dt.timedelta(days=15)
    c = result.counts
    answered = sum(len(a.answers) for (_, person), atts in SCENARIOS.items() if person in gone for a in atts)
    assert (c.contacts, c.households, c.answers) == (len(gone), len({PEOPLE[p].phone for p in gone}), answered)
    assert (c.inbound_calls, c.inbound_answers, c.callback_tasks) == (
        sum(1 for x in HOTLINE if x.caller), sum(len(x.answers) for x in HOTLINE), 1)
    assert result.kept_in_flight == 3 and result.changed_files == () and result.scripts_unavailable == ()
    assert result.import_files == 2 * len(LISTS), "each old list's copy and its error report"

    past = [PEOPLE[p] for p in gone]
    kept = [PEOPLE[p] for p in PEOPLE if p not in gone] + [NAMESAKE]
    shared = {p.name for p in past} & {p.name for p in kept}
    assert shared == {"Lê Thị Bình"}
    shared_marks = {*shared, *(name_key(s) for s in shared)}
    absent = [mark for p in past for mark in marks(p) if mark not in shared_marks]
    absent += [p.address for p in past if p.address not in {k.address for k in kept}]
    absent += [x.caller for x in HOTLINE if x.caller] + [x.caller[1:] for x in HOTLINE if x.caller]
    absent += [pseudonyms[seeded.contacts[p]] for p in gone]

    rows = dump(engine)
    assert [mark for mark in absent if mark in rows] == []
    assert all(mark in rows for p in kept for mark in (p.name, p.phone[1:])), "the others keep their data"
    if any_db_url.startswith("sqlite"):
        db = Path(any_db_url.removeprefix("sqlite:///"))
        raw = b"".join(p.read_bytes() for p in (db, db.with_name(db.name + "-wal")) if p.exists())
        assert [mark for mark in absent if mark.encode() in raw] == [], "not even in free pages or the WAL"

    texts = file_texts(data_dir)
    leaks = {str(path.relative_to(data_dir)): [mark for mark in absent if mark in text]
             for path, text in texts.items()}
    assert {path: found for path, found in leaks.items() if found} == {}
    left = {str(p.relative_to(data_dir)) for p in texts}
    assert {"reports/bao-cao-ngay-2021-08-24.xlsx", "reports/bao-cao-ngay-2021-08-24_danh-sach-khan.csv",
            "reports/bao-cao-ngay-2021-07-15_tong-hop.csv", "reports/bao-cao-ngay-2021-07-15_duong-day-nong.csv",
            "reports/bao-cao-ngay-2021-07-15_cuoc-goi-theo-gio.png"} <= left, "files without them stay"
    assert "reports/tracing.csv" not in left and "reports/bao-cao-ngay-2021-07-15.xlsx" not in left
    imports_left = {p for p in left if p.startswith("imports/")}
    assert imports_left and all(p.startswith("imports/2021-08-24_") for p in imports_left), "only the recent list"

    owners = {text: {key for key, p in [*PEOPLE.items(), ("namesake", NAMESAKE)]
                     if (p.name in text or dia_chi(p) in text or re.search(rf"\b{p.name.split()[-1]}\b", text))
                     and _says_their_form(text, p)}
              for text in set(speech.texts)}  # the given name alone too ("xin nhờ chuyển máy cho chị Hoa")
    for text, who in owners.items():
        should_go = bool(who) and who <= gone
        for path in library.cache.paths(tts_key(speech.name, speech.voice, speech.rate, text)):  # both twins
            assert path.exists() != should_go, (path.suffix, text, who)
    assert sum(1 for who in owners.values() if who and who <= gone) == result.audio_files > 0

    after = ReportBuilder(deps).days([D], lists=True)[0]
    assert summary_json(after) == before, "the figures of past days do not change"
    assert all(case.person is None or case.person.purged or case.person.full_name in {k.name for k in kept}
               for case in after.urgent)

    entry = Repository(engine).audit_entries(1)[0]
    assert (entry["operator"], entry["action"], entry["rows"]) == ("chị Hà", "retention.purge", len(gone))
    again = purger.run(RETENTION, "chị Hà")
    assert (again.counts.contacts, again.audio_files, again.import_files, again.written_files) == (0, 0, 0, 0)


def test_a_file_changed_since_it_was_written_is_reported_not_deleted(world, seeded: Seeded) -> None:
    purger, _speech, _library, reports = world
    tracing = reports / "tracing.csv"
    tracing.write_text(tracing.read_text(encoding="utf-8-sig") + "ghi chú thêm\n", encoding="utf-8-sig")
    result = purger.run(RETENTION, "t")
    assert result.changed_files == (str(tracing.resolve()),)
    assert tracing.exists() and not (reports / "bao-cao-ngay-2021-07-15.xlsx").exists()
    assert purger.run(RETENTION, "t").changed_files == (str(tracing.resolve()),), "reported until dealt with"


def test_a_file_a_stopped_report_was_writing_is_deleted(world, seeded: Seeded, engine: Engine) -> None:
    """A report killed while writing leaves its files registered with no checksum (PENDING): whatever they
    hold, they are this system's, and the purge deletes them with the data of the people they name."""
    purger, _speech, _library, reports = world
    gone = sorted(expected_purged())[0]
    half = reports / "bao-cao-ngay-2021-07-20.xlsx"
    FileRegister(engine).reserve([FileToRegister(str(half.resolve()), "report.daily.xlsx", PENDING, 1,
                                                 frozenset({seeded.contacts[gone]}))], operator="t", at=NOW)
    half.write_bytes(b"PK\x03\x04 half a workbook")
    result = purger.run(RETENTION, "t")
    assert result.changed_files == () and not half.exists()


def test_a_report_written_twice_is_deleted_whichever_version_is_on_disk(world, deps: ReportDeps) -> None:
    purger, _speech, _library, reports = world
    write_daily(deps, D, reports, "t")  # the same files again: a second version of each
    result = purger.run(RETENTION, "t")
    assert result.changed_files == () and not (reports / "bao-cao-ngay-2021-07-15.xlsx").exists()


@pytest.mark.parametrize("args,message", [
    (["purge", "--older-than", "0"], "--older-than 0: give a number of days, 1 or more"),
    (["purge", "--older-than", "-3"], "--older-than -3: give a number of days"),
])
def test_a_bad_retention_is_refused(cli_env: dict[str, str], args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, args, env=cli_env)
    assert result.exit_code == 2
    assert result.output.startswith("robocall: error: ") and message in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_the_purge_command(cli_env: dict[str, str], seeded: Seeded) -> None:
    """Today is long after 2021: everyone not being called is past the configured retention."""
    env = {**cli_env, "ROBOCALL_RETENTION_DAYS": "30", "ROBOCALL_AUDIO_CACHE_DIR": cli_env["ROBOCALL_DATA_DIR"]}
    dry = CliRunner().invoke(main, ["purge", "--dry-run", "--json"], env=env)
    assert dry.exit_code == 0, dry.output
    planned = json.loads(dry.output)
    people = len(PEOPLE)
    assert (planned["dry_run"], planned["counts"]["contacts"], planned["kept_in_flight"]) == (True, people - 3, 3)
    done = CliRunner().invoke(main, ["--lang", "vi", "--operator", "chị Hà", "purge"], env=env)
    assert done.exit_code == 0, done.output
    assert f"{people - 3} người" in done.output and "giữ lại 3 người" in done.output
    audit = json.loads(CliRunner().invoke(main, ["audit", "list", "--json"], env=env).output)
    assert audit[0]["action"] == "retention.purge" and audit[0]["operator"] == operator_name("chị Hà")
    assert audit[0]["rows"] == people - 3


def _says_their_form(text: str, person: Person) -> bool:
    """A prompt with a form of address (ông/bà, anh/chị) is one this person hears only in their own form."""
    forms = [f for f in ("ông/bà", "anh/chị") if f in text]
    return not forms or form_of_address(person.birth, None, D, AddressRule()) in forms
