"""An import is written in committed batches (issue 16, item 5: other writers must not wait for a whole list),
yet nobody sees half of it, and a failure or a crash leaves nothing behind. SQLite and PostgreSQL.

The hook ``between`` runs after each committed batch: there another writer must get the lock at once, and a
campaign or a list must not see the import yet."""
from __future__ import annotations

import datetime as dt
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, event, select

from ivr.contacts.importer import ContactImporter, ImportResult
from ivr.errors import UserError
from ivr.storage import models as m
from ivr.storage.contact_store import ContactStore
from ivr.storage.db import make_engine
from ivr.storage.leases import LeaseStore
from ivr.storage.repo import Repository

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "lists"
NOW = dt.datetime(2021, 7, 15, 2, 0, tzinfo=dt.timezone.utc)
D14, D15, D16 = dt.date(2021, 7, 14), dt.date(2021, 7, 15), dt.date(2021, 7, 16)
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
TABLES = ("imports", "contacts", "households", "contact_imports")


class Stop(Exception):
    """A failure injected between two batches."""


def stop_after(batches_done: int) -> Any:
    """A `between` hook that stops the import once this many people are written (a crash, a failure)."""
    def between(done: int) -> None:
        if done == batches_done:
            raise Stop()
    return between


def importer(repo: Repository, tmp_path: Path, between: Any = None, batch_rows: int = 2) -> ContactImporter:
    return ContactImporter(repo, tmp_path / "imports", clock=lambda: NOW, zone=ZONE, batch_rows=batch_rows,
                           between=between)


def run(imp: ContactImporter, name: str, day: dt.date = D15) -> ImportResult:
    return imp.import_file(FIXTURES / name, list_date=day, operator="cdc-staff")


def tables(repo: Repository) -> dict[str, int]:
    return {t: repo.count(t) for t in TABLES}


@pytest.fixture
def impatient(db_url: str) -> Iterator[Engine]:
    """Another process's engine that waits at most 100 ms for a lock (the project's default is 30 s)."""
    if db_url.startswith("sqlite"):
        engine = make_engine(db_url)

        @event.listens_for(engine, "connect")
        def _short(dbapi_connection: Any, _record: Any) -> None:  # after make_engine's own: overrides 30 s
            dbapi_connection.execute("PRAGMA busy_timeout=100")
    else:
        engine = make_engine(db_url, connect_args={"options": "-c lock_timeout=100"})
    yield engine
    engine.dispose()


def test_another_writer_gets_the_lock_between_batches(repo: Repository, impatient: Engine,
                                                      tmp_path: Path) -> None:
    leases = LeaseStore(impatient)
    leases.register("dialer-1", node="n", pid=os.getpid(), role="dialer", ari_url="-", app="-", ttl=60)
    renewed: list[tuple[int, bool]] = []

    def dialer_writes(done: int) -> None:  # "database is locked" here if the import still held the lock
        renewed.append((done, leases.heartbeat("dialer-1", 60)))

    result = run(importer(repo, tmp_path, dialer_writes), "f1_title_block.xlsx")
    assert result.imported == 6
    assert renewed == [(2, True), (4, True), (6, True)], "a write after each batch of 2 people"


def test_a_campaign_or_a_list_made_meanwhile_sees_none_of_the_import(repo: Repository, tmp_path: Path) -> None:
    first = run(importer(repo, tmp_path, batch_rows=1000), "f1_title_block.xlsx", D15)  # 6 people already there
    before = {c.id for c in repo.list_contacts()}
    seen: list[tuple[Any, ...]] = []

    def look(done: int) -> None:
        with pytest.raises(UserError):  # the import being written, by its id: "no such import"
            repo.get_import(first.import_id + 1)
        campaign = repo.create_campaign(script_name="f1_daily", script_version="1", operator="t", now=NOW,
                                        category="F1", list_date=D16)
        seen.append((done, repo.count_eligible(import_id=None, list_date=D16, category="F1"),
                     repo.enqueue_contacts(campaign.id, NOW), {c.id for c in repo.list_contacts()} == before,
                     repo.list_contacts(D16), repo.recent_imports()[0].list_date, repo.find_import("x")))

    result = run(importer(repo, tmp_path, look, batch_rows=1), "f1_next_day.xlsx", D16)  # 2 new, 2 known

    assert (result.imported, result.updated) == (2, 2)
    assert [s[0] for s in seen] == [1, 2, 3, 4]
    assert all(s[1:] == (0, 0, True, [], D15, None) for s in seen), seen
    assert result.import_id == first.import_id + 1 and repo.get_import(result.import_id).list_date == D16
    assert repo.count_eligible(import_id=None, list_date=D16, category="F1") == 4  # once it is done: its 4 phones


