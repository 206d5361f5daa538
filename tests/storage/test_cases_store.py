"""Cases on SQLite and PostgreSQL: finished calls, hotline declarations and call-back tasks open one case per
person and reason; later calls add to it; a second sync (or two processes at once) never duplicates one;
closing and referring are audited; the workbook's list is what is still to act on."""
from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import Engine

from ivr.cases.service import CaseService
from ivr.errors import UserError
from ivr.scripts.interpreter import RecordAnswer
from ivr.storage.cases import CaseStore
from ivr.storage.hotline import HotlineStore
from ivr.storage.repo import Repository

from test_ledger import MIN, NOW, POLICY, seed, start  # noqa: E402  (the ledger tests' list and campaign)


def finish(repo: Repository, campaign_id: int, outcome: str, answers: dict[str, str], at: dt.datetime,
           phone: str | None = None) -> None:
    """Claim, dial and finish one due attempt (of ``phone`` if given), with its answers."""
    attempts = [a for a in repo.claim_due_attempts(campaign_id, "w1", at, 10)
                if phone is None or a.phone_e164 == phone]
    a = attempts[0]
    repo.release_stale_claims("w1")
    a = [x for x in repo.claim_due_attempts(campaign_id, "w1", at, 10) if x.id == a.id][0]
    repo.mark_dialing(a.id, f"rc-{a.id}", at)
    for question, value in answers.items():
        repo.record_answer(a.id, RecordAnswer(question, question, "1", value, "f1_daily", "1"), at)
    repo.finish_attempt(a.id, outcome, None, 16, at if answers else None, at + MIN, policy=POLICY)
    repo.release_stale_claims("w1")


@pytest.fixture
def cases(engine: Engine) -> CaseService:
    return CaseService(CaseStore(engine), clock=lambda: NOW + 60 * MIN)


def test_calls_open_one_case_per_person_and_reason(repo: Repository, cases: CaseService) -> None:
    seed(repo)
    camp = start(repo)
    finish(repo, camp.id, "symptomatic", {"identity": "yes", "at_address": "no", "fever": "yes"}, NOW,
           "+84912345678")
    finish(repo, camp.id, "wrong_person", {"identity": "no"}, NOW, "+84987654321")
    opened = cases.list_cases()
    assert sorted((c.reason, c.phone_e164) for c in opened) == [
        ("not_at_address", "+84912345678"), ("symptomatic", "+84912345678"), ("wrong_person", "+84987654321")]
    assert cases.sync().sources == 0, "a second sync looks at nothing again"
    assert len(cases.list_cases()) == 3

    # The next day's call of the same person adds to the open case, never a second one.
    camp2 = start(repo)
    finish(repo, camp2.id, "symptomatic", {"identity": "yes", "fever": "yes"}, NOW + 30 * MIN, "+84912345678")
    again = {c.reason: c for c in cases.list_cases()}
    assert len(again) == 3 and again["symptomatic"].events == 2


def test_hotline_declarations_and_callback_tasks_become_cases(engine: Engine, repo: Repository,
                                                             cases: CaseService) -> None:
    seed(repo)
    hotline = HotlineStore(engine)
    call = hotline.open_call("hl-1", "+84911111111", NOW, False)
    hotline.finish_call(call.id, "declared", "symptomatic", NOW + MIN)
    quiet = hotline.open_call("hl-2", "+84933333333", NOW, False)
    hotline.finish_call(quiet.id, "declared", "completed", NOW + MIN)
    waited = hotline.open_call("hl-3", "+84944444444", NOW, False)
    hotline.finish_call(waited.id, "staff_unavailable", None, NOW + MIN)
    hotline.add_callback_task("+84922222222", NOW)
    found = sorted((c.reason, c.phone_e164) for c in cases.list_cases())
    assert found == [("callback_requested", "+84922222222"), ("staff_unanswered", "+84944444444"),
                     ("symptomatic", "+84911111111")]


def test_two_syncs_at_once_open_each_case_once(engine: Engine, repo: Repository) -> None:
    seed(repo)
    camp = start(repo)
    for phone in ("+84912345678", "+84987654321", "+84321234567"):
        finish(repo, camp.id, "symptomatic", {"fever": "yes"}, NOW, phone)
    errors: list[BaseException] = []

    def sync() -> None:
        try:
            CaseService(CaseStore(engine)).sync()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=sync) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(CaseService(CaseStore(engine)).list_cases(sync=False)) == 3


