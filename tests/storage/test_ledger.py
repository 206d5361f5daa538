"""The call-attempt ledger on SQLite and PostgreSQL: enqueue, claim, dial, answer, finish, recover."""
from __future__ import annotations

import datetime as dt
from typing import Sequence

import pytest
from sqlalchemy.exc import IntegrityError

from ivr.scripts.interpreter import RecordAnswer
from ivr.contacts.merge import merge_contact
from ivr.calls.policy import policy_from_settings
from ivr.config import DialerSettings
from ivr.contacts.text import name_key
from ivr.errors import UserError
from ivr.storage.ledger import AttemptConflict
from ivr.storage.records import AttemptStatus, Campaign, CampaignStatus, ContactData, ImportBatch
from ivr.storage.repo import Repository

UTC = dt.timezone.utc
NOW = dt.datetime(2021, 7, 15, 2, 0, tzinfo=UTC)  # 09:00 in Hanoi
MIN = dt.timedelta(minutes=1)
D15, D16 = dt.date(2021, 7, 15), dt.date(2021, 7, 16)
POLICY = policy_from_settings(DialerSettings())

# Six people, four phones: the Trần household shares one phone, the Lê household another.
PEOPLE = [
    ("Nguyễn Văn An", "+84912345678", "F1"),
    ("Trần Văn Cường", "+84987654321", "F1"),
    ("Trần Thị Dung", "+84987654321", "F1"),
    ("Lê Thị Bình", "+84321234567", "F1"),
    ("Lê Văn Bảo", "+84321234567", "F2"),
    ("Mai Văn Minh", "+842373852222", "F2"),
]


def seed(repo: Repository, people: Sequence[tuple[str, str, str]] = PEOPLE, day: dt.date = D15,
         tag: str = "a") -> int:
    contacts = tuple(ContactData(row=str(i + 2), full_name=n, name_key=name_key(n), phone_e164=p, category=c)
                     for i, (n, p, c) in enumerate(people))
    batch = ImportBatch(file_name=f"{tag}.xlsx", sha256=tag * 64, list_date=day, category=None, operator="t",
                        contacts=contacts, rows=len(people), duplicates=0, invalid=0, error_report=None,
                        stored_path=None)
    return repo.apply_import(batch, NOW, merge=merge_contact)[0].id


def start(repo: Repository, category: str | None = "F1", day: dt.date | None = D15,
          import_id: int | None = None) -> Campaign:
    camp = repo.create_campaign(script_name="f1-daily", script_version="1", operator="t", now=NOW,
                                category=category, list_date=None if import_id else day, import_id=import_id)
    repo.enqueue_contacts(camp.id, NOW)
    return repo.set_campaign_status(camp.id, CampaignStatus.RUNNING, operator="t", now=NOW)


def phones(attempts: Sequence[object]) -> list[str]:
    return sorted(a.phone_e164 for a in attempts)  # type: ignore[attr-defined]


# -- enqueue -----------------------------------------------------------------------------------------
SELECTIONS = [
    # (category, day, phones called)
    ("F1", D15, ["+84321234567", "+84912345678", "+84987654321"]),
    ("F2", D15, ["+842373852222", "+84321234567"]),
    (None, D15, ["+842373852222", "+84321234567", "+84912345678", "+84987654321"]),
    ("F1", D16, []),
]


@pytest.mark.parametrize(("category", "day", "expected"), SELECTIONS)
def test_enqueue_calls_each_household_of_the_list_once(repo: Repository, category: str | None, day: dt.date,
                                                       expected: list[str]) -> None:
    seed(repo)
    camp = start(repo, category, day)
    attempts = repo.campaign_attempts(camp.id)
    assert phones(attempts) == expected
    assert {(a.attempt_no, a.status, a.scheduled_at) for a in attempts} <= {(1, AttemptStatus.PENDING, NOW)}
    assert repo.enqueue_contacts(camp.id, NOW) == 0  # again: nothing new


def test_enqueue_again_adds_only_new_households(repo: Repository) -> None:
    seed(repo, PEOPLE[:2], tag="a")
    camp = start(repo, None)
    assert phones(repo.campaign_attempts(camp.id)) == ["+84912345678", "+84987654321"]
    seed(repo, PEOPLE, tag="b")  # a second list for the same day: Dung joins the Trần household
    assert repo.enqueue_contacts(camp.id, NOW + MIN) == 2
    assert phones(repo.campaign_attempts(camp.id)) == ["+842373852222", "+84321234567", "+84912345678",
                                                       "+84987654321"]


