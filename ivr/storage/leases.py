"""Workers' leases and the holders of shared ARI applications, on the database's clock.

Several controller processes (on one host or many) share one database. Each registers as a worker and
renews its lease with a heartbeat; a lease is alive while ``expires_at`` is ahead of the DATABASE's clock
(``now()`` on PostgreSQL, SQLite's own clock), so hosts whose clocks disagree still agree on who is alive.

- ``take_expired``: a live worker takes over dead workers (expired, not yet taken over, or taken over by
  a worker that died too) one transaction at a time; the domain (ivr.workers) then resolves their
  attempts on their PBX and calls ``reaped``. PostgreSQL skips rows another reaper holds (SKIP LOCKED).
- ``holds_lease``: the ledger checks it inside the claim's transaction, so a claim carries its lease.
- ``hold_app``: one holder per (PBX, application) with a lease of its own (a few seconds), so a standby
  process takes the hotline over soon after the holder dies, and only after.

Storage only: the rules (when to beat, what to do with a dead worker's calls) are the domain's.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Sequence

from sqlalchemy import Connection, delete, func, or_, select, text, update
from sqlalchemy.orm import Session

from ivr.storage import models as m
from ivr.storage import records as r
from ivr.storage.base import StoreBase

W, HOLD = m.Worker, m.AppHolder
FORGET_AFTER = dt.timedelta(days=1)  # rows of workers stopped or taken over longer ago are deleted


class LeaseLost(Exception):
    """This worker's lease expired (or it was taken over): it must not claim or originate any more."""


@dataclass(frozen=True)
class WorkerRecord:
    id: str
    node: str
    pid: int
    role: str
    ari_url: str
    app: str
    started_at: dt.datetime
    heartbeat_at: dt.datetime
    expires_at: dt.datetime
    calls: int
    campaigns: tuple[int, ...]
    stopped_at: dt.datetime | None
    reaped_by: str | None
    reaped_at: dt.datetime | None
    alive: bool  # lease ahead of the database's clock when read


@dataclass(frozen=True)
class AppHolding:
    pbx: str
    app: str
    worker_id: str
    since: dt.datetime
    expires_at: dt.datetime
    alive: bool


def _worker(row: m.Worker, now: dt.datetime) -> WorkerRecord:
    campaigns = tuple(int(c) for c in row.campaigns.split(",") if c) if row.campaigns else ()
    return WorkerRecord(row.id, row.node, row.pid, row.role, row.ari_url, row.app, row.started_at,
                        row.heartbeat_at, row.expires_at, row.calls, campaigns, row.stopped_at, row.reaped_by,
                        row.reaped_at, alive=_ahead(row.expires_at, now) and row.reaped_by is None)


def db_now(s: Session | Connection) -> dt.datetime:
    """The database's clock, inside the session's (or connection's) transaction (UTC, aware)."""
    dialect = s.dialect if isinstance(s, Connection) else s.get_bind().dialect
    if dialect.name == "postgresql":
        value: dt.datetime = s.scalar(text("SELECT clock_timestamp()"))
        return value.astimezone(dt.timezone.utc)
    raw = s.scalar(text("SELECT strftime('%Y-%m-%d %H:%M:%f', 'now')"))
    return dt.datetime.fromisoformat(str(raw)).replace(tzinfo=dt.timezone.utc)


def lease_alive(s: Session | Connection, worker_id: str) -> bool:
    """Inside a caller's transaction (e.g. a claim): is ``worker_id``'s lease alive now?"""
    now = db_now(s)
    return s.scalar(select(W.id).where(W.id == worker_id, W.expires_at > now, W.reaped_by.is_(None))) is not None


def _ahead(when: dt.datetime, now: dt.datetime) -> bool:
    return (when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)) > now


