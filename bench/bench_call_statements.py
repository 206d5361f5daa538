"""CPU of a call's database work, statement by statement (issue 18 item 3, second pass). No PBX needed.

    .venv/bin/python bench/bench_call_statements.py [--calls 600] [--db postgresql://postgres@127.0.0.1:5432/x]

What the dialer asks of the database for each call, on a fresh SQLite file (WAL, as `serve` has it) or on the
PostgreSQL database given (emptied first: give it a throw-away database), timed in this process's CPU
seconds (time.process_time: SQLAlchemy and the driver; a PostgreSQL server's own CPU is not counted):
claim (a batch of 10 due attempts, with their contacts where the tree has claim_due_with_contacts; else
the claim then one get_contact per call, as the dialer did), the audio register (3 keys of the contact),
mark_dialing, 5 answers, finish_attempt (the next attempt scheduled), and the dialer loop's get_campaign.
Run the same file from an older tree (copied into its bench/) to compare: it imports the ivr beside it.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ivr.calls.policy import policy_from_settings  # noqa: E402
from ivr.config import DialerSettings  # noqa: E402
from ivr.contacts.merge import merge_contact  # noqa: E402
from ivr.contacts.text import name_key  # noqa: E402
from ivr.scripts.interpreter import RecordAnswer  # noqa: E402
from ivr.storage.audio_register import AudioRegister  # noqa: E402
from ivr.storage.db import make_engine, migrate  # noqa: E402
from ivr.storage.records import CampaignStatus, ContactData, ImportBatch  # noqa: E402
from ivr.storage.repo import Repository  # noqa: E402

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
BATCH = 10


def seed(repo: Repository, n: int) -> int:
    people = tuple(ContactData(row=str(i + 2), full_name=f"Nguyễn Văn Số {i}", name_key=name_key(f"Nguyễn Văn Số {i}"),
                               phone_e164=f"+8491{i:07d}", category="F1") for i in range(n))
    batch = ImportBatch(file_name="b.xlsx", sha256="b" * 64, list_date=NOW.date(), category=None, operator="bench",
                        contacts=people, rows=n, duplicates=0, invalid=0, error_report=None, stored_path=None)
    repo.apply_import(batch, NOW, merge=merge_contact)
    camp = repo.create_campaign(script_name="f1-daily", script_version="1", operator="bench", now=NOW,
                                category="F1", list_date=NOW.date(), import_id=None)
    repo.enqueue_contacts(camp.id, NOW)
    return repo.set_campaign_status(camp.id, CampaignStatus.RUNNING, operator="bench", now=NOW).id


def run(url: str, calls: int) -> dict[str, float]:
    engine = make_engine(url)
    migrate(engine)
    repo = Repository(engine)
    register = AudioRegister(engine)
    campaign_id = seed(repo, calls)
    policy = policy_from_settings(DialerSettings())
    cpu: dict[str, float] = defaultdict(float)

    def timed(name: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        t0 = time.process_time()
        out = fn(*args, **kwargs)
        cpu[name] += time.process_time() - t0
        return out

    with_contacts = getattr(repo, "claim_due_with_contacts", None)
    done = 0
    while done < calls:
        if with_contacts is not None:
            pairs = timed("claim (batch of 10, with contacts)", with_contacts, campaign_id, "bench", NOW, BATCH)
        else:
            claimed = timed("claim (batch of 10, with contacts)", repo.claim_due_attempts, campaign_id, "bench",
                            NOW, BATCH)
            pairs = [(a, timed("claim (batch of 10, with contacts)", repo.get_contact, a.contact_id))
                     for a in claimed]
        if not pairs:
            break
        for attempt, contact in pairs:
            timed("get_contact (look-ahead, one)", repo.get_contact, contact.id)
            timed("get_campaign", repo.get_campaign, campaign_id)
            timed("audio register (3 keys)", register.register,
                  [(contact.id, None, f"{k}{contact.id:060d}") for k in "abc"], NOW)
            timed("mark_dialing", repo.mark_dialing, attempt.id, f"rc-a{attempt.id}", NOW)
            for q in range(5):
                timed("record_answer (x5)", repo.record_answer, attempt.id,
                      RecordAnswer(question_id=f"q{q}", step_id=f"s{q}", key="1", value="yes", script="f1-daily", version="1"),
                      NOW, owner=attempt)
            timed("finish_attempt", repo.finish_attempt, attempt.id, "no_answer", 480, 19, None,
                  NOW + dt.timedelta(minutes=1), policy=policy)
            done += 1
    engine.dispose()
    out = {name: round(seconds / done * 1e6) for name, seconds in cpu.items()}
    out["total per call (µs)"] = sum(out.values())
    out["calls"] = done
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=600)
    ap.add_argument("--db", default="", help="a throw-away PostgreSQL database's URL (default: a fresh SQLite file)")
    args = ap.parse_args()
    if args.db:
        print(json.dumps({"db": "postgresql", **run(args.db, args.calls)}, ensure_ascii=False, indent=1))
        return
    with tempfile.TemporaryDirectory() as tmp:
        print(json.dumps({"db": "sqlite", **run(f"sqlite:///{tmp}/bench.db", args.calls)}, ensure_ascii=False,
                         indent=1))


if __name__ == "__main__":
    main()