def test_enqueue_by_import(repo: Repository) -> None:
    seed(repo, PEOPLE[:2], tag="a")
    second = seed(repo, PEOPLE[3:], tag="b")
    camp = start(repo, "F2", import_id=second)
    assert [c.full_name for c in repo.campaign_contacts(camp.id)] == ["Lê Văn Bảo", "Mai Văn Minh"]
    assert start(repo, None, import_id=second).id != camp.id


def test_campaign_needs_one_selection_and_a_real_import(repo: Repository) -> None:
    with pytest.raises(UserError, match="exactly one"):
        repo.create_campaign(script_name="s", script_version="1", operator="t", now=NOW)
    with pytest.raises(UserError, match="import 42: no such import"):
        repo.create_campaign(script_name="s", script_version="1", operator="t", now=NOW, import_id=42)
    with pytest.raises(UserError, match="category must be F1 or F2"):
        repo.create_campaign(script_name="s", script_version="1", operator="t", now=NOW, list_date=D15,
                             category="F3")


# -- claiming ------------------------------------------------------------------------------------------
def test_claim_only_running_campaigns_due_attempts(repo: Repository) -> None:
    seed(repo)
    camp = repo.create_campaign(script_name="s", script_version="1", operator="t", now=NOW, category="F1",
                                list_date=D15)
    repo.enqueue_contacts(camp.id, NOW + 10 * MIN)
    assert repo.claim_due_attempts(camp.id, "w1", NOW + 20 * MIN, 10) == []  # draft
    repo.set_campaign_status(camp.id, "running", operator="t", now=NOW)
    assert repo.claim_due_attempts(camp.id, "w1", NOW, 10) == []  # not due yet
    claimed = repo.claim_due_attempts(camp.id, "w1", NOW + 10 * MIN, 2)
    assert [(a.status, a.claimed_by, a.claimed_at) for a in claimed] == [(AttemptStatus.CLAIMED, "w1", NOW + 10 * MIN)] * 2
    assert all(a.pseudonym.startswith("c") and a.phone_e164.startswith("+84") for a in claimed)
    rest = repo.claim_due_attempts(camp.id, "w2", NOW + 10 * MIN, 10)
    assert len(rest) == 1 and rest[0].id not in {a.id for a in claimed}
    assert repo.claim_due_attempts(camp.id, "w3", NOW + 10 * MIN, 10) == []
    repo.set_campaign_status(camp.id, "paused", operator="t", now=NOW)
    assert repo.release_stale_claims("w2") == 1
    assert repo.claim_due_attempts(camp.id, "w3", NOW + 10 * MIN, 10) == []  # paused


def test_claim_with_contacts_is_the_claim_and_each_attempts_contact(repo: Repository) -> None:
    seed(repo)
    camp = start(repo)
    pairs = repo.claim_due_with_contacts(camp.id, "w1", NOW, 2)
    assert len(pairs) == 2
    for attempt, contact in pairs:
        assert attempt == repo.get_attempt(attempt.id)
        assert (attempt.status, attempt.claimed_by) == (AttemptStatus.CLAIMED, "w1")
        assert contact == repo.get_contact(attempt.contact_id)
    rest = repo.claim_due_attempts(camp.id, "w2", NOW, 10)  # the households claimed above are busy
    assert len(rest) == 1 and rest[0].id not in {a.id for a, _c in pairs}
    assert repo.claim_due_with_contacts(camp.id, "w3", NOW, 10) == []
    assert repo.claim_due_with_contacts(camp.id, "w3", NOW, 0) == []


def test_contacts_read_together_are_those_read_one_by_one(repo: Repository) -> None:
    seed(repo)
    camp = start(repo, None)
    ids = sorted({a.contact_id for a in repo.campaign_attempts(camp.id)})
    found = repo.get_contacts(ids + [10_000_000])  # an unknown id is left out
    assert found == {i: repo.get_contact(i) for i in ids}
    assert repo.get_contacts([]) == {}