def test_close_and_refer_are_audited_and_leave_the_to_do_list(repo: Repository, cases: CaseService) -> None:
    seed(repo)
    camp = start(repo)
    finish(repo, camp.id, "symptomatic", {"fever": "yes"}, NOW, "+84912345678")
    finish(repo, camp.id, "wrong_person", {"identity": "no"}, NOW, "+84987654321")
    by_reason = {c.reason: c.id for c in cases.list_cases()}
    referred = cases.refer(by_reason["symptomatic"], "Trạm y tế phường Hạc Thành", "nv-yte-01")
    assert referred.status == "referred" and referred.referred_to == "Trạm y tế phường Hạc Thành"
    closed = cases.close(by_reason["wrong_person"], "Số của người khác", "nv-yte-02")
    assert closed.status == "closed" and closed.note == "Số của người khác"
    with pytest.raises(UserError):
        cases.close(by_reason["wrong_person"], "lại", "nv-yte-02")
    with pytest.raises(UserError):
        cases.close(by_reason["symptomatic"], "   ", "nv-yte-02")
    audit = [(e["operator"], e["action"], e["object"]) for e in repo.audit_entries()]
    assert ("nv-yte-01", "case.refer", f"case:{by_reason['symptomatic']}") in audit
    assert ("nv-yte-02", "case.close", f"case:{by_reason['wrong_person']}") in audit
    assert [c.reason for c in cases.to_act_on(NOW + 24 * 60 * MIN)] == ["symptomatic"]
    # A closed reason that comes back opens a new case.
    camp2 = start(repo)
    finish(repo, camp2.id, "wrong_person", {"identity": "no"}, NOW + 30 * MIN, "+84987654321")
    assert sorted(c.reason for c in cases.list_cases()) == ["symptomatic", "wrong_person"]


def test_the_workbook_list_reads_what_the_case_list_shows(repo: Repository, cases: CaseService) -> None:
    """to_act_on reads plain tuples of the workbook's columns (issue 18): the same values as the cases
    staff list (CaseRow), for the cases still to act on and opened before the moment given."""
    seed(repo)
    camp = start(repo)
    finish(repo, camp.id, "symptomatic", {"identity": "yes", "at_address": "no", "fever": "yes"}, NOW,
           "+84912345678")
    finish(repo, camp.id, "wrong_person", {"identity": "no"}, NOW, "+84987654321")
    shown = {c.id: c for c in cases.list_cases()}
    cases.refer(next(i for i, c in shown.items() if c.reason == "symptomatic"), "Trạm y tế", "nv-01")
    cases.close(next(i for i, c in shown.items() if c.reason == "wrong_person"), "Số khác", "nv-01")
    shown = {c.id: c for c in cases.list_cases(statuses=("open", "referred"))}
    listed = cases.to_act_on(NOW + 24 * 60 * MIN)
    assert sorted(c.id for c in listed) == sorted(shown) and len(listed) == 2
    for c in listed:
        assert type(c) is not type(shown[c.id])
        assert c._asdict() == {k: getattr(shown[c.id], k) for k in c._fields}
    assert cases.to_act_on(NOW) == []


def test_the_sync_mark_moves_only_past_attempts_seen_long_enough_ago(repo: Repository, engine: Engine) -> None:
    """PostgreSQL: a sync starts after the mark (every attempt up to it done and looked at), not at the
    first attempt ever made. The mark moves to what was seen ``MARK_DELAY`` ago, never past an attempt that
    became visible since: here one whose id was drawn before the others' but committed after (simulated by
    inserting it again under its old id). SQLite keeps no mark and compares every attempt."""
    from sqlalchemy import delete, insert, select

    from ivr.storage import models as m
    from ivr.storage.cases import MARK_DELAY

    seed(repo)
    camp = start(repo)
    now = [NOW]
    store = CaseStore(engine)
    service = CaseService(store, clock=lambda: now[0])
    A, H = m.CallAttempt, m.Household
    with engine.begin() as c:
        first, middle, last = c.execute(select(H.phone_e164).join(A, A.household_id == H.id).order_by(A.id)).scalars()
    for phone in (first, last):
        finish(repo, camp.id, "completed", {"identity": "yes"}, NOW, phone)
    with engine.begin() as c:
        late = c.execute(select(A).where(A.status == "pending")).mappings().one()
        c.execute(delete(A).where(A.id == late["id"]))  # its insert "not committed yet"
        ids = sorted(c.execute(select(A.id)).scalars())
    postgres = engine.dialect.name == "postgresql"

    assert service.sync().sources == 2
    assert store.calls_seen_through() == 0, "a candidate only: the mark has not waited yet"
    with engine.begin() as c:  # now the late attempt is there, under an id below the candidate's
        c.execute(insert(A).values(**dict(late)))
    assert late["id"] < max(ids)
    now[0] = NOW + MARK_DELAY + MIN
    service.sync()
    assert store.calls_seen_through() == (late["id"] - 1 if postgres else 0), "never past the late attempt"

    finish(repo, camp.id, "completed", {"identity": "yes"}, NOW, middle)
    now[0] += MIN
    assert service.sync().sources == 1, "the late attempt is looked at"
    now[0] += MARK_DELAY + MIN
    service.sync()
    now[0] += MARK_DELAY + MIN
    service.sync()
    assert store.calls_seen_through() == (max(ids + [late["id"]]) if postgres else 0)
    assert service.sync().sources == 0
