"""Workers' leases and the hotline application's holder, on SQLite and PostgreSQL, on the database's clock.

Expiry is made, not waited for: a lease of 0 seconds has expired by the time it is read."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine

from ivr.storage.leases import LeaseLost, LeaseStore
from ivr.storage.records import AttemptStatus
from ivr.storage.repo import Repository

from test_ledger import NOW, seed, start

LONG = 600.0  # a lease that outlives the test


@pytest.fixture
def leases(engine: Engine) -> LeaseStore:
    return LeaseStore(engine)


def register(leases: LeaseStore, worker: str, ttl: float = LONG, url: str = "http://pbx1:8088") -> None:
    leases.register(worker, node="n1", pid=1, role="campaign", ari_url=url, app=f"robocall-{worker}", ttl=ttl)


def test_expiry_is_counted_on_the_database_clock(leases: LeaseStore) -> None:
    before = leases.db_now()
    register(leases, "w1", ttl=15)
    record = leases.get_worker("w1")
    assert record is not None and record.alive
    assert dt.timedelta(seconds=15) <= record.expires_at - before < dt.timedelta(seconds=20)


def test_heartbeat_renews_a_lapsed_lease_but_never_one_taken_over(leases: LeaseStore) -> None:
    register(leases, "alive")
    register(leases, "lapsed", ttl=0)  # ran out in a database outage, and nobody took it over
    register(leases, "dead", ttl=0)
    assert leases.heartbeat("alive", LONG, calls=3, campaigns=[7, 2, 7])
    assert leases.heartbeat("lapsed", LONG), "renewed: an outage must not cost a worker its calls"
    assert [w.id for w in leases.take_expired("alive")] == ["dead"]
    assert not leases.heartbeat("dead", LONG), "a lease taken over is lost for good"
    assert not leases.heartbeat("unknown", LONG)
    alive = {w.id: w for w in leases.workers()}
    assert set(alive) == {"alive", "lapsed"}
    assert alive["alive"].calls == 3 and alive["alive"].campaigns == (2, 7)


def test_a_dead_worker_is_taken_over_once(leases: LeaseStore) -> None:
    register(leases, "a")
    register(leases, "b")
    register(leases, "dead", ttl=0)
    taken = leases.take_expired("a")
    assert [w.id for w in taken] == ["dead"] and taken[0].ari_url == "http://pbx1:8088"
    assert leases.take_expired("b") == [], "another live worker does not take it over again"
    assert not leases.heartbeat("dead", LONG)


def test_a_worker_without_a_live_lease_takes_nobody_over(leases: LeaseStore) -> None:
    register(leases, "dead1", ttl=0)
    register(leases, "dead2", ttl=0)
    assert leases.take_expired("dead1") == []
    assert leases.take_expired("nobody") == []


def test_a_takeover_left_half_done_by_a_reaper_that_died_is_taken_over_again(leases: LeaseStore) -> None:
    register(leases, "dead", ttl=0)
    register(leases, "reaper", ttl=LONG)
    assert [w.id for w in leases.take_expired("reaper")] == ["dead"]
    # The reaper dies before calling reaped(): its own lease runs out.
    register(leases, "short", ttl=0)
    leases.take_expired("reaper")  # takes "short" over
    with leases._write() as s:  # noqa: SLF001 - the reaper's lease ends (what time would do)
        from ivr.storage import models as m
        s.get(m.Worker, "reaper").expires_at = leases._now(s) - dt.timedelta(seconds=1)  # type: ignore[union-attr]
    register(leases, "next")
    again = {w.id for w in leases.take_expired("next")}
    assert {"dead", "reaper"} <= again
    leases.reaped("dead", "next")
    assert "dead" not in {w.id for w in leases.take_expired("next")}


def test_a_clean_stop_needs_no_takeover(leases: LeaseStore) -> None:
    register(leases, "a")
    register(leases, "stopped")
    assert leases.stop("stopped") is True
    assert leases.take_expired("a") == []
    assert [w.id for w in leases.workers()] == ["a"]


def test_a_stop_with_attempts_left_in_flight_leaves_them_to_a_takeover(repo: Repository,
                                                                       leases: LeaseStore) -> None:
    """An attempt its worker could not finish (an answer the database refused) is not forgotten by a clean
    stop: the lease just ends, and the next live worker takes the attempt over."""
    seed(repo)
    camp = start(repo)
    register(leases, "a")
    register(leases, "stopping")
    claimed = repo.claim_due_attempts(camp.id, "stopping", NOW, 1, leased=True)
    repo.mark_dialing(claimed[0].id, "rc-left", NOW)
    assert leases.stop("stopping") is False
    assert [w.id for w in leases.workers()] == ["a"], "its lease ended"
    assert [w.id for w in leases.take_expired("a")] == ["stopping"]


def test_a_claim_carries_the_lease(repo: Repository, leases: LeaseStore) -> None:
    seed(repo)
    camp = start(repo)
    register(leases, "live")
    register(leases, "dead", ttl=0)
    with pytest.raises(LeaseLost):
        repo.claim_due_attempts(camp.id, "dead", NOW, 10, leased=True)
    assert all(a.status is AttemptStatus.PENDING for a in repo.campaign_attempts(camp.id)), "nothing claimed"
    assert repo.claim_due_attempts(camp.id, "live", NOW, 10, leased=True)


def test_dialling_a_claim_carries_the_lease_too(repo: Repository, leases: LeaseStore) -> None:
    """A worker cut off between its claim and its originate must not dial once its lease has expired (its
    claim was released and may be another worker's by now)."""
    from ivr.storage.ledger import AttemptConflict

    seed(repo)
    camp = start(repo)
    register(leases, "w1")
    register(leases, "w2")
    first, second = repo.claim_due_attempts(camp.id, "w1", NOW, 2, leased=True)[:2]
    with pytest.raises(AttemptConflict):
        repo.mark_dialing(first.id, "rc-x", NOW, leased_by="w2")  # w1's claim, not w2's
    assert repo.mark_dialing(first.id, "rc-1", NOW, leased_by="w1").status is AttemptStatus.DIALING
    with leases._write() as s:  # noqa: SLF001 - w1's lease ends (what time would do)
        from ivr.storage import models as m
        s.get(m.Worker, "w1").expires_at = leases._now(s) - dt.timedelta(seconds=1)  # type: ignore[union-attr]
    with pytest.raises(LeaseLost):
        repo.mark_dialing(second.id, "rc-2", NOW, leased_by="w1")
    assert repo.get_attempt(second.id).status is AttemptStatus.CLAIMED, "not marked dialling"


def test_in_flight_elsewhere_counts_other_workers_claims(repo: Repository) -> None:
    seed(repo)
    camp = start(repo)
    repo.claim_due_attempts(camp.id, "w1", NOW, 1)
    assert repo.in_flight_elsewhere(camp.id, "w2") == 1
    assert repo.in_flight_elsewhere(camp.id, "w1") == 0


def test_one_holder_of_an_application_per_pbx(leases: LeaseStore) -> None:
    first = leases.hold_app("http://pbx1:8088", "robocall", "s1", LONG)
    assert first.worker_id == "s1" and first.alive
    assert leases.hold_app("http://pbx1:8088", "robocall", "s2", LONG).worker_id == "s1", "the second stands by"
    assert leases.hold_app("http://pbx2:8088", "robocall", "s2", LONG).worker_id == "s2", "another PBX is free"
    assert leases.hold_app("http://pbx1:8088", "robocall", "s1", LONG).worker_id == "s1", "renewed"
    assert {(h.pbx, h.worker_id) for h in leases.app_holders()} == {("http://pbx1:8088", "s1"),
                                                                     ("http://pbx2:8088", "s2")}


def test_an_expired_holder_is_replaced_and_learns_it(leases: LeaseStore) -> None:
    leases.hold_app("http://pbx1:8088", "robocall", "s1", 0)  # s1 stops renewing (dead, or cut off)
    assert leases.hold_app("http://pbx1:8088", "robocall", "s2", LONG).worker_id == "s2"
    assert leases.hold_app("http://pbx1:8088", "robocall", "s1", LONG).worker_id == "s2", "s1 sees it lost"
    leases.release_app("http://pbx1:8088", "robocall", "s1")  # releasing what is not ours changes nothing
    assert leases.hold_app("http://pbx1:8088", "robocall", "s3", LONG).worker_id == "s2"
    leases.release_app("http://pbx1:8088", "robocall", "s2")
    assert leases.hold_app("http://pbx1:8088", "robocall", "s3", LONG).worker_id == "s3"