def test_a_busy_phone_is_not_claimed_by_another_campaign(repo: Repository) -> None:
    seed(repo)
    f1, f2 = start(repo, "F1"), start(repo, "F2")  # the Lê household is on both lists
    first = repo.claim_due_attempts(f1.id, "w1", NOW, 10)
    assert "+84321234567" in phones(first)
    second = repo.claim_due_attempts(f2.id, "w2", NOW, 10)
    assert phones(second) == ["+842373852222"]
    le = next(a for a in first if a.phone_e164 == "+84321234567")
    repo.mark_dialing(le.id, "ch-le", NOW)
    repo.finish_attempt(le.id, "completed", 200, 16, NOW + MIN, NOW + 3 * MIN, policy=POLICY)
    assert phones(repo.claim_due_attempts(f2.id, "w2", NOW + 3 * MIN, 10)) == ["+84321234567"]


def test_the_schema_refuses_two_live_calls_to_one_phone(repo: Repository) -> None:
    seed(repo)
    f1, f2 = start(repo, "F1"), start(repo, "F2")
    (le1,) = [a for a in repo.campaign_attempts(f1.id) if a.phone_e164 == "+84321234567"]
    (le2,) = [a for a in repo.campaign_attempts(f2.id) if a.phone_e164 == "+84321234567"]
    from sqlalchemy import update

    from ivr.storage.models import CallAttempt

    with repo.engine.begin() as connection:
        connection.execute(update(CallAttempt).where(CallAttempt.id == le1.id).values(status="dialing"))
    with pytest.raises(IntegrityError), repo.engine.begin() as connection:
        connection.execute(update(CallAttempt).where(CallAttempt.id == le2.id).values(status="claimed"))


# -- dialling and answers --------------------------------------------------------------------------------
def test_mark_dialing(repo: Repository) -> None:
    seed(repo)
    camp = start(repo)
    a, b, _ = repo.claim_due_attempts(camp.id, "w1", NOW, 10)
    dialing = repo.mark_dialing(a.id, "rc-1-1", NOW + MIN)
    assert (dialing.status, dialing.channel_id, dialing.started_at) == (AttemptStatus.DIALING, "rc-1-1", NOW + MIN)
    assert repo.mark_dialing(a.id, "rc-1-1", NOW + MIN) == dialing  # a replay is harmless
    with pytest.raises(AttemptConflict, match="is dialing, not claimed"):
        repo.mark_dialing(a.id, "rc-1-2", NOW + MIN)
    repo.release_stale_claims("w1")
    with pytest.raises(AttemptConflict, match="is pending, not claimed"):
        repo.mark_dialing(b.id, "rc-2-1", NOW + MIN)


def test_answers_are_written_once(repo: Repository) -> None:
    seed(repo)
    camp = start(repo)
    a = repo.claim_due_attempts(camp.id, "w1", NOW, 1)[0]
    repo.mark_dialing(a.id, "rc-1", NOW)
    assert repo.record_answer(a.id, RecordAnswer("fever", "fever", "1", "yes", "f1-daily", "1"), NOW + MIN) is True
    assert repo.record_answer(a.id, RecordAnswer("fever", "fever", "2", "no", "f1-daily", "1"), NOW + 2 * MIN) is False
    assert repo.record_answer(a.id, RecordAnswer("cough", "cough", "2", "no", "f1-daily", "1"), NOW + 2 * MIN) is True
    answers = repo.answers_for_attempt(a.id)
    assert [(x.question_id, x.key, x.value, x.answered_at) for x in answers] == [
        ("fever", "1", "yes", NOW + MIN), ("cough", "2", "no", NOW + 2 * MIN)]
    assert {(x.contact_id, x.campaign_id) for x in answers} == {(a.contact_id, camp.id)}
    with pytest.raises(AttemptConflict):
        repo.record_answer(9999, RecordAnswer("fever", "fever", "1", "yes", "f1-daily", "1"), NOW)


