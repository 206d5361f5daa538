"""Several dialer workers claiming at once (threads, one engine each, as separate processes would):
no attempt is claimed twice, and no phone is in two calls at once, even across campaigns."""
from __future__ import annotations

import datetime as dt
import threading
import time
from collections import defaultdict

from ivr.contacts.merge import merge_contact
from ivr.calls.policy import policy_from_settings
from ivr.config import DialerSettings
from ivr.contacts.text import name_key
from ivr.storage.db import make_engine
from ivr.storage.records import AttemptStatus, CampaignStatus, ContactData, ImportBatch
from ivr.storage.repo import Repository

UTC = dt.timezone.utc
NOW = dt.datetime(2021, 7, 15, 2, 0, tzinfo=UTC)
D15 = dt.date(2021, 7, 15)
POLICY = policy_from_settings(DialerSettings())
WORKERS = 4
HOUSEHOLDS = 120
DEADLINE_S = 120  # a hang guard, not a performance assertion


def people() -> tuple[ContactData, ...]:
    """Every phone has an F1 person; every second phone also an F2 person (so it is in both campaigns),
    and every third phone a second F1 person (a household inside one campaign)."""
    out = []
    for i in range(HOUSEHOLDS):
        phone = f"+8491{i:07d}"
        members = [(f"Người {i} A", "F1")]
        if i % 2 == 0:
            members.append((f"Người {i} B", "F2"))
        if i % 3 == 0:
            members.append((f"Người {i} C", "F1"))
        out += [ContactData(row=str(i), full_name=n, name_key=name_key(n), phone_e164=phone, category=c)
                for n, c in members]
    return tuple(out)


def test_workers_never_share_an_attempt_or_a_phone(db_url: str) -> None:
    setup = Repository(make_engine(db_url))
    batch = ImportBatch(file_name="big.xlsx", sha256="b" * 64, list_date=D15, category=None, operator="t",
                        contacts=people(), rows=0, duplicates=0, invalid=0, error_report=None, stored_path=None)
    setup.apply_import(batch, NOW, merge=merge_contact)
    campaigns = []
    for category in ("F1", "F2"):
        camp = setup.create_campaign(script_name="s", script_version="1", operator="t", now=NOW,
                                     category=category, list_date=D15)
        setup.enqueue_contacts(camp.id, NOW)
        setup.set_campaign_status(camp.id, CampaignStatus.RUNNING, operator="t", now=NOW)
        campaigns.append(camp.id)
    total = sum(len(setup.campaign_attempts(c)) for c in campaigns)
    assert total == HOUSEHOLDS + HOUSEHOLDS // 2

    lock = threading.Lock()
    clock = iter(range(1, 10**9))  # a logical clock: the order of events, taken under the lock
    claims: dict[str, list[int]] = defaultdict(list)
    busy: dict[int, list[tuple[int, int]]] = defaultdict(list)  # household -> (claimed, finished) ticks
    errors: list[BaseException] = []
    start = threading.Barrier(WORKERS)
    # On a fast machine one SQLite writer can take every claim while the others sleep in SQLite's busy handler:
    # a worker holds its first claims until a second worker has claimed too, so the claims really overlap.
    shared = threading.Event()

    def worker(wid: str) -> None:
        repo = Repository(make_engine(db_url))
        try:
            start.wait()
            deadline = time.monotonic() + DEADLINE_S
            while time.monotonic() < deadline:
                got = []
                for camp in campaigns:
                    got += repo.claim_due_attempts(camp, wid, NOW, 3)
                with lock:
                    # Ticks are taken after the claim commits and before the finish commits: the recorded
                    # interval lies inside the real one, so an overlap seen here is a real overlap.
                    opened = {a.id: next(clock) for a in got}
                    claims[wid] += [a.id for a in got]
                    if sum(1 for ids in claims.values() if ids) > 1:
                        shared.set()
                if got:
                    shared.wait(timeout=10)  # returns at once after the first overlap
                for a in got:
                    repo.mark_dialing(a.id, f"rc-{a.id}", NOW)
                    with lock:
                        busy[a.household_id].append((opened[a.id], next(clock)))
                    repo.finish_attempt(a.id, "completed", None, 16, NOW, NOW + dt.timedelta(minutes=1),
                                        policy=POLICY)
                if not got:
                    if all(repo.campaign_progress(c).unfinished == 0 for c in campaigns):
                        return
                    time.sleep(0.005)  # another worker holds the remaining phones
            raise TimeoutError(f"worker {wid} still had attempts after {DEADLINE_S} s")
        except BaseException as exc:  # reported by the test thread
            errors.append(exc)
        finally:
            repo.engine.dispose()

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(WORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []

    claimed = [aid for ids in claims.values() for aid in ids]
    assert len(claimed) == len(set(claimed)) == total  # every attempt claimed exactly once
    assert sum(1 for ids in claims.values() if ids) > 1  # the work really was shared
    for household, spans in busy.items():
        spans.sort()
        for (_, end), (begin, _) in zip(spans, spans[1:]):
            assert end < begin, f"household {household} was in two calls at once"
    attempts = [a for c in campaigns for a in setup.campaign_attempts(c)]
    assert {a.status for a in attempts} == {AttemptStatus.DONE}
    assert len({a.channel_id for a in attempts}) == total
    setup.engine.dispose()