def test_a_failure_between_batches_leaves_nothing(repo: Repository, tmp_path: Path) -> None:
    def fail(done: int) -> None:
        if done == 4:
            raise Stop()

    with pytest.raises(Stop):
        run(importer(repo, tmp_path, fail), "f1_title_block.xlsx")
    assert tables(repo) == {t: 0 for t in TABLES}
    assert repo.audit_entries() == []
    assert not any((tmp_path / "imports").iterdir()), "the stored copy and the error report are gone too"
    assert run(importer(repo, tmp_path), "f1_title_block.xlsx").imported == 6  # and it can be imported again


def test_a_failure_keeps_the_known_peoples_values_and_the_earlier_list(repo: Repository, tmp_path: Path) -> None:
    run(importer(repo, tmp_path), "f1_title_block.xlsx", D15)
    before = (tables(repo), repo.list_contacts())

    def fail(done: int) -> None:
        if done == 3:  # the new people are written, the known ones' links half
            raise Stop()

    with pytest.raises(Stop):
        run(importer(repo, tmp_path, fail, batch_rows=1), "f1_next_day.xlsx", D16)
    assert (tables(repo), repo.list_contacts()) == before


def test_a_crashed_import_is_invisible_and_the_next_import_removes_it(repo: Repository, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch,
                                                                     engine: Engine) -> None:
    run(importer(repo, tmp_path), "f2_cp1258.csv", D15)  # 2 people before the crash
    before = repo.list_contacts()

    with monkeypatch.context() as patch:  # the process dies: nothing is undone
        patch.setattr(ContactStore, "_undo", lambda self, import_id, size: None)
        with pytest.raises(Stop):
            run(importer(repo, tmp_path, stop_after(4)), "f1_title_block.xlsx", D16)
    assert repo.count("contacts") == 2 + 4, "the crash left 4 people behind"
    assert repo.list_contacts() == before and repo.list_contacts(D16) == []
    assert repo.recent_imports()[0].list_date == D15 and len(repo.recent_imports()) == 1
    assert repo.count_eligible(import_id=None, list_date=D16, category="F1") == 0

    again = run(importer(repo, tmp_path), "f1_title_block.xlsx", D16)  # the same file: not "already imported"

    assert (again.already_imported, again.imported) == (False, 6)
    assert repo.count("contacts") == 2 + 6 and repo.count("imports") == 2
    with engine.connect() as connection:
        assert connection.execute(select(m.Import.status)).scalars().all() == ["done", "done"]
        households = connection.execute(select(m.Household.phone_e164)).scalars().all()
        assert len(households) == len(set(households)) == len({c.phone_e164 for c in repo.list_contacts()})


# -- the known people's updates, in batches too (issue 16 item 5: a list of people all known) -------------------
# f1_next_day.xlsx (day 16) holds 2 new people and 2 of f1_title_block.xlsx's (day 15): with batches of 1 person,
# batches 1-2 write the new ones and batches 3-4 update the known ones.

def known_rows(engine: Engine) -> dict[int, tuple[Any, ...]]:
    """Every contact's columns an import updates, by id."""
    C = m.Contact
    with engine.connect() as connection:
        return {row[0]: tuple(row[1:]) for row in connection.execute(
            select(C.id, C.full_name, C.category, C.birth_year, C.sex, C.address, C.ward, C.district,
                   C.exposure_date, C.quarantine_start, C.list_date, C.first_seen, C.last_seen, C.updated_at))}