def test_a_batch_of_several_attempts_answers_is_written_in_order_first_answer_kept(repo: Repository) -> None:
    seed(repo)
    camp = start(repo)
    a, b = repo.claim_due_attempts(camp.id, "w1", NOW, 2)
    for n, x in enumerate((a, b)):
        repo.mark_dialing(x.id, f"rc-{n}", NOW)
    assert repo.record_answer(a.id, RecordAnswer("fever", "fever", "1", "yes", "f1-daily", "1"), NOW) is True
    repo.record_answers([])  # nothing to write: no transaction
    repo.record_answers([
        (a, RecordAnswer("fever", "fever", "2", "no", "f1-daily", "1"), NOW + MIN),  # a replay: the first stays
        (b, RecordAnswer("fever", "fever", "2", "no", "f1-daily", "1"), NOW + MIN),
        (a, RecordAnswer("cough", "cough", "1", "yes", "f1-daily", "1"), NOW + 2 * MIN),
        (b, RecordAnswer("cough", "cough", "2", "no", "f1-daily", "1"), NOW + 2 * MIN),
    ])
    got = {x.id: [(y.question_id, y.value, y.answered_at, y.contact_id, y.campaign_id)
                  for y in repo.answers_for_attempt(x.id)] for x in (a, b)}
    assert got == {
        a.id: [("fever", "yes", NOW, a.contact_id, camp.id), ("cough", "yes", NOW + 2 * MIN, a.contact_id, camp.id)],
        b.id: [("fever", "no", NOW + MIN, b.contact_id, camp.id), ("cough", "no", NOW + 2 * MIN, b.contact_id, camp.id)]}


# -- finishing and retries ---------------------------------------------------------------------------------
FINISH = [
    # (outcome, answered after (min) or None, next attempt due after the end (min) or None)
    ("no_answer", None, 30),
    ("busy", None, 30),
    ("unreachable", None, 5),
    ("congestion", None, 5),
    ("failed", None, 5),
    ("hung_up_early", 1, 30),
    ("no_input", 1, 30),
    ("completed", 1, None),
    ("symptomatic", 1, None),
    ("wrong_person", 1, None),
    ("rejected", None, 120),  # one 603 Decline: once more, later (policy.rejected_interval)
    ("invalid", None, None),
]


@pytest.mark.parametrize(("outcome", "answered", "next_after"), FINISH)
def test_finish_schedules_the_next_attempt(repo: Repository, outcome: str, answered: int | None,
                                           next_after: int | None) -> None:
    seed(repo)
    camp = start(repo)
    a = repo.claim_due_attempts(camp.id, "w1", NOW, 1)[0]
    repo.mark_dialing(a.id, "rc-1", NOW)
    ended = NOW + 2 * MIN
    answered_at = NOW + answered * MIN if answered is not None else None
    following = repo.finish_attempt(a.id, outcome, 486 if outcome == "busy" else None, 17, answered_at, ended,
                                    policy=POLICY)
    done = repo.get_attempt(a.id)
    assert (done.status, done.outcome, done.ended_at, done.hangup_cause) == (AttemptStatus.DONE, outcome, ended, 17)
    assert done.duration == (60.0 if answered is not None else None)
    if next_after is None:
        assert following is None
    else:
        assert following is not None
        assert (following.attempt_no, following.status, following.contact_id) == (2, AttemptStatus.PENDING, a.contact_id)
        assert following.scheduled_at == ended + next_after * MIN
        assert following == repo.get_attempt(following.id)  # the record built from the INSERT is the stored row
    assert len(repo.campaign_attempts(camp.id)) == 3 + (following is not None)


def test_no_answer_three_times_then_never(repo: Repository) -> None:
    seed(repo, PEOPLE[:1])
    camp = start(repo)
    now = NOW
    for attempt_no in (1, 2, 3):
        assert repo.claim_due_attempts(camp.id, "w1", now - MIN, 1) == []  # not before it is due
        (a,) = repo.claim_due_attempts(camp.id, "w1", now, 1)
        assert a.attempt_no == attempt_no
        repo.mark_dialing(a.id, f"rc-{attempt_no}", now)
        following = repo.finish_attempt(a.id, "no_answer", 480, 19, None, now + MIN, policy=POLICY)
        now = now + 31 * MIN
    assert following is None
    assert [a.outcome for a in repo.campaign_attempts(camp.id)] == ["no_answer"] * 3
    assert repo.next_due_at(camp.id) is None


def test_finishing_twice_changes_nothing(repo: Repository) -> None:
    seed(repo, PEOPLE[:1])
    camp = start(repo)
    (a,) = repo.claim_due_attempts(camp.id, "w1", NOW, 1)
    repo.mark_dialing(a.id, "rc-1", NOW)
    first = repo.finish_attempt(a.id, "busy", 486, 17, None, NOW + MIN, policy=POLICY)
    again = repo.finish_attempt(a.id, "completed", None, 16, NOW, NOW + 5 * MIN, policy=POLICY)
    assert again == first
    assert repo.get_attempt(a.id).outcome == "busy"
    assert len(repo.campaign_attempts(camp.id)) == 2
    with pytest.raises(AttemptConflict, match="never claimed"):
        repo.finish_attempt(first.id, "completed", None, 16, NOW, NOW, policy=POLICY)  # type: ignore[union-attr]