class LeaseStore(StoreBase):
    # -- the database's clock ---------------------------------------------------------------------------
    def db_now(self) -> dt.datetime:
        with self._read() as s:
            return self._now(s)

    def _now(self, s: Session) -> dt.datetime:
        return db_now(s)

    # -- workers ----------------------------------------------------------------------------------------
    def register(self, worker_id: str, *, node: str, pid: int, role: str, ari_url: str, app: str,
                 ttl: float) -> dt.datetime:
        """Record a new worker with a lease of ``ttl`` seconds; returns when it expires (database clock)."""
        with self._write() as s:
            now = self._now(s)
            expires = now + dt.timedelta(seconds=ttl)
            s.add(W(id=worker_id, node=node, pid=pid, role=role, ari_url=ari_url, app=app, started_at=now,
                    heartbeat_at=now, expires_at=expires, calls=0, campaigns=""))
            return expires

    def heartbeat(self, worker_id: str, ttl: float, *, calls: int = 0,
                  campaigns: Sequence[int] = ()) -> bool:
        """Renew the lease; False once it was taken over (or stopped): then it is never revived.

        A lease that expired while nobody took it over is renewed: a database outage longer than the lease
        (every worker's heartbeats failing at once) must not cost every worker its calls. Taking over and
        renewing exclude each other: both write the row, and a takeover marks it first (``reaped_by``)."""
        with self._write() as s:
            now = self._now(s)
            done = s.execute(update(W).where(W.id == worker_id, W.reaped_by.is_(None))
                             .values(heartbeat_at=now, expires_at=now + dt.timedelta(seconds=ttl), calls=calls,
                                     campaigns=",".join(str(c) for c in sorted(set(campaigns)))[:200])
                             .returning(W.id)).first()
            return done is not None

    def stop(self, worker_id: str) -> bool:
        """A clean stop. True if the worker left nothing in flight: nobody needs to take it over. Else (an
        attempt it could not finish, e.g. an answer the database refused) its lease just ends now, and a
        live worker, or the next one to start, takes those attempts over."""
        with self._write() as s:
            now = self._now(s)
            left = s.scalar(select(func.count()).select_from(m.CallAttempt).where(
                m.CallAttempt.claimed_by == worker_id,
                m.CallAttempt.status.in_((r.AttemptStatus.CLAIMED.value, r.AttemptStatus.DIALING.value))))
            values: dict[str, object] = {"stopped_at": now, "expires_at": now, "calls": 0}
            if not left:
                values.update(reaped_by=worker_id, reaped_at=now)
            s.execute(update(W).where(W.id == worker_id, W.reaped_by.is_(None)).values(**values))
            return not left

    def take_expired(self, reaper_id: str, limit: int = 10) -> list[WorkerRecord]:
        """Mark up to ``limit`` dead workers as being taken over by ``reaper_id`` and return them.

        Dead: lease expired and not yet taken over, or taken over by a worker whose own lease expired
        before it finished (then the takeover is taken over again)."""
        with self._write() as s:
            now = self._now(s)
            if not lease_alive(s, reaper_id):
                return []
            dead_reapers = select(W.id).where(W.expires_at <= now).scalar_subquery()
            query = (select(W).where(W.expires_at <= now, W.reaped_at.is_(None),
                                     or_(W.reaped_by.is_(None), W.reaped_by.in_(dead_reapers)))
                     .order_by(W.expires_at).limit(limit))
            if self._postgres:
                query = query.with_for_update(skip_locked=True, of=W)
            rows = list(s.scalars(query))
            for row in rows:
                row.reaped_by = reaper_id
            s.flush()
            s.execute(delete(W).where(W.reaped_at < now - FORGET_AFTER))
            return [_worker(row, now) for row in rows]

    def reaped(self, dead_id: str, reaper_id: str) -> None:
        """The dead worker's attempts are resolved: nobody needs to take it over again."""
        with self._write() as s:
            now = self._now(s)
            s.execute(update(W).where(W.id == dead_id, W.reaped_by == reaper_id).values(reaped_at=now))

    def workers(self, *, alive_only: bool = True) -> list[WorkerRecord]:
        with self._read() as s:
            now = self._now(s)
            query = select(W).order_by(W.node, W.started_at)
            if alive_only:
                query = query.where(W.expires_at > now, W.reaped_by.is_(None))
            return [_worker(row, now) for row in s.scalars(query)]

    def get_worker(self, worker_id: str) -> WorkerRecord | None:
        with self._read() as s:
            row = s.get(W, worker_id)
            return _worker(row, self._now(s)) if row else None

    # -- holders of shared applications -------------------------------------------------------------------
    def hold_app(self, pbx: str, app: str, worker_id: str, ttl: float) -> AppHolding:
        """Take or renew (PBX, app) for ``worker_id`` if it is free, expired, or already ours; returns the
        holding as it is now (compare its ``worker_id``: someone else may hold it)."""
        with self._write() as s:
            now = self._now(s)
            query = select(HOLD).where(HOLD.pbx == pbx, HOLD.app == app)
            row = s.scalar(query.with_for_update() if self._postgres else query)
            expires = now + dt.timedelta(seconds=ttl)
            if row is None:
                row = HOLD(pbx=pbx, app=app, worker_id=worker_id, since=now, expires_at=expires)
                s.add(row)
                s.flush()
            elif row.worker_id == worker_id and _ahead(row.expires_at, now):
                row.expires_at = expires
            elif not _ahead(row.expires_at, now):
                row.worker_id, row.since, row.expires_at = worker_id, now, expires
            return AppHolding(row.pbx, row.app, row.worker_id, row.since, row.expires_at,
                              alive=_ahead(row.expires_at, now))

    def release_app(self, pbx: str, app: str, worker_id: str) -> None:
        with self._write() as s:
            s.execute(delete(HOLD).where(HOLD.pbx == pbx, HOLD.app == app, HOLD.worker_id == worker_id))

    def app_holders(self) -> list[AppHolding]:
        with self._read() as s:
            now = self._now(s)
            return [AppHolding(h.pbx, h.app, h.worker_id, h.since, h.expires_at, alive=_ahead(h.expires_at, now))
                    for h in s.scalars(select(HOLD).order_by(HOLD.pbx, HOLD.app))]


__all__: Sequence[str] = ["AppHolding", "LeaseLost", "LeaseStore", "WorkerRecord", "db_now", "lease_alive"]