def test_another_writer_gets_the_lock_between_the_known_peoples_batches(repo: Repository, impatient: Engine,
                                                                        tmp_path: Path, engine: Engine) -> None:
    run(importer(repo, tmp_path), "f1_title_block.xlsx", D15)
    before = known_rows(engine)
    leases = LeaseStore(impatient)
    leases.register("dialer-1", node="n", pid=os.getpid(), role="dialer", ari_url="-", app="-", ttl=60)
    renewed: list[tuple[int, bool, int, int]] = []

    def dialer_writes(done: int) -> None:  # "database is locked" here if the import still held the lock
        now = known_rows(engine)
        renewed.append((done, leases.heartbeat("dialer-1", 60), repo.count("import_undo"),
                        sum(1 for i, v in before.items() if now[i] != v)))

    result = run(importer(repo, tmp_path, dialer_writes, batch_rows=1), "f1_next_day.xlsx", D16)

    assert (result.imported, result.updated) == (2, 2)
    # after batches 3 and 4 one more known person is updated, with its old values saved
    assert renewed == [(1, True, 0, 0), (2, True, 0, 0), (3, True, 1, 1), (4, True, 2, 2)]
    assert repo.count("import_undo") == 0, "a successful import leaves no undo rows"
    assert [known_rows(engine)[i][-4] for i in before if known_rows(engine)[i] != before[i]] == [D16, D16]


def test_a_failure_in_the_known_peoples_batches_restores_their_values(repo: Repository, tmp_path: Path,
                                                                      engine: Engine) -> None:
    run(importer(repo, tmp_path), "f1_title_block.xlsx", D15)
    before = (tables(repo), known_rows(engine), repo.audit_entries())
    changed: list[int] = []

    def fail(done: int) -> None:
        if done == 4:  # both known people updated, the import not done
            changed.append(sum(1 for i, v in before[1].items() if known_rows(engine).get(i) != v))
            raise Stop()

    with pytest.raises(Stop):
        run(importer(repo, tmp_path, fail, batch_rows=1), "f1_next_day.xlsx", D16)
    assert changed == [2], "the known people had the new list's values before the failure"
    assert (tables(repo), known_rows(engine), repo.audit_entries()) == before
    assert repo.count("import_undo") == 0


def test_a_crash_in_the_known_peoples_batches_is_undone_by_the_next_import(repo: Repository, tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch,
                                                                         engine: Engine) -> None:
    run(importer(repo, tmp_path), "f1_title_block.xlsx", D15)
    before = known_rows(engine)

    with monkeypatch.context() as patch:  # the process dies: nothing is undone
        patch.setattr(ContactStore, "_undo", lambda self, import_id, size: None)
        with pytest.raises(Stop):
            run(importer(repo, tmp_path, stop_after(4), batch_rows=1), "f1_next_day.xlsx", D16)
    assert repo.count("import_undo") == 2
    assert sum(1 for i, v in before.items() if known_rows(engine)[i] != v) == 2, "the crash left 2 people updated"
    seen: list[tuple[int, bool, int]] = []

    def look(done: int) -> None:  # the next import's first batch: the crashed one is undone before it
        now = known_rows(engine)
        seen.append((done, all(now[i] == v for i, v in before.items()), repo.count("import_undo")))

    again = run(importer(repo, tmp_path, look, batch_rows=1), "f1_next_day.xlsx", D16)

    assert seen[0] == (1, True, 0), "old values restored, undo rows gone, before the next import writes"
    assert (again.already_imported, again.imported, again.updated) == (False, 2, 2)
    assert repo.count("imports") == 2 and repo.count("import_undo") == 0
    with engine.connect() as connection:
        assert connection.execute(select(m.Import.status)).scalars().all() == ["done", "done"]


def test_undo_rows_a_done_import_left_are_deleted_by_the_next_import(repo: Repository, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch,
                                                                   engine: Engine) -> None:
    run(importer(repo, tmp_path), "f1_title_block.xlsx", D15)
    with monkeypatch.context() as patch:  # the process dies right after the import is marked done
        patch.setattr(ContactStore, "_forget_undo", lambda self, import_id, size: None)
        run(importer(repo, tmp_path), "f1_next_day.xlsx", D16)
    after = known_rows(engine)
    assert repo.count("import_undo") == 2

    run(importer(repo, tmp_path), "f2_cp1258.csv", D16)

    assert repo.count("import_undo") == 0
    assert all(known_rows(engine)[i] == v for i, v in after.items() if i in known_rows(engine)), \
        "the done import's values are kept, not restored"