def test_campaign_overrides_apply(repo: Repository) -> None:
    seed(repo, PEOPLE[:1])
    camp = start(repo)
    policy = policy_from_settings(DialerSettings(), {"no_answer_attempts": 1})
    (a,) = repo.claim_due_attempts(camp.id, "w1", NOW, 1)
    assert repo.finish_attempt(a.id, "no_answer", None, 19, None, NOW + MIN, policy=policy) is None


def test_opting_out_stops_every_call_to_that_phone(repo: Repository) -> None:
    seed(repo)
    f1, f2 = start(repo, "F1"), start(repo, "F2")
    (le,) = [a for a in repo.claim_due_attempts(f1.id, "w1", NOW, 10) if a.phone_e164 == "+84321234567"]
    repo.mark_dialing(le.id, "rc-le", NOW)
    assert repo.finish_attempt(le.id, "opted_out", None, 16, NOW, NOW + MIN, policy=POLICY) is None
    household = repo.household_members(le.household_id)
    assert [(c.full_name, c.opted_out) for c in household] == [("Lê Thị Bình", True), ("Lê Văn Bảo", True)]
    (other,) = [a for a in repo.campaign_attempts(f2.id) if a.phone_e164 == "+84321234567"]
    assert (other.status, other.outcome) == (AttemptStatus.DONE, "opted_out")
    # A new person on that phone in a later list is not called either.
    seed(repo, [("Lê Thị Cúc", "+84321234567", "F1")], day=D16, tag="c")
    assert repo.list_contacts(D16)[0].opted_out is True
    later = start(repo, "F1", D16)
    assert repo.campaign_attempts(later.id) == []


# -- recovery ------------------------------------------------------------------------------------------------
def test_release_stale_claims_and_in_flight(repo: Repository) -> None:
    seed(repo)
    camp = start(repo, None)
    a, b = repo.claim_due_attempts(camp.id, "w1", NOW, 2)
    c, d = repo.claim_due_attempts(camp.id, "w2", NOW + 5 * MIN, 2)
    repo.mark_dialing(a.id, "rc-a", NOW)
    assert [x.id for x in repo.attempts_in_flight("w1")] == [a.id]
    assert repo.attempts_in_flight("w2") == []
    assert repo.release_stale_claims(older_than=NOW + MIN) == 1  # b: claimed by w1 at NOW, never dialled
    assert repo.get_attempt(b.id).status == AttemptStatus.PENDING
    assert repo.release_stale_claims(worker_id="w2") == 2
    assert repo.get_attempt(a.id).status == AttemptStatus.DIALING  # a call may be up: left to the dialer
    again = repo.claim_due_attempts(camp.id, "w3", NOW + 10 * MIN, 10)
    assert sorted(x.id for x in again) == sorted([b.id, c.id, d.id])
    assert [x.channel_id for x in repo.attempts_in_flight()] == ["rc-a"]
    with pytest.raises(ValueError):
        repo.release_stale_claims()


def test_progress(repo: Repository) -> None:
    seed(repo)
    camp = start(repo, None)
    a, b, c = repo.claim_due_attempts(camp.id, "w1", NOW, 3)
    repo.mark_dialing(a.id, "rc-a", NOW)
    repo.record_answer(a.id, RecordAnswer("fever", "fever", "2", "no", "f1-daily", "1"), NOW + MIN)
    repo.finish_attempt(a.id, "completed", None, 16, NOW, NOW + 2 * MIN, policy=POLICY)
    repo.mark_dialing(b.id, "rc-b", NOW)
    repo.finish_attempt(b.id, "busy", 486, 17, None, NOW + MIN, policy=POLICY)
    repo.mark_dialing(c.id, "rc-c", NOW)
    progress = repo.campaign_progress(camp.id)
    assert progress.households == 4
    assert dict(progress.by_status) == {"done": 2, "dialing": 1, "pending": 2}
    assert dict(progress.by_outcome) == {"completed": 1, "busy": 1}
    assert (progress.answered, progress.answers, progress.unfinished) == (1, 1, 3)
    assert repo.next_due_at(camp.id) == NOW  # the fourth household's first attempt


