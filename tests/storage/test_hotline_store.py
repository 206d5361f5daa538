"""The hotline's storage on SQLite and PostgreSQL: the inbound ledger, callback recognition handing a
campaign attempt over to an inbound call, call-back tasks, agents."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine

from ivr.contacts.merge import merge_contact
from ivr.calls.policy import policy_from_settings
from ivr.config import DialerSettings
from ivr.contacts.text import name_key
from ivr.errors import UserError
from ivr.hotline.recognition import HOTLINE_WORKER, choose_callback
from ivr.storage.hotline import HotlineStore
from ivr.storage.records import AttemptStatus, CampaignStatus, ContactData, ImportBatch
from ivr.storage.repo import Repository

UTC = dt.timezone.utc
NOW = dt.datetime(2021, 7, 15, 2, 0, tzinfo=UTC)  # 09:00 in Hanoi
MIN = dt.timedelta(minutes=1)
POLICY = policy_from_settings(DialerSettings())
PHONE, OTHER = "+84912345678", "+84987654321"


@pytest.fixture
def store(engine: Engine) -> HotlineStore:
    return HotlineStore(engine)


def running_campaign(repo: Repository, phones: tuple[str, ...] = (PHONE,), tag: str = "a") -> int:
    people = tuple(ContactData(row=str(i + 2), full_name=f"Người {i}", name_key=name_key(f"Người {i}"), phone_e164=p,
                               category="F1") for i, p in enumerate(phones))
    batch = ImportBatch(file_name=f"{tag}.csv", sha256=tag * 64, list_date=NOW.date(), category="F1", operator="t",
                        contacts=people, rows=len(people), duplicates=0, invalid=0, error_report=None, stored_path=None)
    imported, _ = repo.apply_import(batch, NOW, merge=merge_contact)
    camp = repo.create_campaign(script_name="f1_daily", script_version="1", operator="t", now=NOW, category="F1",
                                import_id=imported.id)
    repo.enqueue_contacts(camp.id, NOW)
    repo.set_campaign_status(camp.id, CampaignStatus.RUNNING, operator="t", now=NOW)
    return camp.id


def miss(repo: Repository, campaign_id: int, outcome: str, at: dt.datetime) -> None:
    """The robot calls the (only) due household and misses it with ``outcome``."""
    (attempt,) = repo.claim_due_attempts(campaign_id, "w1", at, 1)
    repo.mark_dialing(attempt.id, f"rc-a{attempt.id}", at)
    repo.finish_attempt(attempt.id, outcome, 486, 17, None, at, policy=POLICY)


# -- the inbound ledger ---------------------------------------------------------------------------------------
def test_an_inbound_call_is_recorded_from_ring_to_hang_up(store: HotlineStore) -> None:
    call = store.open_call("1700000000.1", PHONE, NOW, after_hours=False)
    assert store.open_call("1700000000.1", PHONE, NOW, after_hours=False) == call  # idempotent by channel
    store.add_path(call.id, "menu:declare")
    store.record_inbound_answer(call.id, "fever", "1", "yes", "hotline", "2", NOW + MIN)
    store.record_inbound_answer(call.id, "fever", "2", "no", "hotline", "2", NOW + 2 * MIN)  # said again: replaced
    store.record_inbound_answer(call.id, "cough", "2", "no", "hotline", "2", NOW + 2 * MIN)
    store.add_path(call.id, "menu:staff", "queue")
    store.queue_entered(call.id, NOW + 3 * MIN)
    store.queue_left(call.id, 60.0, None, abandoned=False)  # timed out, offered a call back, queued again
    store.queue_entered(call.id, NOW + 5 * MIN)
    store.queue_left(call.id, 12.5, "staff1", abandoned=False)
    store.finish_call(call.id, "staff", None, NOW + 9 * MIN)
    done = store.call_by_channel("1700000000.1")
    assert done is not None
    assert (done.path, done.queue_entered_at, done.queue_wait_seconds, done.answered_by, done.outcome,
            done.ended_at, done.caller_e164) == (("menu:declare", "menu:staff", "queue"), NOW + 3 * MIN, 72.5,
                                                 "staff1", "staff", NOW + 9 * MIN, PHONE)
    assert [(a.question_id, a.key, a.value) for a in store.inbound_answers(call.id)] == \
        [("fever", "2", "no"), ("cough", "2", "no")]
    assert store.inbound_calls(10) == [done]


def test_unknown_outcomes_and_calls_are_refused(store: HotlineStore) -> None:
    call = store.open_call("c1", None, NOW, after_hours=True)
    with pytest.raises(ValueError, match="unknown inbound outcome 'great'"):
        store.finish_call(call.id, "great", None, NOW)
    with pytest.raises(UserError, match="inbound call 999: no such call"):
        store.add_path(999, "queue")


# -- callback recognition ---------------------------------------------------------------------------------
def test_a_pending_attempt_is_handed_over_to_the_inbound_call(repo: Repository, store: HotlineStore) -> None:
    campaign_id = running_campaign(repo)
    choice = choose_callback(store.household_attempts(PHONE))
    assert choice is not None and choice.attempt_id is not None and choose_callback(store.household_attempts(OTHER)) is None
    attempt_id = repo.claim_for_inbound(choice, "1700000000.7", HOTLINE_WORKER, NOW + MIN)
    assert attempt_id == choice.attempt_id
    taken = repo.get_attempt(attempt_id)
    assert (taken.status, taken.channel_id, taken.claimed_by) == (AttemptStatus.DIALING, "1700000000.7", "hotline")
    assert repo.claim_due_attempts(campaign_id, "w1", NOW + MIN, 10) == []  # the dialer cannot take that phone
    assert choose_callback(store.household_attempts(PHONE)) is None  # busy on this very call
    assert repo.claim_for_inbound(choice, "1700000000.8", HOTLINE_WORKER, NOW + MIN) is None
    repo.record_answer(attempt_id, "identity", "1", "yes", "f1_daily", "1", NOW + 2 * MIN)
    assert repo.finish_attempt(attempt_id, "completed", 200, 16, NOW + MIN, NOW + 3 * MIN, policy=POLICY) is None
    progress = repo.campaign_progress(campaign_id)
    assert (progress.answers, progress.unfinished, progress.by_outcome) == (1, 0, {"completed": 1})
    assert choose_callback(store.household_attempts(PHONE)) is None  # reached: not awaited any more


def test_a_missed_call_with_no_retry_left_gets_a_new_attempt(repo: Repository, store: HotlineStore) -> None:
    campaign_id = running_campaign(repo)
    at = NOW
    for _ in range(3):  # no_answer_attempts = 3: the third miss schedules nothing
        miss(repo, campaign_id, "no_answer", at)
        at += 31 * MIN
    choice = choose_callback(store.household_attempts(PHONE))
    assert choice is not None and (choice.attempt_id, choice.attempt_no) == (None, 4)
    attempt_id = repo.claim_for_inbound(choice, "1700000001.1", HOTLINE_WORKER, at)
    attempts = repo.campaign_attempts(campaign_id)
    assert [(a.attempt_no, a.status, a.outcome) for a in attempts] == [
        (1, AttemptStatus.DONE, "no_answer"), (2, AttemptStatus.DONE, "no_answer"),
        (3, AttemptStatus.DONE, "no_answer"), (4, AttemptStatus.DIALING, None)]
    assert attempts[-1].id == attempt_id and attempts[-1].channel_id == "1700000001.1"


def test_a_missed_call_with_a_retry_due_later_takes_that_retry(repo: Repository, store: HotlineStore) -> None:
    campaign_id = running_campaign(repo)
    miss(repo, campaign_id, "busy", NOW)
    choice = choose_callback(store.household_attempts(PHONE))
    assert choice is not None and choice.attempt_no == 2 and choice.attempt_id is not None
    assert repo.claim_for_inbound(choice, "1700000002.1", HOTLINE_WORKER, NOW + MIN) == choice.attempt_id
    assert [a.status for a in repo.campaign_attempts(campaign_id)] == [AttemptStatus.DONE, AttemptStatus.DIALING]


def test_a_phone_the_robot_is_calling_now_is_not_recognised(repo: Repository, store: HotlineStore) -> None:
    campaign_id = running_campaign(repo)
    repo.claim_due_attempts(campaign_id, "w1", NOW, 1)
    assert choose_callback(store.household_attempts(PHONE)) is None


def test_the_robot_call_behind_a_channel(repo: Repository, store: HotlineStore) -> None:
    campaign_id = running_campaign(repo)
    (attempt,) = repo.claim_due_attempts(campaign_id, "w1", NOW, 1)
    repo.mark_dialing(attempt.id, "rc-a1", NOW)
    assert store.robot_call("rc-a1") == (PHONE, attempt.contact_id, attempt.id)
    assert store.robot_call("rc-a404") is None


# -- call-back tasks and agents ---------------------------------------------------------------------------
def test_callback_tasks(store: HotlineStore) -> None:
    call = store.open_call("c2", PHONE, NOW, after_hours=False)
    first = store.add_callback_task(PHONE, NOW + MIN, inbound_call_id=call.id)
    second = store.add_callback_task(OTHER, NOW)
    assert [(t.id, t.phone_e164) for t in store.callback_tasks()] == [(second, OTHER), (first, PHONE)]
    store.close_callback_task(first, "done", "bs.lan", NOW + 9 * MIN)
    assert [t.id for t in store.callback_tasks()] == [second]
    closed = store.callback_tasks("done")
    assert [(t.id, t.done_by, t.done_at, t.inbound_call_id) for t in closed] == [(first, "bs.lan", NOW + 9 * MIN,
                                                                                  call.id)]
    with pytest.raises(UserError, match=f"call-back task {first} is already done"):
        store.close_callback_task(first, "cancelled", "bs.lan", NOW)
    with pytest.raises(UserError, match="call-back task 999: no such task"):
        store.close_callback_task(999, "done", "bs.lan", NOW)


def test_agents(repo: Repository, store: HotlineStore) -> None:
    store.add_agent("staff1", "PJSIP/staff1", "Nguyễn Thị Hoa", operator="admin", now=NOW)
    with pytest.raises(UserError, match="an agent with this name exists already"):
        store.add_agent("staff1", "PJSIP/other", None, operator="admin", now=NOW)
    with pytest.raises(UserError, match="an agent with this endpoint exists already"):
        store.add_agent("staff9", "PJSIP/staff1", None, operator="admin", now=NOW)
    store.set_agent("staff1", operator="admin", now=NOW + MIN, logged_in=True)
    store.set_agent("staff1", operator="admin", now=NOW + 2 * MIN, paused=True)
    agent = store.get_agent("staff1")
    assert (agent.logged_in, agent.paused, agent.updated_at, agent.display_name) == \
        (True, True, NOW + 2 * MIN, "Nguyễn Thị Hoa")
    with pytest.raises(UserError, match=r"agent 'staff2': no such agent \(known: staff1\)"):
        store.get_agent("staff2")
    actions = [e["action"] for e in repo.audit_entries()]
    assert actions[:3] == ["agent.pause", "agent.login", "agent.add"]
