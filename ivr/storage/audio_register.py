"""The register of personal audio: which cache key (ivr.speech.cache) was rendered for whom, written at render
time, so that the purge and an erasure find every file of a person, whatever script text or variable values
it came from (a script edited since, `robocall call --var/--prompt`).

A subject is a contact (campaign prompts, a recognised hotline caller's script) or, for an ad-hoc call to a
number no contact is bound to, the SHA-256 of that number (never the number itself), or PREVIEW_SUBJECT for `script preview --var`. A key registered for
several subjects (two people with the same name) is deleted only when none of them remains. Migration
0009_personal_audio. Imports none of the domain.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
from typing import Any, Iterable, Sequence

from sqlalchemy import ForeignKey, String, bindparam, delete, insert, select
from sqlalchemy.orm import Mapped, mapped_column

from ivr.storage import models as m
from ivr.storage.base import StoreBase, chunks
from ivr.storage.types import UtcDateTime


PREVIEW_SUBJECT = "script-preview"  # `robocall script preview --var`: no number; purged after retention


def phone_digest(e164: str) -> str:
    """How the register names a number no contact is bound to."""
    return hashlib.sha256(e164.encode()).hexdigest()


class PersonalAudio(m.Base):
    """One rendered personal prompt (its cache key: both twins) and whose it is."""

    __tablename__ = "personal_audio"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    phone_digest: Mapped[str | None] = mapped_column(String(64), index=True)
    rendered_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


Entry = tuple[int | None, str | None, str]  # (contact id, phone digest, cache key): one subject set
_PA = m.table_of(PersonalAudio)


# Built once, executed with parameters (a call registers its contact's values: bench/README.md, "Controller CPU
# per call").
@functools.cache
def _have_of_contacts() -> Any:
    return (select(_PA.c.contact_id, _PA.c.phone_digest, _PA.c.key)
            .where(_PA.c.key.in_(bindparam("keys", expanding=True)),
                   _PA.c.contact_id.in_(bindparam("who", expanding=True))))


@functools.cache
def _have_of_digests() -> Any:
    return (select(_PA.c.contact_id, _PA.c.phone_digest, _PA.c.key)
            .where(_PA.c.key.in_(bindparam("keys", expanding=True)),
                   _PA.c.phone_digest.in_(bindparam("who", expanding=True))))


@functools.cache
def _add() -> Any:
    return insert(_PA)


class AudioRegister(StoreBase):
    """Write and read the register. Every method is one transaction."""

    def register(self, entries: Iterable[Entry], at: dt.datetime) -> int:
        """Record each (contact, phone digest, key) not recorded yet; returns how many were new."""
        wanted = {(c, p, k) for c, p, k in entries if c is not None or p is not None}
        if not wanted:
            return 0
        contacts = sorted({c for c, _p, _k in wanted if c is not None})
        digests = sorted({p for _c, p, _k in wanted if p is not None})
        with self._write_conn() as c:
            have: set[Entry] = set()
            # Only these subjects' rows: a key shared by many contacts (a common name, a number of days) would
            # otherwise bring back every contact's row at every call, more rows with each call of a campaign.
            for part in chunks(sorted({k for _c, _p, k in wanted})):
                for query, subjects in ((_have_of_contacts(), contacts), (_have_of_digests(), digests)):
                    for who in chunks(subjects):
                        have |= {(row[0], row[1], row[2]) for row in c.execute(
                            query, {"keys": list(part), "who": list(who)})}
            new = [{"contact_id": c, "phone_digest": p, "key": k, "rendered_at": at} for c, p, k in sorted(
                wanted - have, key=lambda e: (e[0] or 0, e[1] or "", e[2]))]
            if new:
                c.execute(_add(), new)
            return len(new)

    def keys_of(self, contact_ids: Sequence[int], digests: Sequence[str] = (),
                unattached_before: dt.datetime | None = None) -> set[str]:
        """The keys registered for these contacts or numbers (and, with ``unattached_before``, for every
        number rendered before then: ad-hoc calls past retention)."""
        with self._read() as s:
            return {key for _id, key in self._rows(s, contact_ids, digests, unattached_before)}

    def shared(self, keys: Iterable[str], contact_ids: Sequence[int], digests: Sequence[str] = (),
               unattached_before: dt.datetime | None = None) -> set[str]:
        """Of ``keys``, those also registered for a subject that stays (not among the ones purged)."""
        going: set[int] = set()
        with self._read() as s:
            going = {row_id for row_id, _key in self._rows(s, contact_ids, digests, unattached_before)}
            out: set[str] = set()
            for part in chunks(sorted(set(keys))):
                out |= {key for row_id, key in s.execute(select(PersonalAudio.id, PersonalAudio.key)
                                                         .where(PersonalAudio.key.in_(part)))
                        if row_id not in going}
            return out

    def forget(self, contact_ids: Sequence[int], digests: Sequence[str] = (),
               unattached_before: dt.datetime | None = None) -> int:
        """Drop the entries of these subjects (their files are gone)."""
        with self._write() as s:
            ids = [row_id for row_id, _key in self._rows(s, contact_ids, digests, unattached_before)]
            for part in chunks(ids):
                s.execute(delete(PersonalAudio).where(PersonalAudio.id.in_(part)))
            return len(ids)

    @staticmethod
    def _rows(s: object, contact_ids: Sequence[int], digests: Sequence[str],
              unattached_before: dt.datetime | None) -> list[tuple[int, str]]:
        from sqlalchemy.orm import Session

        assert isinstance(s, Session)
        out: list[tuple[int, str]] = []
        query = select(PersonalAudio.id, PersonalAudio.key)
        for part in chunks(list(contact_ids)):
            out += [(i, k) for i, k in s.execute(query.where(PersonalAudio.contact_id.in_(part)))]
        for dpart in chunks(list(digests)):
            out += [(i, k) for i, k in s.execute(query.where(PersonalAudio.phone_digest.in_(dpart)))]
        if unattached_before is not None:
            out += [(i, k) for i, k in s.execute(query.where(PersonalAudio.contact_id.is_(None),
                                                             PersonalAudio.rendered_at < unattached_before))]
        return sorted(set(out))


__all__ = ["PREVIEW_SUBJECT", "AudioRegister", "Entry", "PersonalAudio", "phone_digest"]