TRANSITIONS = [
    ("draft", "running", True), ("draft", "cancelled", True), ("draft", "paused", False),
    ("running", "paused", True), ("running", "completed", True), ("running", "cancelled", True),
    ("running", "draft", False), ("paused", "running", True), ("paused", "completed", False),
    ("completed", "running", False), ("cancelled", "running", False), ("paused", "paused", True),
]


@pytest.mark.parametrize(("source", "target", "allowed"), TRANSITIONS)
def test_campaign_status_transitions(repo: Repository, source: str, target: str, allowed: bool) -> None:
    seed(repo)
    camp = repo.create_campaign(script_name="s", script_version="1", operator="t", now=NOW, list_date=D15)
    path = {"draft": [], "running": ["running"], "paused": ["running", "paused"],
            "completed": ["running", "completed"], "cancelled": ["cancelled"]}[source]
    for step in path:
        repo.set_campaign_status(camp.id, step, operator="t", now=NOW)
    if allowed:
        assert repo.set_campaign_status(camp.id, target, operator="t", now=NOW).status == target
    else:
        with pytest.raises(UserError, match=f"campaign {camp.id} is {source}: it cannot become {target}"):
            repo.set_campaign_status(camp.id, target, operator="t", now=NOW)
    with pytest.raises(UserError, match="campaign 999: no such campaign"):
        repo.get_campaign(999)


# F1 monitoring repeats daily until quarantine ends: a day's F1 campaign also calls the people named on
# the lists of the previous monitoring_days - 1 days. (campaign day, monitoring days, lists called)
MONITORING = [
    (D15, 14, {"a", "b"}),  # both lists on the same day
    (D15 + dt.timedelta(days=13), 14, {"a", "b"}),  # day 14 of the first list: still monitored
    (D15 + dt.timedelta(days=14), 14, {"b"}),  # day 15: the first list's quarantine is over
    (D15 + dt.timedelta(days=13), 1, {"b"}),  # without monitoring: only that day's list
]


@pytest.mark.parametrize("day,days,expected", MONITORING)
def test_f1_monitoring_repeats_daily_until_quarantine_ends(repo: Repository, day: dt.date, days: int,
                                                           expected: set[str]) -> None:
    seed(repo, [("Lê Văn Một", "+84912000101", "F1")], day=D15, tag="a")
    seed(repo, [("Lê Văn Hai", "+84912000102", "F1")], day=day, tag="b")
    campaign = repo.create_campaign(script_name="f1_daily", script_version="1", operator="t", now=NOW,
                                    category="F1", list_date=day)
    repo.enqueue_contacts(campaign.id, NOW, monitoring_days=days)
    called = {c.phone_e164 for c in repo.campaign_contacts(campaign.id)}
    assert called == {{"a": "+84912000101", "b": "+84912000102"}[t] for t in expected}


@pytest.mark.parametrize("finished, stopped, status", [
    (True, False, CampaignStatus.COMPLETED),  # nothing left: completed, whoever ran it
    (True, True, CampaignStatus.COMPLETED),
    (False, True, CampaignStatus.PAUSED),  # Ctrl-C with calls left: paused
    (False, False, CampaignStatus.RUNNING),  # retries due later: still running (serve looks again)
])
def test_a_run_settles_the_campaign_in_one_place(repo: Repository, finished: bool, stopped: bool,
                                                 status: CampaignStatus) -> None:
    seed(repo)
    camp = start(repo)
    if finished:
        for a in repo.claim_due_attempts(camp.id, "w1", NOW, 10):
            repo.finish_attempt(a.id, "completed", None, 16, NOW, NOW + MIN, policy=POLICY)
    assert repo.settle_after_run(camp.id, stopped=stopped, operator="t", now=NOW + MIN).status == status


def test_a_campaign_no_longer_running_is_left_as_it_is(repo: Repository) -> None:
    seed(repo)
    camp = start(repo)
    repo.set_campaign_status(camp.id, "cancelled", operator="t", now=NOW + MIN)  # staff cancelled it meanwhile
    assert repo.settle_after_run(camp.id, stopped=True, operator="t", now=NOW).status == CampaignStatus.CANCELLED