def test_undo_rows_are_deleted_in_transactions_of_the_size_asked(repo: Repository, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    run(importer(repo, tmp_path), "f1_title_block.xlsx", D15)
    with monkeypatch.context() as patch:  # keep the 2 undo rows of the next day's import
        patch.setattr(ContactStore, "_forget_undo", lambda self, import_id, size: None)
        done = run(importer(repo, tmp_path), "f1_next_day.xlsx", D16)
    assert repo.count("import_undo") == 2
    left: list[int] = []
    batch = ContactStore._batch

    @contextmanager
    def counted(self: ContactStore) -> Iterator[Any]:
        with batch(self) as s:
            yield s
        left.append(repo.count("import_undo"))

    monkeypatch.setattr(ContactStore, "_batch", counted)
    repo._forget_undo(done.import_id, 1)

    assert left == [1, 0, 0], "one row per transaction, then one that finds none left"


def _same_list(tmp_path: Path, tag: str) -> Path:
    """f1_comma.csv with another checksum (trailing blank lines, one per tag): the same people and values."""
    copy = tmp_path / f"same_{tag}.csv"
    copy.write_bytes((FIXTURES / "f1_comma.csv").read_bytes() + b"\n" * len(tag))
    return copy


def test_a_list_with_the_stored_values_moves_only_the_dates(repo: Repository, tmp_path: Path,
                                                            engine: Engine) -> None:
    """The known people whose values are unchanged are written by one statement per batch: their dates follow
    the same rule as a merged person's (list_date and last_seen the newest, first_seen the oldest)."""
    run(importer(repo, tmp_path), "f1_comma.csv", D15)
    before = known_rows(engine)
    later = dt.datetime(2021, 7, 16, 2, 0, tzinfo=dt.timezone.utc)
    for path, day, when in ((_same_list(tmp_path, "16"), D16, later), (_same_list(tmp_path, "014"), D14, NOW)):
        imp = ContactImporter(repo, tmp_path / "imports", clock=lambda when=when: when, zone=ZONE, batch_rows=1)
        result = imp.import_file(path, list_date=day, operator="cdc-staff")
        assert (result.already_imported, result.imported, result.updated) == (False, 0, 2)
    after = known_rows(engine)
    assert after.keys() == before.keys()
    for i, row in before.items():
        assert after[i][:9] == row[:9], "the person's values are kept"
        assert after[i][9:] == (D16, D14, D16, NOW), "list_date, first_seen, last_seen, updated_at"


def test_a_failure_after_unchanged_people_restores_their_dates(repo: Repository, tmp_path: Path,
                                                               engine: Engine) -> None:
    run(importer(repo, tmp_path), "f1_comma.csv", D15)
    before = (tables(repo), known_rows(engine), repo.audit_entries())
    changed: list[int] = []

    def fail(done: int) -> None:
        if done == 2:  # both known people written, the import not done
            changed.append(sum(1 for i, v in before[1].items() if known_rows(engine).get(i) != v))
            raise Stop()

    with pytest.raises(Stop):
        ContactImporter(repo, tmp_path / "imports", clock=lambda: NOW, zone=ZONE, batch_rows=1,
                        between=fail).import_file(_same_list(tmp_path, "16"), list_date=D16, operator="cdc-staff")
    assert changed == [2], "their dates had moved before the failure"
    assert (tables(repo), known_rows(engine), repo.audit_entries()) == before
    assert repo.count("import_undo") == 0


def test_the_pause_after_a_batch_is_kept_free_but_the_work_in_between_counts(tmp_path, monkeypatch) -> None:
    """SQLite: after a batch the lock is left free for batch_pause(held) before the store takes it again; the
    next batch's rows made meanwhile take from that pause instead of adding to it (issue 18, item 5)."""
    import time

    from ivr.storage import contact_store
    from ivr.storage.contact_store import ContactStore
    from ivr.storage.db import make_engine, migrate

    url = f"sqlite:///{tmp_path / 'pause.db'}"
    migrate(url)
    store = ContactStore(make_engine(url))
    monkeypatch.setattr(contact_store, "batch_pause", lambda held: 0.2)
    slept: list[float] = []
    real_sleep = time.sleep
    monkeypatch.setattr(contact_store.time, "sleep", lambda seconds: (slept.append(seconds), real_sleep(seconds)))
    with store._batch():
        pass
    committed = time.monotonic()
    real_sleep(0.05)  # the next batch's rows being made
    with store._batch():
        began = time.monotonic()
    assert began - committed >= 0.2, "the lock was left free for the whole pause"
    assert len(slept) == 1 and slept[0] <= 0.2 - 0.05, "the work in between took its share of the pause"
    store._wait_free()  # the pause after the second batch
    assert time.monotonic() - began >= 0.2
